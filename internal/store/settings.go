package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Setting reads one setting; ErrNotFound when it was never set. Settings are
// read through on every use, so a change made on one instance is seen by all.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: read setting %s: %w", key, err)
	}
	return v, nil
}

// SetSetting stores a setting, replacing any earlier value.
func (tx *Tx) SetSetting(ctx context.Context, key, value, by string, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		key, value, at, by)
	if err != nil {
		return fmt.Errorf("store: write setting %s: %w", key, err)
	}
	return nil
}
