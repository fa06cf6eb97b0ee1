package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SecondFactor is a person's TOTP enrollment. Secret is sealed (the store
// never sees it in the clear); Confirmed is nil while the person has not yet
// proved the enrollment with a code.
type SecondFactor struct {
	Kind      string
	ID        int64
	Sealed    string
	Confirmed *time.Time
	LastStep  int64
	CreatedAt time.Time
}

// SecondFactorOf returns a person's enrollment, or ErrNotFound.
func (s *Store) SecondFactorOf(ctx context.Context, kind string, id int64) (*SecondFactor, error) {
	return readSecondFactor(ctx, s.r, kind, id)
}

func readSecondFactor(ctx context.Context, q querier, kind string, id int64) (*SecondFactor, error) {
	f := SecondFactor{Kind: kind, ID: id}
	var confirmed sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT secret_sealed, confirmed_at, last_step, created_at FROM second_factors
		WHERE principal_kind = $1 AND principal_id = $2`, kind, id).Scan(&f.Sealed, &confirmed, &f.LastStep, &f.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: read second factor: %w", err)
	}
	f.Confirmed, f.CreatedAt = nullTime(confirmed), utc(f.CreatedAt)
	return &f, nil
}

// StartEnrollment stores a new, unconfirmed secret for a person who has no
// confirmed second factor, replacing an earlier unconfirmed one. It returns
// ErrConflict when the person already has a confirmed second factor: that
// one must be removed first, so a stolen session cannot swap it quietly.
func (tx *Tx) StartEnrollment(ctx context.Context, kind string, id int64, sealed string, at time.Time) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM second_factors WHERE principal_kind = $1 AND principal_id = $2 AND confirmed_at IS NULL`, kind, id); err != nil {
		return fmt.Errorf("store: start enrollment: %w", err)
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO second_factors (principal_kind, principal_id, secret_sealed, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (principal_kind, principal_id) DO NOTHING`, kind, id, sealed, at)
	if err != nil {
		return fmt.Errorf("store: start enrollment: %w", err)
	}
	f, err := readSecondFactor(ctx, tx.tx, kind, id)
	if err != nil {
		return err
	}
	if f.Confirmed != nil {
		return ErrConflict
	}
	return nil
}

// ConfirmEnrollment marks the pending enrollment confirmed with the step of
// the code that proved it, and stores the recovery codes (hashed),
// replacing any earlier ones. ErrNotFound when nothing is pending.
func (tx *Tx) ConfirmEnrollment(ctx context.Context, kind string, id int64, step int64, codeHashes []string, at time.Time) error {
	if err := execOne(ctx, tx.tx, "confirm second factor", `UPDATE second_factors SET confirmed_at = $1, last_step = $2
		WHERE principal_kind = $3 AND principal_id = $4 AND confirmed_at IS NULL`, at, step, kind, id); err != nil {
		return err
	}
	return tx.ReplaceRecoveryCodes(ctx, kind, id, codeHashes, at)
}

// UseStep records that a code of that time step was accepted, only if the
// step is later than the last one accepted. It reports false when another
// request got there first or the step was already used: the UPDATE is the
// check, so two racing sign-ins with one code cannot both pass.
func (tx *Tx) UseStep(ctx context.Context, kind string, id int64, step int64) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, `UPDATE second_factors SET last_step = $1
		WHERE principal_kind = $2 AND principal_id = $3 AND confirmed_at IS NOT NULL AND last_step < $1`, step, kind, id)
	if err != nil {
		return false, fmt.Errorf("store: use code step: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReplaceRecoveryCodes drops a person's recovery codes and stores new ones.
func (tx *Tx) ReplaceRecoveryCodes(ctx context.Context, kind string, id int64, codeHashes []string, at time.Time) error {
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE principal_kind = $1 AND principal_id = $2`, kind, id); err != nil {
		return fmt.Errorf("store: replace recovery codes: %w", err)
	}
	for _, h := range codeHashes {
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO recovery_codes (principal_kind, principal_id, code_hash, created_at) VALUES ($1, $2, $3, $4)`, kind, id, h, at); err != nil {
			return fmt.Errorf("store: store recovery code: %w", err)
		}
	}
	return nil
}

// UseRecoveryCode spends one unused recovery code; false when the code is
// unknown or already spent.
func (tx *Tx) UseRecoveryCode(ctx context.Context, kind string, id int64, codeHash string, at time.Time) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, `UPDATE recovery_codes SET used_at = $1
		WHERE principal_kind = $2 AND principal_id = $3 AND code_hash = $4 AND used_at IS NULL`, at, kind, id, codeHash)
	if err != nil {
		return false, fmt.Errorf("store: use recovery code: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RecoveryCodesLeft counts a person's unused recovery codes.
func (s *Store) RecoveryCodesLeft(ctx context.Context, kind string, id int64) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE principal_kind = $1 AND principal_id = $2 AND used_at IS NULL`, kind, id).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count recovery codes: %w", err)
	}
	return n, nil
}

// RemoveSecondFactor deletes a person's enrollment and recovery codes; it
// reports whether there was a confirmed one.
func (tx *Tx) RemoveSecondFactor(ctx context.Context, kind string, id int64) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM second_factors WHERE principal_kind = $1 AND principal_id = $2 AND confirmed_at IS NOT NULL`, kind, id)
	if err != nil {
		return false, fmt.Errorf("store: remove second factor: %w", err)
	}
	n, _ := res.RowsAffected()
	for _, q := range []string{`DELETE FROM second_factors WHERE principal_kind = $1 AND principal_id = $2`, `DELETE FROM recovery_codes WHERE principal_kind = $1 AND principal_id = $2`} {
		if _, err := tx.tx.ExecContext(ctx, q, kind, id); err != nil {
			return false, fmt.Errorf("store: remove second factor: %w", err)
		}
	}
	return n > 0, nil
}

// SetCustomerRequiresSecondFactor makes the customer's accounts enroll a
// second factor (or stops requiring it).
func (tx *Tx) SetCustomerRequiresSecondFactor(ctx context.Context, key string, on bool, at time.Time) error {
	return execOne(ctx, tx.tx, "set second factor requirement of customer", `UPDATE customers SET require_second_factor = $1, updated_at = $2 WHERE customer_key = $3`, on, at, key)
}

// CustomersRequiringSecondFactor reports which of the keys require a
// second factor.
func (s *Store) CustomersRequiringSecondFactor(ctx context.Context, keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(keys) == 0 {
		return out, nil
	}
	list, args := inList(nil, keys)
	rows, err := s.r.QueryContext(ctx, `SELECT customer_key FROM customers WHERE require_second_factor = TRUE AND customer_key IN (`+list+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: read second factor requirement: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("store: read second factor requirement: %w", err)
		}
		out[k] = true
	}
	return out, rows.Err()
}
