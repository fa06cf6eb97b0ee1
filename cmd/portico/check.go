package main

import (
	"context"
	"fmt"
	"time"

	"github.com/portico-dev/portico/internal/config"
	"github.com/portico-dev/portico/internal/store"
)

func cmdCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "check", "portico check",
		"Checks the configuration and reaches the portal database, saying exactly what is wrong.\n"+
			"It changes nothing (pending migrations are reported, not applied). Exit status 0 means\n"+
			"everything checked is in order.")
	if err := parse(fs, args); err != nil {
		return err
	}
	problems := 0
	ok := func(format string, a ...any) { fmt.Fprintf(e.stdout, "OK    "+format+"\n", a...) }
	bad := func(format string, a ...any) { problems++; fmt.Fprintf(e.stdout, "FAIL  "+format+"\n", a...) }

	cfg, err := config.Load()
	if err != nil {
		bad("configuration: %v", err)
		return fmt.Errorf("%d problem(s) found", problems)
	}
	if err := cfg.Validate(true); err != nil {
		bad("configuration:\n      %v", err)
	} else {
		ok("configuration (public URL %s, listening on %s)", cfg.BaseURL, cfg.Addr)
	}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	where := cfg.SQLitePath()
	if cfg.UsesPostgres() {
		where = "PostgreSQL"
	}
	st, err := store.Connect(cctx, store.Options{URL: cfg.DatabaseURL, SQLitePath: cfg.SQLitePath()})
	if err != nil {
		bad("portal database (%s): %v", where, err)
	} else {
		defer st.Close()
		if err := st.Ping(cctx); err != nil {
			bad("portal database (%s): %v", where, err)
		} else if v, err := st.Version(cctx); err != nil {
			ok("portal database (%s) answers; schema not created yet (serve or migrate creates it)", where)
		} else {
			ok("portal database (%s) answers, schema version %d", where, v)
		}
	}
	if problems > 0 {
		return fmt.Errorf("%d problem(s) found", problems)
	}
	fmt.Fprintln(e.stdout, "All checks passed.")
	return nil
}
