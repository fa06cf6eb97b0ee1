package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/auth/directory/slapdtest"
	"github.com/portico-dev/portico/internal/clock"
	"github.com/portico-dev/portico/internal/config"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

// Directory sign-in through Portico's real HTTP endpoints, against a real
// slapd (internal/auth/directory/slapdtest) that, like a badly configured
// directory, answers "success" to a bind with a DN and no password.

const genericAdminFailure = "did not match an active admin"

// dsFormToken matches the form token and the pre-session it is bound to,
// which differ between any two pages.
var dsFormToken = regexp.MustCompile(`name="csrf_token" value="[^"]*"`)

// dirEnv configures directory sign-in for srv through PORTICO_LDAP_*.
func dirEnv(srv *slapdtest.Server) apptest.Option {
	return func(c *config.Config) {
		c.LDAP = config.LDAPConfig{URL: srv.URL, BindDN: srv.BindDN, BindPassword: srv.BindPassword, BaseDN: srv.BaseDN,
			Kind: "openldap", AdminGroup: srv.AdminGroupDN, Timeout: 5 * time.Second, Recheck: 15 * time.Minute}
	}
}

// startDirectory starts slapd and a Portico configured for it through
// the environment, with a local admin "ops".
func startDirectory(t *testing.T, opts ...apptest.Option) (*apptest.Instance, *slapdtest.Server) {
	t.Helper()
	srv := slapdtest.Start(t)
	in := apptest.StartSQLite(t, append([]apptest.Option{dirEnv(srv)}, opts...)...)
	in.CreateAdmin(t, "ops", goodPassword)
	return in, srv
}

// userBinds returns the binds slapd received other than the service
// account's: the binds made as people.
func userBinds(srv *slapdtest.Server) []string {
	var out []string
	for _, dn := range srv.Binds() {
		if !strings.EqualFold(dn, srv.BindDN) {
			out = append(out, dn)
		}
	}
	return out
}

