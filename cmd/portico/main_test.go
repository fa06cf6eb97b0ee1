package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/erpdemo"
)

type result struct {
	code           int
	stdout, stderr string
}

func runCmd(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb,
		isTerminal: func() bool { return false }, readSecret: func(string) (string, error) { return "", nil }}
	code := run(context.Background(), e, args)
	return result{code, out.String(), errb.String()}
}

// isolated points the configuration at a fresh data directory.
func isolated(t *testing.T) string {
	dir := t.TempDir()
	t.Setenv("PORTICO_DATA_DIR", dir)
	t.Setenv("PORTICO_DATABASE_URL", "")
	t.Setenv("PORTICO_SECRET_KEY", "")
	return dir
}

func TestHelp(t *testing.T) {
	if r := runCmd(t, "", "help"); r.code != 0 || !strings.Contains(r.stdout, "portico hash-password") {
		t.Errorf("help: %+v", r)
	}
	if r := runCmd(t, ""); r.code != 2 {
		t.Errorf("no command: code %d, want 2", r.code)
	}
	if r := runCmd(t, "", "frobnicate"); r.code != 2 || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %+v", r)
	}
	for _, c := range []string{"serve", "demo", "migrate", "admin", "hash-password", "check", "version"} {
		r := runCmd(t, "", c, "-h")
		if r.code != 0 || !strings.Contains(r.stderr, "Usage: portico "+c) {
			t.Errorf("%s -h: code %d, stderr %q", c, r.code, r.stderr)
		}
		if h := runCmd(t, "", "help", c); h.code != 0 || h.stderr != r.stderr {
			t.Errorf("help %s differs from %s -h", c, c)
		}
	}
	if r := runCmd(t, "", "migrate", "--bogus"); r.code != 2 {
		t.Errorf("bad flag: code %d, want 2", r.code)
	}
}

func TestVersion(t *testing.T) {
	if r := runCmd(t, "", "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "portico ") {
		t.Errorf("version: %+v", r)
	}
}

func TestHashPassword(t *testing.T) {
	isolated(t)
	r := runCmd(t, "a lighthouse keeper's evening\n", "hash-password")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash-password: %+v", r)
	}
	if r := runCmd(t, "short\n", "hash-password"); r.code != 1 || !strings.Contains(r.stderr, "at least 15") {
		t.Errorf("short password: %+v", r)
	}
	if r := runCmd(t, "", "hash-password"); r.code != 1 || !strings.Contains(r.stderr, "no password given") {
		t.Errorf("empty input: %+v", r)
	}
}

func TestAdminCommands(t *testing.T) {
	isolated(t)
	if r := runCmd(t, "", "admin", "list"); r.code != 0 || !strings.Contains(r.stdout, "No admins yet") {
		t.Errorf("empty list: %+v", r)
	}
	if r := runCmd(t, "", "admin", "create"); r.code != 2 || !strings.Contains(r.stderr, "--username is required") {
		t.Errorf("create without username: %+v", r)
	}
	if r := runCmd(t, "tiny\n", "admin", "create", "--username", "ops"); r.code != 1 {
		t.Errorf("weak password accepted: %+v", r)
	}
	pw := "copper kettle on the hill\n"
	if r := runCmd(t, pw, "admin", "create", "--username", "Ops", "--email", "ops@example.com", "--name", "Olive Ops"); r.code != 0 {
		t.Fatalf("create: %+v", r)
	}
	if r := runCmd(t, pw, "admin", "create", "--username", "ops"); r.code != 1 || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("duplicate: %+v", r)
	}
	r := runCmd(t, "", "admin", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "ops") || !strings.Contains(r.stdout, "ops@example.com") || !strings.Contains(r.stdout, "never") {
		t.Errorf("list: %+v", r)
	}
	if r := runCmd(t, "another quiet evening walk\n", "admin", "passwd", "--username", "OPS"); r.code != 0 {
		t.Errorf("passwd: %+v", r)
	}
	if r := runCmd(t, "another quiet evening walk\n", "admin", "passwd", "--username", "ghost"); r.code != 1 || !strings.Contains(r.stderr, "no local admin") {
		t.Errorf("passwd unknown: %+v", r)
	}
	if r := runCmd(t, "", "admin", "frob"); r.code != 2 {
		t.Errorf("unknown admin subcommand: %+v", r)
	}
}

