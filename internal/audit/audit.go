// Package audit records security events and admin actions in the portal
// database's append-only audit log, one typed function per event, so every
// caller writes the same fields the same way. Request details (client
// address, request id) travel in the context, set once by the web layer.
package audit

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/portico-dev/portico/internal/store"
)

// Action names one kind of audit event. They are stable strings: filters,
// exports and imports depend on them.
type Action string

// Actions recorded so far; later capabilities add theirs here.
const (
	SignIn          Action = "sign_in"
	SignInFailed    Action = "sign_in_failed"
	Lockout         Action = "lockout"
	SignOut         Action = "sign_out"
	PasswordChanged Action = "password_changed"
	SessionExpired  Action = "session_expired"
	AdminCreated    Action = "admin_created"
	AdminPassword   Action = "admin_password_set"
	CSRFRejected    Action = "csrf_rejected"
	DataExported    Action = "data_exported"
	SessionEnded    Action = "session_ended"
	AuditExported   Action = "audit_exported"
	CustomerAccess  Action = "customer_access_changed"
	SectionsChanged Action = "customer_sections_changed" // details: {"sections_off": {"from": [...], "to": [...]}}

	AccountCreated     Action = "account_created"
	AccountUpdated     Action = "account_updated" // details: {"from": {...}, "to": {...}} of changed fields
	AccountDeactivated Action = "account_deactivated"
	AccountReactivated Action = "account_reactivated"
	ScopeChanged       Action = "scope_changed"
	InvitationSent     Action = "invitation_sent"
	InvitationResent   Action = "invitation_resent"
	InvitationAccepted Action = "invitation_accepted"
	LinkRejected       Action = "link_rejected" // an expired, used or unknown link was tried
	ResetLinkSent      Action = "reset_link_sent"
	ResetRequested     Action = "password_reset_requested"
	TempPasswordSent   Action = "temporary_password_sent"
	AdminDeactivated   Action = "admin_deactivated"
	AdminReactivated   Action = "admin_reactivated"
	SettingsChanged    Action = "settings_changed" // secrets masked
	TestEmailSent      Action = "test_email_sent"
	EmailRetried       Action = "email_retry_requested"

	SecondFactorEnrolled  Action = "second_factor_enrolled"
	SecondFactorFailed    Action = "second_factor_failed" // a wrong, reused or throttled code at sign-in
	SecondFactorReset     Action = "second_factor_reset"  // removed by the person or by an admin
	RecoveryCodesReplaced Action = "recovery_codes_replaced"
	DirectoryTested       Action = "directory_tested" // "test connection" or "test a user" on the directory settings page
	DataImported          Action = "data_imported"    // a "portico import" run, with its counts
	BrandingChanged       Action = "branding_changed" // details: {"scope": "portal"|"customer", "from": {...}, "to": {...}} of changed fields
)

// Actions lists every action, for the audit log's filter.
var Actions = []Action{SignIn, SignInFailed, Lockout, SignOut, PasswordChanged, SessionExpired, SessionEnded,
	AccountCreated, AccountUpdated, AccountDeactivated, AccountReactivated, ScopeChanged,
	InvitationSent, InvitationResent, InvitationAccepted, LinkRejected, ResetLinkSent, ResetRequested, TempPasswordSent,
	AdminCreated, AdminPassword, AdminDeactivated, AdminReactivated, CustomerAccess, SectionsChanged, SettingsChanged, BrandingChanged, TestEmailSent, EmailRetried,
	SecondFactorEnrolled, SecondFactorFailed, SecondFactorReset, RecoveryCodesReplaced, DirectoryTested, DataImported,
	DataExported, AuditExported, CSRFRejected}

// Actor is who did something.
type Actor struct {
	Kind  string // admin, customer, system or anonymous
	ID    int64
	Label string
}

// Target is what it was done to.
type Target struct {
	Kind, ID, Label string
}

// System is the actor for the command line and background work.
var System = Actor{Kind: "system", Label: "system"}

type requestKey struct{}

type request struct{ ip, id string }

// WithRequest returns a context that carries the client address and request
// id into every entry recorded under it.
func WithRequest(ctx context.Context, clientIP, requestID string) context.Context {
	return context.WithValue(ctx, requestKey{}, request{clientIP, requestID})
}

// Inserter is a store or a transaction.
type Inserter interface {
	InsertAudit(ctx context.Context, e *store.AuditEntry) error
}

// Recorder writes entries. An entry that cannot be written is logged at
// error level with its full content, so the event is never silently lost.
type Recorder struct {
	Log *slog.Logger
	Now func() time.Time
}

// Record appends one entry through q (pass a transaction to make the entry
// part of the change it describes). details is marshalled to JSON.
func (r *Recorder) Record(ctx context.Context, q Inserter, action Action, actor Actor, target Target, details map[string]any) error {
	e := &store.AuditEntry{
		At: r.Now().UTC(), Action: string(action), ActorKind: actor.Kind, ActorID: actor.ID, ActorLabel: actor.Label,
		TargetKind: target.Kind, TargetID: target.ID, TargetLabel: target.Label,
	}
	if req, ok := ctx.Value(requestKey{}).(request); ok {
		e.ClientIP, e.RequestID = req.ip, req.id
	}
	if len(details) > 0 {
		b, _ := json.Marshal(details)
		e.Details = string(b)
	}
	if err := q.InsertAudit(ctx, e); err != nil {
		r.Log.Error("AUDIT WRITE FAILED", "action", e.Action, "actor_kind", e.ActorKind, "actor_id", e.ActorID,
			"actor", e.ActorLabel, "target", e.TargetKind+":"+e.TargetID, "client_ip", e.ClientIP, "request_id", e.RequestID,
			"details", e.Details, "err", err)
		return err
	}
	return nil
}

// Changes collects what a save changed, field by field, as the details of
// its audit entry: each changed field as {"from": …, "to": …}.
type Changes map[string]any

// Add records a field if its value changed.
func (c Changes) Add(name string, from, to any) {
	if from != to {
		c[name] = map[string]any{"from": from, "to": to}
	}
}
