package auth

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/store"
)

// ErrNotLocalAdmin means the admin signs in through the directory, which
// owns their password; the portal cannot change it.
var ErrNotLocalAdmin = errors.New("auth: the admin's password is managed by the directory")

// ChangeAdminPassword is ChangeCustomerPassword for a signed-in admin;
// wrong current passwords count against the admin's sign-in lock.
func (s *Service) ChangeAdminPassword(ctx context.Context, adm *store.Admin, current *string, newPw, ip, userAgent string) (string, error) {
	if adm.Source != "" && adm.Source != "local" {
		return "", ErrNotLocalAdmin
	}
	words := append([]string{adm.Username, adm.Email}, strings.Fields(adm.DisplayName)...)
	return s.changePassword(ctx, passwordOwner{
		person: AdminPerson(adm), label: adm.Username, hash: adm.PasswordHash, words: words,
		store: func(tx *store.Tx, hash string, at time.Time) error {
			return tx.SetAdminPassword(ctx, adm.ID, hash, false, true, at)
		},
	}, current, newPw, ip, userAgent)
}
