package web_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/auth/directory/slapdtest"
	"github.com/portico-dev/portico/internal/store"
)

// dsSignedIn signs in a local admin "ops" (created if missing).
func dsSignedIn(t *testing.T, in *apptest.Instance) *apptest.Client {
	t.Helper()
	if _, err := in.Store().LocalAdminByLogin(context.Background(), "ops"); err != nil {
		in.CreateAdmin(t, "ops", goodPassword)
	}
	c := in.Client(t)
	if r := c.AdminSignIn("ops", goodPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin sign-in: %d", r.StatusCode)
	}
	return c
}

// dsForm is a complete, valid settings form for srv; edit changes fields.
func dsForm(srv *slapdtest.Server, edit ...func(url.Values)) url.Values {
	f := url.Values{"url": {srv.URL}, "kind": {"openldap"}, "bind_dn": {srv.BindDN}, "bind_password": {srv.BindPassword},
		"base_dn": {srv.BaseDN}, "admin_group_dn": {srv.AdminGroupDN}, "user_filter": {""}, "timeout": {"5s"}, "recheck": {"10m"}}
	for _, e := range edit {
		e(f)
	}
	return f
}

// dsPost loads the settings page (for its form token) and posts to path.
func dsPost(c *apptest.Client, path string, f url.Values) *apptest.Response {
	c.Get("/admin/settings/directory")
	return c.Post(path, f)
}

