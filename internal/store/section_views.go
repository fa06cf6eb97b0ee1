package store

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// SectionViews is a number of page views of one customer section ("/",
// "/inventory", "/data/<dataset>") on one UTC day; in a total over several
// days, Day is the zero time.
type SectionViews struct {
	Day     time.Time
	Section string
	Views   int64
}

// dayKey is how a day is stored: 'YYYY-MM-DD' in UTC, which sorts and
// compares the same as text on both engines.
func dayKey(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// AddSectionViews adds counts to the per-day totals in one transaction.
// Rows are written in (day, section) order, so two instances flushing at
// the same moment take the row locks in the same order and never deadlock.
func (s *Store) AddSectionViews(ctx context.Context, counts []SectionViews) error {
	if len(counts) == 0 {
		return nil
	}
	sorted := append([]SectionViews(nil), counts...)
	for i := range sorted {
		sorted[i].Day = sorted[i].Day.UTC()
	}
	sort.Slice(sorted, func(i, j int) bool {
		if !sorted[i].Day.Equal(sorted[j].Day) {
			return sorted[i].Day.Before(sorted[j].Day)
		}
		return sorted[i].Section < sorted[j].Section
	})
	return s.InTx(ctx, func(tx *Tx) error {
		for _, c := range sorted {
			if c.Views <= 0 {
				continue
			}
			_, err := tx.tx.ExecContext(ctx, `INSERT INTO section_views (day, section, views) VALUES ($1, $2, $3)
				ON CONFLICT (day, section) DO UPDATE SET views = section_views.views + excluded.views`,
				dayKey(c.Day), c.Section, c.Views)
			if err != nil {
				return fmt.Errorf("store: add views of %q: %w", c.Section, err)
			}
		}
		return nil
	})
}

// SectionViewTotals returns each section's views summed over the UTC days
// from first to last (both included), most viewed first, then by section.
func (s *Store) SectionViewTotals(ctx context.Context, first, last time.Time) ([]SectionViews, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT section, CAST(SUM(views) AS BIGINT) FROM section_views
		WHERE day >= $1 AND day <= $2 GROUP BY section ORDER BY SUM(views) DESC, section`, dayKey(first), dayKey(last))
	if err != nil {
		return nil, fmt.Errorf("store: section views: %w", err)
	}
	defer rows.Close()
	var out []SectionViews
	for rows.Next() {
		var v SectionViews
		if err := rows.Scan(&v.Section, &v.Views); err != nil {
			return nil, fmt.Errorf("store: read section views: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
