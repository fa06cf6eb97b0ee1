package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Account is a customer's sign-in: a person at one of the business's
// customers. Its scope is AllCustomers or the customer keys in Scope.
type Account struct {
	ID                 int64
	Email              string // stored lower-cased; sign-in is case-insensitive
	Username           string // optional second sign-in name, lower-cased
	FirstName          string
	LastName           string
	PasswordHash       string // empty until the person sets a password
	Active             bool
	MustChangePassword bool
	AllCustomers       bool
	Scope              []string // customer keys, sorted; empty when AllCustomers
	CreatedAt          time.Time
	UpdatedAt          time.Time
	LastLoginAt        *time.Time
	PasswordChangedAt  *time.Time
	// PasswordExpiresAt is set while the password is a temporary one: it
	// works for one sign-in before then.
	PasswordExpiresAt *time.Time
	// FailedStreak counts consecutive failed sign-ins, across lock windows;
	// at MaxFailedStreak only a new password unlocks.
	FailedStreak int
}

// Name is the person's full name, or the email when no name is stored.
func (a *Account) Name() string {
	if n := strings.TrimSpace(a.FirstName + " " + a.LastName); n != "" {
		return n
	}
	return a.Email
}

const accountColumns = `id, email, username, first_name, last_name, password_hash, active,
	must_change_password, all_customers, created_at, updated_at, last_login_at, password_changed_at,
	password_expires_at, failed_streak`

func scanAccount(row interface{ Scan(...any) error }) (*Account, error) {
	var a Account
	var username, hash sql.NullString
	var lastLogin, changed, expires sql.NullTime
	err := row.Scan(&a.ID, &a.Email, &username, &a.FirstName, &a.LastName, &hash, &a.Active,
		&a.MustChangePassword, &a.AllCustomers, &a.CreatedAt, &a.UpdatedAt, &lastLogin, &changed, &expires, &a.FailedStreak)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: read account: %w", err)
	}
	a.Username, a.PasswordHash = username.String, hash.String
	a.CreatedAt, a.UpdatedAt = utc(a.CreatedAt), utc(a.UpdatedAt)
	a.LastLoginAt, a.PasswordChangedAt, a.PasswordExpiresAt = nullTime(lastLogin), nullTime(changed), nullTime(expires)
	return &a, nil
}

// AccountByID returns the account with its scope, or ErrNotFound.
func (s *Store) AccountByID(ctx context.Context, id int64) (*Account, error) {
	return accountWhere(ctx, s.r, `id = $1`, id)
}

// AccountByLogin finds an account by email or username, case-insensitively.
func (s *Store) AccountByLogin(ctx context.Context, login string) (*Account, error) {
	login = strings.ToLower(strings.TrimSpace(login))
	if login == "" {
		return nil, ErrNotFound
	}
	return accountWhere(ctx, s.r, `email = $1 OR username = $1`, login)
}

// AccountByID reads an account inside the transaction.
func (tx *Tx) AccountByID(ctx context.Context, id int64) (*Account, error) {
	return accountWhere(ctx, tx.tx, `id = $1`, id)
}