// freePort is a loopback port nothing listens on (a moment ago).
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestDirectorySettingsPage(t *testing.T) {
	srv := slapdtest.Start(t)
	in := apptest.StartSQLite(t)
	ctx := context.Background()
	admin := dsSignedIn(t, in)

	t.Run("NotSetUp", func(t *testing.T) {
		r := admin.Get("/admin/settings/directory")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "not set up") || !strings.Contains(r.Body, "PORTICO_LDAP_URL") {
			t.Fatalf("page: %d", r.StatusCode)
		}
		if strings.Contains(r.Body, "stored — leave empty to keep") {
			t.Error("says a password is stored")
		}
		if h := admin.Get("/admin"); !strings.Contains(h.Body, `href="/admin/settings/directory"`) {
			t.Error("the admin home does not link the page")
		}
		if r := in.Client(t).AdminSignIn("ada", srv.Password("ada")); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("directory sign-in before setup: %d", r.StatusCode)
		}
		if got := failures(t, in, "ada"); len(got) != 1 || got[0] != "unknown user" {
			t.Errorf("reasons %q", got)
		}
	})

	t.Run("BadInputIs422", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			edit  func(url.Values)
			field string // input whose error shows
			text  string
		}{
			{"NoURL", func(f url.Values) { f.Set("url", "") }, "url", "Enter the directory"},
			{"HTTPURL", func(f url.Values) { f.Set("url", "http://dc1.corp.example") }, "url", "ldaps://"},
			{"PlainLDAPOverTheNetwork", func(f url.Values) { f.Set("url", "ldap://dc1.corp.example") }, "start_tls", "unencrypted"},
			{"StartTLSWithLDAPS", func(f url.Values) { f.Set("url", srv.LDAPSURL); f.Set("start_tls", "on") }, "start_tls", "StartTLS is only"},
			{"UnknownKind", func(f url.Values) { f.Set("kind", "novell") }, "kind", "not a known kind"},
			{"NoKind", func(f url.Values) { f.Set("kind", "") }, "kind", "Choose the kind"},
			{"BadDN", func(f url.Values) { f.Set("base_dn", "not a dn") }, "base_dn", "not a valid DN"},
			{"FilterWithoutPlaceholder", func(f url.Values) { f.Set("user_filter", "(uid=ada)") }, "user_filter", "{username}"},
			{"BrokenFilter", func(f url.Values) { f.Set("user_filter", "(uid={username}") }, "user_filter", "filter syntax"},
			{"GroupOutsideBase", func(f url.Values) { f.Set("admin_group_dn", "cn=admins,dc=elsewhere") }, "admin_group_dn", "inside the base DN"},
			{"TimeoutWord", func(f url.Values) { f.Set("timeout", "soon") }, "timeout", "Write a duration"},
			{"TimeoutTooLong", func(f url.Values) { f.Set("timeout", "2h") }, "timeout", "at most"},
			{"RecheckTooShort", func(f url.Values) { f.Set("recheck", "5s") }, "recheck", "between 1m and 24h"},
			{"NoPassword", func(f url.Values) { f.Set("bind_password", "") }, "bind_password", "unauthenticated bind"},
			{"MissingCAFile", func(f url.Values) { f.Set("ca_file", "/nonexistent/ca.pem") }, "ca_file", "Cannot read the CA file"},
			{"ControlCharacters", func(f url.Values) { f.Set("bind_dn", "cn=x\r\nX-Evil: 1") }, "bind_dn", "control characters"},
			{"NULInPassword", func(f url.Values) { f.Set("bind_password", "pw\x00") }, "bind_password", "no password can have"},
			{"TooLong", func(f url.Values) { f.Set("user_filter", "(uid={username})"+strings.Repeat("x", 2000)) }, "user_filter", "at most"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := dsForm(srv, tc.edit)
				r := dsPost(admin, "/admin/settings/directory", f)
				if r.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("status %d, want 422", r.StatusCode)
				}
				if !strings.Contains(r.Body, `id="`+tc.field+`-error"`) || !strings.Contains(r.Body, tc.text) {
					t.Errorf("no %q error next to %s", tc.text, tc.field)
				}
				// What was typed comes back, except the password.
				if !strings.Contains(r.Body, `value="`+srv.BaseDN+`"`) && tc.field != "base_dn" {
					t.Error("the base DN typed was not kept")
				}
				if strings.Contains(r.Body, srv.BindPassword) {
					t.Error("the password was sent back")
				}
				if _, err := in.Store().Setting(ctx, auth.SettingDirectory); err == nil {
					t.Fatal("invalid settings were stored")
				}
			})
		}
	})

	t.Run("TestConnection", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			edit func(url.Values)
			want string
		}{
			{"Works", nil, "Connected to"},
			{"WorksOverLDAPS", func(f url.Values) { f.Set("url", srv.LDAPSURL); f.Set("ca_file", srv.CAFile) }, "Connected to"},
			{"WorksWithStartTLS", func(f url.Values) { f.Set("start_tls", "on"); f.Set("ca_file", srv.CAFile) }, "Connected to"},
			{"WrongPort", func(f url.Values) { f.Set("url", "ldap://127.0.0.1:"+strconv.Itoa(freePort(t))) }, "Connection refused at 127.0.0.1:"},
			{"WrongPassword", func(f url.Values) { f.Set("bind_password", "not-the-service-password") }, "Service account bind rejected — check the bind DN and password"},
			{"UntrustedCertificate", func(f url.Values) { f.Set("url", srv.LDAPSURL) }, "Certificate not trusted"},
			{"WrongBaseDN", func(f url.Values) {
				f.Set("base_dn", "dc=nowhere,dc=test")
				f.Set("admin_group_dn", "cn=x,dc=nowhere,dc=test")
			}, "not found — check it against the directory"},
			{"WrongGroup", func(f url.Values) { f.Set("admin_group_dn", "cn=nope,"+slapdtest.GroupsDN) }, "not found — copy the group"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := dsForm(srv)
				if tc.edit != nil {
					tc.edit(f)
				}
				r := dsPost(admin, "/admin/settings/directory/test", f)
				if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, tc.want) {
					t.Fatalf("status %d, %q missing", r.StatusCode, tc.want)
				}
				if strings.Contains(r.Body, f.Get("bind_password")) {
					t.Error("the password was sent back")
				}
			})
		}
		if _, err := in.Store().Setting(ctx, auth.SettingDirectory); err == nil {
			t.Fatal("testing stored the settings")
		}
		// Every test run is in the audit log, with its outcome and never the password.
		tested, _, err := in.Store().ListAudit(ctx, store.AuditFilter{Action: "directory_tested"})
		if err != nil || len(tested) < 7 || !strings.Contains(tested[0].Details, `"test":"connection"`) || strings.Contains(tested[0].Details, "password") {
			t.Errorf("directory tests audited: %d, %v", len(tested), err)
		}
		// Bad settings are reported next to their fields, not tested.
		if r := dsPost(admin, "/admin/settings/directory/test", dsForm(srv, func(f url.Values) { f.Set("kind", "") })); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="kind-error"`) {
			t.Errorf("testing incomplete settings: %d", r.StatusCode)
		}
	})

	t.Run("Save", func(t *testing.T) {
		r := dsPost(admin, "/admin/settings/directory", dsForm(srv))
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/settings/directory?msg=saved" {
			t.Fatalf("save: %d %q %s", r.StatusCode, r.Header.Get("Location"), r.Body)
		}
		raw, err := in.Store().Setting(ctx, auth.SettingDirectory)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(raw, srv.BindPassword) || !strings.Contains(raw, `"bind_password_sealed":"v1:`) {
			t.Errorf("stored value does not seal the password: %s", raw)
		}
		d := esAudit(t, in, "settings_changed")
		if len(d) != 1 || d[0]["bind_password"] != "set" || d[0]["url"] == nil {
			t.Errorf("audit: %v", d)
		}
		entries, _, _ := in.Store().ListAudit(ctx, store.AuditFilter{Action: "settings_changed"})
		if strings.Contains(entries[0].Details, srv.BindPassword) {
			t.Error("the audit log holds the password")
		}
		page := admin.Get("/admin/settings/directory")
		if !strings.Contains(page.Body, "stored — leave empty to keep") || strings.Contains(page.Body, srv.BindPassword) ||
			!strings.Contains(page.Body, "saved in the portal database") || !strings.Contains(page.Body, "Turn off") {
			t.Error("the page after saving")
		}
		// Applies at once on this instance.
		c := in.Client(t)
		if r := c.AdminSignIn("ada", srv.Password("ada")); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("directory sign-in after saving: %d", r.StatusCode)
		}
	})

	t.Run("SaveAgainKeepsThePassword", func(t *testing.T) {
		r := dsPost(admin, "/admin/settings/directory", dsForm(srv, func(f url.Values) { f.Set("bind_password", "") }))
		if r.StatusCode != http.StatusSeeOther || !strings.HasSuffix(r.Header.Get("Location"), "msg=unchanged") {
			t.Fatalf("save without password: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		r = dsPost(admin, "/admin/settings/directory", dsForm(srv, func(f url.Values) { f.Set("bind_password", ""); f.Set("recheck", "20m") }))
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("save with a change: %d", r.StatusCode)
		}
		if d := esAudit(t, in, "settings_changed"); d[0]["bind_password"] != nil || d[0]["recheck"] == nil {
			t.Errorf("audit: %v", d[0])
		}
		if r := in.Client(t).AdminSignIn("grace", srv.Password("grace")); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-in with the kept password: %d", r.StatusCode)
		}
		// The kept password only goes to the server it was saved for.
		r = dsPost(admin, "/admin/settings/directory", dsForm(srv, func(f url.Values) {
			f.Set("bind_password", "")
			f.Set("url", "ldap://127.0.0.1:"+strconv.Itoa(freePort(t)))
		}))
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "type the bind password again") && !strings.Contains(r.Body, "Type the bind password again") {
			t.Errorf("new URL with the stored password: %d", r.StatusCode)
		}
		r = dsPost(admin, "/admin/settings/directory/test", dsForm(srv, func(f url.Values) {
			f.Set("bind_password", "")
			f.Set("bind_dn", "cn=someone-else,"+srv.BaseDN)
		}))
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="bind_password-error"`) {
			t.Errorf("testing another account with the stored password: %d", r.StatusCode)
		}
		// Testing the saved server without retyping works.
		if r := dsPost(admin, "/admin/settings/directory/test", dsForm(srv, func(f url.Values) { f.Set("bind_password", "") })); !strings.Contains(r.Body, "Connected to") {
			t.Error("testing with the stored password failed")
		}
	})

	t.Run("TestUser", func(t *testing.T) {
		for _, tc := range []struct{ name, user, want string }{
			{"DirectMember", "ada", "Direct member of the admin group"},
			{"NestedMember", "grace", "Member of the admin group through"},
			{"NotAMember", "linus", "Not a member of the admin group"},
			{"Unknown", "nobody", "No entry matches"},
			{"Disabled", "dis", "The account is disabled"},
			{"Injection", "*)(uid=*))(|(uid=*", "No entry matches"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				admin.Get("/admin/settings/directory")
				r := admin.Post("/admin/settings/directory/test-user", url.Values{"username": {tc.user}})
				if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, tc.want) {
					t.Fatalf("status %d, %q missing", r.StatusCode, tc.want)
				}
			})
		}
		admin.Get("/admin/settings/directory")
		if r := admin.Post("/admin/settings/directory/test-user", url.Values{"username": {""}}); r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("empty username: %d", r.StatusCode)
		}
		admin.Get("/admin/settings/directory")
		if r := admin.Post("/admin/settings/directory/test-user", url.Values{"username": {"ada\x00"}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="username-error"`) {
			t.Errorf("username with NUL: %d", r.StatusCode)
		}
	})

	t.Run("TurnOff", func(t *testing.T) {
		signedIn := in.Client(t)
		if r := signedIn.AdminSignIn("hedy", srv.Password("hedy")); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("hedy: %d", r.StatusCode)
		}
		r := dsPost(admin, "/admin/settings/directory", url.Values{"action": {"off"}})
		if r.StatusCode != http.StatusSeeOther || !strings.HasSuffix(r.Header.Get("Location"), "msg=off") {
			t.Fatalf("turn off: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		if r := in.Client(t).AdminSignIn("ada", srv.Password("ada")); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("directory sign-in while off: %d", r.StatusCode)
		}
		page := admin.Get("/admin/settings/directory")
		if !strings.Contains(page.Body, "turned off here") || !strings.Contains(page.Body, "Save and turn on") || !strings.Contains(page.Body, `value="`+srv.BaseDN+`"`) {
			t.Error("the page after turning off")
		}
		if d := esAudit(t, in, "settings_changed"); d[0]["enabled"] == nil {
			t.Errorf("audit: %v", d[0])
		}
		// Sessions of directory admins end at their next re-check.
		in.Clock.Advance(10 * time.Minute)
		if r := signedIn.Get("/admin"); r.StatusCode != http.StatusOK {
			t.Fatalf("before the re-check: %d", r.StatusCode)
		}
		in.Clock.Advance(10*time.Minute + time.Second)
		if r := signedIn.Get("/admin"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("directory admin's session after turning off and the re-check: %d", r.StatusCode)
		}
		// Turned on again without retyping the password (the admin's own
		// session idled out meanwhile).
		admin = dsSignedIn(t, in)
		r = dsPost(admin, "/admin/settings/directory", dsForm(srv, func(f url.Values) { f.Set("bind_password", "") }))
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("turn on again: %d %s", r.StatusCode, r.Body)
		}
		if r := in.Client(t).AdminSignIn("ada", srv.Password("ada")); r.StatusCode != http.StatusSeeOther {
			t.Errorf("directory sign-in after turning on again: %d", r.StatusCode)
		}
	})
}

