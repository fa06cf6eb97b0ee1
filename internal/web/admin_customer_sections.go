package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/store"
)

// sectionSwitch is one section on the customer page, on or off for that
// customer.
type sectionSwitch struct {
	Key, Title string
	On         bool
}

// customerSectionSwitches lists the configured sections with their state
// for one customer.
func (s *Server) customerSectionSwitches(ctx context.Context, key string) ([]sectionSwitch, error) {
	off, err := s.Store.SectionsOff(ctx, []string{key})
	if err != nil {
		return nil, err
	}
	var out []sectionSwitch
	for _, sec := range s.Data.Sections() {
		out = append(out, sectionSwitch{Key: sec.Key, Title: sec.Title, On: !off[key][sec.Key]})
	}
	return out, nil
}

// saveCustomerSections switches sections on or off for one customer: the
// form lists the sections that stay on. A section switched off disappears
// from the navigation and overview of the accounts that see only this
// customer, its URLs answer 404, and its rows for this customer are left
// out for accounts that see others too.
func (s *Server) saveCustomerSections(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	key := r.PathValue("key")
	if key == "" || len(key) > 400 {
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	configured := s.Data.Sections()
	known := map[string]bool{}
	for _, sec := range configured {
		known[sec.Key] = true
	}
	on := map[string]bool{}
	for _, k := range r.PostForm["section"] {
		if !known[k] {
			s.errorPage(w, r, http.StatusBadRequest, "The form named a section this portal does not have. Reload the customer page and try again.")
			return
		}
		on[k] = true
	}
	before, err := s.Store.SectionsOff(ctx, []string{key})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	// Sections no longer configured keep their switch, so one that comes
	// back in the configuration is still off for this customer.
	var off []string
	for k := range before[key] {
		if !known[k] {
			off = append(off, k)
		}
	}
	for _, sec := range configured {
		if !on[sec.Key] {
			off = append(off, sec.Key)
		}
	}
	slices.Sort(off)
	adm := stateOf(r).adm
	name := r.PostForm.Get("name")
	if name == "" || len(name) > 400 {
		name = key
	}
	now := s.Clock.Now()
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpsertCustomer(ctx, &store.Customer{Key: key, DisplayName: name, PortalEnabled: true, CreatedAt: now}); err != nil {
			return err
		}
		was, err := tx.SetSectionsOff(ctx, key, off, now)
		if err != nil || slices.Equal(was, off) {
			return err
		}
		return s.Auth.Audit.Record(ctx, tx, audit.SectionsChanged, audit.Actor{Kind: store.KindAdmin, ID: adm.ID, Label: adm.Username},
			audit.Target{Kind: "customer", ID: key, Label: name}, map[string]any{"sections_off": map[string][]string{"from": nonNil(was), "to": nonNil(off)}})
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/customers/"+url.PathEscape(key)+"?msg=sections", http.StatusSeeOther)
}

// nonNil makes an empty list show as [] rather than null in the audit log.
func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}
