package web

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/source"
	"github.com/portico-dev/portico/internal/store"
)

// customerRow is one ERP customer in the admin list.
type customerRow struct {
	Key, Name     string
	Accounts      int
	PortalEnabled bool
	InERP         bool
	Href          string
}

type customersView struct {
	Rows        []customerRow
	ERPProblem  string // the source could not be read; the portal's own list is shown
	NoERPQuery  bool
	Search      string
	AllAccounts int
}

// showAdminCustomers lists the ERP's customers merged with the portal's own
// records, with their account counts and portal access.
func (s *Server) showAdminCustomers(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v := customersView{Search: strings.TrimSpace(r.URL.Query().Get("q"))}
	rows := map[string]*customerRow{}
	erp, configured, err := s.Data.ERPCustomers(ctx)
	switch {
	case !configured:
		v.NoERPQuery = true
	case err != nil:
		s.Log.Warn("admin customers: ERP customers unavailable", "err", err, "request_id", requestID(r))
		v.ERPProblem = "The ERP could not be reached, so only customers the portal already knows are listed."
	}
	for _, c := range erp {
		rows[c.Key] = &customerRow{Key: c.Key, Name: c.Name, PortalEnabled: true, InERP: true}
	}
	known, err := s.Store.ListCustomers(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, c := range known {
		row, ok := rows[c.Key]
		if !ok {
			row = &customerRow{Key: c.Key, Name: c.DisplayName}
			rows[c.Key] = row
		}
		row.PortalEnabled = c.PortalEnabled
	}
	counts, err := s.Store.CustomerAccounts(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for k, n := range counts {
		if _, ok := rows[k]; !ok {
			rows[k] = &customerRow{Key: k, Name: k, PortalEnabled: true}
		}
		rows[k].Accounts = n
	}
	accounts, err := s.Store.ListAccounts(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, a := range accounts {
		if a.AllCustomers {
			v.AllAccounts++
		}
	}
	needle := strings.ToLower(v.Search)
	for _, row := range rows {
		if row.Name == "" {
			row.Name = row.Key
		}
		if needle != "" && !strings.Contains(strings.ToLower(row.Name+" "+row.Key), needle) {
			continue
		}
		row.Href = "/admin/customers/" + url.PathEscape(row.Key)
		v.Rows = append(v.Rows, *row)
	}
	sort.Slice(v.Rows, func(i, j int) bool { return strings.ToLower(v.Rows[i].Name) < strings.ToLower(v.Rows[j].Name) })
	s.page(w, r, http.StatusOK, "admin_customers", &view{Title: "Customers", Notice: customerNotice(r), Data: v})
}

func customerNotice(r *http.Request) string {
	switch r.URL.Query().Get("msg") {
	case "on":
		return "Portal access turned on."
	case "off":
		return "Portal access turned off. Accounts no longer see this customer's data."
	case "sections":
		return "Sections saved. Accounts see the change on their next page."
	case "second_factor_on":
		return "Two-step sign-in is now required for this customer's accounts, from their next sign-in."
	case "second_factor_off":
		return "Two-step sign-in is no longer required for this customer's accounts."
	}
	return ""
}

// customerView is one customer's page.
type customerView struct {
	Key, Name     string
	PortalEnabled bool
	Accounts      []store.Account
	Sections      []sectionSwitch
	SectionsURL   string // where the sections form posts, the key escaped
	BrandingURL   string // the customer's branding override page
	// RequireSecondFactor is whether this customer's accounts must use
	// two-step sign-in; SecondFactorURL is where that is switched.
	RequireSecondFactor bool
	SecondFactorURL     string
}

// showAdminCustomer lists the accounts that can see one customer.
func (s *Server) showAdminCustomer(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	if key == "" || len(key) > 400 {
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	v := customerView{Key: key, Name: key, PortalEnabled: true, SectionsURL: "/admin/customers/" + url.PathEscape(key) + "/sections",
		BrandingURL: "/admin/customers/" + url.PathEscape(key) + "/branding", SecondFactorURL: "/admin/customers/" + url.PathEscape(key) + "/second-factor"}
	c, err := s.Store.CustomerByKey(r.Context(), key)
	switch {
	case err == nil:
		v.Name, v.PortalEnabled = c.DisplayName, c.PortalEnabled
	case !errors.Is(err, store.ErrNotFound):
		s.serverError(w, r, err)
		return
	}
	if v.Accounts, err = s.Store.AccountsOfCustomer(r.Context(), key); err != nil {
		s.serverError(w, r, err)
		return
	}
	if v.Sections, err = s.customerSectionSwitches(r.Context(), key); err != nil {
		s.serverError(w, r, err)
		return
	}
	req, err := s.Store.CustomersRequiringSecondFactor(r.Context(), []string{key})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v.RequireSecondFactor = req[key]
	if c == nil && len(v.Accounts) == 0 {
		if list, _, _ := s.Data.ERPCustomers(r.Context()); !containsKey(list, key) {
			s.errorPage(w, r, http.StatusNotFound, "")
			return
		}
	}
	s.page(w, r, http.StatusOK, "admin_customer", &view{Title: v.Name, Notice: customerNotice(r), Data: v})
}

func containsKey(list []source.Customer, key string) bool {
	for _, c := range list {
		if c.Key == key {
			return true
		}
	}
	return false
}

// setCustomerAccess turns portal access on or off for a customer.
func (s *Server) setCustomerAccess(w http.ResponseWriter, r *http.Request) {
	key := r.PostForm.Get("key")
	on := r.PostForm.Get("access") == "on"
	if key == "" || len(key) > 400 || (r.PostForm.Get("access") != "on" && r.PostForm.Get("access") != "off") {
		s.errorPage(w, r, http.StatusBadRequest, "Choose a customer and whether portal access is on or off.")
		return
	}
	adm := stateOf(r).adm
	now := s.Clock.Now()
	err := s.Store.InTx(r.Context(), func(tx *store.Tx) error {
		name := r.PostForm.Get("name")
		if name == "" || len(name) > 400 {
			name = key
		}
		if err := tx.UpsertCustomer(r.Context(), &store.Customer{Key: key, DisplayName: name, PortalEnabled: true, CreatedAt: now}); err != nil {
			return err
		}
		if err := tx.SetCustomerPortalEnabled(r.Context(), key, on, now); err != nil {
			return err
		}
		return s.Auth.Audit.Record(r.Context(), tx, audit.CustomerAccess, audit.Actor{Kind: store.KindAdmin, ID: adm.ID, Label: adm.Username},
			audit.Target{Kind: "customer", ID: key, Label: name}, map[string]any{"portal_access": map[string]bool{"from": !on, "to": on}})
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	msg := "off"
	if on {
		msg = "on"
	}
	back := "/admin/customers?msg=" + msg
	if r.PostForm.Get("back") == "customer" {
		back = "/admin/customers/" + url.PathEscape(key) + "?msg=" + msg
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
