package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Brand is one row of branding: the portal's (Scope "") or one customer's
// override (Scope is the customer key). An empty Name, Accent or LogoID
// means "inherit": a customer falls back to the portal's, the portal to its
// configuration.
type Brand struct {
	Scope  string
	Name   string
	Accent string // "#rrggbb" or ""
	LogoID string // the id of a BrandLogo, or ""
	// LogoWidth and LogoHeight are the stored logo's size in pixels, read
	// with the row (0 without a logo); they are not written.
	LogoWidth, LogoHeight int
	UpdatedAt             time.Time
	UpdatedBy             string
}

// Empty reports whether the row sets nothing, so that it inherits every
// field.
func (b *Brand) Empty() bool { return b.Name == "" && b.Accent == "" && b.LogoID == "" }

// BrandLogo is a logo as served: PNG bytes re-encoded by the portal, stored
// under the hex SHA-256 of those bytes, so its URL never changes meaning.
type BrandLogo struct {
	ID            string
	PNG           []byte
	Width, Height int
	CreatedAt     time.Time
}

const brandSelect = `SELECT b.scope, b.name, b.accent, b.logo_id, COALESCE(l.width, 0), COALESCE(l.height, 0), b.updated_at, b.updated_by
	FROM brands b LEFT JOIN brand_logos l ON l.id = b.logo_id`

func scanBrand(row interface{ Scan(...any) error }) (*Brand, error) {
	var b Brand
	err := row.Scan(&b.Scope, &b.Name, &b.Accent, &b.LogoID, &b.LogoWidth, &b.LogoHeight, &b.UpdatedAt, &b.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: read brand: %w", err)
	}
	b.UpdatedAt = utc(b.UpdatedAt)
	return &b, nil
}

// Brand returns the branding row of scope ("" for the portal, else a
// customer key), or ErrNotFound when none was ever saved.
func (s *Store) Brand(ctx context.Context, scope string) (*Brand, error) {
	b, err := scanBrand(s.r.QueryRowContext(ctx, brandSelect+` WHERE b.scope = $1`, scope))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store: brand %q: %w", scope, err)
	}
	return b, err
}

// LockBrand reads the branding row of scope inside the transaction. On
// PostgreSQL it first takes a transaction-scoped advisory lock on the
// scope (the row may not exist yet, so a row lock would not do), so two
// admins saving the same branding at once are applied one after the other
// and each audit entry's "from" is what the change replaced. SQLite's write
// transactions never overlap in the first place.
func (tx *Tx) LockBrand(ctx context.Context, scope string) (*Brand, error) {
	if tx.s.Dialect == Postgres {
		if _, err := tx.tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('portico.brand:' || $1))`, scope); err != nil {
			return nil, fmt.Errorf("store: lock brand %q: %w", scope, err)
		}
	}
	b, err := scanBrand(tx.tx.QueryRowContext(ctx, brandSelect+` WHERE b.scope = $1`, scope))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store: brand %q: %w", scope, err)
	}
	return b, err
}

// UpsertBrand stores b, replacing the row of its scope. A row with every
// field empty is kept (it records who reset the branding, and when).
func (tx *Tx) UpsertBrand(ctx context.Context, b *Brand) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO brands (scope, name, accent, logo_id, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (scope) DO UPDATE SET name = excluded.name, accent = excluded.accent, logo_id = excluded.logo_id,
		updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		b.Scope, b.Name, b.Accent, b.LogoID, b.UpdatedAt.UTC(), b.UpdatedBy)
	if err != nil {
		return fmt.Errorf("store: save brand %q: %w", b.Scope, err)
	}
	return nil
}

// SaveBrandLogo stores a logo. Its id is the hash of its bytes, so saving
// the same logo again changes nothing.
func (tx *Tx) SaveBrandLogo(ctx context.Context, l *BrandLogo) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO brand_logos (id, png, width, height, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO NOTHING`, l.ID, l.PNG, l.Width, l.Height, l.CreatedAt.UTC())
	if err != nil {
		return fmt.Errorf("store: save logo %s: %w", l.ID, err)
	}
	return nil
}

// BrandLogo returns the logo with that id, or ErrNotFound.
func (s *Store) BrandLogo(ctx context.Context, id string) (*BrandLogo, error) {
	var l BrandLogo
	err := s.r.QueryRowContext(ctx, `SELECT id, png, width, height, created_at FROM brand_logos WHERE id = $1`, id).
		Scan(&l.ID, &l.PNG, &l.Width, &l.Height, &l.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: read logo %s: %w", id, err)
	}
	l.CreatedAt = utc(l.CreatedAt)
	return &l, nil
}

// BrandOverrides lists the customers' branding rows that set at least one
// field, ordered by customer key.
func (s *Store) BrandOverrides(ctx context.Context) ([]Brand, error) {
	rows, err := s.r.QueryContext(ctx, brandSelect+` WHERE b.scope <> '' AND (b.name <> '' OR b.accent <> '' OR b.logo_id <> '') ORDER BY b.scope`)
	if err != nil {
		return nil, fmt.Errorf("store: list brand overrides: %w", err)
	}
	defer rows.Close()
	var out []Brand
	for rows.Next() {
		b, err := scanBrand(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *b)
	}
	return out, rows.Err()
}

// AccountsScopedToOnly lists the accounts whose scope is exactly the one
// customer key (not all customers, no other customer): the accounts that see
// that customer's branding.
func (s *Store) AccountsScopedToOnly(ctx context.Context, key string) ([]Account, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+prefixed("a.", accountColumns)+` FROM accounts a
		JOIN account_scopes s ON s.account_id = a.id
		WHERE s.customer_key = $1 AND a.all_customers = FALSE
		AND (SELECT COUNT(*) FROM account_scopes o WHERE o.account_id = a.id) = 1
		ORDER BY a.email`, key)
	if err != nil {
		return nil, fmt.Errorf("store: accounts scoped to only %q: %w", key, err)
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		a.Scope = []string{key}
		out = append(out, *a)
	}
	return out, rows.Err()
}
