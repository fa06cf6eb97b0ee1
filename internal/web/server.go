// Package web is Portico's HTTP layer: one route table (routes.go), the
// middleware every request passes, rendering, and one file per screen or
// action. Handlers parse, authorize and render; the auth service and the
// store below them own the rules and the SQL.
package web

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/brand"
	"github.com/portico-dev/portico/internal/clock"
	"github.com/portico-dev/portico/internal/config"
	"github.com/portico-dev/portico/internal/customerdata"
	"github.com/portico-dev/portico/internal/mail"
	"github.com/portico-dev/portico/internal/secretbox"
	"github.com/portico-dev/portico/internal/store"
)

// DemoAccount is a sign-in shown on the sign-in pages of a demo server.
type DemoAccount struct {
	Label, Login, Password string
}

// Deps are what the web layer needs from the application.
type Deps struct {
	Config config.Config
	Store  *store.Store
	Auth   *auth.Service
	Log    *slog.Logger
	Clock  clock.Clock
	// Data is the only way to customer data: it applies the account's scope.
	Data *customerdata.Service
	// DemoAccounts are printed on the sign-in pages in demo mode.
	DemoAccounts []DemoAccount
	// Version is shown in the admin console footer.
	Version string
	// Outbox composes and queues emails; Sender delivers them (its RunOnce
	// backs "retry now"); Box seals stored secrets; MailEnv are the
	// PORTICO_SMTP_* settings that saved settings override.
	Outbox  *mail.Outbox
	Sender  *mail.Sender
	Box     *secretbox.Box
	MailEnv mail.Settings
	// Brand resolves the branding each page, email and PDF shows.
	Brand *brand.Service
}

// Server handles every HTTP request.
type Server struct {
	Deps
	render  *renderer
	assets  *assets
	handler http.Handler
	mux     *http.ServeMux
	cookies cookieNames
	// views counts customer page views until they are written (see
	// recordView); the zero value is ready to use.
	views viewCounter
}

// New parses the templates and builds the route table; a template error
// stops the start rather than surfacing on the first request.
func New(d Deps) (*Server, error) {
	s := &Server{Deps: d}
	var err error
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.render, err = newRenderer(s.assets, s.Config.Location); err != nil {
		return nil, err
	}
	s.cookies = newCookieNames(d.Config.HTTPS())
	s.handler = s.routes()
	return s, nil
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// HTTPServer returns an http.Server with the timeouts a public server needs
// (slow clients cannot hold connections open forever).
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      5 * time.Minute, // exports stream for a while
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn),
	}
}