// TestDirectorySettingsFromEnvironment: PORTICO_LDAP_* work without
// anything saved, and the page says where the settings come from.
func TestDirectorySettingsFromEnvironment(t *testing.T) {
	in, srv := startDirectory(t)
	if r := in.Client(t).AdminSignIn("ada", srv.Password("ada")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in with the environment's settings: %d", r.StatusCode)
	}
	admin := dsSignedIn(t, in)
	page := admin.Get("/admin/settings/directory")
	for _, want := range []string{"come from the <code>PORTICO_LDAP_*</code> environment variables", "stored — leave empty to keep",
		"set (hidden)", srv.URL, "PORTICO_LDAP_RECHECK"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("%q missing", want)
		}
	}
	if strings.Contains(page.Body, srv.BindPassword) {
		t.Error("the environment's password is on the page")
	}
	// Saving as shown (the password left empty) copies the environment's
	// settings into the database, the password sealed.
	r := dsPost(admin, "/admin/settings/directory", dsForm(srv, func(f url.Values) { f.Set("bind_password", ""); f.Set("recheck", "15m") }))
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", r.StatusCode)
	}
	d := esAudit(t, in, "settings_changed")
	if src, _ := d[0]["source"].(map[string]any); src["from"] != "environment" {
		t.Errorf("audit: %v", d[0])
	}
	raw, _ := in.Store().Setting(context.Background(), auth.SettingDirectory)
	if strings.Contains(raw, srv.BindPassword) || !strings.Contains(raw, "v1:") {
		t.Errorf("stored: %s", raw)
	}
	if r := in.Client(t).AdminSignIn("grace", srv.Password("grace")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in with the saved settings: %d", r.StatusCode)
	}
}
