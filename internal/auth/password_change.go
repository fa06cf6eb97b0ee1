package auth

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/auth/password"
	"github.com/portico-dev/portico/internal/store"
)

// ErrWrongCurrentPassword means the "current password" field did not match.
var ErrWrongCurrentPassword = errors.New("auth: current password is wrong")

// ErrTooManyAttempts means the current password was guessed wrong too often;
// the account's sign-in lock applies.
var ErrTooManyAttempts = errors.New("auth: too many wrong current passwords")

// ErrSamePassword means the new password equals the one it replaces, which
// would defeat a forced change after a temporary password.
var ErrSamePassword = &password.PolicyError{Reason: "Choose a password different from your current one."}

// ChangeCustomerPassword sets a new password for a signed-in customer. When
// current is non-nil it must match the stored password (a voluntary change);
// a forced change after a temporary password passes nil, the sign-in having
// just proved it. See changePassword for what happens then.
func (s *Service) ChangeCustomerPassword(ctx context.Context, acct *store.Account, current *string, newPw, ip, userAgent string) (string, error) {
	return s.changePassword(ctx, passwordOwner{
		person: CustomerPerson(acct), label: acct.Email, hash: acct.PasswordHash,
		words: []string{acct.Email, acct.Username, acct.FirstName, acct.LastName},
		store: func(tx *store.Tx, hash string, at time.Time) error {
			return tx.SetAccountPassword(ctx, acct.ID, hash, false, true, at)
		},
	}, current, newPw, ip, userAgent)
}

// passwordOwner is what a password change needs to know of a customer
// account or an admin.
type passwordOwner struct {
	person Person
	label  string   // for the audit log
	hash   string   // the stored password hash
	words  []string // context words the new password must not be built from
	store  func(tx *store.Tx, hash string, at time.Time) error
}

// changePassword is the one password-change path for customers and admins.
// A non-nil current must match the stored password, and wrong guesses count
// against the same lock as sign-in, so a stolen session cannot guess it
// without limit. In one transaction it stores the hash, clears the forced
// flag, ends every session of the owner, revokes outstanding links, starts a
// fresh session (whose token it returns), queues the password-changed notice
// and audits the change.
func (s *Service) changePassword(ctx context.Context, o passwordOwner, current *string, newPw, ip, userAgent string) (string, error) {
	kind, id := o.person.Kind, o.person.ID
	actor := audit.Actor{Kind: kind, ID: id, Label: o.label}
	target := audit.Target{Kind: kind, ID: strconv.FormatInt(id, 10), Label: o.label}
	if current != nil {
		now := s.Clock.Now()
		bucket := accountBucket(kind, id)
		count, locked, err := s.Store.ThrottleHit(ctx, bucket, now, s.Throttle.Window)
		if err != nil {
			return "", err
		}
		if locked != nil || count > s.Throttle.MaxFailures {
			return "", ErrTooManyAttempts
		}
		if !s.VerifyPassword(ctx, o.hash, *current) {
			s.Audit.Record(ctx, s.Store, audit.PasswordChanged, actor, target, map[string]any{"outcome": "wrong current password"})
			if err := s.lockIfDue(ctx, bucket, count, now, kind, target); err != nil {
				return "", err
			}
			return "", ErrWrongCurrentPassword
		}
		if err := s.Store.ThrottleReset(ctx, bucket); err != nil {
			return "", err
		}
	}
	if err := s.Policy.Check(newPw, o.words...); err != nil {
		return "", err
	}
	if o.hash != "" && s.VerifyPassword(ctx, o.hash, newPw) {
		return "", ErrSamePassword
	}
	hash, err := s.Hasher.Hash(ctx, newPw)
	if err != nil {
		return "", err
	}
	now := s.Clock.Now()
	var token string
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := o.store(tx, hash, now); err != nil {
			return err
		}
		ended, err := s.EndSessionsOf(ctx, tx, kind, id, 0)
		if err != nil {
			return err
		}
		if err := tx.RevokeTokens(ctx, kind, id, now); err != nil {
			return err
		}
		if token, _, err = s.StartSession(ctx, tx, kind, id, ip, userAgent); err != nil {
			return err
		}
		if err := s.NotifyPasswordChanged(ctx, tx, o.person); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.PasswordChanged, actor, target,
			map[string]any{"forced": current == nil, "sessions_ended": ended})
	})
	if err != nil {
		return "", err
	}
	return token, nil
}
