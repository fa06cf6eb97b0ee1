package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/dataset"
	"github.com/portico-dev/portico/internal/source"

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
	problems += checkData(ctx, e, cfg)
	if problems > 0 {
		return fmt.Errorf("%d problem(s) found", problems)
	}
	fmt.Fprintln(e.stdout, "All checks passed.")
	return nil
}

// checkData loads the datasets file, reaches every source and runs every
// dataset's query with a row limit, reporting each on its own line.
func checkData(ctx context.Context, e *env, cfg config.Config) int {
	if cfg.ConfigPath == "" {
		fmt.Fprintln(e.stdout, "SKIP  datasets: PORTICO_CONFIG is not set, so the portal has no data pages")
		return 0
	}
	cat, err := catalog.Load(cfg.ConfigPath, os.LookupEnv)
	if err != nil {
		fmt.Fprintf(e.stdout, "FAIL  datasets file %s:\n      %s\n", cfg.ConfigPath, strings.ReplaceAll(err.Error(), "\n", "\n      "))
		return 1
	}
	fmt.Fprintf(e.stdout, "OK    datasets file %s (%d source(s), %d dataset(s))\n", cfg.ConfigPath, len(cat.Sources), len(cat.Specs()))
	problems := 0
	sources := map[string]*source.Source{}
	for _, sc := range cat.Sources {
		src, err := source.Open(sc)
		if err != nil {
			fmt.Fprintf(e.stdout, "FAIL  source %s (%s): %v\n", sc.Name, sc.Driver, err)
			problems++
			continue
		}
		defer src.Close()
		start := time.Now()
		pctx, cancel := context.WithTimeout(ctx, sc.ConnectTimeout+5*time.Second)
		err = src.Ping(pctx)
		cancel()
		if err != nil {
			fmt.Fprintf(e.stdout, "FAIL  source %s (%s): %v\n", sc.Name, sc.Driver, err)
			problems++
			continue
		}
		fmt.Fprintf(e.stdout, "OK    source %s (%s) answered in %s\n", sc.Name, sc.Driver, time.Since(start).Round(time.Millisecond))
		sources[sc.Name] = src
	}
	for _, d := range cat.Specs() {
		src, ok := sources[d.Source]
		if !ok {
			fmt.Fprintf(e.stdout, "FAIL  dataset %s: its source %s is not reachable\n", d.Name, d.Source)
			problems++
			continue
		}
		q, args, err := source.ScopedQuery(src.Dialect(), d.SQL, d.CustomerColumn, true, nil)
		if err == nil {
			q = src.Dialect().Limit(q, 1000)
		}
		start := time.Now()
		var n int
		if err == nil {
			err = src.Query(ctx, q, args, func(rows *sql.Rows) error {
				snap, err := dataset.Build(d, rows, time.Now())
				if snap != nil {
					n = snap.Len()
				}
				return err
			})
		}
		if err != nil {
			fmt.Fprintf(e.stdout, "FAIL  dataset %s: %v\n", d.Name, err)
			problems++
			continue
		}
		fmt.Fprintf(e.stdout, "OK    dataset %s: %d row(s) read (limit 1000) in %s\n", d.Name, n, time.Since(start).Round(time.Millisecond))
	}
	return problems
}
