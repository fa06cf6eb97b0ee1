package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// This file holds what `portico import` needs beyond the ordinary account
// and audit methods: accounts written with the original's timestamps, a
// password carried over as the original stored it, customers recorded only
// when missing, and audit entries appended with their original time and the
// imported flag. Every method runs inside the import's one transaction.

// AccountsWithScopes returns every account with its scope, ordered by id,
// read inside the transaction so the import plans against what it changes.
func (tx *Tx) AccountsWithScopes(ctx context.Context) ([]Account, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: list accounts: %w", err)
	}
	var out []Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, *a)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("store: list accounts: %w", err)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list accounts: %w", err)
	}
	scopes := map[int64][]string{}
	srows, err := tx.tx.QueryContext(ctx, `SELECT account_id, customer_key FROM account_scopes ORDER BY account_id, customer_key`)
	if err != nil {
		return nil, fmt.Errorf("store: list account scopes: %w", err)
	}
	defer srows.Close()
	for srows.Next() {
		var id int64
		var k string
		if err := srows.Scan(&id, &k); err != nil {
			return nil, fmt.Errorf("store: list account scopes: %w", err)
		}
		scopes[id] = append(scopes[id], k)
	}
	if err := srows.Err(); err != nil {
		return nil, fmt.Errorf("store: list account scopes: %w", err)
	}
	for i := range out {
		out[i].Scope = scopes[out[i].ID]
	}
	return out, nil
}

// InsertImportedAccount inserts an account carried over from another
// portal, with its scope, and sets a.ID. Unlike CreateAccount it keeps the
// times given (created, last sign-in) and records no password change time:
// the password, if any, was set in the original, not in Portico. A taken
// email or username gives ErrConflict.
func (tx *Tx) InsertImportedAccount(ctx context.Context, a *Account, at time.Time) error {
	a.Email = strings.ToLower(strings.TrimSpace(a.Email))
	a.Username = strings.ToLower(strings.TrimSpace(a.Username))
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO accounts (email, username, first_name, last_name, password_hash,
		active, must_change_password, all_customers, created_at, updated_at, last_login_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		a.Email, optional(a.Username), a.FirstName, a.LastName, optional(a.PasswordHash), a.Active, a.MustChangePassword,
		a.AllCustomers, a.CreatedAt, at, sqlTime(a.LastLoginAt)).Scan(&a.ID)
	if isUnique(err) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("store: import account %s: %w", a.Email, err)
	}
	return tx.SetAccountScope(ctx, a.ID, a.AllCustomers, a.Scope, at)
}

// UpdateImportedAccount stores the fields an import carries over onto an
// existing account: names, username, active, must-change flag and last
// sign-in. The password and the scope have methods of their own. A taken
// username gives ErrConflict.
func (tx *Tx) UpdateImportedAccount(ctx context.Context, a *Account, at time.Time) error {
	a.Username = strings.ToLower(strings.TrimSpace(a.Username))
	err := execOne(ctx, tx.tx, "import into account", `UPDATE accounts SET first_name = $1, last_name = $2, username = $3,
		active = $4, must_change_password = $5, last_login_at = $6, updated_at = $7 WHERE id = $8`,
		a.FirstName, a.LastName, optional(a.Username), a.Active, a.MustChangePassword, sqlTime(a.LastLoginAt), at, a.ID)
	if isUnique(err) {
		return ErrConflict
	}
	return err
}

// SetImportedPassword stores a password hash carried over from another
// portal as it was stored there. Like any new password it clears a
// temporary password's expiry and the failure streak; the change time is
// cleared too, because the password was not set in Portico.
func (tx *Tx) SetImportedPassword(ctx context.Context, id int64, hash string, mustChange bool, at time.Time) error {
	return execOne(ctx, tx.tx, "import password of account", `UPDATE accounts SET password_hash = $1, must_change_password = $2,
		password_changed_at = NULL, password_expires_at = NULL, failed_streak = 0, updated_at = $3 WHERE id = $4`,
		optional(hash), mustChange, at, id)
}

// InsertCustomerIfMissing records a customer unless one with that key is
// already known (which is left exactly as it is), and reports whether it
// was added.
func (tx *Tx) InsertCustomerIfMissing(ctx context.Context, c *Customer) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO customers (customer_key, display_name, portal_enabled, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $4) ON CONFLICT (customer_key) DO NOTHING`, c.Key, c.DisplayName, c.PortalEnabled, c.CreatedAt)
	if err != nil {
		return false, fmt.Errorf("store: save customer %q: %w", c.Key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: save customer %q: %w", c.Key, err)
	}
	return n > 0, nil
}

// ImportKeyField and ImportSourceField are the keys of an imported audit
// entry's details that say where it came from: the original portal, and
// a key of the original row that stays the same from one import to the
// next (so importing again adds nothing twice).
const (
	ImportSourceField = "imported_from"
	ImportKeyField    = "import_key"
)

// InsertImportedAudit appends an entry carried over from another portal's
// audit log, keeping its original time (e.At) and marking it imported. Its
// details must name the source and the row (ImportSourceField,
// ImportKeyField) for ImportedAuditKeys to find it again.
func (tx *Tx) InsertImportedAudit(ctx context.Context, e *AuditEntry) error {
	e.Imported = true
	e.At = e.At.UTC()
	return insertAudit(ctx, tx.tx, e)
}

// ImportedAuditKeys returns the import keys of the entries already imported
// from source. The audit log being append-only, this is also every key
// that will ever need skipping.
func (tx *Tx) ImportedAuditKeys(ctx context.Context, source string) (map[string]bool, error) {
	// The LIKE only narrows the scan (encoding/json writes no spaces);
	// the JSON decides.
	rows, err := tx.tx.QueryContext(ctx, `SELECT details FROM audit_log WHERE imported = TRUE AND details LIKE $1 ESCAPE '\'`,
		"%"+EscapeLike(`"`+ImportSourceField+`":"`+source+`"`)+"%")
	if err != nil {
		return nil, fmt.Errorf("store: read imported audit entries: %w", err)
	}
	defer rows.Close()
	keys := map[string]bool{}
	for rows.Next() {
		var details string
		if err := rows.Scan(&details); err != nil {
			return nil, fmt.Errorf("store: read imported audit entries: %w", err)
		}
		var d map[string]any
		if json.Unmarshal([]byte(details), &d) != nil {
			continue
		}
		if s, _ := d[ImportSourceField].(string); s != source {
			continue
		}
		if k, _ := d[ImportKeyField].(string); k != "" {
			keys[k] = true
		}
	}
	return keys, rows.Err()
}

// optional is NULL for an empty string.
func optional(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// sqlTime is NULL for a nil time.
func sqlTime(t *time.Time) sql.NullTime {
	if t == nil {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: t.UTC(), Valid: true}
}