// failures returns the reasons of the sign_in_failed entries for a login,
// newest first.
func failures(t *testing.T, in *apptest.Instance, login string) []string {
	t.Helper()
	entries, _, err := in.Store().ListAudit(context.Background(), store.AuditFilter{Action: "sign_in_failed", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.TargetLabel != strings.ToLower(strings.TrimSpace(login)) {
			continue
		}
		var d map[string]any
		json.Unmarshal([]byte(e.Details), &d)
		r, _ := d["reason"].(string)
		out = append(out, r)
	}
	return out
}

// adminOf returns the admin record with this directory username.
func directoryAdmin(t *testing.T, in *apptest.Instance, login string) *store.Admin {
	t.Helper()
	a, err := in.Store().DirectoryAdminByLogin(context.Background(), login)
	if err != nil {
		t.Fatalf("directory admin %q: %v", login, err)
	}
	return a
}

func TestDirectorySignIn(t *testing.T) {
	in, srv := startDirectory(t)

	t.Run("Members", func(t *testing.T) {
		for _, tc := range []struct{ name, login, uid, display string }{
			{"DirectMember", "ada", "ada", "Ada Lovelace"},
			{"NestedMember", "grace", "grace", "Grace Hopper"},
			{"NestedThroughUniqueMember", "hedy", "hedy", "Hedy Lamarr"},
			{"ByEmail", "ada@example.test", "ada", "Ada Lovelace"},
			{"NameOfFilterMetacharacters", slapdtest.SpecialUID, slapdtest.SpecialUID, "Pat O&#39;Brien"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := in.Client(t)
				r := c.AdminSignIn(tc.login, srv.Password(tc.uid))
				if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin" {
					t.Fatalf("sign-in: %d %q %s", r.StatusCode, r.Header.Get("Location"), r.Body)
				}
				home := c.Get("/admin")
				if home.StatusCode != http.StatusOK || !strings.Contains(home.Body, tc.display) {
					t.Fatalf("admin home: %d, display name %q missing", home.StatusCode, tc.display)
				}
				a := directoryAdmin(t, in, tc.uid)
				if a.Source != store.SourceDirectory || a.ExternalID != strings.ToLower(srv.EntryUUID(slapdtest.UserDN(tc.uid))) || a.PasswordHash != "" {
					t.Errorf("admin record: source %q, external id %q, hash %q", a.Source, a.ExternalID, a.PasswordHash)
				}
			})
		}
	})

	t.Run("OneRecordPerPerson", func(t *testing.T) {
		// ada signed in twice above (by uid and by email): one admin.
		admins, err := in.Store().ListAdmins(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, a := range admins {
			if strings.HasPrefix(a.Username, "ada") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d admin records for ada, want 1", n)
		}
		created, _, _ := in.Store().ListAudit(context.Background(), store.AuditFilter{Action: "admin_created"})
		if len(created) != 4 {
			t.Errorf("%d admin_created entries, want 4 (ada, grace, hedy, o'brien)", len(created))
		}
	})

	t.Run("Refused", func(t *testing.T) {
		for _, tc := range []struct {
			name, login, pw string
			status          int
			reason          string // "" when refused before the sign-in service
		}{
			{"NotAMember", "linus", srv.Password("linus"), 401, "not in the directory's admin group"},
			{"WrongPassword", "grace", "not-graces-password", 401, "directory: the directory refused the password"},
			{"AnotherUsersPassword", "grace", srv.Password("ada"), 401, "directory: the directory refused the password"},
			{"UnknownUser", "nobody-here", "whatever-password", 401, "directory: no entry matches the username"},
			{"LockedInTheDirectory", "dis", srv.Password("dis"), 401, "directory: the account is disabled"},
			{"AmbiguousEmail", slapdtest.TwinsMail, srv.Password("twin-a"), 401, "directory: the username matches more than one entry"},
			{"BlankPassword", "hedy", "   ", 401, "directory: "},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := len(userBinds(srv))
				r := in.Client(t).AdminSignIn(tc.login, tc.pw)
				if r.StatusCode != tc.status || !strings.Contains(r.Body, genericAdminFailure) {
					t.Fatalf("status %d, want %d with the generic message", r.StatusCode, tc.status)
				}
				if got := failures(t, in, tc.login); len(got) == 0 || !strings.HasPrefix(got[0], tc.reason) {
					t.Errorf("audit reason %q, want %q", got, tc.reason)
				}
				if tc.name == "BlankPassword" {
					if binds := userBinds(srv)[before:]; len(binds) != 0 {
						t.Errorf("a blank password reached the directory as a bind: %q", binds)
					}
				}
			})
		}
	})

	t.Run("EmptyPasswordNeverBinds", func(t *testing.T) {
		before := len(srv.Binds())
		r := in.Client(t).AdminSignIn("ada", "")
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("empty password: %d", r.StatusCode)
		}
		if binds := srv.Binds()[before:]; len(binds) != 0 {
			t.Errorf("the directory saw binds for an empty password: %q", binds)
		}
	})

	t.Run("SameMessageAsLocal", func(t *testing.T) {
		local := in.Client(t).AdminSignIn("ops", "wrong-local-password")
		dir := in.Client(t).AdminSignIn("grace", "wrong-directory-password")
		if local.StatusCode != dir.StatusCode {
			t.Errorf("local %d, directory %d", local.StatusCode, dir.StatusCode)
		}
		strip := func(b string) string { return dsFormToken.ReplaceAllString(strings.ReplaceAll(b, "grace", "ops"), "") }
		if strip(local.Body) != strip(dir.Body) {
			t.Error("the failure pages of a local and a directory admin differ")
		}
	})

	t.Run("SignInPageMentionsTheDirectory", func(t *testing.T) {
		if r := in.Client(t).Get("/admin/login"); !strings.Contains(r.Body, "directory account") {
			t.Error("the sign-in page does not say directory accounts work")
		}
	})
}

