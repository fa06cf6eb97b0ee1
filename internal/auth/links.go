package auth

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/auth/password"
	"github.com/portico-dev/portico/internal/mail"
	"github.com/portico-dev/portico/internal/store"
)

// Purposes of emailed links. A token is bound to one purpose and one
// person, and each purpose has its own page: an invitation works only at
// /password/set, a reset link only at /password/reset.
const (
	PurposeInvitation = "invitation"
	PurposeReset      = "reset"
)

// TemporaryPasswordTTL is how long a mailed temporary password works.
const TemporaryPasswordTTL = 24 * time.Hour

// ErrInvalidLink is the one answer for a link that is unknown, used,
// expired, revoked or of another purpose: the page never says which.
var ErrInvalidLink = errors.New("auth: link invalid or expired")

// ErrNoEmail means the person has no stored email address to send to.
var ErrNoEmail = errors.New("auth: no email address stored")

// Person is whoever a link or a temporary password is for: a customer
// account or an admin, with the stored address mail goes to.
type Person struct {
	Kind  string // store.KindCustomer or store.KindAdmin
	ID    int64
	Email string
	Name  string
}

// CustomerPerson is the Person of an account.
func CustomerPerson(a *store.Account) Person {
	return Person{Kind: store.KindCustomer, ID: a.ID, Email: a.Email, Name: strings.TrimSpace(a.FirstName + " " + a.LastName)}
}

// AdminPerson is the Person of an admin.
func AdminPerson(a *store.Admin) Person {
	return Person{Kind: store.KindAdmin, ID: a.ID, Email: a.Email, Name: a.DisplayName}
}

// accountID is the customer account p is, or 0 for an admin: emails to
// a customer carry the branding of that account's customer.
func (p Person) accountID() int64 {
	if p.Kind == store.KindCustomer {
		return p.ID
	}
	return 0
}

func (p Person) target() audit.Target {
	label := p.Email
	if label == "" {
		label = p.Name
	}
	return audit.Target{Kind: p.Kind, ID: strconv.FormatInt(p.ID, 10), Label: label}
}

// SendInvitation issues a set-password link of purpose invitation to p,
// revoking every older link, and queues the invitation email, all inside
// tx so the email exists exactly when the change that caused it does.
// resend only changes the audit entry.
func (s *Service) SendInvitation(ctx context.Context, tx *store.Tx, p Person, actor audit.Actor, resend bool) error {
	action := audit.InvitationSent
	if resend {
		action = audit.InvitationResent
	}
	return s.sendLink(ctx, tx, p, actor, PurposeInvitation, mail.Invitation, s.InvitationTTL, action)
}

// SendResetLink issues a set-password link of purpose reset to p (an
// admin's action) and queues the email, inside tx.
func (s *Service) SendResetLink(ctx context.Context, tx *store.Tx, p Person, actor audit.Actor) error {
	return s.sendLink(ctx, tx, p, actor, PurposeReset, mail.ResetLink, s.InvitationTTL, audit.ResetLinkSent)
}

func (s *Service) sendLink(ctx context.Context, tx *store.Tx, p Person, actor audit.Actor, purpose string, kind mail.Kind, ttl time.Duration, action audit.Action) error {
	if p.Email == "" {
		return ErrNoEmail
	}
	now := s.Clock.Now()
	if err := tx.RevokeTokens(ctx, p.Kind, p.ID, now); err != nil {
		return err
	}
	token, hash := NewToken()
	t := &store.Token{TokenHash: hash, Purpose: purpose, PrincipalKind: p.Kind, PrincipalID: p.ID, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := tx.CreateToken(ctx, t); err != nil {
		return err
	}
	link := s.Outbox.Link(LinkPath(purpose) + "?token=" + token)
	if err := s.Outbox.Enqueue(ctx, tx, kind, p.Email, mail.Data{Name: p.Name, Link: link, Expiry: ttl, Staff: p.Kind == store.KindAdmin, AccountID: p.accountID()}, now); err != nil {
		return err
	}
	return s.Audit.Record(ctx, tx, action, actor, p.target(), map[string]any{"expires": t.ExpiresAt.Format(time.RFC3339)})
}

// SendTemporaryPassword generates a password of at least 20 characters,
// stores its hash as a temporary password of p (one sign-in within
// TemporaryPasswordTTL, then a forced change), revokes p's links, ends p's
// sessions and queues the email with the password sealed. The password
// appears nowhere else: not in the return value, the audit log or a page.
func (s *Service) SendTemporaryPassword(ctx context.Context, p Person, actor audit.Actor) error {
	if p.Email == "" {
		return ErrNoEmail
	}
	pw := password.GenerateTemporary()
	hash, err := s.Hasher.Hash(ctx, pw)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetTemporaryPassword(ctx, p.Kind, p.ID, hash, now.Add(TemporaryPasswordTTL), now); err != nil {
			return err
		}
		if err := tx.RevokeTokens(ctx, p.Kind, p.ID, now); err != nil {
			return err
		}
		if _, err := s.EndSessionsOf(ctx, tx, p.Kind, p.ID, 0); err != nil {
			return err
		}
		signIn := "/login"
		if p.Kind == store.KindAdmin {
			signIn = "/admin/login"
		}
		err := s.Outbox.Enqueue(ctx, tx, mail.TemporaryPassword, p.Email,
			mail.Data{Name: p.Name, TempPassword: pw, Link: s.Outbox.Link(signIn), Expiry: TemporaryPasswordTTL, Staff: p.Kind == store.KindAdmin, AccountID: p.accountID()}, now)
		if err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.TempPasswordSent, actor, p.target(), nil)
	})
}

