package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/config"
	"github.com/portico-dev/portico/internal/importer"
	"github.com/portico-dev/portico/internal/source"
)

const importHelp = `Imports accounts from the portal Portico replaces, keeping their passwords.

  portico import wepackitall --driver sqlserver|postgres|mysql|sqlite --dsn DSN [options]
      The WePackItAll portal's Customers become accounts, scoped by erp_customer_name;
      its AuditLog becomes imported audit entries with their original times.
  portico import timetracker --driver postgres|sqlite|mysql --dsn DSN [options]
      TimeTracker clients with portal access, and users with the legacy client portal
      flag, become accounts scoped to their client; they sign in with their email or
      their portal username.

Passwords are kept as the original stored them (Werkzeug hashes) and become argon2id at
each person's next sign-in. Run it as often as you like until you switch over: each run
is one transaction, and a second run changes only what changed in the original since.
Try --dry-run first. Options (portico import wepackitall -h lists them):
  --dry-run              say what would change, change nothing
  --overwrite-passwords  also replace passwords people set in Portico since an earlier import
  --dsn-env NAME         read the DSN from an environment variable instead of --dsn
  --timezone ZONE        (wepackitall) time zone of the original's timestamps

docs/migrating.md walks through a move from each original.`

func cmdImport(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(e.stderr, "Usage: portico import wepackitall|timetracker --driver DRIVER --dsn DSN [--dry-run]\n\n"+importHelp)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	switch args[0] {
	case "wepackitall":
		return importFrom(ctx, e, "wepackitall", importer.WePackItAllDrivers, args[1:])
	case "timetracker":
		return importFrom(ctx, e, "timetracker", importer.TimeTrackerDrivers, args[1:])
	}
	fmt.Fprintf(e.stderr, "portico import: unknown original %q: use wepackitall or timetracker\n\n%s\n", args[0], importHelp)
	return errUsage
}

func importFrom(ctx context.Context, e *env, name string, drivers []string, args []string) error {
	usageLine := fmt.Sprintf("portico import %s --driver %s --dsn DSN [--dry-run] [--overwrite-passwords]", name, strings.Join(drivers, "|"))
	desc := map[string]string{
		"wepackitall": "Imports the WePackItAll portal's Customers as accounts and its AuditLog as imported audit\n" +
			"entries. --dsn names the portal's own database (DB_NAME in its .env), not the ERP. Scope names\n" +
			"are checked against the ERP when PORTICO_CONFIG names a source with a customers_sql.",
		"timetracker": "Imports TimeTracker's client portal sign-ins: clients with portal access, and users with the\n" +
			"legacy client portal flag, as accounts scoped to their client (its name, the \"timetracker\"\n" +
			"preset's customer key). They sign in with their email or their portal username.",
	}[name]
	fs := newFlags(e, "import "+name, usageLine, desc+"\n\nSee docs/migrating.md.")
	driver := fs.String("driver", "", "the original database's engine: "+strings.Join(drivers, ", ")+" (required)")
	dsn := fs.String("dsn", "", "connection string of the original database (see docs/datasets.md for each engine's form)")
	dsnEnv := fs.String("dsn-env", "", "name of an environment variable holding the connection string, to keep it out of the shell history")
	dry := fs.Bool("dry-run", false, "report what would change, and change nothing")
	overwrite := fs.Bool("overwrite-passwords", false, "also replace passwords set in Portico after an earlier import with the original's")
	var tz *string
	if name == "wepackitall" {
		tz = fs.String("timezone", "", "IANA time zone of the original's timestamps, which SQL Server stored as the server's local time (default: PORTICO_TIMEZONE, else UTC)")
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "portico import %s: unexpected argument %q (every option starts with --)\n", name, fs.Arg(0))
		return errUsage
	}
	if !slices.Contains(drivers, *driver) {
		if *driver == "" {
			fmt.Fprintf(e.stderr, "--driver is required: one of %s\n", strings.Join(drivers, ", "))
		} else {
			fmt.Fprintf(e.stderr, "--driver %q: the %s database runs on %s\n", *driver, name, strings.Join(drivers, ", "))
		}
		return errUsage
	}
	conn := *dsn
	if conn == "" && *dsnEnv != "" {
		conn = os.Getenv(*dsnEnv)
		if conn == "" {
			return fmt.Errorf("the environment variable %s named by --dsn-env is empty or not set", *dsnEnv)
		}
	}
	if strings.TrimSpace(conn) == "" {
		fmt.Fprintln(e.stderr, "--dsn (or --dsn-env) is required: the connection string of the original database")
		return errUsage
	}
	cfg, st, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	opts := importer.Options{Driver: *driver, DSN: conn, DryRun: *dry, OverwritePasswords: *overwrite,
		Now: time.Now().UTC(), Recorder: recorder(e)}
	var rep *importer.Report
	unchecked := ""
	switch name {
	case "wepackitall":
		opts.Location = cfg.Location
		if *tz != "" {
			loc, err := time.LoadLocation(*tz)
			if err != nil {
				fmt.Fprintf(e.stderr, "--timezone %q is not a time zone: use an IANA name such as America/Los_Angeles\n", *tz)
				return errUsage
			}
			opts.Location = loc
		}
		opts.Customers, unchecked = erpCustomers(ctx, cfg)
		rep, err = importer.WePackItAll(ctx, st, opts)
	case "timetracker":
		rep, err = importer.TimeTracker(ctx, st, opts)
	}
	if err != nil {
		return err
	}
	rep.Write(e.stdout)
	if unchecked != "" {
		fmt.Fprintf(e.stdout, "Customer names were not checked against the ERP: %s.\n", unchecked)
	}
	return nil
}

// erpCustomers lists the ERP's customers from the datasets file's source
// that has a customers query (the inventory's first), for checking the
// scope names; the reason is set when they cannot be had. Neither stops the
// import: the accounts are imported either way.
func erpCustomers(ctx context.Context, cfg config.Config) ([]source.Customer, string) {
	if cfg.ConfigPath == "" {
		return nil, "PORTICO_CONFIG is not set, so there is no ERP to ask"
	}
	cat, err := catalog.Load(cfg.ConfigPath, os.LookupEnv)
	if err != nil {
		return nil, "the datasets file " + cfg.ConfigPath + " cannot be used: " + err.Error()
	}
	var order []source.Config
	if inv, ok := cat.Inventory(); ok {
		if sc, ok := cat.Source(inv.Source); ok {
			order = append(order, sc)
		}
	}
	order = append(order, cat.Sources...)
	for _, sc := range order {
		if strings.TrimSpace(sc.CustomersSQL) == "" {
			continue
		}
		src, err := source.Open(sc)
		if err != nil {
			return nil, fmt.Sprintf("source %s: %v", sc.Name, err)
		}
		defer src.Close()
		cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		list, err := src.Customers(cctx)
		if err != nil {
			return nil, fmt.Sprintf("source %s did not list its customers: %v", sc.Name, err)
		}
		return list, ""
	}
	return nil, "no source in " + cfg.ConfigPath + " has a customers_sql"
}
