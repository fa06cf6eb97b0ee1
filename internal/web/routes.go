package web

import (
	"net/http"

	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/store"
)

// routes is the one route table. Every URL Portico answers is listed here,
// with the guard it sits behind; middleware applies to all of them.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()

	// Operations and assets.
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("GET /static/{hash}/{name...}", s.assets.serve)
	mux.HandleFunc("GET /favicon.ico", s.favicon)
	mux.HandleFunc("GET /brand/logo/{file}", s.serveBrandLogo)   // {id}.png, public: the sign-in page shows it
	mux.HandleFunc("GET /brand/accent/{file}", s.serveAccentCSS) // {rrggbb}.css

	// Customers.
	mux.HandleFunc("GET /{$}", s.requireCustomer(s.showDashboard))
	mux.HandleFunc("GET /login", s.showSignIn(s.customerArea()))
	mux.HandleFunc("POST /login", s.submitSignIn(s.customerArea()))
	mux.HandleFunc("GET /login/verify", s.showVerify(s.customerArea()))
	mux.HandleFunc("POST /login/verify", s.submitVerify(s.customerArea()))
	mux.HandleFunc("POST /logout", s.signOut(store.KindCustomer))
	mux.HandleFunc("GET /password/change", s.requireCustomer(s.showPasswordChange))
	mux.HandleFunc("GET /inventory", s.requireCustomer(s.showInventory))
	mux.HandleFunc("GET /inventory/export.csv", s.requireCustomer(s.exportInventory("csv")))
	mux.HandleFunc("GET /inventory/export.xlsx", s.requireCustomer(s.exportInventory("xlsx")))
	mux.HandleFunc("GET /data/{dataset}", s.requireCustomer(s.showDataset))
	mux.HandleFunc("GET /data/{dataset}/export.csv", s.requireCustomer(s.exportDataset("csv")))
	mux.HandleFunc("GET /data/{dataset}/export.xlsx", s.requireCustomer(s.exportDataset("xlsx")))
	mux.HandleFunc("POST /password/change", s.requireCustomer(s.submitPasswordChange))

	// Client portal: invoices.
	mux.HandleFunc("GET /invoices", s.requireCustomer(s.showInvoices))
	mux.HandleFunc("GET /invoices/{file}", s.requireCustomer(s.showInvoiceOrPDF)) // {id} or {id}.pdf

	// Client portal: projects and time entries.
	mux.HandleFunc("GET /projects", s.requireCustomer(s.showProjects))
	mux.HandleFunc("GET /projects/{id}", s.requireCustomer(s.showProject))
	mux.HandleFunc("GET /time-entries", s.requireCustomer(s.showTimeEntries))
	mux.HandleFunc("GET /time-entries/export.csv", s.requireCustomer(s.exportTimeEntries("csv")))
	mux.HandleFunc("GET /time-entries/export.xlsx", s.requireCustomer(s.exportTimeEntries("xlsx")))

	// Your own account (customers and admins).
	mux.HandleFunc("GET /account", s.requireCustomer(s.showOwnAccount))
	mux.HandleFunc("POST /account/two-factor/start", s.requireCustomer(s.startOwnSecondFactor))
	mux.HandleFunc("GET /account/two-factor", s.requireCustomer(s.showOwnSecondFactor))
	mux.HandleFunc("POST /account/two-factor/confirm", s.requireCustomer(s.confirmOwnSecondFactor))
	mux.HandleFunc("POST /account/two-factor/recovery-codes", s.requireCustomer(s.replaceOwnRecoveryCodes))
	mux.HandleFunc("POST /account/two-factor/off", s.requireCustomer(s.turnOffOwnSecondFactor))
	mux.HandleFunc("POST /account/sessions/end-others", s.requireCustomer(s.endOwnOtherSessions))
	mux.HandleFunc("GET /admin/account", s.requireAdmin(s.showOwnAccount))
	mux.HandleFunc("POST /admin/account/two-factor/start", s.requireAdmin(s.startOwnSecondFactor))
	mux.HandleFunc("GET /admin/account/two-factor", s.requireAdmin(s.showOwnSecondFactor))
	mux.HandleFunc("POST /admin/account/two-factor/confirm", s.requireAdmin(s.confirmOwnSecondFactor))
	mux.HandleFunc("POST /admin/account/two-factor/recovery-codes", s.requireAdmin(s.replaceOwnRecoveryCodes))
	mux.HandleFunc("POST /admin/account/two-factor/off", s.requireAdmin(s.turnOffOwnSecondFactor))
	mux.HandleFunc("POST /admin/account/sessions/end-others", s.requireAdmin(s.endOwnOtherSessions))

	// Password links and forgotten passwords (customers and admins).
	mux.HandleFunc("GET /password/set", s.showPasswordSet(auth.PurposeInvitation))
	mux.HandleFunc("POST /password/set", s.submitPasswordSet(auth.PurposeInvitation))
	mux.HandleFunc("GET /password/reset", s.showPasswordSet(auth.PurposeReset))
	mux.HandleFunc("POST /password/reset", s.submitPasswordSet(auth.PurposeReset))
	mux.HandleFunc("GET /password/forgot", s.showForgotPassword)
	mux.HandleFunc("POST /password/forgot", s.submitForgotPassword)

	// Admin console.
	mux.HandleFunc("GET /admin/login", s.showSignIn(s.adminArea()))
	mux.HandleFunc("POST /admin/login", s.submitSignIn(s.adminArea()))
	mux.HandleFunc("GET /admin/login/verify", s.showVerify(s.adminArea()))
	mux.HandleFunc("POST /admin/login/verify", s.submitVerify(s.adminArea()))
	mux.HandleFunc("POST /admin/logout", s.signOut(store.KindAdmin))
	mux.HandleFunc("GET /admin", s.requireAdmin(s.showAdminHome))
	mux.HandleFunc("GET /admin/{$}", redirectTo("/admin"))
	mux.HandleFunc("GET /admin/sessions", s.requireAdmin(s.showAdminSessions))
	mux.HandleFunc("GET /admin/audit", s.requireAdmin(s.showAudit))
	mux.HandleFunc("GET /admin/analytics", s.requireAdmin(s.showAnalytics))
	mux.HandleFunc("GET /admin/customers", s.requireAdmin(s.showAdminCustomers))
	mux.HandleFunc("GET /admin/customers/{key}", s.requireAdmin(s.showAdminCustomer))
	mux.HandleFunc("POST /admin/customers/access", s.requireAdmin(s.setCustomerAccess))
	mux.HandleFunc("POST /admin/customers/{key}/sections", s.requireAdmin(s.saveCustomerSections))
	mux.HandleFunc("POST /admin/customers/{key}/second-factor", s.requireAdmin(s.setCustomerSecondFactor))
	mux.HandleFunc("GET /admin/audit/export.csv", s.requireAdmin(s.exportAudit))
	mux.HandleFunc("POST /admin/sessions/{id}/end", s.requireAdmin(s.endSession))
	mux.HandleFunc("POST /admin/sessions/end-all", s.requireAdmin(s.endAllSessions))

	// Admin console: accounts.
	mux.HandleFunc("GET /admin/accounts", s.requireAdmin(s.showAccounts))
	mux.HandleFunc("GET /admin/accounts/new", s.requireAdmin(s.showNewAccount))
	mux.HandleFunc("POST /admin/accounts", s.requireAdmin(s.createAccount))
	mux.HandleFunc("GET /admin/accounts/{id}", s.requireAdmin(s.showAccount))
	mux.HandleFunc("POST /admin/accounts/{id}", s.requireAdmin(s.saveAccount))
	mux.HandleFunc("POST /admin/accounts/{id}/deactivate", s.requireAdmin(s.deactivateAccount))
	mux.HandleFunc("POST /admin/accounts/{id}/reactivate", s.requireAdmin(s.reactivateAccount))
	mux.HandleFunc("POST /admin/accounts/{id}/invite", s.requireAdmin(s.inviteAccount))
	mux.HandleFunc("POST /admin/accounts/{id}/reset", s.requireAdmin(s.resetAccount))
	mux.HandleFunc("POST /admin/accounts/{id}/second-factor/reset", s.requireAdmin(s.resetAccountSecondFactor))

	// Admin console: admins and the admin's own password.
	mux.HandleFunc("GET /admin/admins", s.requireAdmin(s.showAdmins))
	mux.HandleFunc("POST /admin/admins", s.requireAdmin(s.createAdmin))
	mux.HandleFunc("POST /admin/admins/{id}/invite", s.requireAdmin(s.inviteAdmin))
	mux.HandleFunc("POST /admin/admins/{id}/reset", s.requireAdmin(s.resetAdmin))
	mux.HandleFunc("POST /admin/admins/{id}/deactivate", s.requireAdmin(s.deactivateAdmin))
	mux.HandleFunc("POST /admin/admins/{id}/reactivate", s.requireAdmin(s.reactivateAdmin))
	mux.HandleFunc("POST /admin/admins/{id}/second-factor/reset", s.requireAdmin(s.resetAdminSecondFactor))
	mux.HandleFunc("GET /admin/password", s.requireAdmin(s.showAdminPassword))
	mux.HandleFunc("POST /admin/password", s.requireAdmin(s.submitAdminPassword))

	// Admin console: outbox and email settings.
	mux.HandleFunc("GET /admin/outbox", s.requireAdmin(s.showOutbox))
	mux.HandleFunc("GET /admin/outbox/{id}", s.requireAdmin(s.showOutboxEmail))
	mux.HandleFunc("GET /admin/outbox/{id}/preview", s.requireAdmin(s.previewOutboxEmail))
	mux.HandleFunc("POST /admin/outbox/{id}/retry", s.requireAdmin(s.retryOutboxEmail))
	mux.HandleFunc("GET /admin/settings/email", s.requireAdmin(s.showEmailSettings))
	mux.HandleFunc("POST /admin/settings/email", s.requireAdmin(s.saveEmailSettings))
	mux.HandleFunc("POST /admin/settings/email/test", s.requireAdmin(s.sendTestEmail))

	// Admin console: security settings (who must use two-step sign-in).
	mux.HandleFunc("GET /admin/settings/security", s.requireAdmin(s.showSecuritySettings))
	mux.HandleFunc("POST /admin/settings/security", s.requireAdmin(s.saveSecuritySettings))

	// Admin console: directory sign-in.
	mux.HandleFunc("GET /admin/settings/directory", s.requireAdmin(s.showDirectorySettings))
	mux.HandleFunc("POST /admin/settings/directory", s.requireAdmin(s.saveDirectorySettings))
	mux.HandleFunc("POST /admin/settings/directory/test", s.requireAdmin(s.testDirectoryConnection))
	mux.HandleFunc("POST /admin/settings/directory/test-user", s.requireAdmin(s.testDirectoryUser))

	// Admin console: session settings.
	mux.HandleFunc("POST /admin/sessions/idle", s.requireAdmin(s.saveIdleSettings))

	// Admin console: branding (portal and per-customer override).
	mux.HandleFunc("GET /admin/settings/branding", s.requireAdmin(s.showBranding))
	mux.HandleFunc("POST /admin/settings/branding", s.requireAdmin(s.saveBranding))
	mux.HandleFunc("GET /admin/customers/{key}/branding", s.requireAdmin(s.showBranding))
	mux.HandleFunc("POST /admin/customers/{key}/branding", s.requireAdmin(s.saveBranding))

	s.mux = mux
	return chain(mux,
		withRequestID,
		s.withClientIP,
		s.accessLog,
		s.recoverPanic,
		s.securityHeaders,
		s.limitBody,
		s.crossOrigin,
		s.loadSession,
		s.muxErrors,
	)
}

func redirectTo(target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target, http.StatusMovedPermanently)
	}
}
