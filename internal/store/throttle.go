package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// ThrottleHit counts one sign-in attempt against bucket before the password
// is checked ("consume, then check"), so parallel attempts cannot slip past
// the limit: each one is counted in a single atomic statement. The count
// restarts only after a quiet period of a whole window since the last
// attempt, or when a lock has run out, so guesses spread over a window
// boundary still add up. It returns the count including this attempt and
// the lock's end if the bucket is locked.
func (s *Store) ThrottleHit(ctx context.Context, bucket string, now time.Time, window time.Duration) (int, *time.Time, error) {
	var n int
	var locked sql.NullTime
	err := s.w.QueryRowContext(ctx, `INSERT INTO login_throttle (bucket, failures, last_attempt_at) VALUES ($1, 1, $2)
		ON CONFLICT (bucket) DO UPDATE SET
			failures = CASE WHEN login_throttle.last_attempt_at <= $3 OR login_throttle.locked_until <= $2
				THEN 1 ELSE login_throttle.failures + 1 END,
			last_attempt_at = $2,
			locked_until = CASE WHEN login_throttle.locked_until <= $2 THEN NULL ELSE login_throttle.locked_until END
		RETURNING failures, locked_until`, bucket, now, now.Add(-window)).Scan(&n, &locked)
	if err != nil {
		return 0, nil, fmt.Errorf("store: count sign-in attempt: %w", err)
	}
	return n, nullTime(locked), nil
}

// ThrottleLock locks bucket until the given time.
func (s *Store) ThrottleLock(ctx context.Context, bucket string, until time.Time) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE login_throttle SET locked_until = $1 WHERE bucket = $2`, until, bucket); err != nil {
		return fmt.Errorf("store: lock %s: %w", bucket, err)
	}
	return nil
}

// ThrottleForgive takes back one counted attempt: a successful sign-in was
// counted by ThrottleHit but is no failure.
func (s *Store) ThrottleForgive(ctx context.Context, bucket string) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE login_throttle SET failures = failures - 1 WHERE bucket = $1 AND failures > 0`, bucket); err != nil {
		return fmt.Errorf("store: forgive %s: %w", bucket, err)
	}
	return nil
}

// ThrottleReset clears bucket: after a successful sign-in or a password reset.
func (s *Store) ThrottleReset(ctx context.Context, bucket string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM login_throttle WHERE bucket = $1`, bucket); err != nil {
		return fmt.Errorf("store: reset %s: %w", bucket, err)
	}
	return nil
}

// ThrottleState reads a bucket without counting, for the admin pages and tests.
func (s *Store) ThrottleState(ctx context.Context, bucket string) (failures int, lockedUntil *time.Time, err error) {
	var locked sql.NullTime
	err = s.r.QueryRowContext(ctx, `SELECT failures, locked_until FROM login_throttle WHERE bucket = $1`, bucket).Scan(&failures, &locked)
	if err == sql.ErrNoRows {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("store: read %s: %w", bucket, err)
	}
	return failures, nullTime(locked), nil
}

// DeleteStaleThrottles removes buckets whose window and lock have both ended.
func (s *Store) DeleteStaleThrottles(ctx context.Context, now time.Time, window time.Duration) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM login_throttle WHERE last_attempt_at <= $1 AND (locked_until IS NULL OR locked_until <= $2)`,
		now.Add(-window), now)
	return err
}
