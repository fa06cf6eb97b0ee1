package auth

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/store"
)

// ErrNotLocalAdmin means the admin signs in through the directory, which
// owns their password; the portal cannot change it.
var ErrNotLocalAdmin = errors.New("auth: the admin's password is managed by the directory")

// ChangeAdminPassword is ChangeCustomerPassword for a signed-in admin. When
// current is non-nil it must match the stored password (wrong guesses count
// against the admin's sign-in lock); a forced change after a temporary
// password passes nil. In one transaction it stores the hash, clears the
// forced flag and the failure streak, ends every session of the admin,
// revokes outstanding links, starts a fresh session (whose token it
// returns), queues the password-changed notice and audits the change.
func (s *Service) ChangeAdminPassword(ctx context.Context, adm *store.Admin, current *string, newPw, ip, userAgent string) (string, error) {
	if adm.Source != "" && adm.Source != "local" {
		return "", ErrNotLocalAdmin
	}
	actor := audit.Actor{Kind: store.KindAdmin, ID: adm.ID, Label: adm.Username}
	target := audit.Target{Kind: store.KindAdmin, ID: strconv.FormatInt(adm.ID, 10), Label: adm.Username}
	if current != nil {
		// A stolen admin session must not be able to guess the current
		// password without limit: wrong guesses share the sign-in lock.
		now := s.Clock.Now()
		bucket := accountBucket(store.KindAdmin, adm.ID)
		count, locked, err := s.Store.ThrottleHit(ctx, bucket, now, s.Throttle.Window)
		if err != nil {
			return "", err
		}
		if locked != nil || count > s.Throttle.MaxFailures {
			return "", ErrTooManyAttempts
		}
		if !s.VerifyPassword(ctx, adm.PasswordHash, *current) {
			s.Audit.Record(ctx, s.Store, audit.PasswordChanged, actor, target, map[string]any{"outcome": "wrong current password"})
			if err := s.lockIfDue(ctx, bucket, count, now, store.KindAdmin, target); err != nil {
				return "", err
			}
			return "", ErrWrongCurrentPassword
		}
		if err := s.Store.ThrottleReset(ctx, bucket); err != nil {
			return "", err
		}
	}
	words := []string{adm.Username, adm.Email}
	words = append(words, strings.Fields(adm.DisplayName)...)
	if err := s.Policy.Check(newPw, words...); err != nil {
		return "", err
	}
	if adm.PasswordHash != "" && s.VerifyPassword(ctx, adm.PasswordHash, newPw) {
		return "", ErrSamePassword
	}
	hash, err := s.Hasher.Hash(ctx, newPw)
	if err != nil {
		return "", err
	}
	now := s.Clock.Now()
	var token string
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetAdminPassword(ctx, adm.ID, hash, false, true, now); err != nil {
			return err
		}
		ended, err := s.EndSessionsOf(ctx, tx, store.KindAdmin, adm.ID, 0)
		if err != nil {
			return err
		}
		if err := tx.RevokeTokens(ctx, store.KindAdmin, adm.ID, now); err != nil {
			return err
		}
		if token, _, err = s.StartSession(ctx, tx, store.KindAdmin, adm.ID, ip, userAgent); err != nil {
			return err
		}
		if err := s.NotifyPasswordChanged(ctx, tx, AdminPerson(adm)); err != nil {
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
