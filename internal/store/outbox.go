package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Email is one message in the outbox. It stays there until it is sent, so
// nothing is lost while SMTP is down; the row is written in the same
// transaction as the change that caused it.
type Email struct {
	ID            int64
	To            string
	Subject       string
	BodyText      string
	BodyHTML      string
	Sealed        bool   // bodies are secretbox-sealed: they hold a link's token or a password
	Hidden        bool   // never opened in the admin console: it holds a temporary password
	Status        string // queued, sent or failed
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	SentAt        *time.Time
}

// Outbox statuses.
const (
	EmailQueued = "queued"
	EmailSent   = "sent"
	EmailFailed = "failed"
)

// EnqueueEmail adds a message to the outbox, due at once.
func (tx *Tx) EnqueueEmail(ctx context.Context, e *Email) error {
	e.Status, e.NextAttemptAt = EmailQueued, e.CreatedAt
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO email_outbox (to_addr, subject, body_text, body_html, sealed, hidden, status, next_attempt_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`, e.To, e.Subject, e.BodyText, e.BodyHTML, e.Sealed, e.Hidden, e.Status, e.CreatedAt).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("store: queue email: %w", err)
	}
	return nil
}

// ClaimDueEmails leases up to limit due messages to the caller for lease,
// so that with several instances each message is sent by one of them: on
// PostgreSQL rows are picked with FOR UPDATE SKIP LOCKED; SQLite has a
// single writer, so its claim is serial by nature.
func (s *Store) ClaimDueEmails(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]Email, error) {
	pick := `SELECT id FROM email_outbox WHERE status = 'queued' AND next_attempt_at <= $1
		AND (claimed_until IS NULL OR claimed_until <= $1) ORDER BY next_attempt_at, id LIMIT $2`
	if s.Dialect == Postgres {
		pick += ` FOR UPDATE SKIP LOCKED`
	}
	rows, err := s.w.QueryContext(ctx, `UPDATE email_outbox SET claimed_until = $3, attempts = attempts + 1
		WHERE id IN (`+pick+`) RETURNING id, to_addr, subject, body_text, body_html, sealed, status, attempts, next_attempt_at, last_error, created_at`,
		now, limit, now.Add(lease))
	if err != nil {
		return nil, fmt.Errorf("store: claim emails: %w", err)
	}
	defer rows.Close()
	var out []Email
	for rows.Next() {
		var e Email
		if err := rows.Scan(&e.ID, &e.To, &e.Subject, &e.BodyText, &e.BodyHTML, &e.Sealed, &e.Status, &e.Attempts, &e.NextAttemptAt, &e.LastError, &e.CreatedAt); err != nil {
			return nil, fmt.Errorf("store: read claimed email: %w", err)
		}
		e.NextAttemptAt, e.CreatedAt = utc(e.NextAttemptAt), utc(e.CreatedAt)
		out = append(out, e)
	}
	return out, rows.Err()
}

// MarkEmailSent records a delivered message.
func (s *Store) MarkEmailSent(ctx context.Context, id int64, at time.Time) error {
	_, err := s.w.ExecContext(ctx, `UPDATE email_outbox SET status = 'sent', sent_at = $1, claimed_until = NULL, last_error = '' WHERE id = $2`, at, id)
	return err
}

// MarkEmailRetry schedules another attempt after a temporary failure, or
// marks the message failed for good when next is zero.
func (s *Store) MarkEmailRetry(ctx context.Context, id int64, next time.Time, lastError string) error {
	status := EmailQueued
	if next.IsZero() {
		status = EmailFailed
	}
	_, err := s.w.ExecContext(ctx, `UPDATE email_outbox SET status = $1, next_attempt_at = $2, last_error = $3, claimed_until = NULL WHERE id = $4`,
		status, next, lastError, id)
	return err
}

// ListEmails returns the newest messages first.
func (s *Store) ListEmails(ctx context.Context, limit int) ([]Email, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, to_addr, subject, body_text, body_html, sealed, hidden, status, attempts, next_attempt_at, last_error, created_at, sent_at
		FROM email_outbox ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list emails: %w", err)
	}
	defer rows.Close()
	var out []Email
	for rows.Next() {
		var e Email
		var sent sql.NullTime
		if err := rows.Scan(&e.ID, &e.To, &e.Subject, &e.BodyText, &e.BodyHTML, &e.Sealed, &e.Hidden, &e.Status, &e.Attempts, &e.NextAttemptAt, &e.LastError, &e.CreatedAt, &sent); err != nil {
			return nil, fmt.Errorf("store: read email: %w", err)
		}
		e.NextAttemptAt, e.CreatedAt, e.SentAt = utc(e.NextAttemptAt), utc(e.CreatedAt), nullTime(sent)
		out = append(out, e)
	}
	return out, rows.Err()
}
