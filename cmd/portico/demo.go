package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"path/filepath"

	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/config"
	"github.com/portico-dev/portico/internal/demo"
)

func cmdDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", "portico demo [--data-dir DIR] [--addr ADDR]",
		"Creates a self-contained demo in DIR (a SQLite portal database, a generated secret key,\n"+
			"a demo admin and demo customer accounts with published passwords) and serves it.\n"+
			"Run it again to reuse the same directory. Not for real customers.")
	dir := fs.String("data-dir", "portico-demo", "directory for the demo's database and secret key")
	rows := fs.Int("rows", 20000, "inventory lines in the demo ERP (benchmarks use 100000 and 1000000)")
	addr := fs.String("addr", ":5001", "address to listen on")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	// The demo is self-contained: its own SQLite file and key, whatever the
	// environment says about a real installation.
	cfg.Demo = true
	cfg.Addr = *addr
	cfg.DataDir = *dir
	cfg.DatabaseURL = ""
	cfg.AdminUsername, cfg.AdminPasswordHash = "", ""
	if cfg.BusinessName == "Portico" {
		cfg.BusinessName = demo.BusinessName
	}
	if cfg.SecretKey, err = demo.SecretKey(*dir); err != nil {
		return err
	}
	if *rows < 1 || *rows > 10_000_000 {
		fmt.Fprintln(e.stderr, "--rows must be between 1 and 10000000")
		return errUsage
	}
	fmt.Fprintf(e.stderr, "Preparing the demo ERP (%d inventory lines)…\n", *rows)
	if cfg.ConfigPath, err = demo.PrepareERP(ctx, *dir, *rows); err != nil {
		return fmt.Errorf("prepare the demo ERP: %w", err)
	}
	_, port, err := net.SplitHostPort(*addr)
	if err != nil {
		fmt.Fprintf(e.stderr, "--addr %q is not host:port, e.g. :5001\n", *addr)
		return errUsage
	}
	if cfg.BaseURL == nil || cfg.BaseURL.Host == "localhost:5001" {
		cfg.BaseURL = &url.URL{Scheme: "http", Host: "localhost:" + port}
	}
	a, err := app.New(ctx, cfg, app.Options{LogOutput: e.stderr, DemoAccounts: demo.Accounts()})
	if err != nil {
		return err
	}
	if err := demo.Seed(ctx, a.Store, a.Auth.Hasher, a.Clock.Now()); err != nil {
		a.Close()
		return fmt.Errorf("prepare demo data: %w", err)
	}
	if err := demo.SeedInvitation(ctx, a.Auth, a.Clock.Now()); err != nil {
		a.Close()
		return fmt.Errorf("prepare demo data: %w", err)
	}
	if err := a.Start(ctx); err != nil {
		a.Close()
		return err
	}
	abs, _ := filepath.Abs(*dir)
	fmt.Fprintf(e.stdout, `
  Portico demo is running at %s

  Customer portal   %s/login
    %-34s %s
    %-34s %s
  Admin console     %s/admin/login
    %-34s %s

  Emails are not sent in the demo: read them, and follow their links, in
  the admin console's Outbox (%s is invited and waiting).

  Datasets file:  %s (a worked example; edit it and restart)
  Data directory: %s (delete it to start over)
  Press Ctrl+C to stop.

`, cfg.BaseURL, cfg.BaseURL, demo.CustomerEmail, demo.CustomerPassword, demo.AllEmail, demo.AllPassword,
		cfg.BaseURL, demo.AdminUsername, demo.AdminPassword, demo.InvitedEmail, cfg.ConfigPath, abs)
	<-ctx.Done()
	return a.Close()
}