// TestDirectorySignInInjection sends usernames built to change the search
// filter or the DN, each with a real member's password: none signs in, no
// person's bind reaches the directory, and the filters slapd received hold
// the metacharacters escaped.
func TestDirectorySignInInjection(t *testing.T) {
	in, srv := startDirectory(t)
	pw := srv.Password("ada")
	for _, login := range []string{
		"*)(uid=*))(|(uid=*",
		"admin)(|(objectClass=*",
		"*",
		"ad*",
		"ada)(uid=*",
		"ada)(|(uid=*)",
		`ada\`,
		`ada\2a`,
		`\61da`,
		`ada\29(uid=*`,
		`uid=ada,ou=people,dc=example,dc=test`,
		`ada,ou=people,dc=example,dc=test`,
		"ada\x00",
		"ada\x00)(uid=*",
		"(&)",
		"ada@example.test)(mail=*",
	} {
		t.Run(strings.ToValidUTF8(login, "?"), func(t *testing.T) {
			before := len(userBinds(srv))
			r := in.Client(t).AdminSignIn(login, pw)
			if r.StatusCode == http.StatusSeeOther || r.StatusCode >= 500 {
				t.Fatalf("status %d", r.StatusCode)
			}
			if binds := userBinds(srv)[before:]; len(binds) != 0 {
				t.Errorf("a bind as %q reached the directory", binds)
			}
		})
	}
	var escaped bool
	for _, f := range srv.Searches() {
		if strings.Contains(strings.ToUpper(f), `\2A\29\28UID=\2A\29\29\28|\28UID=\2A`) {
			escaped = true
		}
		if strings.Contains(f, "(uid=*))(|(uid=*") {
			t.Errorf("slapd received an unescaped filter: %s", f)
		}
	}
	if !escaped {
		t.Errorf("no search held the escaped injection; searches: %q", srv.Searches())
	}
	if n, _ := in.Store().ListAdmins(context.Background()); len(n) != 1 {
		t.Errorf("%d admins after the injection attempts, want only the local one", len(n))
	}
}

// TestDirectoryDown: with the directory stopped a local admin still signs
// in, and a directory admin gets the one generic answer, audited as
// "directory unavailable" and logged as a warning.
func TestDirectoryDown(t *testing.T) {
	in, srv := startDirectory(t)
	srv.Stop()
	r := in.Client(t).AdminSignIn("ada", srv.Password("ada"))
	if r.StatusCode != http.StatusUnauthorized || !strings.Contains(r.Body, genericAdminFailure) {
		t.Fatalf("directory admin while the directory is down: %d", r.StatusCode)
	}
	if got := failures(t, in, "ada"); len(got) != 1 || got[0] != "directory unavailable" {
		t.Errorf("audit reasons %q", got)
	}
	if !strings.Contains(in.Logs.String(), "directory unavailable at sign-in") {
		t.Error("no warning logged")
	}
	c := in.Client(t)
	if r := c.AdminSignIn("ops", goodPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("local admin while the directory is down: %d", r.StatusCode)
	}
	if r := c.Get("/admin"); r.StatusCode != http.StatusOK {
		t.Fatalf("local admin's console: %d", r.StatusCode)
	}
	// Many attempts while it is down do not lock the directory admin out.
	for range 12 {
		in.Client(t).AdminSignIn("grace", srv.Password("grace"))
	}
	for _, reason := range failures(t, in, "grace") {
		if reason != "directory unavailable" {
			t.Errorf("reason %q while the directory is down", reason)
		}
	}
}

// TestDirectoryMembershipRecheck: removal from the group ends a session
// that is already open, once the re-check interval has passed; a member
// who stays in keeps theirs; an unreachable directory keeps sessions open.
func TestDirectoryMembershipRecheck(t *testing.T) {
	in, srv := startDirectory(t)
	ada, grace := in.Client(t), in.Client(t)
	for c, uid := range map[*apptest.Client]string{ada: "ada", grace: "grace"} {
		if r := c.AdminSignIn(uid, srv.Password(uid)); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d", uid, r.StatusCode)
		}
	}
	srv.RemoveFromGroup(slapdtest.UserDN("ada"), slapdtest.AdminGroupDN)

	// Within the interval (15m) the old answer stands; requests every five
	// minutes keep the sessions from idling out (admin idle is 15m too).
	for range 2 {
		in.Clock.Advance(5 * time.Minute)
		for uid, c := range map[string]*apptest.Client{"ada": ada, "grace": grace} {
			if r := c.Get("/admin"); r.StatusCode != http.StatusOK {
				t.Fatalf("%s before the re-check: %d", uid, r.StatusCode)
			}
		}
	}
	in.Clock.Advance(5*time.Minute + time.Second)
	r := ada.Get("/admin/accounts")
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/admin/login") {
		t.Fatalf("removed admin after the re-check: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r := grace.Get("/admin"); r.StatusCode != http.StatusOK {
		t.Fatalf("member after the re-check: %d", r.StatusCode)
	}
	entries, _, _ := in.Store().ListAudit(context.Background(), store.AuditFilter{Action: "session_ended"})
	if len(entries) != 1 || !strings.Contains(entries[0].Details, "removed from the directory group") || entries[0].TargetLabel != "ada" {
		t.Errorf("session_ended entries: %+v", entries)
	}
	if r := in.Client(t).AdminSignIn("ada", srv.Password("ada")); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("removed admin signing in again: %d", r.StatusCode)
	}

	t.Run("DirectoryDownKeepsSessions", func(t *testing.T) {
		srv.Stop()
		in.Clock.Advance(10 * time.Minute)
		grace.Get("/admin")
		in.Clock.Advance(6 * time.Minute)
		if r := grace.Get("/admin"); r.StatusCode != http.StatusOK {
			t.Fatalf("session while the directory is down: %d", r.StatusCode)
		}
		if !strings.Contains(in.Logs.String(), "could not re-check a directory admin") {
			t.Error("no warning logged for the failed re-check")
		}
	})
}

// TestLocalAndDirectoryAdminsStayApart: a local admin "ada" and the
// directory's ada are two admins. The local admin's name is the local
// admin's: the directory is only asked for names no local admin has.
func TestLocalAndDirectoryAdminsStayApart(t *testing.T) {
	in, srv := startDirectory(t)
	local := in.CreateAdmin(t, "ada", goodPassword)

	if r := in.Client(t).AdminSignIn("ada", srv.Password("ada")); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("directory password for the local name: %d", r.StatusCode)
	}
	viaEmail := in.Client(t)
	if r := viaEmail.AdminSignIn("ada@example.test", srv.Password("ada")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("directory ada by email: %d", r.StatusCode)
	}
	dir := directoryAdmin(t, in, "ada")
	if dir.ID == local.ID || dir.Source != store.SourceDirectory || dir.ExternalID == "" {
		t.Fatalf("directory ada is %+v, local ada id %d", dir, local.ID)
	}
	again, err := in.Store().AdminByID(context.Background(), local.ID)
	if err != nil || again.Source != store.SourceLocal || again.ExternalID != "" || again.PasswordHash != local.PasswordHash {
		t.Fatalf("the local admin was touched: %+v, %v", again, err)
	}
	localClient := in.Client(t)
	if r := localClient.AdminSignIn("ada", goodPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("local ada: %d", r.StatusCode)
	}
	for _, id := range []int64{dir.ID, local.ID} {
		sessions, _ := in.Store().ListSessions(context.Background(), store.KindAdmin, id)
		if len(sessions) != 1 {
			t.Errorf("admin %d has %d sessions, want 1", id, len(sessions))
		}
	}
	// Each session belongs to its own admin.
	if r := viaEmail.Get("/admin"); !strings.Contains(r.Body, "Ada Lovelace") {
		t.Error("the directory session does not show the directory admin")
	}
}

// TestDirectoryAdminDeactivatedInPortico: deactivation in Portico wins
// over the directory, like for a local admin.
func TestDirectoryAdminDeactivatedInPortico(t *testing.T) {
	in, srv := startDirectory(t)
	c := in.Client(t)
	if r := c.AdminSignIn("ada", srv.Password("ada")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", r.StatusCode)
	}
	a := directoryAdmin(t, in, "ada")
	ctx := context.Background()
	if err := in.Store().InTx(ctx, func(tx *store.Tx) error { return tx.SetAdminActive(ctx, a.ID, false, in.Clock.Now()) }); err != nil {
		t.Fatal(err)
	}
	if r := c.Get("/admin"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("deactivated admin's session: %d", r.StatusCode)
	}
	if r := in.Client(t).AdminSignIn("ada", srv.Password("ada")); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("deactivated directory admin signed in: %d", r.StatusCode)
	}
	if got := failures(t, in, "ada"); len(got) != 1 || got[0] != "inactive" {
		t.Errorf("reasons %q", got)
	}
	if b, _ := in.Store().AdminByID(ctx, a.ID); b.Active {
		t.Error("a directory sign-in reactivated the admin")
	}
}

// TestDirectorySignInThrottled: failures lock a directory name like a
// local one, and a locked name never reaches the directory, so guessing
// through Portico cannot lock the account out of the directory itself.
func TestDirectorySignInThrottled(t *testing.T) {
	in, srv := startDirectory(t)
	for i := range 10 {
		in.Client(t).AdminSignIn("grace", "wrong guess "+string(rune('a'+i)))
	}
	before := len(userBinds(srv))
	if r := in.Client(t).AdminSignIn("grace", srv.Password("grace")); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("locked name signed in: %d", r.StatusCode)
	}
	if got := failures(t, in, "grace"); got[0] != "locked" {
		t.Errorf("reason %q", got[0])
	}
	if binds := userBinds(srv)[before:]; len(binds) != 0 {
		t.Errorf("a locked name reached the directory: %q", binds)
	}
	lockouts, _, _ := in.Store().ListAudit(context.Background(), store.AuditFilter{Action: "lockout"})
	if len(lockouts) != 1 {
		t.Errorf("%d lockout entries", len(lockouts))
	}
	// After the lock, the right password works again.
	in.Clock.Advance(16 * time.Minute)
	if r := in.Client(t).AdminSignIn("grace", srv.Password("grace")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the lock: %d", r.StatusCode)
	}
}

// TestDirectoryAdminSecondStep: directory admins take the same second
// step as local ones when admins must use one.
func TestDirectoryAdminSecondStep(t *testing.T) {
	in, srv := startDirectory(t)
	ctx := context.Background()
	if err := in.Store().InTx(ctx, func(tx *store.Tx) error {
		return tx.SetSetting(ctx, auth.SettingRequireAdmins, "on", "test", in.Clock.Now())
	}); err != nil {
		t.Fatal(err)
	}
	c := in.Client(t)
	r := c.AdminSignIn("ada", srv.Password("ada"))
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/admin/login/verify") {
		t.Fatalf("sign-in: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r := c.Get("/admin"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("console before the second step: %d", r.StatusCode)
	}
}

// TestDirectorySettingsApplyOnOtherInstances: settings saved on one
// instance apply there at once and on another within the cache time.
func TestDirectorySettingsApplyOnOtherInstances(t *testing.T) {
	srv := slapdtest.Start(t)
	target := storetest.SQLite(t)
	fake := clock.NewFake(apptest.Epoch)
	a := apptest.Start(t, target, fake)
	b := apptest.Start(t, target, fake)
	a.CreateAdmin(t, "ops", goodPassword)
	if r := b.Client(t).AdminSignIn("ada", srv.Password("ada")); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("before any settings: %d", r.StatusCode)
	}
	admin := dsSignedIn(t, a)
	if r := dsPost(admin, "/admin/settings/directory", dsForm(srv)); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", r.StatusCode)
	}
	if r := a.Client(t).AdminSignIn("ada", srv.Password("ada")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("on the instance that saved: %d", r.StatusCode)
	}
	fake.Advance(auth.DirectoryCacheFor)
	if r := b.Client(t).AdminSignIn("grace", srv.Password("grace")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("on the other instance after %s: %d", auth.DirectoryCacheFor, r.StatusCode)
	}
}

// TestDirectorySignInOnEachDatabase runs the whole path once on SQLite and
// once on PostgreSQL: first sign-in creates the admin, a local admin of the
// same name stays apart, and the re-check ends a removed admin's session.
func TestDirectorySignInOnEachDatabase(t *testing.T) {
	srv := slapdtest.Start(t)
	for name, target := range map[string]func(testing.TB) storetest.Target{"sqlite": storetest.SQLite, "postgres": storetest.Postgres} {
		t.Run(name, func(t *testing.T) {
			in := apptest.Start(t, target(t), nil, dirEnv(srv))
			local := in.CreateAdmin(t, "hedy", goodPassword)
			c := in.Client(t)
			if r := c.AdminSignIn("hedy@example.test", srv.Password("hedy")); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("directory hedy: %d", r.StatusCode)
			}
			dir := directoryAdmin(t, in, "hedy")
			if dir.ID == local.ID {
				t.Fatal("merged with the local admin")
			}
			if r := c.Get("/admin"); r.StatusCode != http.StatusOK {
				t.Fatalf("console: %d", r.StatusCode)
			}
			in.Clock.Advance(14 * time.Minute)
			c.Get("/admin")
			in.Clock.Advance(2 * time.Minute)
			if r := c.Get("/admin"); r.StatusCode != http.StatusOK {
				t.Fatalf("after a re-check while a member: %d", r.StatusCode)
			}
			at, err := in.Store().SessionCheckedAt(context.Background(), mustSession(t, in, dir.ID).ID)
			if err != nil || at == nil || !at.Equal(in.Clock.Now()) {
				t.Errorf("checked_at %v, %v; want %v", at, err, in.Clock.Now())
			}
		})
	}
	// Both instances are done with hedy before the group changes.
	srv.RemoveFromGroup(slapdtest.GroupDN("auditors"), slapdtest.AdminGroupDN)
	in := apptest.Start(t, storetest.SQLite(t), nil, dirEnv(srv))
	if r := in.Client(t).AdminSignIn("hedy", srv.Password("hedy")); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("hedy out of the nested group: %d", r.StatusCode)
	}
}

// mustSession returns the one session of an admin.
func mustSession(t *testing.T, in *apptest.Instance, adminID int64) store.Session {
	t.Helper()
	list, err := in.Store().ListSessions(context.Background(), store.KindAdmin, adminID)
	if err != nil || len(list) != 1 {
		t.Fatalf("sessions of admin %d: %d, %v", adminID, len(list), err)
	}
	return list[0]
}
