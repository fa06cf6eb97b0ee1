package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Session kinds: customer and admin sessions are separate, with separate
// cookies, so signing out of one never touches the other.
const (
	KindCustomer = "customer"
	KindAdmin    = "admin"
)

// Session is one signed-in browser. Only the SHA-256 of its token is stored;
// ID is a non-secret handle the admin pages use to end it.
type Session struct {
	ID          int64
	TokenHash   string
	Kind        string
	PrincipalID int64
	ClientIP    string
	UserAgent   string
	CreatedAt   time.Time
	LastSeenAt  time.Time
	ExpiresAt   time.Time // absolute end, whatever the activity
}

const sessionColumns = `id, token_hash, kind, principal_id, client_ip, user_agent, created_at, last_seen_at, expires_at`

func scanSession(row interface{ Scan(...any) error }) (*Session, error) {
	var s Session
	err := row.Scan(&s.ID, &s.TokenHash, &s.Kind, &s.PrincipalID, &s.ClientIP, &s.UserAgent, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: read session: %w", err)
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = utc(s.CreatedAt), utc(s.LastSeenAt), utc(s.ExpiresAt)
	return &s, nil
}

// CreateSession inserts s and sets s.ID.
func (tx *Tx) CreateSession(ctx context.Context, s *Session) error {
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO sessions (token_hash, kind, principal_id, client_ip, user_agent,
		created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING id`,
		s.TokenHash, s.Kind, s.PrincipalID, s.ClientIP, s.UserAgent, s.CreatedAt, s.ExpiresAt).Scan(&s.ID)
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	s.LastSeenAt = s.CreatedAt
	return nil
}

// SessionByTokenHash returns the session of that kind with that token hash,
// or ErrNotFound. It is read on every request, never cached, so an ending on
// any instance takes effect at the next request everywhere.
func (s *Store) SessionByTokenHash(ctx context.Context, kind, hash string) (*Session, error) {
	return scanSession(s.r.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE token_hash = $1 AND kind = $2`, hash, kind))
}

// TouchSession records activity on a session.
func (s *Store) TouchSession(ctx context.Context, id int64, at time.Time, ip, userAgent string) error {
	_, err := s.w.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1, client_ip = $2, user_agent = $3 WHERE id = $4`, at, ip, userAgent, id)
	if err != nil {
		return fmt.Errorf("store: touch session %d: %w", id, err)
	}
	return nil
}

// DeleteSession ends one session; ending one that is already gone is not an error.
func (s *Store) DeleteSession(ctx context.Context, id int64) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, id); err != nil {
		return fmt.Errorf("store: delete session %d: %w", id, err)
	}
	return nil
}

// DeleteSessionsOf ends every session of one account or admin, except
// keepID (0 keeps none), and reports how many ended.
func (tx *Tx) DeleteSessionsOf(ctx context.Context, kind string, principalID, keepID int64) (int64, error) {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM sessions WHERE kind = $1 AND principal_id = $2 AND id <> $3`, kind, principalID, keepID)
	if err != nil {
		return 0, fmt.Errorf("store: delete sessions of %s %d: %w", kind, principalID, err)
	}
	return res.RowsAffected()
}

// DeleteStaleSessions removes sessions past their absolute end or idle for
// longer than idle (per kind), and reports how many went.
func (s *Store) DeleteStaleSessions(ctx context.Context, now time.Time, customerIdle, adminIdle time.Duration) (int64, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1
		OR (kind = 'customer' AND last_seen_at <= $2) OR (kind = 'admin' AND last_seen_at <= $3)`,
		now, now.Add(-customerIdle), now.Add(-adminIdle))
	if err != nil {
		return 0, fmt.Errorf("store: delete stale sessions: %w", err)
	}
	return res.RowsAffected()
}

// ListSessions returns the sessions of one account or admin, newest first.
func (s *Store) ListSessions(ctx context.Context, kind string, principalID int64) ([]Session, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE kind = $1 AND principal_id = $2 ORDER BY last_seen_at DESC, id DESC`, kind, principalID)
	if err != nil {
		return nil, fmt.Errorf("store: list sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *s)
	}
	return out, rows.Err()
}

// CountLiveSessions counts sessions of a kind that are live at now: not past
// their absolute end and active within idle, the kind's idle timeout. Idle
// ones are also removed by the sweeper and on next use, but counting by the
// times themselves keeps the figure right between sweeps and right away
// after the timeout is shortened.
func (s *Store) CountLiveSessions(ctx context.Context, kind string, now time.Time, idle time.Duration) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE kind = $1 AND expires_at > $2 AND last_seen_at > $3`,
		kind, now, now.Add(-idle)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count sessions: %w", err)
	}
	return n, nil
}

// LiveSession is a session with the name of the person it belongs to, for
// the admin console.
type LiveSession struct {
	Session
	Label string // the account's email or the admin's username
}

// ListLiveSessions returns sessions that are neither past their absolute end
// nor idle beyond their kind's timeout, most recently active first.
func (s *Store) ListLiveSessions(ctx context.Context, now time.Time, customerIdle, adminIdle time.Duration, limit int) ([]LiveSession, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT s.id, s.token_hash, s.kind, s.principal_id, s.client_ip, s.user_agent,
			s.created_at, s.last_seen_at, s.expires_at, COALESCE(a.email, d.username, '')
		FROM sessions s
		LEFT JOIN accounts a ON s.kind = 'customer' AND a.id = s.principal_id
		LEFT JOIN admins d ON s.kind = 'admin' AND d.id = s.principal_id
		WHERE s.expires_at > $1
		  AND ((s.kind = 'customer' AND s.last_seen_at > $2) OR (s.kind = 'admin' AND s.last_seen_at > $3))
		ORDER BY s.last_seen_at DESC, s.id DESC LIMIT $4`, now, now.Add(-customerIdle), now.Add(-adminIdle), limit)
	if err != nil {
		return nil, fmt.Errorf("store: list live sessions: %w", err)
	}
	defer rows.Close()
	var out []LiveSession
	for rows.Next() {
		var l LiveSession
		if err := rows.Scan(&l.ID, &l.TokenHash, &l.Kind, &l.PrincipalID, &l.ClientIP, &l.UserAgent,
			&l.CreatedAt, &l.LastSeenAt, &l.ExpiresAt, &l.Label); err != nil {
			return nil, fmt.Errorf("store: read live session: %w", err)
		}
		l.CreatedAt, l.LastSeenAt, l.ExpiresAt = utc(l.CreatedAt), utc(l.LastSeenAt), utc(l.ExpiresAt)
		out = append(out, l)
	}
	return out, rows.Err()
}

// SessionByID returns a session by its non-secret handle, or ErrNotFound.
func (s *Store) SessionByID(ctx context.Context, id int64) (*Session, error) {
	return scanSession(s.r.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = $1`, id))
}
