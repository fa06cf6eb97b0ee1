package web

import (
	"net/http"
	"time"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/store"
)

// adminHomeData is the admin console's front page: the portal at a glance
// and the latest security events.
type adminHomeData struct {
	ActiveAccounts   int
	InactiveAccounts int
	Admins           int
	CustomerSessions int
	AdminSessions    int
	SignIns7d        int
	Failed7d         int
	Recent           []store.AuditEntry
	Areas            []adminArea
}

type adminArea struct {
	Title, Href, Text string
	Alert             string // something that needs the admin, e.g. failed emails
}

// adminAreas are the console's parts, in the order of the navigation.
var adminAreas = []adminArea{
	{Title: "Accounts", Href: "/admin/accounts", Text: "Create customer accounts, set their scope, send invitations and password resets."},
	{Title: "Customers", Href: "/admin/customers", Text: "The ERP's customers, their accounts and portal access."},
	{Title: "Sessions", Href: "/admin/sessions", Text: "Who is signed in now; end sessions; idle timeouts."},
	{Title: "Audit log", Href: "/admin/audit", Text: "Every sign-in, change and export, with filters and CSV export."},
	{Title: "Analytics", Href: "/admin/analytics", Text: "Sign-ins per day, most active accounts, views per section."},
	{Title: "Email", Href: "/admin/outbox", Text: "The outbox of invitations and notices, and the SMTP settings."},
	{Title: "Admins", Href: "/admin/admins", Text: "The business's staff who run this console."},
	{Title: "Branding", Href: "/admin/settings/branding", Text: "The portal's name, logo and accent colour, and customers' own."},
	{Title: "Security", Href: "/admin/settings/security", Text: "Who must use two-step sign-in: admins, every customer, or chosen customers."},
	{Title: "Directory sign-in", Href: "/admin/settings/directory", Text: "Let members of an Active Directory or OpenLDAP group sign in as admins; test the connection and a user."},
}

// showAdminHome renders the admin console's home page.
func (s *Server) showAdminHome(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d := adminHomeData{Areas: append([]adminArea(nil), adminAreas...)}
	accounts, err := s.Store.ListAccounts(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, a := range accounts {
		if a.Active {
			d.ActiveAccounts++
		} else {
			d.InactiveAccounts++
		}
	}
	admins, err := s.Store.ListAdmins(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Admins = len(admins)
	now := s.Clock.Now()
	if d.CustomerSessions, err = s.Store.CountLiveSessions(ctx, store.KindCustomer, now, s.Auth.IdleTimeout(ctx, store.KindCustomer)); err != nil {
		s.serverError(w, r, err)
		return
	}
	if d.AdminSessions, err = s.Store.CountLiveSessions(ctx, store.KindAdmin, now, s.Auth.IdleTimeout(ctx, store.KindAdmin)); err != nil {
		s.serverError(w, r, err)
		return
	}
	week := now.Add(-7 * 24 * time.Hour)
	if _, d.SignIns7d, err = s.Store.ListAudit(ctx, store.AuditFilter{Action: string(audit.SignIn), From: week, Limit: 1}); err != nil {
		s.serverError(w, r, err)
		return
	}
	if _, d.Failed7d, err = s.Store.ListAudit(ctx, store.AuditFilter{Action: string(audit.SignInFailed), From: week, Limit: 1}); err != nil {
		s.serverError(w, r, err)
		return
	}
	if d.Recent, _, err = s.Store.ListAudit(ctx, store.AuditFilter{Limit: 12}); err != nil {
		s.serverError(w, r, err)
		return
	}
	counts, err := s.Store.EmailCounts(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for i := range d.Areas {
		if d.Areas[i].Title == "Email" {
			if n := counts[store.EmailFailed]; n > 0 {
				d.Areas[i].Alert = formatCount(n) + " failed"
			}
		}
	}
	s.page(w, r, http.StatusOK, "admin_home", &view{Title: "Admin console", Data: d})
}
