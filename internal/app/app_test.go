package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/auth/password"
	"github.com/portico-dev/portico/internal/config"
	"github.com/portico-dev/portico/internal/demo"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

func hashOf(t *testing.T, pw string) string {
	t.Helper()
	h, err := password.NewHasher(apptest.FastHash, 1, 0).Hash(context.Background(), pw)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestBootstrapAdminFromEnvironment(t *testing.T) {
	target := storetest.SQLite(t)
	first := "first bootstrap passphrase"
	in := apptest.Start(t, target, nil, func(c *config.Config) {
		c.AdminUsername, c.AdminPasswordHash = "Root", hashOf(t, first)
	})
	if r := in.Client(t).AdminSignIn("root", first); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("bootstrap admin cannot sign in: %d", r.StatusCode)
	}
	in.App.Close()

	// A new hash in the environment replaces the password at the next start.
	second := "second bootstrap passphrase"
	again := apptest.Start(t, target, nil, func(c *config.Config) {
		c.AdminUsername, c.AdminPasswordHash = "root", hashOf(t, second)
	})
	if r := again.Client(t).AdminSignIn("root", first); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("old bootstrap password still works: %d", r.StatusCode)
	}
	if r := again.Client(t).AdminSignIn("root", second); r.StatusCode != http.StatusSeeOther {
		t.Errorf("new bootstrap password refused: %d", r.StatusCode)
	}
	admins, _ := again.Store().ListAdmins(context.Background())
	if len(admins) != 1 {
		t.Errorf("%d admins, want 1 (updated, not duplicated)", len(admins))
	}
	entries, _, _ := again.Store().ListAudit(context.Background(), store.AuditFilter{})
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	if got := strings.Join(actions, ","); !strings.Contains(got, "admin_created") || !strings.Contains(got, "admin_password_set") {
		t.Errorf("audit actions = %s", got)
	}
}

func TestNoDefaultCredentials(t *testing.T) {
	in := apptest.StartSQLite(t)
	for _, c := range [][2]string{{"admin", "admin"}, {"admin", "password"}, {"root", "root"}, {"cp_admin", "password"}} {
		if r := in.Client(t).AdminSignIn(c[0], c[1]); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s/%s: %d", c[0], c[1], r.StatusCode)
		}
	}
	if admins, _ := in.Store().ListAdmins(context.Background()); len(admins) != 0 {
		t.Errorf("a fresh install has %d admins, want none", len(admins))
	}
}

func TestDemoSeedIsRepeatableAndSignsIn(t *testing.T) {
	in := apptest.StartSQLite(t)
	ctx := context.Background()
	for range 2 {
		if err := demo.Seed(ctx, in.Store(), in.App.Auth.Hasher, in.Clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	accounts, _ := in.Store().ListAccounts(ctx)
	if len(accounts) != 2 {
		t.Errorf("%d demo accounts after seeding twice, want 2", len(accounts))
	}
	for _, a := range demo.Accounts() {
		c := in.Client(t)
		var r *apptest.Response
		if strings.HasPrefix(a.Label, "Admin") {
			r = c.AdminSignIn(a.Login, a.Password)
		} else {
			r = c.SignIn(a.Login, a.Password)
		}
		if r.StatusCode != http.StatusSeeOther {
			t.Errorf("%s (%s) cannot sign in: %d", a.Label, a.Login, r.StatusCode)
		}
	}
	all, _ := in.Store().AccountByLogin(ctx, demo.AllEmail)
	one, _ := in.Store().AccountByLogin(ctx, demo.CustomerEmail)
	if !all.AllCustomers || one.AllCustomers || len(one.Scope) != 1 {
		t.Errorf("scopes: all=%v one=%v %q", all.AllCustomers, one.AllCustomers, one.Scope)
	}
	key1, err := demo.SecretKey(t.TempDir())
	if err != nil || len(key1) < 32 {
		t.Fatalf("secret key %q, %v", key1, err)
	}
	dir := t.TempDir()
	a, _ := demo.SecretKey(dir)
	b, _ := demo.SecretKey(dir)
	if a != b {
		t.Error("the demo secret key changes between runs")
	}
}
