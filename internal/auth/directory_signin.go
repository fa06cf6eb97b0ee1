package auth

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/auth/directory"
	"github.com/portico-dev/portico/internal/store"
)

// reasonDirectoryUnavailable is the audit reason of a sign-in refused
// because the directory could not be asked (down, unreachable, or set up
// wrongly). The person gets the same answer as for a wrong password.
const reasonDirectoryUnavailable = "directory unavailable"

// directoryPrincipal is the sign-in principal for an admin login that
// matches no local admin, when directory sign-in is on; without it the
// login is unknown (store.ErrNotFound), as before.
//
// The password check is a directory bind (directory.Client.Authenticate),
// run by the shared sign-in path after the client-address and account
// limits, so a locked or throttled name never reaches the directory
// (spraying through Portico cannot lock directory accounts out), and every
// failure is audited and answered like a local one. Failures are counted
// against the directory admin already known by that name, or else against
// the name typed.
//
// On success the admin record is found or created by the directory's
// stable id (see store.UpsertDirectoryAdmin) and reported through
// signedIn. A record deactivated in Portico fails like an inactive local
// admin.
func (s *Service) directoryPrincipal(ctx context.Context, login string, signedIn func(*store.Admin)) (*principal, error) {
	st := s.dirState(ctx)
	if !st.configured {
		return nil, store.ErrNotFound
	}
	norm := strings.ToLower(strings.TrimSpace(login))
	p := &principal{label: truncate(norm, 200), active: true}
	known, err := s.Store.DirectoryAdminByLogin(ctx, login)
	switch {
	case err == nil:
		p.id, p.label = known.ID, known.Username
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	p.verify = func(ctx context.Context, pw string) (bool, string, error) {
		if st.client == nil {
			s.Log.Warn("directory sign-in refused: the directory settings cannot be used", "problem", errText(st.problem))
			return false, reasonDirectoryUnavailable, nil
		}
		u, err := st.client.Authenticate(ctx, login, pw)
		switch {
		case err == nil:
		case errors.Is(err, directory.ErrInvalidCredentials):
			// The detail (unknown user, wrong password, locked, …) stays
			// in the audit log; the password is never part of it.
			return false, "directory: " + strings.TrimPrefix(err.Error(), directory.ErrInvalidCredentials.Error()+": "), nil
		case errors.Is(err, directory.ErrNotMember):
			return false, "not in the directory's admin group", nil
		case ctx.Err() != nil:
			return false, "", ctx.Err()
		default:
			// ErrUnavailable: its message is what "Test connection" would
			// say, for whoever reads the log.
			s.Log.Warn("directory unavailable at sign-in; local admins are unaffected", "err", err.Error())
			return false, reasonDirectoryUnavailable, nil
		}
		adm, err := s.upsertDirectoryAdmin(ctx, u)
		if err != nil {
			return false, "", err
		}
		p.id, p.label, p.active = adm.ID, adm.Username, adm.Active
		signedIn(adm)
		return true, "", nil
	}
	return p, nil
}

// upsertDirectoryAdmin finds or creates the admin record of a directory
// user who signed in, auditing a creation. Two first sign-ins of the same
// person at once can both try to create it: the loser finds the winner's.
func (s *Service) upsertDirectoryAdmin(ctx context.Context, u *directory.User) (*store.Admin, error) {
	id := store.DirectoryIdentity{ExternalID: u.ID, Username: u.Username, Email: u.Email, DisplayName: u.DisplayName}
	var adm *store.Admin
	try := func() error {
		return s.Store.InTx(ctx, func(tx *store.Tx) error {
			a, created, err := tx.UpsertDirectoryAdmin(ctx, id, s.Clock.Now())
			if err != nil {
				return err
			}
			adm = a
			if !created {
				return nil
			}
			return s.Audit.Record(ctx, tx, audit.AdminCreated, audit.System,
				audit.Target{Kind: store.KindAdmin, ID: strconv.FormatInt(a.ID, 10), Label: a.Username},
				map[string]any{"via": "directory sign-in", "directory_id": u.ID, "dn": u.DN})
		})
	}
	err := try()
	if errors.Is(err, store.ErrConflict) {
		err = try()
	}
	return adm, err
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
