package auth

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/auth/password"
	"github.com/portico-dev/portico/internal/clock"
	"github.com/portico-dev/portico/internal/mail"
	"github.com/portico-dev/portico/internal/secretbox"
	"github.com/portico-dev/portico/internal/store"
)

// ErrInvalidCredentials is the one answer to every failed sign-in: unknown
// user, wrong password, inactive, locked or throttled. The reason is kept in
// the audit log, never shown.
var ErrInvalidCredentials = errors.New("auth: invalid credentials")

// Throttle holds the sign-in limits.
type Throttle struct {
	MaxFailures      int           // per account within Window
	Window           time.Duration // counting window
	Lockout          time.Duration // how long a lock lasts
	MaxFailuresPerIP int           // per client address within Window
}

// Service signs people in. It is shared by every request.
type Service struct {
	Store            *store.Store
	Hasher           *password.Hasher
	Clock            clock.Clock
	Audit            *audit.Recorder
	Log              *slog.Logger
	Secret           []byte
	Policy           password.Policy
	Throttle         Throttle
	CustomerSessions SessionPolicy
	AdminSessions    SessionPolicy
	// Outbox queues invitations, reset links, temporary passwords and
	// password-changed notices.
	Outbox *mail.Outbox
	// InvitationTTL bounds invitations and admin-sent reset links;
	// ForgotTTL links asked for on the forgot-password page.
	InvitationTTL, ForgotTTL time.Duration
	// Forgot limits the forgot-password page; zero means DefaultForgotLimits.
	Forgot ForgotLimits
	// Box seals second-factor secrets.
	Box *secretbox.Box
	// RequireAdminsDefault is whether admins must use a second factor
	// until the admin console's setting is saved (on outside demo mode).
	RequireAdminsDefault bool

	// DirectoryEnv is directory sign-in as PORTICO_LDAP_* set it; settings
	// saved in the admin console take its place (see SaveDirectory).
	DirectoryEnv DirectorySettings

	// idle is this instance's copy of the idle timeouts saved in the admin
	// console (see IdleTimeout); the zero value is ready to use.
	idle idleCache
	// dir is this instance's directory client (see dirState).
	dir directoryCache
}

// SignInResult is a successful sign-in: who, and the new session's token;
// or, when a second step is due, the pending sign-in and its cookie value
// (no session exists yet).
type SignInResult struct {
	Account *store.Account // set for customers
	Admin   *store.Admin   // set for admins
	Token   string
	Session *store.Session

	Pending      *Pending
	PendingToken string
}

// principal is what sign-in needs to know of an account or an admin.
type principal struct {
	id     int64
	label  string
	hash   string
	active bool
	// expires is set while the password is temporary; streak counts
	// consecutive failures.
	expires *time.Time
	streak  int
	// acct is the customer account (nil for admins), for the rules that
	// decide whether a second factor is required.
	acct *store.Account
	// verify, when set, checks the password in place of hash (a directory
	// bind, see directory_signin.go). On success it fills in id, label and
	// active; on failure it gives the reason for the audit log. Such a
	// principal has no failure streak: its password lives elsewhere.
	verify func(ctx context.Context, pw string) (ok bool, reason string, err error)
}

// SignInCustomer checks a customer's email (or username) and password and
// starts a session.
func (s *Service) SignInCustomer(ctx context.Context, login, pw, ip, userAgent string) (*SignInResult, error) {
	var acct *store.Account
	res, err := s.signIn(ctx, store.KindCustomer, login, pw, ip, userAgent, func() (*principal, error) {
		a, err := s.Store.AccountByLogin(ctx, login)
		if err != nil {
			return nil, err
		}
		acct = a
		active := a.Active
		if active && !a.AllCustomers && len(a.Scope) > 0 {
			// An account whose every customer has portal access turned off
			// has nothing to see, so it cannot sign in (with the same
			// answer as any other failure).
			off, err := s.Store.DisabledCustomers(ctx, a.Scope)
			if err != nil {
				return nil, err
			}
			active = len(off) < len(a.Scope)
		}
		return &principal{a.ID, a.Email, a.PasswordHash, active, a.PasswordExpiresAt, a.FailedStreak, a, nil}, nil
	}, func(ctx context.Context, id int64, old, fresh string) error {
		return s.Store.RehashAccountPassword(ctx, id, old, fresh)
	})
	if err != nil {
		return nil, err
	}
	res.Account = acct
	return res, nil
}