// NotifyPasswordChanged queues the notice sent to the stored address after
// any password change. It holds no secret.
func (s *Service) NotifyPasswordChanged(ctx context.Context, tx *store.Tx, p Person) error {
	if p.Email == "" {
		return nil
	}
	signIn := "/login"
	if p.Kind == store.KindAdmin {
		signIn = "/admin/login"
	}
	return s.Outbox.Enqueue(ctx, tx, mail.PasswordChanged, p.Email, mail.Data{Name: p.Name, Link: s.Outbox.Link(signIn), Staff: p.Kind == store.KindAdmin, AccountID: p.accountID()}, s.Clock.Now())
}

// ForgotLimits bound the forgot-password page: mails per account and
// requests per client address, each within Window.
type ForgotLimits struct {
	PerAccount int
	PerIP      int
	Window     time.Duration
}

// DefaultForgotLimits are three mails per account and twenty requests per
// client address an hour.
var DefaultForgotLimits = ForgotLimits{PerAccount: 3, PerIP: 20, Window: time.Hour}

// RequestPasswordReset handles the forgot-password form. The caller shows
// the same answer whatever happens here: only an active customer account
// found by its stored email gets a reset link, sent to the stored address,
// and only within the limits. It returns an error only when the portal
// database fails.
func (s *Service) RequestPasswordReset(ctx context.Context, email, ip string) error {
	limits := s.Forgot
	if limits.Window == 0 {
		limits = DefaultForgotLimits
	}
	now := s.Clock.Now()
	norm := strings.ToLower(strings.TrimSpace(email))
	ipCount, _, err := s.Store.ThrottleHit(ctx, "forgot:"+ipBucket(ip), now, limits.Window)
	if err != nil {
		return err
	}
	// Counted per typed address, known or not, so both cost the same work.
	count, _, err := s.Store.ThrottleHit(ctx, "forgot:email:"+truncate(norm, 320), now, limits.Window)
	if err != nil {
		return err
	}
	details := map[string]any{}
	outcome := func(reason string) error {
		details["outcome"] = reason
		return s.Audit.Record(ctx, s.Store, audit.ResetRequested, audit.Actor{Kind: "anonymous", Label: truncate(norm, 200)},
			audit.Target{Kind: store.KindCustomer, Label: truncate(norm, 200)}, details)
	}
	if ipCount > limits.PerIP {
		return outcome("client address throttled")
	}
	if count > limits.PerAccount {
		return outcome("too many requests for this address")
	}
	// Only the exact stored address matches: a look-alike (another case is
	// fine, another letter is not) finds nothing, and mail always goes to
	// the stored address, never to the typed string.
	a, err := s.Store.AccountByLogin(ctx, norm)
	if errors.Is(err, store.ErrNotFound) || (err == nil && a.Email != norm) {
		return outcome("unknown address")
	}
	if err != nil {
		return err
	}
	if !a.Active {
		return outcome("inactive account")
	}
	p := CustomerPerson(a)
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		return s.sendLink(ctx, tx, p, audit.Actor{Kind: "anonymous", Label: truncate(norm, 200)}, PurposeReset, mail.ResetLink, s.ForgotTTL, audit.ResetRequested)
	})
}

// LinkPath is the page a link of purpose opens.
func LinkPath(purpose string) string {
	if purpose == PurposeReset {
		return "/password/reset"
	}
	return "/password/set"
}

// Link is a valid set-password link: whose it is and what for.
type Link struct {
	Purpose string
	Person  Person
	Expires time.Time
	// Username is the admin's sign-in name, or the account's email.
	Username string
}

