package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