// SignInAdmin checks a local admin's username (or email) and password and
// starts an admin session.
func (s *Service) SignInAdmin(ctx context.Context, login, pw, ip, userAgent string) (*SignInResult, error) {
	var adm *store.Admin
	res, err := s.signIn(ctx, store.KindAdmin, login, pw, ip, userAgent, func() (*principal, error) {
		a, err := s.Store.LocalAdminByLogin(ctx, login)
		if errors.Is(err, store.ErrNotFound) {
			// No local admin has this name: the directory may know it.
			return s.directoryPrincipal(ctx, login, func(a *store.Admin) { adm = a })
		}
		if err != nil {
			return nil, err
		}
		adm = a
		return &principal{a.ID, a.Username, a.PasswordHash, a.Active, a.PasswordExpiresAt, a.FailedStreak, nil, nil}, nil
	}, func(ctx context.Context, id int64, old, fresh string) error {
		return s.Store.RehashAdminPassword(ctx, id, old, fresh)
	})
	if err != nil {
		return nil, err
	}
	res.Admin = adm
	return res, nil
}

// signIn is the one sign-in path for both kinds. Every failure that gets
// past the client-address limit costs exactly one password hash, so unknown
// users cannot be told from known ones by timing, and answers
// ErrInvalidCredentials (or password.ErrBusy for everyone alike when the
// hasher is saturated).
func (s *Service) signIn(ctx context.Context, kind, login, pw, ip, userAgent string,
	lookup func() (*principal, error),
	rehash func(ctx context.Context, id int64, old, fresh string) error,
) (*SignInResult, error) {
	now := s.Clock.Now()
	norm := strings.ToLower(strings.TrimSpace(login))
	target := audit.Target{Kind: kind, Label: norm}
	fail := func(reason string) (*SignInResult, error) {
		s.Audit.Record(ctx, s.Store, audit.SignInFailed, audit.Actor{Kind: "anonymous", Label: truncate(norm, 200)}, target,
			map[string]any{"kind": kind, "reason": reason})
		return nil, ErrInvalidCredentials
	}

	// The client-address limit comes first and costs no hash, so a blocked
	// address can neither push accounts towards a lock nor fill the hasher.
	ipCount, _, err := s.Store.ThrottleHit(ctx, ipBucket(ip), now, s.Throttle.Window)
	if err != nil {
		return nil, err
	}
	if ipCount > s.Throttle.MaxFailuresPerIP {
		return fail("client address throttled")
	}

	p, err := lookup()
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	// Count against the account itself, whichever name (email or username)
	// was typed; unknown names get a counter of their own so they lock
	// exactly like real ones.
	bucket := kind + ":name:" + norm
	if p != nil && p.id != 0 {
		bucket = accountBucket(kind, p.id)
		target.ID = strconv.FormatInt(p.id, 10)
	}
	count, lockedUntil, err := s.Store.ThrottleHit(ctx, bucket, now, s.Throttle.Window)
	if err != nil {
		return nil, err
	}
	if lockedUntil != nil || count > s.Throttle.MaxFailures {
		if err := s.Hasher.DummyVerify(ctx, pw); err != nil {
			return nil, err
		}
		return fail("locked")
	}
	if p != nil && p.streak >= store.MaxFailedStreak {
		if err := s.Hasher.DummyVerify(ctx, pw); err != nil {
			return nil, err
		}
		return fail("locked until the password is reset")
	}

	var ok, needsRehash bool
	verifyReason := ""
	switch {
	case p != nil && p.verify != nil:
		// One hash's worth of work, as every other attempt costs, so that
		// the directory path cannot be told apart by timing or used to get
		// past the hasher's bound on concurrent attempts.
		if err := s.Hasher.DummyVerify(ctx, pw); err != nil {
			return nil, err
		}
		if ok, verifyReason, err = p.verify(ctx, pw); err != nil {
			return nil, err
		}
		if ok {
			target.ID = strconv.FormatInt(p.id, 10)
		}
	case p == nil || p.hash == "":
		if err := s.Hasher.DummyVerify(ctx, pw); err != nil {
			return nil, err
		}
	default:
		ok, needsRehash, err = s.Hasher.Verify(ctx, p.hash, pw)
		if errors.Is(err, password.ErrBusy) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		if err != nil {
			s.Log.Error("stored password hash unreadable", "kind", kind, "id", p.id, "err", err)
			ok = false
		}
	}
	expired := ok && p.expires != nil && !now.Before(*p.expires)
	if !ok || !p.active || expired {
		reason := "wrong password"
		switch {
		case verifyReason != "" && !ok:
			reason = verifyReason
		case p == nil:
			reason = "unknown user"
		case p.hash == "" && p.verify == nil:
			reason = "no password set"
		case ok && !p.active:
			reason = "inactive"
		case expired:
			reason = "temporary password expired or already used"
		}
		// A directory that cannot be reached is nobody's wrong guess, so it
		// does not push the account towards a lock (the client address
		// still counts it).
		if reason == reasonDirectoryUnavailable {
			if err := s.Store.ThrottleForgive(ctx, bucket); err != nil {
				return nil, err
			}
		} else if err := s.lockIfDue(ctx, bucket, count, now, kind, target); err != nil {
			return nil, err
		}
		if p != nil && !ok && p.verify == nil {
			if err := s.countStreak(ctx, kind, p.id, target); err != nil {
				return nil, err
			}
		}
		return fail(reason)
	}

	if needsRehash {
		if fresh, err := s.Hasher.Hash(ctx, pw); err == nil {
			if err := rehash(ctx, p.id, p.hash, fresh); err != nil {
				s.Log.Warn("could not upgrade password hash", "kind", kind, "id", p.id, "err", err)
			}
		}
	}
	if err := s.Store.ThrottleReset(ctx, bucket); err != nil {
		return nil, err
	}
	if err := s.Store.ThrottleForgive(ctx, ipBucket(ip)); err != nil {
		return nil, err
	}
	if p.streak > 0 {
		if err := s.Store.ClearFailedSignIns(ctx, kind, p.id); err != nil {
			return nil, err
		}
	}
	need, enroll, err := s.secondStep(ctx, kind, p.id, p.acct)
	if err != nil {
		return nil, err
	}
	if need {
		// The password was right; the session waits for the second step.
		pend := Pending{Kind: kind, ID: p.id, Enroll: enroll, Temporary: p.expires != nil, Expires: now.Add(PendingTTL)}
		return &SignInResult{Pending: &pend, PendingToken: s.pendingToken(pend)}, nil
	}
	res := &SignInResult{}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		return s.startSignedInSession(ctx, tx, res, kind, p.id, p.label, p.expires != nil, ip, userAgent, now, nil)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// lockIfDue locks a bucket whose failure count has reached the limit, and
// records the lockout.
func (s *Service) lockIfDue(ctx context.Context, bucket string, count int, now time.Time, kind string, target audit.Target) error {
	if count < s.Throttle.MaxFailures {
		return nil
	}
	until := now.Add(s.Throttle.Lockout)
	if err := s.Store.ThrottleLock(ctx, bucket, until); err != nil {
		return err
	}
	s.Audit.Record(ctx, s.Store, audit.Lockout, audit.System, target,
		map[string]any{"kind": kind, "failures": count, "until": until.Format(time.RFC3339)})
	return nil
}

// countStreak adds a failure to the principal's consecutive streak and,
// when it reaches store.MaxFailedStreak, records the permanent lock.
func (s *Service) countStreak(ctx context.Context, kind string, id int64, target audit.Target) error {
	n, err := s.Store.AddFailedSignIn(ctx, kind, id)
	if err != nil {
		return err
	}
	if n == store.MaxFailedStreak {
		s.Audit.Record(ctx, s.Store, audit.Lockout, audit.System, target,
			map[string]any{"kind": kind, "failures": n, "until": "a new password is set"})
	}
	return nil
}

// accountBucket names the throttle counter of one account or admin.
func accountBucket(kind string, id int64) string { return kind + ":id:" + strconv.FormatInt(id, 10) }

// ipBucket names the throttle counter of a client address. IPv6 clients are
// counted per /64, the block one customer line usually gets, so rotating
// through one's own addresses does not escape the limit.
func ipBucket(ip string) string {
	if a, err := netip.ParseAddr(ip); err == nil && a.Is6() && !a.Is4In6() {
		p, _ := a.Prefix(64)
		return "ip:" + p.String()
	}
	return "ip:" + ip
}

// VerifyPassword checks a password against a stored hash with the shared,
// bounded hasher (for "current password" fields).
func (s *Service) VerifyPassword(ctx context.Context, hash, pw string) bool {
	if hash == "" {
		s.Hasher.DummyVerify(ctx, pw)
		return false
	}
	ok, _, err := s.Hasher.Verify(ctx, hash, pw)
	return err == nil && ok
}

// RefuseSignIn fails a sign-in without looking at the account (a bot that
// filled the honeypot field), doing the same hashing, counting and auditing
// as any other failure so the answer cannot be told apart.
func (s *Service) RefuseSignIn(ctx context.Context, kind, login, pw, ip, reason string) error {
	norm := strings.ToLower(strings.TrimSpace(login))
	now := s.Clock.Now()
	count, _, err := s.Store.ThrottleHit(ctx, ipBucket(ip), now, s.Throttle.Window)
	if err != nil {
		return err
	}
	if count <= s.Throttle.MaxFailuresPerIP {
		if err := s.Hasher.DummyVerify(ctx, pw); err != nil {
			return err
		}
	}
	s.Audit.Record(ctx, s.Store, audit.SignInFailed, audit.Actor{Kind: "anonymous", Label: truncate(norm, 200)},
		audit.Target{Kind: kind, Label: norm}, map[string]any{"kind": kind, "reason": reason})
	return ErrInvalidCredentials
}
