package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Admin is a member of the business's staff who runs the admin console.
// Local admins have a password hash; directory admins (a later source) are
// keyed by the directory's stable id instead.
type Admin struct {
	ID                 int64
	Username           string // lower-cased
	Email              string // lower-cased, optional
	DisplayName        string
	PasswordHash       string
	Source             string // "local" or "ldap"
	ExternalID         string
	Active             bool
	MustChangePassword bool
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

// Name is the display name, or the username.
func (a *Admin) Name() string {
	if a.DisplayName != "" {
		return a.DisplayName
	}
	return a.Username
}

const adminColumns = `id, username, email, display_name, password_hash, source, external_id, active,
	must_change_password, created_at, updated_at, last_login_at, password_changed_at,
	password_expires_at, failed_streak`

func scanAdmin(row interface{ Scan(...any) error }) (*Admin, error) {
	var a Admin
	var email, hash, ext sql.NullString
	var lastLogin, changed, expires sql.NullTime
	err := row.Scan(&a.ID, &a.Username, &email, &a.DisplayName, &hash, &a.Source, &ext, &a.Active,
		&a.MustChangePassword, &a.CreatedAt, &a.UpdatedAt, &lastLogin, &changed, &expires, &a.FailedStreak)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: read admin: %w", err)
	}
	a.Email, a.PasswordHash, a.ExternalID = email.String, hash.String, ext.String
	a.CreatedAt, a.UpdatedAt = utc(a.CreatedAt), utc(a.UpdatedAt)
	a.LastLoginAt, a.PasswordChangedAt, a.PasswordExpiresAt = nullTime(lastLogin), nullTime(changed), nullTime(expires)
	return &a, nil
}

// AdminByID returns the admin or ErrNotFound.
func (s *Store) AdminByID(ctx context.Context, id int64) (*Admin, error) {
	return scanAdmin(s.r.QueryRowContext(ctx, `SELECT `+adminColumns+` FROM admins WHERE id = $1`, id))
}

// LocalAdminByLogin finds a local admin by username or email, case-insensitively.
func (s *Store) LocalAdminByLogin(ctx context.Context, login string) (*Admin, error) {
	login = strings.ToLower(strings.TrimSpace(login))
	if login == "" {
		return nil, ErrNotFound
	}
	return scanAdmin(s.r.QueryRowContext(ctx, `SELECT `+adminColumns+` FROM admins
		WHERE source = 'local' AND (username = $1 OR email = $1) ORDER BY id LIMIT 1`, login))
}

// ListAdmins returns every admin ordered by username.
func (s *Store) ListAdmins(ctx context.Context) ([]Admin, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+adminColumns+` FROM admins ORDER BY username, id`)
	if err != nil {
		return nil, fmt.Errorf("store: list admins: %w", err)
	}
	defer rows.Close()
	var out []Admin
	for rows.Next() {
		a, err := scanAdmin(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *a)
	}
	return out, rows.Err()
}

// CreateAdmin inserts a, setting a.ID; a taken username or email gives ErrConflict.
func (tx *Tx) CreateAdmin(ctx context.Context, a *Admin) error {
	a.Username = strings.ToLower(strings.TrimSpace(a.Username))
	a.Email = strings.ToLower(strings.TrimSpace(a.Email))
	if a.Source == "" {
		a.Source = "local"
	}
	var email, hash, ext *string
	if a.Email != "" {
		email = &a.Email
	}
	if a.PasswordHash != "" {
		hash = &a.PasswordHash
	}
	if a.ExternalID != "" {
		ext = &a.ExternalID
	}
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO admins (username, email, display_name, password_hash, source,
		external_id, active, must_change_password, created_at, updated_at, password_changed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) RETURNING id`,
		a.Username, nullString(email), a.DisplayName, nullString(hash), a.Source, nullString(ext), a.Active,
		a.MustChangePassword, a.CreatedAt, sql.NullTime{Time: a.CreatedAt, Valid: hash != nil}).Scan(&a.ID)
	if isUnique(err) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("store: create admin: %w", err)
	}
	return nil
}

// SetAdminPassword stores a new hash for a local admin; see SetAccountPassword.
func (tx *Tx) SetAdminPassword(ctx context.Context, id int64, hash string, mustChange, changed bool, at time.Time) error {
	q := `UPDATE admins SET password_hash = $1, must_change_password = $2, updated_at = $3 WHERE id = $4`
	if changed {
		q = `UPDATE admins SET password_hash = $1, must_change_password = $2, updated_at = $3, password_changed_at = $3,
			password_expires_at = NULL, failed_streak = 0 WHERE id = $4`
	}
	return execOne(ctx, tx.tx, "set password of admin", q, hash, mustChange, at, id)
}

// RehashAdminPassword replaces the hash only if it is still oldHash.
func (s *Store) RehashAdminPassword(ctx context.Context, id int64, oldHash, newHash string) error {
	_, err := s.w.ExecContext(ctx, `UPDATE admins SET password_hash = $1 WHERE id = $2 AND password_hash = $3`, newHash, id, oldHash)
	if err != nil {
		return fmt.Errorf("store: rehash password of admin %d: %w", id, err)
	}
	return nil
}

// SetAdminActive activates or deactivates an admin.
func (tx *Tx) SetAdminActive(ctx context.Context, id int64, active bool, at time.Time) error {
	return execOne(ctx, tx.tx, "set active of admin", `UPDATE admins SET active = $1, updated_at = $2 WHERE id = $3`, active, at, id)
}

// TouchAdminLogin records a successful admin sign-in.
func (tx *Tx) TouchAdminLogin(ctx context.Context, id int64, at time.Time) error {
	return execOne(ctx, tx.tx, "record sign-in of admin", `UPDATE admins SET last_login_at = $1 WHERE id = $2`, at, id)
}

// LocalAdminByUsername reads a local admin inside the transaction.
func (tx *Tx) LocalAdminByUsername(ctx context.Context, username string) (*Admin, error) {
	return scanAdmin(tx.tx.QueryRowContext(ctx, `SELECT `+adminColumns+` FROM admins WHERE source = 'local' AND username = $1`,
		strings.ToLower(strings.TrimSpace(username))))
}