func TestMigrateAndCheck(t *testing.T) {
	isolated(t)
	r := runCmd(t, "", "check")
	if r.code != 1 || !strings.Contains(r.stdout, "FAIL") || !strings.Contains(r.stdout, "PORTICO_SECRET_KEY") {
		t.Errorf("check without a key: %+v", r)
	}
	if r := runCmd(t, "", "migrate"); r.code != 0 || strings.Contains(r.stdout, " 0 migration(s) applied") || !strings.Contains(r.stdout, "migration(s) applied") {
		t.Errorf("migrate: %+v", r)
	}
	if r := runCmd(t, "", "migrate"); r.code != 0 || !strings.Contains(r.stdout, "0 migration(s) applied") {
		t.Errorf("second migrate: %+v", r)
	}
	t.Setenv("PORTICO_SECRET_KEY", strings.Repeat("k", 40))
	if r := runCmd(t, "", "check"); r.code != 0 || !strings.Contains(r.stdout, "answers, schema version") {
		t.Errorf("check: %+v", r)
	}
	t.Setenv("PORTICO_DATABASE_URL", "postgres://nobody:s3cretpw@127.0.0.1:1/none?connect_timeout=2")
	if r := runCmd(t, "", "check"); r.code != 1 || !strings.Contains(r.stdout, "FAIL  portal database") || strings.Contains(r.stdout, "s3cretpw") {
		t.Errorf("check with an unreachable database: %+v", r)
	}
}

func TestServeStopsOnSignal(t *testing.T) {
	isolated(t)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	t.Setenv("PORTICO_SECRET_KEY", strings.Repeat("k", 40))
	t.Setenv("PORTICO_ADDR", addr)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var out bytes.Buffer
	go func() {
		done <- run(ctx, &env{stdin: strings.NewReader(""), stdout: &out, stderr: &out, isTerminal: func() bool { return false }}, []string{"serve"})
	}()
	ok := false
	for range 100 {
		if resp, err := http.Get(fmt.Sprintf("http://%s/healthz", addr)); err == nil {
			resp.Body.Close()
			ok = resp.StatusCode == 200
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !ok {
		t.Fatal("server did not come up")
	}
	cancel() // what SIGINT and SIGTERM do through signal.NotifyContext
	if code := <-done; code != 0 {
		t.Errorf("serve exited %d after the signal; output:\n%s", code, out.String())
	}
	if strings.Contains(out.String(), strings.Repeat("k", 40)) {
		t.Error("the secret key was logged")
	}
}

func TestCheckDatasets(t *testing.T) {
	dir := isolated(t)
	t.Setenv("PORTICO_SECRET_KEY", strings.Repeat("k", 40))
	erp := filepath.Join(dir, "erp.db")
	if _, err := erpdemo.CreateSQLite(context.Background(), erp, erpdemo.Options{InventoryRows: 300}); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "datasets.toml")
	os.WriteFile(good, []byte(catalog.DemoFile(erp)), 0o600)
	t.Setenv("PORTICO_CONFIG", good)
	if r := runCmd(t, "", "check"); r.code != 0 || !strings.Contains(r.stdout, "OK    source demo (sqlite)") || !strings.Contains(r.stdout, "OK    dataset inventory: 300 row(s)") {
		t.Errorf("check with the demo datasets: %+v", r)
	}
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte(strings.Replace(catalog.DemoFile(erp), "SELECT", "DELETE FROM inventory; SELECT", 1)), 0o600)
	t.Setenv("PORTICO_CONFIG", bad)
	if r := runCmd(t, "", "check"); r.code != 1 || !strings.Contains(r.stdout, "single SELECT or WITH") {
		t.Errorf("check with a DELETE in the SQL: %+v", r)
	}
	os.Remove(erp)
	t.Setenv("PORTICO_CONFIG", good)
	if r := runCmd(t, "", "check"); r.code != 1 || !strings.Contains(r.stdout, "FAIL  source demo") {
		t.Errorf("check with the ERP file gone: %+v", r)
	}
}
