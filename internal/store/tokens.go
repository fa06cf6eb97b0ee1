package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Token is a one-time token: an emailed link to set a password, or the
// short-lived state a link turns into once it has left the URL. Only its
// SHA-256 is stored; it is bound to a purpose and to one account or admin.
type Token struct {
	ID            int64
	TokenHash     string
	Purpose       string
	PrincipalKind string
	PrincipalID   int64
	CreatedAt     time.Time
	ExpiresAt     time.Time
	UsedAt        *time.Time
}

// CreateToken inserts t and sets t.ID.
func (tx *Tx) CreateToken(ctx context.Context, t *Token) error {
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO one_time_tokens (token_hash, purpose, principal_kind, principal_id, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, t.TokenHash, t.Purpose, t.PrincipalKind, t.PrincipalID, t.CreatedAt, t.ExpiresAt).Scan(&t.ID)
	if err != nil {
		return fmt.Errorf("store: create token: %w", err)
	}
	return nil
}

// ValidToken returns the unused, unexpired token with that hash and purpose,
// without consuming it (a GET of a link must never use it up).
func (s *Store) ValidToken(ctx context.Context, hash, purpose string, now time.Time) (*Token, error) {
	var t Token
	err := s.r.QueryRowContext(ctx, `SELECT id, token_hash, purpose, principal_kind, principal_id, created_at, expires_at
		FROM one_time_tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3`, hash, purpose, now).
		Scan(&t.ID, &t.TokenHash, &t.Purpose, &t.PrincipalKind, &t.PrincipalID, &t.CreatedAt, &t.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: read token: %w", err)
	}
	t.CreatedAt, t.ExpiresAt = utc(t.CreatedAt), utc(t.ExpiresAt)
	return &t, nil
}

// ConsumeToken marks the token used and returns it, in one statement, so of
// two requests racing with the same token exactly one wins. Used, expired,
// unknown and wrong-purpose tokens all give ErrNotFound.
func (tx *Tx) ConsumeToken(ctx context.Context, hash, purpose string, now time.Time) (*Token, error) {
	var t Token
	err := tx.tx.QueryRowContext(ctx, `UPDATE one_time_tokens SET used_at = $1
		WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1
		RETURNING id, token_hash, purpose, principal_kind, principal_id, created_at, expires_at`, now, hash, purpose).
		Scan(&t.ID, &t.TokenHash, &t.Purpose, &t.PrincipalKind, &t.PrincipalID, &t.CreatedAt, &t.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: consume token: %w", err)
	}
	used := now
	t.UsedAt = &used
	return &t, nil
}

// RevokeTokens ends every outstanding token of one account or admin, for
// purposes in the list (none means all): issuing a new link or changing the
// password makes older links useless.
func (tx *Tx) RevokeTokens(ctx context.Context, kind string, principalID int64, now time.Time, purposes ...string) error {
	q := `UPDATE one_time_tokens SET used_at = $1 WHERE principal_kind = $2 AND principal_id = $3 AND used_at IS NULL`
	args := []any{now, kind, principalID}
	if len(purposes) > 0 {
		q += ` AND purpose IN (`
		for i, p := range purposes {
			if i > 0 {
				q += `, `
			}
			args = append(args, p)
			q += fmt.Sprintf("$%d", len(args))
		}
		q += `)`
	}
	if _, err := tx.tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("store: revoke tokens: %w", err)
	}
	return nil
}

// DeleteOldTokens removes tokens that expired before cutoff.
func (s *Store) DeleteOldTokens(ctx context.Context, cutoff time.Time) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM one_time_tokens WHERE expires_at < $1`, cutoff)
	return err
}
