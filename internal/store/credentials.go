package store

import (
	"context"
	"fmt"
	"time"
)

// MaxFailedStreak is the number of consecutive failed sign-ins after which
// only a new password (a reset link or a temporary password) unlocks an
// account or admin; temporary locks come and go long before it.
const MaxFailedStreak = 100

func principalTable(kind string) (string, error) {
	switch kind {
	case KindCustomer:
		return "accounts", nil
	case KindAdmin:
		return "admins", nil
	}
	return "", fmt.Errorf("store: unknown principal kind %q", kind)
}

// SetTemporaryPassword stores the hash of a generated password that works
// for one sign-in before expires and must then be changed. It clears the
// failed-sign-in streak, since a new password is the way out of a lock.
func (tx *Tx) SetTemporaryPassword(ctx context.Context, kind string, id int64, hash string, expires, at time.Time) error {
	table, err := principalTable(kind)
	if err != nil {
		return err
	}
	return execOne(ctx, tx.tx, "set temporary password", `UPDATE `+table+` SET password_hash = $1, must_change_password = TRUE,
		password_expires_at = $2, failed_streak = 0, updated_at = $3 WHERE id = $4`, hash, expires, at, id)
}

// UseTemporaryPassword ends a temporary password's window at its first
// successful sign-in: the session that sign-in starts may change it, and
// the password itself works no more.
func (tx *Tx) UseTemporaryPassword(ctx context.Context, kind string, id int64, at time.Time) error {
	table, err := principalTable(kind)
	if err != nil {
		return err
	}
	return execOne(ctx, tx.tx, "use temporary password", `UPDATE `+table+` SET password_expires_at = $1
		WHERE id = $2 AND password_expires_at IS NOT NULL`, at, id)
}

// AddFailedSignIn counts one more consecutive failed sign-in and returns the
// streak, in one statement so concurrent failures all count.
func (s *Store) AddFailedSignIn(ctx context.Context, kind string, id int64) (int, error) {
	table, err := principalTable(kind)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.w.QueryRowContext(ctx, `UPDATE `+table+` SET failed_streak = failed_streak + 1 WHERE id = $1 RETURNING failed_streak`, id).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count failed sign-in: %w", err)
	}
	return n, nil
}

// ClearFailedSignIns resets the streak after a successful sign-in.
func (s *Store) ClearFailedSignIns(ctx context.Context, kind string, id int64) error {
	table, err := principalTable(kind)
	if err != nil {
		return err
	}
	if _, err := s.w.ExecContext(ctx, `UPDATE `+table+` SET failed_streak = 0 WHERE id = $1 AND failed_streak <> 0`, id); err != nil {
		return fmt.Errorf("store: clear failed sign-ins: %w", err)
	}
	return nil
}
