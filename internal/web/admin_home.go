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
	Title, Text string
}

// upcomingAreas are the parts of the console that later releases fill; the
// home page lists them so admins know what is coming.
var upcomingAreas = []adminArea{
	{"Accounts", "Create customer accounts, set their scope, send invitations and password resets."},
	{"Customer sections", "Choose which sections each customer sees, with branding per customer."},
	{"Email", "SMTP settings, test messages and the outbox."},
}

// showAdminHome renders the admin console's home page.
func (s *Server) showAdminHome(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d := adminHomeData{Areas: upcomingAreas}
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
	if d.CustomerSessions, err = s.Store.CountLiveSessions(ctx, store.KindCustomer, now); err != nil {
		s.serverError(w, r, err)
		return
	}
	if d.AdminSessions, err = s.Store.CountLiveSessions(ctx, store.KindAdmin, now); err != nil {
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
	s.page(w, r, http.StatusOK, "admin_home", &view{Title: "Admin console", Data: d})
}