// CheckLink returns the owner of a link of purpose without using the link
// up (a mail scanner opening it must not spend it). Every kind of bad link,
// including one of another purpose, is ErrInvalidLink.
func (s *Service) CheckLink(ctx context.Context, purpose, token string) (*Link, error) {
	if token == "" || len(token) > maxTokenLen || (purpose != PurposeInvitation && purpose != PurposeReset) {
		return nil, ErrInvalidLink
	}
	t, err := s.Store.ValidToken(ctx, HashToken(token), purpose, s.Clock.Now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrInvalidLink
	}
	if err != nil {
		return nil, err
	}
	return s.linkOf(ctx, t)
}

func (s *Service) linkOf(ctx context.Context, t *store.Token) (*Link, error) {
	l := &Link{Purpose: t.Purpose, Expires: t.ExpiresAt}
	switch t.PrincipalKind {
	case store.KindCustomer:
		a, err := s.Store.AccountByID(ctx, t.PrincipalID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !a.Active) {
			return nil, ErrInvalidLink
		} else if err != nil {
			return nil, err
		}
		l.Person, l.Username = CustomerPerson(a), a.Email
	case store.KindAdmin:
		a, err := s.Store.AdminByID(ctx, t.PrincipalID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !a.Active) {
			return nil, ErrInvalidLink
		} else if err != nil {
			return nil, err
		}
		l.Person, l.Username = AdminPerson(a), a.Username
	default:
		return nil, ErrInvalidLink
	}
	return l, nil
}

// RecordRejectedLink audits a request that came with a bad link, so admins
// can see expired invitations being tried.
func (s *Service) RecordRejectedLink(ctx context.Context, token string) {
	s.Audit.Record(ctx, s.Store, audit.LinkRejected, audit.Actor{Kind: "anonymous", Label: "anonymous"}, audit.Target{},
		map[string]any{"token_sha256_prefix": HashToken(token)[:12]})
}

// SetPasswordFromLink sets the password of the link's owner. The link is
// consumed in the same transaction that stores the password, with one
// UPDATE that only one of several racing requests can win; the policy is
// checked first so a refused password leaves the link usable. Every
// session of the owner ends, every other link is revoked, and a notice
// goes to the stored address. Nobody is signed in: the caller sends the
// person to the sign-in page.
func (s *Service) SetPasswordFromLink(ctx context.Context, purpose, token, newPw string) (*Link, error) {
	l, err := s.CheckLink(ctx, purpose, token)
	if err != nil {
		return nil, err
	}
	words := []string{l.Person.Email, l.Username}
	words = append(words, strings.Fields(l.Person.Name)...)
	if err := s.Policy.Check(newPw, words...); err != nil {
		return nil, err
	}
	hash, err := s.Hasher.Hash(ctx, newPw)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		t, err := tx.ConsumeToken(ctx, HashToken(token), l.Purpose, now)
		if errors.Is(err, store.ErrNotFound) {
			return ErrInvalidLink
		}
		if err != nil {
			return err
		}
		if t.PrincipalKind != l.Person.Kind || t.PrincipalID != l.Person.ID {
			return ErrInvalidLink
		}
		switch l.Person.Kind {
		case store.KindCustomer:
			err = tx.SetAccountPassword(ctx, l.Person.ID, hash, false, true, now)
		default:
			err = tx.SetAdminPassword(ctx, l.Person.ID, hash, false, true, now)
		}
		if err != nil {
			return err
		}
		if err := tx.RevokeTokens(ctx, l.Person.Kind, l.Person.ID, now); err != nil {
			return err
		}
		ended, err := s.EndSessionsOf(ctx, tx, l.Person.Kind, l.Person.ID, 0)
		if err != nil {
			return err
		}
		if err := s.NotifyPasswordChanged(ctx, tx, l.Person); err != nil {
			return err
		}
		actor := audit.Actor{Kind: l.Person.Kind, ID: l.Person.ID, Label: l.Person.target().Label}
		if l.Purpose == PurposeInvitation {
			if err := s.Audit.Record(ctx, tx, audit.InvitationAccepted, actor, l.Person.target(), nil); err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, audit.PasswordChanged, actor, l.Person.target(),
			map[string]any{"via": l.Purpose + " link", "sessions_ended": ended})
	})
	if err != nil {
		return nil, err
	}
	// The throttle lock goes with the old password: a reset is the way out.
	if err := s.Store.ThrottleReset(ctx, accountBucket(l.Person.Kind, l.Person.ID)); err != nil {
		s.Log.Warn("could not clear sign-in lock after a reset", "kind", l.Person.Kind, "id", l.Person.ID, "err", err)
	}
	return l, nil
}
