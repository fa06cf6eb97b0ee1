package main

import (
	"context"
	"fmt"

	"github.com/portico-dev/portico/internal/config"
	"github.com/portico-dev/portico/internal/store"
)

func cmdMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "migrate", "portico migrate",
		"Creates the portal database schema or upgrades it to this version, then exits.\n"+
			"serve does the same at start; use this to upgrade ahead of a deployment. On PostgreSQL an\n"+
			"advisory lock lets several instances (or this command) run it at the same time safely.")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(false)
	if err != nil {
		return err
	}
	st, err := store.Connect(ctx, store.Options{URL: cfg.DatabaseURL, SQLitePath: cfg.SQLitePath()})
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.Migrate(ctx, nil)
	if err != nil {
		return err
	}
	v, err := st.Version(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Portal database (%s) is at schema version %d; %d migration(s) applied now.\n", st.Dialect, v, n)
	return nil
}

// loadConfig reads and validates the configuration; forServe adds the
// checks that only a server needs (the secret key).
func loadConfig(forServe bool) (config.Config, error) {
	cfg, err := config.Load()
	if err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate(forServe)
}
