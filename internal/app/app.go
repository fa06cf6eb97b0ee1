// Package app wires Portico together: configuration, portal database,
// services and the HTTP server. Tests start a whole App on port 0.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/auth/password"
	"github.com/portico-dev/portico/internal/brand"
	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/clock"
	"github.com/portico-dev/portico/internal/config"
	"github.com/portico-dev/portico/internal/customerdata"
	"github.com/portico-dev/portico/internal/mail"
	"github.com/portico-dev/portico/internal/secretbox"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/web"
)

// Version is set at build time with -ldflags "-X .../internal/app.Version=…".
var Version = "dev"

// Options adjust an App for tests and for the demo.
type Options struct {
	Clock        clock.Clock // nil: the system clock
	Logger       *slog.Logger
	LogOutput    io.Writer // where the default logger writes; nil: stderr
	HashParams   *password.Params
	DemoAccounts []web.DemoAccount
	// Catalog replaces the datasets file (the demo passes its preset).
	Catalog *catalog.Catalog
	// MailEnv replaces the PORTICO_SMTP_* settings read from the
	// environment (tests point it at an in-process SMTP server).
	MailEnv *mail.Settings
	// MailTLS overrides the TLS client settings of the sender (tests trust
	// their own certificate authority).
	MailTLS *tls.Config
}

// App is one running Portico instance.
type App struct {
	Config config.Config
	Store  *store.Store
	Auth   *auth.Service
	Web    *web.Server
	Data   *customerdata.Service
	Log    *slog.Logger
	Clock  clock.Clock
	// Brand resolves the portal's branding (cached per instance).
	Brand *brand.Service
	// Outbox queues the portal's emails; Sender delivers them.
	Outbox *mail.Outbox
	Sender *mail.Sender
	// MailEnv are the PORTICO_SMTP_* settings; saved settings win over them.
	MailEnv mail.Settings

	http     *http.Server
	listener net.Listener
	stop     context.CancelFunc
	wg       sync.WaitGroup
}

// NewLogger builds the structured logger the configuration asks for.
func NewLogger(cfg config.Config, w io.Writer) *slog.Logger {
	if w == nil {
		w = os.Stderr
	}
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// New opens the portal database (migrating it), creates or updates the
// bootstrap admin and builds the web server. It does not listen yet.
func New(ctx context.Context, cfg config.Config, o Options) (*App, error) {
	if err := cfg.Validate(true); err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Clock: o.Clock, Log: o.Logger}
	if a.Clock == nil {
		a.Clock = clock.System{}
	}
	if a.Log == nil {
		a.Log = NewLogger(cfg, o.LogOutput)
	}
	st, err := store.Open(ctx, store.Options{URL: cfg.DatabaseURL, SQLitePath: cfg.SQLitePath(), Logger: a.Log})
	if err != nil {
		return nil, err
	}
	a.Store = st
	params := password.DefaultParams
	if o.HashParams != nil {
		params = *o.HashParams
	}
	policy := password.DefaultPolicy()
	policy.MinLength = cfg.PasswordMinLength
	policy.ContextWords = append(policy.ContextWords, strings.Fields(strings.ToLower(cfg.BusinessName))...)
	a.Auth = &auth.Service{
		Store:  st,
		Hasher: password.NewHasher(params, 0, 0),
		Clock:  a.Clock,
		Audit:  &audit.Recorder{Log: a.Log, Now: a.Clock.Now},
		Log:    a.Log,
		Secret: []byte(cfg.SecretKey),
		Policy: policy,
		Throttle: auth.Throttle{MaxFailures: cfg.LoginMaxFailures, Window: cfg.LoginWindow, Lockout: cfg.LoginLockout,
			MaxFailuresPerIP: cfg.LoginMaxFailuresPerIP},
		CustomerSessions: auth.SessionPolicy{Idle: cfg.SessionIdle, Absolute: cfg.SessionAbsolute},
		AdminSessions:    auth.SessionPolicy{Idle: cfg.AdminSessionIdle, Absolute: cfg.AdminSessionAbsolute},
		InvitationTTL:    cfg.InvitationTTL,
		ForgotTTL:        cfg.ForgotTTL,
	}
	box := secretbox.New(cfg.SecretKey)
	a.Auth.Box = box
	a.Auth.RequireAdminsDefault = cfg.RequireAdminSecondFactor && !cfg.Demo
	a.Auth.DirectoryEnv = auth.DirectoryFromEnv(cfg.LDAP)
	a.Outbox = &mail.Outbox{Business: cfg.BusinessName, BaseURL: cfg.BaseURL.String(), Box: box}
	a.Auth.Outbox = a.Outbox
	a.Brand = brand.New(st, a.Clock, a.Auth.Audit, a.Log, cfg.BusinessName, cfg.BaseURL.String())
	a.Outbox.Look = a.Brand.EmailLook
	a.MailEnv = mail.SettingsFromEnv(lookupEnv)
	if o.MailEnv != nil {
		a.MailEnv = *o.MailEnv
	}
	a.Sender = &mail.Sender{Store: st, Clock: a.Clock, Log: a.Log, Outbox: a.Outbox, TLSConfig: o.MailTLS, GiveUpAfter: cfg.EmailGiveUp,
		Settings: func(ctx context.Context) (mail.Settings, error) { return mail.LoadSettings(ctx, st, box, a.MailEnv) }}
	if err := a.bootstrapAdmin(ctx); err != nil {
		st.Close()
		return nil, err
	}
	if err := a.openData(ctx, o.Catalog); err != nil {
		st.Close()
		return nil, err
	}
	a.Web, err = web.New(web.Deps{Config: cfg, Store: st, Auth: a.Auth, Log: a.Log, Clock: a.Clock, Data: a.Data,
		DemoAccounts: o.DemoAccounts, Version: Version, Outbox: a.Outbox, Box: box, MailEnv: a.MailEnv, Sender: a.Sender,
		Brand: a.Brand})
	if err != nil {
		st.Close()
		return nil, err
	}
	return a, nil
}

