package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/catalog/timetrackertest"
	"github.com/portico-dev/portico/internal/erpdemo"
	"github.com/portico-dev/portico/internal/importer/importtest"
	"github.com/portico-dev/portico/internal/source/sourcetest"
)

// wantOut checks a command's exit status and that its output says each
// thing.
func wantOut(t *testing.T, r result, code int, says ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
		return
	}
	for _, s := range says {
		if !strings.Contains(r.stdout+r.stderr, s) {
			t.Errorf("output does not say %q\nstdout:\n%s\nstderr:\n%s", s, r.stdout, r.stderr)
		}
	}
}

func TestImportWePackItAll(t *testing.T) {
	dir := isolated(t)
	db := sourcetest.SQLite(t)
	importtest.CreateWePackItAll(t, db)
	importtest.SeedWePackItAll(t, db)
	args := []string{"import", "wepackitall", "--driver", "sqlite", "--dsn", db.Config.DSN, "--timezone", "America/Los_Angeles"}

	wantOut(t, runCmd(t, "", append(args, "--dry-run")...), 0,
		"(dry run: nothing was changed", "Accounts: 7 new, 0 updated, 0 unchanged, 1 skipped",
		`Customers row 7: email "not-an-email" is not a valid address`, "grace@beta.example: the stored password is in a format",
		"Audit log: 6 entries imported, 0 imported before", "ActiveSessions:", "PasswordResetTokens:",
		"Customer names were not checked against the ERP: PORTICO_CONFIG is not set", "read as America/Los_Angeles time")
	wantOut(t, runCmd(t, "", args...), 0, "Accounts: 7 new, 0 updated, 0 unchanged, 1 skipped", `recorded in the audit log as one "data_imported" event`)
	wantOut(t, runCmd(t, "", args...), 0, "Accounts: 0 new, 0 updated, 7 unchanged, 1 skipped",
		"Audit log: 0 entries imported, 6 imported before", "Nothing to change")

	// The DSN from the environment, and scope names checked against the
	// ERP the datasets file names (the demo ERP has none of the seed's
	// customers).
	erp := filepath.Join(dir, "erp.db")
	if _, err := erpdemo.CreateSQLite(context.Background(), erp, erpdemo.Options{InventoryRows: 10}); err != nil {
		t.Fatal(err)
	}
	datasets := filepath.Join(dir, "datasets.toml")
	if err := os.WriteFile(datasets, []byte(catalog.DemoFile(erp)), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PORTICO_CONFIG", datasets)
	t.Setenv("WPIA_DSN", db.Config.DSN)
	r := runCmd(t, "", "import", "wepackitall", "--driver", "sqlite", "--dsn-env", "WPIA_DSN", "--dry-run")
	wantOut(t, r, 0, "7 unchanged", "Unknown customers", `"Gamma Ltd": named by erin@group.example`)
	if strings.Contains(r.stdout, "were not checked") {
		t.Errorf("names not checked although the ERP answers:\n%s", r.stdout)
	}
}

func TestImportTimeTracker(t *testing.T) {
	isolated(t)
	db := sourcetest.SQLite(t)
	timetrackertest.Create(t, db)
	timetrackertest.Seed(t, db)
	importtest.SeedTimeTrackerPortal(t, db)
	args := []string{"import", "timetracker", "--driver", "sqlite", "--dsn", db.Config.DSN}
	wantOut(t, runCmd(t, "", append(args, "--dry-run")...), 0, "Accounts: 4 new, 0 updated, 0 unchanged, 3 skipped",
		`client "Initech" (id 3): no email address`, "give the client an email in TimeTracker",
		"iris@acme.example: no password in TimeTracker", "Dry run: nothing was changed")
	wantOut(t, runCmd(t, "", args...), 0, "Accounts: 4 new, 0 updated, 0 unchanged, 3 skipped", "Done")
	wantOut(t, runCmd(t, "", args...), 0, "Accounts: 0 new, 0 updated, 4 unchanged, 3 skipped", "Nothing to change")
}

func TestImportUsage(t *testing.T) {
	dir := isolated(t)
	db := sourcetest.SQLite(t)
	importtest.CreateWePackItAll(t, db)
	cases := []struct {
		name string
		args []string
		code int
		says string
	}{
		{"NoOriginal", []string{"import"}, 2, "Usage: portico import wepackitall|timetracker"},
		{"Help", []string{"help", "import"}, 0, "docs/migrating.md"},
		{"OriginalHelp", []string{"import", "wepackitall", "-h"}, 0, "Usage: portico import wepackitall --driver sqlserver|postgres|mysql|sqlite"},
		{"UnknownOriginal", []string{"import", "frobnicate"}, 2, `unknown original "frobnicate"`},
		{"NoDriver", []string{"import", "wepackitall", "--dsn", "x"}, 2, "--driver is required"},
		{"DriverTimeTrackerLacks", []string{"import", "timetracker", "--driver", "sqlserver", "--dsn", "x"}, 2, "runs on postgres, sqlite, mysql"},
		{"NoDSN", []string{"import", "wepackitall", "--driver", "sqlite"}, 2, "--dsn (or --dsn-env) is required"},
		{"EmptyDSNEnv", []string{"import", "wepackitall", "--driver", "sqlite", "--dsn-env", "NO_SUCH_VARIABLE_HERE"}, 1, "NO_SUCH_VARIABLE_HERE named by --dsn-env is empty"},
		{"StrayArgument", []string{"import", "wepackitall", "--driver", "sqlite", "--dsn", db.Config.DSN, "now"}, 2, `unexpected argument "now"`},
		{"BadTimeZone", []string{"import", "wepackitall", "--driver", "sqlite", "--dsn", db.Config.DSN, "--timezone", "Mars/Olympus"}, 2, "not a time zone"},
		{"NoSuchFile", []string{"import", "wepackitall", "--driver", "sqlite", "--dsn", filepath.Join(dir, "nope.db")}, 1, "does not exist"},
		{"NotTheOriginal", []string{"import", "timetracker", "--driver", "sqlite", "--dsn", db.Config.DSN}, 1, "the TimeTracker database has no table clients"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { wantOut(t, runCmd(t, "", tc.args...), tc.code, tc.says) })
	}
}
