package web

import (
	"net/http"
	"net/url"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/store"
)

// setCustomerSecondFactor makes two-step sign-in required (or no longer
// required) for the accounts that see one customer. It applies at their
// next sign-in; an account that sees several customers must use it when
// any of them requires it.
func (s *Server) setCustomerSecondFactor(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	key := r.PathValue("key")
	v := r.PostForm.Get("require")
	if key == "" || len(key) > 400 || (v != "on" && v != "off") {
		s.errorPage(w, r, http.StatusBadRequest, "Choose whether this customer's accounts must use two-step sign-in.")
		return
	}
	on := v == "on"
	name := r.PostForm.Get("name")
	if name == "" || len(name) > 400 {
		name = key
	}
	adm := stateOf(r).adm
	now := s.Clock.Now()
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpsertCustomer(ctx, &store.Customer{Key: key, DisplayName: name, PortalEnabled: true, CreatedAt: now}); err != nil {
			return err
		}
		if err := tx.SetCustomerRequiresSecondFactor(ctx, key, on, now); err != nil {
			return err
		}
		return s.Auth.Audit.Record(ctx, tx, audit.SettingsChanged, audit.Actor{Kind: store.KindAdmin, ID: adm.ID, Label: adm.Username},
			audit.Target{Kind: "customer", ID: key, Label: name}, map[string]any{"require_second_factor": map[string]bool{"from": !on, "to": on}})
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	msg := "second_factor_off"
	if on {
		msg = "second_factor_on"
	}
	http.Redirect(w, r, "/admin/customers/"+url.PathEscape(key)+"?msg="+msg, http.StatusSeeOther)
}
