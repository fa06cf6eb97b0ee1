package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrEmailNotRetryable is returned by RetryEmailNow for a message that was
// already sent, or that a sender has claimed and is delivering right now:
// queuing it again could send it twice.
var ErrEmailNotRetryable = errors.New("store: email already sent or being sent")

const emailListColumns = `id, to_addr, subject, sealed, hidden, status, attempts, next_attempt_at, last_error, created_at, sent_at`

// ListEmailsPage returns one page of the outbox for the admin console,
// newest first, and how many messages match in all. status is "" for every
// message, or one of EmailQueued, EmailSent and EmailFailed. The bodies are
// left empty: a list does not show them, and they can be large.
func (s *Store) ListEmailsPage(ctx context.Context, status string, offset, limit int) ([]Email, int, error) {
	cond, args := "", []any{}
	if status != "" {
		cond, args = ` WHERE status = $1`, append(args, status)
	}
	var total int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM email_outbox`+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count emails: %w", err)
	}
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	args = append(args, limit, max(offset, 0))
	rows, err := s.r.QueryContext(ctx, fmt.Sprintf(`SELECT %s FROM email_outbox%s ORDER BY id DESC LIMIT $%d OFFSET $%d`,
		emailListColumns, cond, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list emails: %w", err)
	}
	defer rows.Close()
	var out []Email
	for rows.Next() {
		var e Email
		var sent sql.NullTime
		if err := rows.Scan(&e.ID, &e.To, &e.Subject, &e.Sealed, &e.Hidden, &e.Status, &e.Attempts, &e.NextAttemptAt, &e.LastError, &e.CreatedAt, &sent); err != nil {
			return nil, 0, fmt.Errorf("store: read email: %w", err)
		}
		e.NextAttemptAt, e.CreatedAt, e.SentAt = utc(e.NextAttemptAt), utc(e.CreatedAt), nullTime(sent)
		out = append(out, e)
	}
	return out, total, rows.Err()
}

// EmailCounts returns how many messages the outbox holds per status.
func (s *Store) EmailCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT status, COUNT(*) FROM email_outbox GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("store: count emails by status: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var status string
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return nil, fmt.Errorf("store: read email count: %w", err)
		}
		out[status] = n
	}
	return out, rows.Err()
}

// EmailByID returns one message with its bodies (still sealed when Sealed
// is set); ErrNotFound when there is none.
func (s *Store) EmailByID(ctx context.Context, id int64) (*Email, error) {
	var e Email
	var sent sql.NullTime
	err := s.r.QueryRowContext(ctx, `SELECT id, to_addr, subject, body_text, body_html, sealed, hidden, status, attempts, next_attempt_at,
		last_error, created_at, sent_at FROM email_outbox WHERE id = $1`, id).
		Scan(&e.ID, &e.To, &e.Subject, &e.BodyText, &e.BodyHTML, &e.Sealed, &e.Hidden, &e.Status, &e.Attempts, &e.NextAttemptAt, &e.LastError, &e.CreatedAt, &sent)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: read email %d: %w", id, err)
	}
	e.NextAttemptAt, e.CreatedAt, e.SentAt = utc(e.NextAttemptAt), utc(e.CreatedAt), nullTime(sent)
	return &e, nil
}

// RetryEmailNow queues a failed or queued message again, due at now, for an
// admin's "retry now". The attempt count is kept (it is history). A message
// a sender holds a live claim on is left alone, as is a sent one: both give
// ErrEmailNotRetryable. An unknown id gives ErrNotFound.
func (s *Store) RetryEmailNow(ctx context.Context, id int64, now time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE email_outbox SET status = 'queued', next_attempt_at = $1, claimed_until = NULL
		WHERE id = $2 AND status IN ('queued', 'failed') AND (claimed_until IS NULL OR claimed_until <= $1)`, now, id)
	if err != nil {
		return fmt.Errorf("store: retry email %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: retry email %d: %w", id, err)
	} else if n == 1 {
		return nil
	}
	var one int
	err = s.w.QueryRowContext(ctx, `SELECT 1 FROM email_outbox WHERE id = $1`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: retry email %d: %w", id, err)
	}
	return ErrEmailNotRetryable
}