func accountWhere(ctx context.Context, q querier, where string, args ...any) (*Account, error) {
	a, err := scanAccount(q.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE `+where+` ORDER BY id LIMIT 1`, args...))
	if err != nil {
		return nil, err
	}
	if a.Scope, err = accountScope(ctx, q, a.ID); err != nil {
		return nil, err
	}
	return a, nil
}

func accountScope(ctx context.Context, q querier, id int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT customer_key FROM account_scopes WHERE account_id = $1 ORDER BY customer_key`, id)
	if err != nil {
		return nil, fmt.Errorf("store: read scope of account %d: %w", id, err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("store: read scope of account %d: %w", id, err)
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// ListAccounts returns every account ordered by email, without scopes.
func (s *Store) ListAccounts(ctx context.Context) ([]Account, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("store: list accounts: %w", err)
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *a)
	}
	return out, rows.Err()
}

// CreateAccount inserts a and its scope, setting a.ID. A taken email or
// username gives ErrConflict.
func (tx *Tx) CreateAccount(ctx context.Context, a *Account) error {
	a.Email = strings.ToLower(strings.TrimSpace(a.Email))
	a.Username = strings.ToLower(strings.TrimSpace(a.Username))
	var username, hash *string
	if a.Username != "" {
		username = &a.Username
	}
	if a.PasswordHash != "" {
		hash = &a.PasswordHash
	}
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO accounts (email, username, first_name, last_name, password_hash,
		active, must_change_password, all_customers, created_at, updated_at, password_changed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) RETURNING id`,
		a.Email, nullString(username), a.FirstName, a.LastName, nullString(hash), a.Active, a.MustChangePassword,
		a.AllCustomers, a.CreatedAt, sql.NullTime{Time: a.CreatedAt, Valid: hash != nil}).Scan(&a.ID)
	if isUnique(err) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("store: create account: %w", err)
	}
	return tx.SetAccountScope(ctx, a.ID, a.AllCustomers, a.Scope, a.CreatedAt)
}

// SetAccountScope replaces the account's scope: all customers, or the given
// keys (trimmed, de-duplicated).
func (tx *Tx) SetAccountScope(ctx context.Context, id int64, all bool, keys []string, at time.Time) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE accounts SET all_customers = $1, updated_at = $2 WHERE id = $3`, all, at, id); err != nil {
		return fmt.Errorf("store: set scope of account %d: %w", id, err)
	}
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM account_scopes WHERE account_id = $1`, id); err != nil {
		return fmt.Errorf("store: set scope of account %d: %w", id, err)
	}
	if all {
		return nil
	}
	for _, k := range NormalizeKeys(keys) {
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO account_scopes (account_id, customer_key) VALUES ($1, $2)`, id, k); err != nil {
			return fmt.Errorf("store: set scope of account %d: %w", id, err)
		}
	}
	return nil
}

// NormalizeKeys trims, drops empty and duplicate customer keys, and sorts them.
func NormalizeKeys(keys []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, k := range keys {
		k = strings.TrimSpace(k)
		if k != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// SetAccountPassword stores a new password hash. changed says whether the
// person chose a new password (as opposed to a rehash of the same one),
// which records the change time; mustChange flags a temporary password.
func (tx *Tx) SetAccountPassword(ctx context.Context, id int64, hash string, mustChange, changed bool, at time.Time) error {
	q := `UPDATE accounts SET password_hash = $1, must_change_password = $2, updated_at = $3 WHERE id = $4`
	if changed {
		q = `UPDATE accounts SET password_hash = $1, must_change_password = $2, updated_at = $3, password_changed_at = $3,
			password_expires_at = NULL, failed_streak = 0 WHERE id = $4`
	}
	return execOne(ctx, tx.tx, "set password of account", q, hash, mustChange, at, id)
}

// RehashAccountPassword replaces the stored hash only if it is still old,
// so a rehash racing a password change never undoes the change.
func (s *Store) RehashAccountPassword(ctx context.Context, id int64, oldHash, newHash string) error {
	_, err := s.w.ExecContext(ctx, `UPDATE accounts SET password_hash = $1 WHERE id = $2 AND password_hash = $3`, newHash, id, oldHash)
	if err != nil {
		return fmt.Errorf("store: rehash password of account %d: %w", id, err)
	}
	return nil
}

// SetAccountActive activates or deactivates the account.
func (tx *Tx) SetAccountActive(ctx context.Context, id int64, active bool, at time.Time) error {
	return execOne(ctx, tx.tx, "set active of account", `UPDATE accounts SET active = $1, updated_at = $2 WHERE id = $3`, active, at, id)
}

// TouchAccountLogin records a successful sign-in.
func (tx *Tx) TouchAccountLogin(ctx context.Context, id int64, at time.Time) error {
	return execOne(ctx, tx.tx, "record sign-in of account", `UPDATE accounts SET last_login_at = $1 WHERE id = $2`, at, id)
}

// execOne runs an UPDATE that must touch exactly one row; none is ErrNotFound.
func execOne(ctx context.Context, q querier, what, query string, args ...any) error {
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrNotFound
	}
	return nil
}