// bootstrapAdmin creates the admin named by PORTICO_ADMIN_USERNAME, or
// brings its password hash up to date, so an operator can always get in
// without a default password existing anywhere.
func (a *App) bootstrapAdmin(ctx context.Context) error {
	if a.Config.AdminUsername == "" {
		return nil
	}
	err := a.upsertBootstrapAdmin(ctx)
	if errors.Is(err, store.ErrConflict) {
		// Another instance starting at the same moment created it first;
		// the second pass finds it and brings it up to date.
		err = a.upsertBootstrapAdmin(ctx)
	}
	return err
}

func (a *App) upsertBootstrapAdmin(ctx context.Context) error {
	name, hash := a.Config.AdminUsername, a.Config.AdminPasswordHash
	now := a.Clock.Now()
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		existing, err := tx.LocalAdminByUsername(ctx, name)
		switch {
		case errors.Is(err, store.ErrNotFound):
			adm := &store.Admin{Username: name, DisplayName: name, PasswordHash: hash, Active: true, CreatedAt: now}
			if err := tx.CreateAdmin(ctx, adm); err != nil {
				return fmt.Errorf("create bootstrap admin %q: %w", name, err)
			}
			a.Log.Info("bootstrap admin created", "username", adm.Username)
			return a.Auth.Audit.Record(ctx, tx, audit.AdminCreated, audit.System,
				audit.Target{Kind: store.KindAdmin, ID: fmt.Sprint(adm.ID), Label: adm.Username}, map[string]any{"via": "PORTICO_ADMIN_USERNAME"})
		case err != nil:
			return err
		}
		if existing.PasswordHash == hash && existing.Active {
			return nil
		}
		// The operator changed the hash in the environment: that is the
		// password now, even if the admin had since rehashed or changed it.
		if err := tx.SetAdminPassword(ctx, existing.ID, hash, false, true, now); err != nil {
			return err
		}
		if err := tx.SetAdminActive(ctx, existing.ID, true, now); err != nil {
			return err
		}
		// A rotated credential must lock out whoever held the old one.
		if _, err := tx.DeleteSessionsOf(ctx, store.KindAdmin, existing.ID, 0); err != nil {
			return err
		}
		a.Log.Info("bootstrap admin password updated from the environment", "username", existing.Username)
		return a.Auth.Audit.Record(ctx, tx, audit.AdminPassword, audit.System,
			audit.Target{Kind: store.KindAdmin, ID: fmt.Sprint(existing.ID), Label: existing.Username}, map[string]any{"via": "PORTICO_ADMIN_PASSWORD_HASH"})
	})
}

// Start listens on the configured address (":0" picks a free port) and
// serves in the background, with the session sweeper and the outbox sender
// running beside it.
func (a *App) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another program using the port? set PORTICO_ADDR or --addr)", a.Config.Addr, err)
	}
	a.listener = ln
	a.http = a.Web.HTTPServer(a.Config.Addr)
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	a.stop = stop
	a.wg.Add(3)
	go func() {
		defer a.wg.Done()
		if err := a.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Log.Error("server stopped", "err", err)
		}
	}()
	go func() {
		defer a.wg.Done()
		a.sweep(bg)
	}()
	go func() {
		defer a.wg.Done()
		a.Sender.Run(bg)
	}()
	return nil
}

// Addr is the address the server listens on (useful after ":0").
func (a *App) Addr() string {
	if a.listener == nil {
		return ""
	}
	return a.listener.Addr().String()
}

// URL is http://127.0.0.1:<port> of the running server, for tests.
func (a *App) URL() string {
	_, port, _ := net.SplitHostPort(a.Addr())
	return "http://127.0.0.1:" + port
}

// Run serves until ctx is cancelled, then shuts down gracefully: it stops
// accepting connections and lets requests in flight finish.
func (a *App) Run(ctx context.Context) error {
	if err := a.Start(ctx); err != nil {
		return err
	}
	a.Log.Info("Portico is serving", "addr", a.Addr(), "public_url", a.Config.BaseURL.String(), "version", Version)
	<-ctx.Done()
	a.Log.Info("shutting down; letting requests in flight finish", "timeout", a.Config.ShutdownTimeout)
	return a.Close()
}

// Close stops the server (gracefully, within the shutdown timeout) and
// closes the database. It is safe to call more than once.
func (a *App) Close() error {
	var err error
	if a.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
		err = a.http.Shutdown(ctx)
		cancel()
		a.http = nil
	}
	if a.stop != nil {
		a.stop()
		a.stop = nil
	}
	a.wg.Wait()
	a.closeSources()
	if a.Store != nil {
		err = errors.Join(err, a.Store.Close())
		a.Store = nil
	}
	return err
}

func lookupEnv(name string) (string, bool) { return os.LookupEnv(name) }
