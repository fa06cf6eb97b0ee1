package auth

import (
	"context"
	"errors"
	"strconv"

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
// just proved it. In one transaction it stores the hash, clears the forced
// flag, ends every session of the account, revokes outstanding links and
// starts a fresh session, whose token it returns.
func (s *Service) ChangeCustomerPassword(ctx context.Context, acct *store.Account, current *string, newPw, ip, userAgent string) (string, error) {
	target := audit.Target{Kind: store.KindCustomer, ID: strconv.FormatInt(acct.ID, 10), Label: acct.Email}
	if current != nil {
		// Someone holding a stolen session must not be able to guess the
		// current password without limit: wrong guesses count against the
		// same lock as sign-in.
		now := s.Clock.Now()
		bucket := accountBucket(store.KindCustomer, acct.ID)
		count, locked, err := s.Store.ThrottleHit(ctx, bucket, now, s.Throttle.Window)
		if err != nil {
			return "", err
		}
		if locked != nil || count > s.Throttle.MaxFailures {
			return "", ErrTooManyAttempts
		}
		if !s.VerifyPassword(ctx, acct.PasswordHash, *current) {
			s.Audit.Record(ctx, s.Store, audit.PasswordChanged, audit.Actor{Kind: store.KindCustomer, ID: acct.ID, Label: acct.Email},
				target, map[string]any{"outcome": "wrong current password"})
			if err := s.lockIfDue(ctx, bucket, count, now, store.KindCustomer, target); err != nil {
				return "", err
			}
			return "", ErrWrongCurrentPassword
		}
		if err := s.Store.ThrottleReset(ctx, bucket); err != nil {
			return "", err
		}
	}
	if err := s.Policy.Check(newPw, acct.Email, acct.Username, acct.FirstName, acct.LastName); err != nil {
		return "", err
	}
	if acct.PasswordHash != "" && s.VerifyPassword(ctx, acct.PasswordHash, newPw) {
		return "", ErrSamePassword
	}
	hash, err := s.Hasher.Hash(ctx, newPw)
	if err != nil {
		return "", err
	}
	now := s.Clock.Now()
	var token string
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetAccountPassword(ctx, acct.ID, hash, false, true, now); err != nil {
			return err
		}
		ended, err := s.EndSessionsOf(ctx, tx, store.KindCustomer, acct.ID, 0)
		if err != nil {
			return err
		}
		if err := tx.RevokeTokens(ctx, store.KindCustomer, acct.ID, now); err != nil {
			return err
		}
		if token, _, err = s.StartSession(ctx, tx, store.KindCustomer, acct.ID, ip, userAgent); err != nil {
			return err
		}
		if err := s.NotifyPasswordChanged(ctx, tx, CustomerPerson(acct)); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.PasswordChanged, audit.Actor{Kind: store.KindCustomer, ID: acct.ID, Label: acct.Email},
			target, map[string]any{"forced": current == nil, "sessions_ended": ended})
	})
	if err != nil {
		return "", err
	}
	return token, nil
}
