package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/auth/totp"
	"github.com/portico-dev/portico/internal/store"
)

// Settings that decide who must use a second factor. They are stored in
// the portal database (admin console) and read through on every sign-in,
// so every instance applies a change at the next sign-in.
const (
	SettingRequireAdmins    = "second_factor.require_admins"
	SettingRequireCustomers = "second_factor.require_customers"
)

// PendingTTL is how long the second step of a sign-in may take.
const PendingTTL = 5 * time.Minute

var (
	// ErrInvalidCode is every failed second step: a wrong, reused or
	// expired code, an unknown recovery code, or a throttled person.
	ErrInvalidCode = errors.New("auth: invalid code")
	// ErrNoPending means the second-step cookie is missing, forged or
	// expired: the person signs in again.
	ErrNoPending = errors.New("auth: no pending sign-in")
	// ErrAlreadyEnrolled means the person has a second factor already.
	ErrAlreadyEnrolled = errors.New("auth: second factor already set up")
	// ErrNotEnrolling means there is no enrollment waiting for a code.
	ErrNotEnrolling = errors.New("auth: no enrollment in progress")
)

// Pending is a sign-in whose password was right and whose second step is
// still to come. It travels in a cookie, signed with the secret key, so
// no session (and no page) exists until the second step succeeds.
type Pending struct {
	Kind string
	ID   int64
	// Enroll means the person has no second factor but must have one:
	// the second step is setting it up.
	Enroll bool
	// Temporary means the password was a temporary one, used up when the
	// sign-in completes.
	Temporary bool
	Expires   time.Time
}

// pendingToken encodes p with its MAC.
func (s *Service) pendingToken(p Pending) string {
	flags := ""
	if p.Enroll {
		flags += "e"
	}
	if p.Temporary {
		flags += "t"
	}
	payload := strings.Join([]string{"v1", p.Kind, strconv.FormatInt(p.ID, 10), strconv.FormatInt(p.Expires.Unix(), 10), flags}, ".")
	return payload + "." + s.pendingMAC(payload)
}

