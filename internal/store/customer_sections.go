package store

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// SectionsOff returns, for each of the customer keys that has any, the
// sections an admin switched off for it. A section not listed is on.
func (s *Store) SectionsOff(ctx context.Context, keys []string) (map[string]map[string]bool, error) {
	out := map[string]map[string]bool{}
	if len(keys) == 0 {
		return out, nil
	}
	list, args := inList(nil, keys)
	rows, err := s.r.QueryContext(ctx, `SELECT customer_key, section FROM customer_sections_off WHERE customer_key IN (`+list+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: read sections switched off: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var key, section string
		if err := rows.Scan(&key, &section); err != nil {
			return nil, fmt.Errorf("store: read sections switched off: %w", err)
		}
		if out[key] == nil {
			out[key] = map[string]bool{}
		}
		out[key][section] = true
	}
	return out, rows.Err()
}

// SetSectionsOff replaces the sections switched off for one customer and
// returns the ones that were off before, sorted, for the audit log.
func (tx *Tx) SetSectionsOff(ctx context.Context, key string, off []string, at time.Time) (before []string, err error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT section FROM customer_sections_off WHERE customer_key = $1`, key)
	if err != nil {
		return nil, fmt.Errorf("store: read sections of customer %q: %w", key, err)
	}
	for rows.Next() {
		var sec string
		if err := rows.Scan(&sec); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: read sections of customer %q: %w", key, err)
		}
		before = append(before, sec)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read sections of customer %q: %w", key, err)
	}
	sort.Strings(before)
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM customer_sections_off WHERE customer_key = $1`, key); err != nil {
		return nil, fmt.Errorf("store: clear sections of customer %q: %w", key, err)
	}
	for _, sec := range off {
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO customer_sections_off (customer_key, section, updated_at) VALUES ($1, $2, $3)`, key, sec, at); err != nil {
			return nil, fmt.Errorf("store: switch section %q off for customer %q: %w", sec, key, err)
		}
	}
	return before, nil
}
