package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/store"
)

// errAccountRefused stops an action's transaction after the reason for the
// admin has been set.
var errAccountRefused = errors.New("web: account action refused")

// deactivateInTx deactivates an account inside tx: its sessions end and
// its emailed links stop working in the same transaction, so no request
// after the commit gets in. It reports how many sessions ended.
func (s *Server) deactivateInTx(r *http.Request, tx *store.Tx, id int64, target audit.Target) (int64, error) {
	ctx := r.Context()
	now := s.Clock.Now()
	if err := tx.SetAccountActive(ctx, id, false, now); err != nil {
		return 0, err
	}
	ended, err := s.Auth.EndSessionsOf(ctx, tx, store.KindCustomer, id, 0)
	if err != nil {
		return 0, err
	}
	if err := tx.RevokeTokens(ctx, store.KindCustomer, id, now); err != nil {
		return 0, err
	}
	return ended, s.Auth.Audit.Record(ctx, tx, audit.AccountDeactivated, accountsActor(r), target, map[string]any{"sessions_ended": ended})
}

// reactivateInTx lets an inactive account sign in again (with the password
// it had, or after a new invitation).
func (s *Server) reactivateInTx(r *http.Request, tx *store.Tx, id int64, target audit.Target) error {
	if err := tx.SetAccountActive(r.Context(), id, true, s.Clock.Now()); err != nil {
		return err
	}
	return s.Auth.Audit.Record(r.Context(), tx, audit.AccountReactivated, accountsActor(r), target, nil)
}

// deactivateAccount deactivates an account: it is signed out at once
// everywhere and its links stop working. Accounts are never deleted.
func (s *Server) deactivateAccount(w http.ResponseWriter, r *http.Request) {
	id, ok := accountIDFrom(r)
	if !ok {
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	already := false
	var ended int64
	err := s.Store.InTx(r.Context(), func(tx *store.Tx) error {
		a, err := tx.LockAccount(r.Context(), id)
		if err != nil {
			return err
		}
		if !a.Active {
			already = true
			return nil
		}
		ended, err = s.deactivateInTx(r, tx, a.ID, accountTarget(a))
		return err
	})
	back := "/admin/accounts/" + strconv.FormatInt(id, 10)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.errorPage(w, r, http.StatusNotFound, "")
	case err != nil:
		s.serverError(w, r, err)
	case already:
		http.Redirect(w, r, back+"?msg=already_inactive", http.StatusSeeOther)
	default:
		http.Redirect(w, r, back+"?msg=deactivated&ended="+strconv.FormatInt(ended, 10), http.StatusSeeOther)
	}
}

// reactivateAccount lets a deactivated account sign in again.
func (s *Server) reactivateAccount(w http.ResponseWriter, r *http.Request) {
	id, ok := accountIDFrom(r)
	if !ok {
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	already := false
	err := s.Store.InTx(r.Context(), func(tx *store.Tx) error {
		a, err := tx.LockAccount(r.Context(), id)
		if err != nil {
			return err
		}
		if a.Active {
			already = true
			return nil
		}
		return s.reactivateInTx(r, tx, a.ID, accountTarget(a))
	})
	back := "/admin/accounts/" + strconv.FormatInt(id, 10)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.errorPage(w, r, http.StatusNotFound, "")
	case err != nil:
		s.serverError(w, r, err)
	case already:
		http.Redirect(w, r, back+"?msg=already_active", http.StatusSeeOther)
	default:
		http.Redirect(w, r, back+"?msg=reactivated", http.StatusSeeOther)
	}
}

// inviteAccount sends the invitation again to an account that has no
// password yet; every older link stops working.
func (s *Server) inviteAccount(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := accountIDFrom(r)
	if !ok {
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	prior, err := s.Store.LatestInvitation(ctx, id)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var problem string
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		a, err := tx.LockAccount(ctx, id)
		if err != nil {
			return err
		}
		switch {
		case !a.Active:
			problem = "This account is inactive, so no invitation was sent. Reactivate it first."
		case a.PasswordHash != "":
			problem = "This account already has a password, so no invitation was sent. Send a reset link instead."
		}
		if problem != "" {
			return errAccountRefused
		}
		return s.Auth.SendInvitation(ctx, tx, auth.CustomerPerson(a), accountsActor(r), prior != nil)
	})
	s.finishAccountAction(w, r, id, err, problem, "invited")
}

// resetAccount helps a person with a password back in: by default a link
// to choose a new one (their password keeps working until then), or with
// method=temporary a generated password that works for one sign-in and
// must then be changed. The admin never sees the temporary password.
func (s *Server) resetAccount(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := accountIDFrom(r)
	if !ok {
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	method := r.PostForm.Get("method")
	if method != "" && method != "link" && method != "temporary" {
		s.errorPage(w, r, http.StatusBadRequest, "Choose a reset link or a temporary password.")
		return
	}
	refusal := func(a *store.Account) string {
		switch {
		case !a.Active:
			return "This account is inactive, so nothing was sent. Reactivate it first."
		case method != "temporary" && a.PasswordHash == "":
			return "This account has no password yet, so there is nothing to reset. Send the invitation again instead."
		}
		return ""
	}
	var problem string
	if method == "temporary" {
		// SendTemporaryPassword runs its own transaction (the password is
		// hashed first, outside any lock), so the check comes just before.
		a, err := s.Store.AccountByID(ctx, id)
		if err == nil {
			if problem = refusal(a); problem == "" {
				err = s.Auth.SendTemporaryPassword(ctx, auth.CustomerPerson(a), accountsActor(r))
			} else {
				err = errAccountRefused
			}
		}
		s.finishAccountAction(w, r, id, err, problem, "temporary")
		return
	}
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		a, err := tx.LockAccount(ctx, id)
		if err != nil {
			return err
		}
		if problem = refusal(a); problem != "" {
			return errAccountRefused
		}
		return s.Auth.SendResetLink(ctx, tx, auth.CustomerPerson(a), accountsActor(r))
	})
	s.finishAccountAction(w, r, id, err, problem, "reset_link")
}

// finishAccountAction answers an action: back to the account with a
// notice, its page with the reason and 409 when it was refused, or 404.
func (s *Server) finishAccountAction(w http.ResponseWriter, r *http.Request, id int64, err error, problem, msg string) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.errorPage(w, r, http.StatusNotFound, "")
	case errors.Is(err, errAccountRefused):
		a, err := s.Store.AccountByID(r.Context(), id)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		choices, err := s.customerChoices(r, a.Scope)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		s.renderAccountForm(w, r, http.StatusConflict, &view{Error: problem}, formOf(a), choices, a)
	case errors.Is(err, auth.ErrNoEmail):
		s.errorPage(w, r, http.StatusConflict, "This account has no email address to send to.")
	case err != nil:
		s.serverError(w, r, err)
	default:
		http.Redirect(w, r, "/admin/accounts/"+strconv.FormatInt(id, 10)+"?msg="+msg, http.StatusSeeOther)
	}
}
