package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Customer is an ERP customer as the portal knows it: its key in the ERP,
// the name shown, and whether its people may use the portal at all.
type Customer struct {
	Key           string
	DisplayName   string
	PortalEnabled bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// UpsertCustomer records a customer, keeping portal access as it was when
// the customer is already known.
func (tx *Tx) UpsertCustomer(ctx context.Context, c *Customer) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO customers (customer_key, display_name, portal_enabled, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $4) ON CONFLICT (customer_key) DO UPDATE SET display_name = excluded.display_name, updated_at = excluded.updated_at`,
		c.Key, c.DisplayName, c.PortalEnabled, c.CreatedAt)
	if err != nil {
		return fmt.Errorf("store: save customer %q: %w", c.Key, err)
	}
	return nil
}

// SetCustomerPortalEnabled turns portal access on or off for a customer.
func (tx *Tx) SetCustomerPortalEnabled(ctx context.Context, key string, on bool, at time.Time) error {
	return execOne(ctx, tx.tx, "set portal access of customer", `UPDATE customers SET portal_enabled = $1, updated_at = $2 WHERE customer_key = $3`, on, at, key)
}

// CustomerByKey returns the customer or ErrNotFound.
func (s *Store) CustomerByKey(ctx context.Context, key string) (*Customer, error) {
	var c Customer
	err := s.r.QueryRowContext(ctx, `SELECT customer_key, display_name, portal_enabled, created_at, updated_at FROM customers WHERE customer_key = $1`, key).
		Scan(&c.Key, &c.DisplayName, &c.PortalEnabled, &c.CreatedAt, &c.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: read customer %q: %w", key, err)
	}
	c.CreatedAt, c.UpdatedAt = utc(c.CreatedAt), utc(c.UpdatedAt)
	return &c, nil
}

// ListCustomers returns every known customer ordered by name.
func (s *Store) ListCustomers(ctx context.Context) ([]Customer, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT customer_key, display_name, portal_enabled, created_at, updated_at FROM customers ORDER BY display_name, customer_key`)
	if err != nil {
		return nil, fmt.Errorf("store: list customers: %w", err)
	}
	defer rows.Close()
	var out []Customer
	for rows.Next() {
		var c Customer
		if err := rows.Scan(&c.Key, &c.DisplayName, &c.PortalEnabled, &c.CreatedAt, &c.UpdatedAt); err != nil {
			return nil, fmt.Errorf("store: read customer: %w", err)
		}
		c.CreatedAt, c.UpdatedAt = utc(c.CreatedAt), utc(c.UpdatedAt)
		out = append(out, c)
	}
	return out, rows.Err()
}

// CustomerAccounts counts, per customer key, the accounts whose scope names
// it (accounts that see all customers are not counted).
func (s *Store) CustomerAccounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT customer_key, COUNT(*) FROM account_scopes GROUP BY customer_key`)
	if err != nil {
		return nil, fmt.Errorf("store: count accounts per customer: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("store: count accounts per customer: %w", err)
		}
		out[k] = n
	}
	return out, rows.Err()
}

// AccountsOfCustomer lists the accounts whose scope names the customer.
func (s *Store) AccountsOfCustomer(ctx context.Context, key string) ([]Account, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+prefixed("a.", accountColumns)+` FROM accounts a
		JOIN account_scopes s ON s.account_id = a.id WHERE s.customer_key = $1 ORDER BY a.email`, key)
	if err != nil {
		return nil, fmt.Errorf("store: accounts of customer %q: %w", key, err)
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

// DisabledCustomers reports which of the keys have portal access turned off.
func (s *Store) DisabledCustomers(ctx context.Context, keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(keys) == 0 {
		return out, nil
	}
	list, args := inList(nil, keys)
	rows, err := s.r.QueryContext(ctx, `SELECT customer_key FROM customers WHERE portal_enabled = FALSE AND customer_key IN (`+list+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: read portal access: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out[k] = true
	}
	return out, rows.Err()
}

// prefixed qualifies a comma-separated column list with a table alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}
