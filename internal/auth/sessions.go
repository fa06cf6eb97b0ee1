// Package auth signs people in and keeps them signed in: password checks
// with throttling, and database-backed sessions for customers and admins.
package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"github.com/portico-dev/portico/internal/store"
)

// ErrNoSession means the token names no live session: unknown, ended,
// expired, or malformed. Callers treat all of them as "not signed in".
var ErrNoSession = errors.New("auth: no session")

// touchEvery limits how often last-seen is written, to spare the database a
// write on every request; idle expiry is accurate to this much. touchGap
// shortens it for very short idle timeouts.
const touchEvery = time.Minute

func touchGap(idle time.Duration) time.Duration { return min(touchEvery, idle/10) }

// maxTokenLen bounds what a cookie may carry before it is even hashed.
const maxTokenLen = 64

// NewToken returns a fresh 256-bit random token (43 base64url characters)
// and the hex SHA-256 that is stored in its place.
func NewToken() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken returns the hex SHA-256 of a token, the only form stored.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// SessionPolicy holds the configured idle and absolute timeouts of one kind
// of session. An idle timeout saved in the admin console replaces Idle
// (see IdleTimeout).
type SessionPolicy struct {
	Idle, Absolute time.Duration
}

// StartSession creates a session for a principal inside tx and returns the
// token for the cookie. A new token is made at every sign-in, so a token
// planted before sign-in (session fixation) is never adopted.
func (s *Service) StartSession(ctx context.Context, tx *store.Tx, kind string, principalID int64, ip, userAgent string) (string, *store.Session, error) {
	token, hash := NewToken()
	now := s.Clock.Now()
	sess := &store.Session{
		TokenHash: hash, Kind: kind, PrincipalID: principalID, ClientIP: ip, UserAgent: truncate(userAgent, 400),
		CreatedAt: now, ExpiresAt: now.Add(s.policy(kind).Absolute),
	}
	if err := tx.CreateSession(ctx, sess); err != nil {
		return "", nil, err
	}
	return token, sess, nil
}

// ResolveSession returns the live session of that kind for a cookie token.
// It enforces the idle timeout in force (IdleTimeout: saved in the admin
// console, else configured) and the absolute timeout on every call, deletes
// a session that has run out, and records activity at most once a minute.
func (s *Service) ResolveSession(ctx context.Context, kind, token, ip, userAgent string) (*store.Session, error) {
	if token == "" || len(token) > maxTokenLen {
		return nil, ErrNoSession
	}
	sess, err := s.Store.SessionByTokenHash(ctx, kind, HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	idle := s.IdleTimeout(ctx, kind)
	if !now.Before(sess.ExpiresAt) || !now.Before(sess.LastSeenAt.Add(idle)) {
		if err := s.Store.DeleteSession(ctx, sess.ID); err != nil {
			return nil, err
		}
		return nil, ErrNoSession
	}
	userAgent = truncate(userAgent, 400)
	if now.Sub(sess.LastSeenAt) >= touchGap(idle) || ip != sess.ClientIP {
		if err := s.Store.TouchSession(ctx, sess.ID, now, ip, userAgent); err != nil {
			return nil, err
		}
		sess.LastSeenAt, sess.ClientIP, sess.UserAgent = now, ip, userAgent
	}
	return sess, nil
}

// EndSession ends one session (sign-out, or an admin's kick).
func (s *Service) EndSession(ctx context.Context, id int64) error {
	return s.Store.DeleteSession(ctx, id)
}

// EndSessionsOf ends every session of one person except keepID (0 keeps
// none), inside tx: password change, reset, deactivation and scope change
// call it in the same transaction as the change itself.
func (s *Service) EndSessionsOf(ctx context.Context, tx *store.Tx, kind string, principalID, keepID int64) (int64, error) {
	return tx.DeleteSessionsOf(ctx, kind, principalID, keepID)
}

// FormToken is the per-session token every POST form carries (the second
// CSRF layer behind Fetch Metadata checks). It is derived from the secret key
// and the session's stored hash, so it needs no storage and differs for
// every session. For visitors without a session, pass the pre-session
// cookie's value instead.
func (s *Service) FormToken(binding string) string {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("form-token\x00" + binding))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckFormToken compares in constant time.
func (s *Service) CheckFormToken(binding, got string) bool {
	if binding == "" || got == "" {
		return false
	}
	return hmac.Equal([]byte(s.FormToken(binding)), []byte(got))
}

func (s *Service) policy(kind string) SessionPolicy {
	if kind == store.KindAdmin {
		return s.AdminSessions
	}
	return s.CustomerSessions
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary so the stored text stays valid UTF-8.
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n]
}
