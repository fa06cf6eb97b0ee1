package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/auth/totp"
	"github.com/portico-dev/portico/internal/store"
)

// secondFactorStatus describes a person's two-step sign-in for the admin
// console, and whether there is anything to reset.
func (s *Server) secondFactorStatus(r *http.Request, kind string, id int64) (string, bool, error) {
	f, err := s.Store.SecondFactorOf(r.Context(), kind, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && f.Confirmed == nil) {
		return "Off", false, nil
	}
	if err != nil {
		return "", false, err
	}
	left, err := s.Store.RecoveryCodesLeft(r.Context(), kind, id)
	if err != nil {
		return "", false, err
	}
	return fmt.Sprintf("On since %s · %d of %d recovery codes left", f.Confirmed.In(s.Config.Location).Format("2 Jan 2006"), left, totp.RecoveryCodeCount), true, nil
}

// resetAccountSecondFactor removes a customer account's second factor
// (a lost phone); audited.
func (s *Server) resetAccountSecondFactor(w http.ResponseWriter, r *http.Request) {
	a, ok := s.accountFromPath(w, r)
	if !ok {
		return
	}
	s.resetSecondFactor(w, r, store.KindCustomer, a.ID, audit.Target{Kind: store.KindCustomer, ID: strconv.FormatInt(a.ID, 10), Label: a.Email},
		"/admin/accounts/"+strconv.FormatInt(a.ID, 10))
}

// resetAdminSecondFactor removes another admin's second factor; an admin
// turns off their own on their account page, with a code.
func (s *Server) resetAdminSecondFactor(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	a, err := s.Store.AdminByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if a.ID == stateOf(r).adm.ID {
		s.errorPage(w, r, http.StatusBadRequest, "You cannot reset your own two-step sign-in here. Turn it off on your account page, with a code from your app or a recovery code.")
		return
	}
	s.resetSecondFactor(w, r, store.KindAdmin, a.ID, audit.Target{Kind: store.KindAdmin, ID: strconv.FormatInt(a.ID, 10), Label: a.Username}, "/admin/admins")
}

func (s *Server) resetSecondFactor(w http.ResponseWriter, r *http.Request, kind string, id int64, target audit.Target, back string) {
	adm := stateOf(r).adm
	had, err := s.Auth.ResetSecondFactor(r.Context(), kind, id, audit.Actor{Kind: store.KindAdmin, ID: adm.ID, Label: adm.Username}, target)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	msg := "second_factor_reset"
	if !had {
		msg = "second_factor_none"
	}
	http.Redirect(w, r, back+"?msg="+msg, http.StatusSeeOther)
}
