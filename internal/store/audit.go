package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// AuditEntry is one row of the append-only audit log. Details is JSON.
type AuditEntry struct {
	ID          int64
	At          time.Time
	Action      string
	ActorKind   string // admin, customer, system or anonymous
	ActorID     int64
	ActorLabel  string
	TargetKind  string
	TargetID    string
	TargetLabel string
	ClientIP    string
	RequestID   string
	Details     string
	Imported    bool
}

// InsertAudit appends e inside the transaction and sets e.ID.
func (tx *Tx) InsertAudit(ctx context.Context, e *AuditEntry) error {
	return insertAudit(ctx, tx.tx, e)
}

// InsertAudit appends e on its own.
func (s *Store) InsertAudit(ctx context.Context, e *AuditEntry) error {
	return insertAudit(ctx, s.w, e)
}

func insertAudit(ctx context.Context, q querier, e *AuditEntry) error {
	var actor sql.NullInt64
	if e.ActorID != 0 {
		actor = sql.NullInt64{Int64: e.ActorID, Valid: true}
	}
	err := q.QueryRowContext(ctx, `INSERT INTO audit_log (at, action, actor_kind, actor_id, actor_label, target_kind,
		target_id, target_label, client_ip, request_id, details, imported)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		e.At, e.Action, e.ActorKind, actor, e.ActorLabel, e.TargetKind, e.TargetID, e.TargetLabel, e.ClientIP,
		e.RequestID, e.Details, e.Imported).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("store: append audit entry %s: %w", e.Action, err)
	}
	return nil
}

// AuditFilter narrows ListAudit. Zero values match everything.
type AuditFilter struct {
	Action    string
	ActorKind string
	ActorID   int64
	Actor     string // actor label (email or username), exact
	Target    string // target id or label, exact
	// TargetKind narrows Target to customers or admins, whose ids overlap.
	TargetKind string
	From, To   time.Time
	Limit      int
	Offset     int
}

// ListAudit returns matching entries, newest first, and how many match in all.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, int, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.ActorKind != "" {
		add("actor_kind = ?", f.ActorKind)
	}
	if f.ActorID != 0 {
		add("actor_id = ?", f.ActorID)
	}
	if f.Actor != "" {
		add("actor_label = ?", f.Actor)
	}
	if f.Target != "" {
		add("(target_id = ? OR target_label = ?)", f.Target)
	}
	if f.TargetKind != "" {
		add("target_kind = ?", f.TargetKind)
	}
	if !f.From.IsZero() {
		add("at >= ?", f.From)
	}
	if !f.To.IsZero() {
		add("at < ?", f.To)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count audit entries: %w", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	args = append(args, limit, max(f.Offset, 0))
	rows, err := s.r.QueryContext(ctx, fmt.Sprintf(`SELECT id, at, action, actor_kind, actor_id, actor_label, target_kind,
		target_id, target_label, client_ip, request_id, details, imported FROM audit_log%s ORDER BY at DESC, id DESC LIMIT $%d OFFSET $%d`,
		cond, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list audit entries: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var actor sql.NullInt64
		if err := rows.Scan(&e.ID, &e.At, &e.Action, &e.ActorKind, &actor, &e.ActorLabel, &e.TargetKind, &e.TargetID,
			&e.TargetLabel, &e.ClientIP, &e.RequestID, &e.Details, &e.Imported); err != nil {
			return nil, 0, fmt.Errorf("store: read audit entry: %w", err)
		}
		e.At, e.ActorID = utc(e.At), actor.Int64
		out = append(out, e)
	}
	return out, total, rows.Err()
}

// ActionEvent is the slim form of an audit entry that analytics counts.
type ActionEvent struct {
	At       time.Time
	ActorID  int64
	Label    string
	ClientIP string
}

// ActionEvents returns the entries of one action by one kind of actor since
// a time, oldest first, for counting in Go (portable across both engines,
// and a month of sign-ins is small).
func (s *Store) ActionEvents(ctx context.Context, action, actorKind string, since time.Time) ([]ActionEvent, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT at, actor_id, actor_label, client_ip FROM audit_log
		WHERE action = $1 AND actor_kind = $2 AND at >= $3 ORDER BY at, id`, action, actorKind, since)
	if err != nil {
		return nil, fmt.Errorf("store: read %s events: %w", action, err)
	}
	defer rows.Close()
	var out []ActionEvent
	for rows.Next() {
		var e ActionEvent
		var actor sql.NullInt64
		if err := rows.Scan(&e.At, &actor, &e.Label, &e.ClientIP); err != nil {
			return nil, fmt.Errorf("store: read %s event: %w", action, err)
		}
		e.At, e.ActorID = utc(e.At), actor.Int64
		out = append(out, e)
	}
	return out, rows.Err()
}
