package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ErrLastActiveAdmin means a deactivation would leave no active admin.
var ErrLastActiveAdmin = errors.New("store: the last active admin cannot be deactivated")

// ErrActorInactive means the admin asking for a change is no longer active
// (deactivated by someone else a moment before).
var ErrActorInactive = errors.New("store: the acting admin is no longer active")

// ErrAlreadyInactive means the admin to deactivate is inactive already.
var ErrAlreadyInactive = errors.New("store: the admin is already inactive")

// AdminByID reads an admin inside the transaction.
func (tx *Tx) AdminByID(ctx context.Context, id int64) (*Admin, error) {
	return scanAdmin(tx.tx.QueryRowContext(ctx, `SELECT `+adminColumns+` FROM admins WHERE id = $1`, id))
}

// AdminNameClash reports whether a new local admin's username or email
// would collide with an existing admin. Sign-in accepts a username or an
// email in one field, so a username may not equal anyone's email and an
// email may not equal anyone's username either; all comparisons ignore case.
func (tx *Tx) AdminNameClash(ctx context.Context, username, email string) (usernameTaken, emailTaken bool, err error) {
	username = strings.ToLower(strings.TrimSpace(username))
	email = strings.ToLower(strings.TrimSpace(email))
	if username == "" && email == "" {
		return false, false, nil
	}
	rows, err := tx.tx.QueryContext(ctx, `SELECT username, email FROM admins
		WHERE username IN ($1, $2) OR email IN ($1, $2)`, username, email)
	if err != nil {
		return false, false, fmt.Errorf("store: check admin names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var u string
		var e *string
		if err := rows.Scan(&u, &e); err != nil {
			return false, false, fmt.Errorf("store: check admin names: %w", err)
		}
		taken := []string{strings.ToLower(u)}
		if e != nil && *e != "" {
			taken = append(taken, strings.ToLower(*e))
		}
		if username != "" && slices.Contains(taken, username) {
			usernameTaken = true
		}
		if email != "" && slices.Contains(taken, email) {
			emailTaken = true
		}
	}
	return usernameTaken, emailTaken, rows.Err()
}

// lockActiveAdmins returns the ids of the active admins, locking their rows
// on PostgreSQL until the transaction ends, so that two deactivations
// running at once see each other: the second waits for the first and then
// counts what is left. SQLite has a single writer, so its write
// transactions never overlap in the first place.
func (tx *Tx) lockActiveAdmins(ctx context.Context) ([]int64, error) {
	q := `SELECT id FROM admins WHERE active ORDER BY id`
	if tx.s.Dialect == Postgres {
		q += ` FOR UPDATE`
	}
	rows, err := tx.tx.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: lock active admins: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: lock active admins: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// DeactivateAdmin deactivates admin id on behalf of admin byID (0 for the
// system). It refuses with ErrActorInactive when byID is no longer active,
// ErrAlreadyInactive when id is inactive, ErrNotFound when id does not
// exist, and ErrLastActiveAdmin when no other active admin would remain.
// The count and the change happen under one lock, so of two admins
// deactivating each other at the same moment only one succeeds.
func (tx *Tx) DeactivateAdmin(ctx context.Context, id, byID int64, at time.Time) error {
	active, err := tx.lockActiveAdmins(ctx)
	if err != nil {
		return err
	}
	if byID != 0 && !slices.Contains(active, byID) {
		return ErrActorInactive
	}
	if !slices.Contains(active, id) {
		if _, err := tx.AdminByID(ctx, id); err != nil {
			return err
		}
		return ErrAlreadyInactive
	}
	if len(active) < 2 {
		return ErrLastActiveAdmin
	}
	return execOne(ctx, tx.tx, "deactivate admin", `UPDATE admins SET active = $1, updated_at = $2 WHERE id = $3 AND active`, false, at, id)
}

// OpenInvitations returns, for each person of kind with an unused,
// unexpired invitation link (only those in ids, when given), when the
// newest such link expires. The maximum is taken in Go: an aggregate of a
// timestamp comes back from SQLite as text.
func (s *Store) OpenInvitations(ctx context.Context, kind string, now time.Time, ids ...int64) (map[int64]time.Time, error) {
	q := `SELECT principal_id, expires_at FROM one_time_tokens
		WHERE principal_kind = $1 AND purpose = 'invitation' AND used_at IS NULL AND expires_at > $2`
	args := []any{kind, now}
	if len(ids) > 0 {
		var list string
		list, args = inList(args, ids)
		q += ` AND principal_id IN (` + list + `)`
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list open invitations: %w", err)
	}
	defer rows.Close()
	out := map[int64]time.Time{}
	for rows.Next() {
		var id int64
		var exp time.Time
		if err := rows.Scan(&id, &exp); err != nil {
			return nil, fmt.Errorf("store: list open invitations: %w", err)
		}
		if exp = exp.UTC(); exp.After(out[id]) {
			out[id] = exp
		}
	}
	return out, rows.Err()
}