func (s *Service) pendingMAC(payload string) string {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("pending-sign-in\x00" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// ParsePending checks a second-step cookie: its MAC, its expiry and the
// area it belongs to (kind).
func (s *Service) ParsePending(token, kind string) (*Pending, error) {
	if len(token) > 200 {
		return nil, ErrNoPending
	}
	i := strings.LastIndexByte(token, '.')
	if i < 0 {
		return nil, ErrNoPending
	}
	payload, mac := token[:i], token[i+1:]
	if !hmac.Equal([]byte(mac), []byte(s.pendingMAC(payload))) {
		return nil, ErrNoPending
	}
	parts := strings.Split(payload, ".")
	if len(parts) != 5 || parts[0] != "v1" || parts[1] != kind {
		return nil, ErrNoPending
	}
	id, err1 := strconv.ParseInt(parts[2], 10, 64)
	exp, err2 := strconv.ParseInt(parts[3], 10, 64)
	if err1 != nil || err2 != nil {
		return nil, ErrNoPending
	}
	p := &Pending{Kind: kind, ID: id, Expires: time.Unix(exp, 0), Enroll: strings.Contains(parts[4], "e"), Temporary: strings.Contains(parts[4], "t")}
	if !s.Clock.Now().Before(p.Expires) {
		return nil, ErrNoPending
	}
	return p, nil
}

// secondStep decides what a sign-in whose password was right needs next:
// nothing (no second factor, none required), a code, or an enrollment.
func (s *Service) secondStep(ctx context.Context, kind string, id int64, acct *store.Account) (need, enroll bool, err error) {
	f, err := s.Store.SecondFactorOf(ctx, kind, id)
	if err == nil && f.Confirmed != nil {
		return true, false, nil
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return false, false, err
	}
	required, err := s.SecondFactorRequired(ctx, kind, acct)
	return required, required, err
}

// SecondFactorRequired reports whether this person must use a second
// factor: every admin when the admin setting is on (on by default outside
// demo mode, see RequireAdminsDefault); a customer account when the
// setting for all customers is on, or when any customer in its scope
// requires it.
func (s *Service) SecondFactorRequired(ctx context.Context, kind string, acct *store.Account) (bool, error) {
	if kind == store.KindAdmin {
		return s.settingOn(ctx, SettingRequireAdmins, s.RequireAdminsDefault)
	}
	all, err := s.settingOn(ctx, SettingRequireCustomers, false)
	if err != nil || all || acct == nil || acct.AllCustomers || len(acct.Scope) == 0 {
		return all, err
	}
	req, err := s.Store.CustomersRequiringSecondFactor(ctx, acct.Scope)
	return len(req) > 0, err
}

// settingOn reads an on/off setting, def when it was never saved.
func (s *Service) settingOn(ctx context.Context, key string, def bool) (bool, error) {
	v, err := s.Store.Setting(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return def, nil
	}
	if err != nil {
		return false, err
	}
	return v == "on", nil
}

// CompleteSignIn finishes a pending sign-in with a code from the
// authenticator app or a recovery code, and starts the session.
func (s *Service) CompleteSignIn(ctx context.Context, p *Pending, code, ip, userAgent string) (*SignInResult, error) {
	if p.Enroll {
		return nil, ErrNotEnrolling
	}
	method, err := s.VerifySecondFactor(ctx, p.Kind, p.ID, code)
	if err != nil {
		return nil, err
	}
	return s.finishPending(ctx, p, ip, userAgent, map[string]any{"second_factor": method})
}

// VerifySecondFactor checks a code (six digits from the app, or a recovery
// code) for a person with a confirmed second factor, spending it, and
// says which kind it was. Failures count towards the same lock as
// passwords, in a counter of their own.
func (s *Service) VerifySecondFactor(ctx context.Context, kind string, id int64, code string) (string, error) {
	now := s.Clock.Now()
	label := kind + ":" + strconv.FormatInt(id, 10)
	target := audit.Target{Kind: kind, ID: strconv.FormatInt(id, 10)}
	fail := func(reason string) (string, error) {
		s.Audit.Record(ctx, s.Store, audit.SecondFactorFailed, audit.Actor{Kind: kind, ID: id, Label: label}, target, map[string]any{"reason": reason})
		return "", ErrInvalidCode
	}
	bucket := "second:" + kind + ":id:" + strconv.FormatInt(id, 10)
	count, lockedUntil, err := s.Store.ThrottleHit(ctx, bucket, now, s.Throttle.Window)
	if err != nil {
		return "", err
	}
	if lockedUntil != nil || count > s.Throttle.MaxFailures {
		return fail("locked")
	}
	f, err := s.Store.SecondFactorOf(ctx, kind, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && f.Confirmed == nil) {
		return fail("no second factor")
	}
	if err != nil {
		return "", err
	}
	method := "totp"
	ok := false
	if totp.LooksLikeRecoveryCode(code) {
		method = "recovery_code"
		err = s.Store.InTx(ctx, func(tx *store.Tx) (err error) {
			ok, err = tx.UseRecoveryCode(ctx, kind, id, totp.HashRecoveryCode(code), now)
			return err
		})
	} else {
		secret, err := s.Box.Open(f.Sealed)
		if err != nil {
			return "", fmt.Errorf("auth: open second factor of %s: %w", label, err)
		}
		step, verr := totp.Verify(secret, code, now, f.LastStep)
		if verr == nil {
			err = s.Store.InTx(ctx, func(tx *store.Tx) (err error) {
				ok, err = tx.UseStep(ctx, kind, id, step)
				return err
			})
		} else if !errors.Is(verr, totp.ErrInvalidCode) {
			return "", verr
		}
	}
	if err != nil {
		return "", err
	}
	if !ok {
		if err := s.lockIfDue(ctx, bucket, count, now, kind, target); err != nil {
			return "", err
		}
		return fail("wrong or used " + strings.ReplaceAll(method, "_", " "))
	}
	if err := s.Store.ThrottleReset(ctx, bucket); err != nil {
		return "", err
	}
	return method, nil
}

// finishPending starts the session of a pending sign-in, exactly as a
// sign-in without a second step does.
func (s *Service) finishPending(ctx context.Context, p *Pending, ip, userAgent string, details map[string]any) (*SignInResult, error) {
	res := &SignInResult{}
	label := ""
	if p.Kind == store.KindAdmin {
		a, err := s.Store.AdminByID(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		if !a.Active {
			return nil, ErrNoPending
		}
		res.Admin, label = a, a.Username
	} else {
		a, err := s.Store.AccountByID(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		if !a.Active {
			return nil, ErrNoPending
		}
		res.Account, label = a, a.Email
	}
	now := s.Clock.Now()
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		return s.startSignedInSession(ctx, tx, res, p.Kind, p.ID, label, p.Temporary, ip, userAgent, now, details)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// startSignedInSession is the end of every successful sign-in: a
// temporary password is used up, the session starts, the last sign-in is
// recorded and audited.
func (s *Service) startSignedInSession(ctx context.Context, tx *store.Tx, res *SignInResult, kind string, id int64, label string,
	temporary bool, ip, userAgent string, now time.Time, details map[string]any) error {
	if temporary {
		// A temporary password works once: this sign-in may only change it.
		if err := tx.UseTemporaryPassword(ctx, kind, id, now); err != nil {
			return err
		}
	}
	var err error
	if res.Token, res.Session, err = s.StartSession(ctx, tx, kind, id, ip, userAgent); err != nil {
		return err
	}
	if kind == store.KindAdmin {
		err = tx.TouchAdminLogin(ctx, id, now)
	} else {
		err = tx.TouchAccountLogin(ctx, id, now)
	}
	if err != nil {
		return err
	}
	d := map[string]any{"session": res.Session.ID}
	for k, v := range details {
		d[k] = v
	}
	return s.Audit.Record(ctx, tx, audit.SignIn, audit.Actor{Kind: kind, ID: id, Label: label},
		audit.Target{Kind: kind, ID: strconv.FormatInt(id, 10), Label: label}, d)
}

// Enrollment is a second factor being set up: the key to show (as a QR
// code and as text) until the person confirms it with a code.
type Enrollment struct {
	Key *totp.Key
}

// BeginEnrollment stores a new secret for a person without a confirmed
// second factor (replacing an unfinished one) and returns it to show.
// label is what the authenticator app lists the entry as (the email or
// username), issuer the portal's name.
func (s *Service) BeginEnrollment(ctx context.Context, kind string, id int64, issuer, label string) (*Enrollment, error) {
	key, err := totp.Generate(issuer, label)
	if err != nil {
		return nil, err
	}
	sealed, err := s.Box.Seal(key.Secret)
	if err != nil {
		return nil, err
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error { return tx.StartEnrollment(ctx, kind, id, sealed, s.Clock.Now()) })
	if errors.Is(err, store.ErrConflict) {
		return nil, ErrAlreadyEnrolled
	}
	if err != nil {
		return nil, err
	}
	return &Enrollment{Key: key}, nil
}

// pendingSecret opens the secret of an enrollment waiting for its code:
// ErrNotEnrolling when there is none, ErrAlreadyEnrolled when it is
// confirmed already.
func (s *Service) pendingSecret(ctx context.Context, kind string, id int64) (string, error) {
	f, err := s.Store.SecondFactorOf(ctx, kind, id)
	if errors.Is(err, store.ErrNotFound) {
		return "", ErrNotEnrolling
	}
	if err != nil {
		return "", err
	}
	if f.Confirmed != nil {
		return "", ErrAlreadyEnrolled
	}
	secret, err := s.Box.Open(f.Sealed)
	if err != nil {
		return "", fmt.Errorf("auth: open pending second factor: %w", err)
	}
	return secret, nil
}

// PendingEnrollment returns the enrollment waiting for its code, so a
// reloaded page shows the same key the person may have scanned already.
func (s *Service) PendingEnrollment(ctx context.Context, kind string, id int64, issuer, label string) (*Enrollment, error) {
	secret, err := s.pendingSecret(ctx, kind, id)
	if err != nil {
		return nil, err
	}
	key, err := totp.FromSecret(issuer, label, secret)
	if err != nil {
		return nil, err
	}
	return &Enrollment{Key: key}, nil
}

// ConfirmEnrollment checks the first code from the app against the
// pending secret and, when it matches, turns the second factor on and
// returns ten new recovery codes to show once. Wrong codes count towards
// the same lock as sign-in codes.
func (s *Service) ConfirmEnrollment(ctx context.Context, kind string, id int64, code string, actor audit.Actor) ([]string, error) {
	now := s.Clock.Now()
	bucket := "second:" + kind + ":id:" + strconv.FormatInt(id, 10)
	target := audit.Target{Kind: kind, ID: strconv.FormatInt(id, 10), Label: actor.Label}
	count, lockedUntil, err := s.Store.ThrottleHit(ctx, bucket, now, s.Throttle.Window)
	if err != nil {
		return nil, err
	}
	if lockedUntil != nil || count > s.Throttle.MaxFailures {
		return nil, ErrInvalidCode
	}
	secret, err := s.pendingSecret(ctx, kind, id)
	if err != nil {
		return nil, err
	}
	step, err := totp.Verify(secret, code, now, 0)
	if errors.Is(err, totp.ErrInvalidCode) {
		if err := s.lockIfDue(ctx, bucket, count, now, kind, target); err != nil {
			return nil, err
		}
		return nil, ErrInvalidCode
	}
	if err != nil {
		return nil, err
	}
	codes, hashes, err := newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.ConfirmEnrollment(ctx, kind, id, step, hashes, now); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.SecondFactorEnrolled, actor, target, nil)
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotEnrolling
	}
	if err != nil {
		return nil, err
	}
	if err := s.Store.ThrottleReset(ctx, bucket); err != nil {
		return nil, err
	}
	return codes, nil
}

// CompleteEnrollment finishes a pending sign-in whose second step was
// setting up a second factor: the code confirms the enrollment, the
// session starts, and the recovery codes come back to be shown once.
func (s *Service) CompleteEnrollment(ctx context.Context, p *Pending, code, ip, userAgent string) (*SignInResult, []string, error) {
	if !p.Enroll {
		return nil, nil, ErrNotEnrolling
	}
	codes, err := s.ConfirmEnrollment(ctx, p.Kind, p.ID, code, audit.Actor{Kind: p.Kind, ID: p.ID, Label: p.Kind + ":" + strconv.FormatInt(p.ID, 10)})
	if err != nil {
		return nil, nil, err
	}
	res, err := s.finishPending(ctx, p, ip, userAgent, map[string]any{"second_factor": "enrolled"})
	return res, codes, err
}

// NewRecoveryCodes replaces a person's recovery codes (the old ones stop
// working) and returns the new ones to show once.
func (s *Service) NewRecoveryCodes(ctx context.Context, kind string, id int64, actor audit.Actor) ([]string, error) {
	codes, hashes, err := newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.ReplaceRecoveryCodes(ctx, kind, id, hashes, s.Clock.Now()); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.RecoveryCodesReplaced, actor, audit.Target{Kind: kind, ID: strconv.FormatInt(id, 10), Label: actor.Label}, nil)
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// ResetSecondFactor removes a person's second factor and recovery codes:
// an admin doing it for someone who lost their phone, or the person
// turning it off. The person enrolls again at their next sign-in if a
// second factor is required for them.
func (s *Service) ResetSecondFactor(ctx context.Context, kind string, id int64, actor audit.Actor, target audit.Target) (bool, error) {
	var had bool
	err := s.Store.InTx(ctx, func(tx *store.Tx) (err error) {
		if had, err = tx.RemoveSecondFactor(ctx, kind, id); err != nil || !had {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.SecondFactorReset, actor, target, nil)
	})
	return had, err
}

// newRecoveryCodes makes a set of recovery codes and their stored hashes.
func newRecoveryCodes() (codes, hashes []string, err error) {
	if codes, err = totp.RecoveryCodes(totp.RecoveryCodeCount); err != nil {
		return nil, nil, err
	}
	hashes = make([]string, len(codes))
	for i, c := range codes {
		hashes[i] = totp.HashRecoveryCode(c)
	}
	return codes, hashes, nil
}

// Requirement is who must use a second factor, as the security settings
// page shows and saves it.
type Requirement struct {
	Admins, Customers bool
}

// SecondFactorRequirement reads the requirement in force.
func (s *Service) SecondFactorRequirement(ctx context.Context) (Requirement, error) {
	admins, err := s.settingOn(ctx, SettingRequireAdmins, s.RequireAdminsDefault)
	if err != nil {
		return Requirement{}, err
	}
	customers, err := s.settingOn(ctx, SettingRequireCustomers, false)
	return Requirement{Admins: admins, Customers: customers}, err
}

// SetSecondFactorRequirement saves the requirement and audits what
// changed; it reports whether anything did. People already signed in keep
// their sessions; the requirement applies at their next sign-in.
func (s *Service) SetSecondFactorRequirement(ctx context.Context, actor audit.Actor, req Requirement) (bool, error) {
	before, err := s.SecondFactorRequirement(ctx)
	if err != nil || before == req {
		return false, err
	}
	onOff := func(b bool) string {
		if b {
			return "on"
		}
		return "off"
	}
	now := s.Clock.Now()
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		for _, c := range []struct {
			key      string
			from, to bool
		}{{SettingRequireAdmins, before.Admins, req.Admins}, {SettingRequireCustomers, before.Customers, req.Customers}} {
			if c.from == c.to {
				continue
			}
			if err := tx.SetSetting(ctx, c.key, onOff(c.to), actor.Label, now); err != nil {
				return err
			}
			if err := s.Audit.Record(ctx, tx, audit.SettingsChanged, actor, audit.Target{Kind: "setting", ID: c.key},
				map[string]any{c.key: map[string]string{"from": onOff(c.from), "to": onOff(c.to)}}); err != nil {
				return err
			}
		}
		return nil
	})
	return err == nil, err
}
