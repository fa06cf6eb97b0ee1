package directory_test

import (
	"context"
	"errors"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/auth/directory"
	"github.com/portico-dev/portico/internal/auth/directory/slapdtest"
)

// These tests run against a real slapd (see package slapdtest).

func newClient(t *testing.T, c directory.Config) *directory.Client {
	t.Helper()
	client, err := directory.New(c)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return client
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestAuthenticate(t *testing.T) {
	s := slapdtest.Start(t)
	client := newClient(t, s.Config())

	type outcome int
	const (
		signsIn outcome = iota
		invalid
		notMember
	)
	tests := []struct {
		name, username, password string
		want                     outcome
		wantUID                  string // the account signed in to
	}{
		{"direct member signs in", "ada", s.Password("ada"), signsIn, "ada"},
		{"nested member (groupOfNames) signs in", "grace", s.Password("grace"), signsIn, "grace"},
		{"nested member (groupOfUniqueNames) signs in", "hedy", s.Password("hedy"), signsIn, "hedy"},
		{"by email", "ada@example.test", s.Password("ada"), signsIn, "ada"},
		{"name in another case", "ADA", s.Password("ada"), signsIn, "ada"},
		{"surrounding space ignored", "  ada ", s.Password("ada"), signsIn, "ada"},
		{"special characters, exact name", slapdtest.SpecialUID, s.Password(slapdtest.SpecialUID), signsIn, slapdtest.SpecialUID},

		{"non-member (inside a group cycle)", "linus", s.Password("linus"), notMember, ""},

		{"wrong password", "ada", "not-adas-password", invalid, ""},
		{"another user's password", "ada", s.Password("grace"), invalid, ""},
		{"password with a trailing space", "ada", s.Password("ada") + " ", invalid, ""},
		{"unknown user", "nobody", s.Password("ada"), invalid, ""},
		{"disabled user, right password", "dis", s.Password("dis"), invalid, ""},
		{"ambiguous: two entries share the mail", slapdtest.TwinsMail, s.Password("twin-a"), invalid, ""},
		{"empty username", "", s.Password("ada"), invalid, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := client.Authenticate(ctxT(t), tc.username, tc.password)
			switch tc.want {
			case signsIn:
				if err != nil {
					t.Fatalf("Authenticate: %v", err)
				}
				dn := slapdtest.UserDN(tc.wantUID)
				if u.DN != dn || u.Username != tc.wantUID || u.ID != s.EntryUUID(dn) || u.Email == "" || u.DisplayName == "" {
					t.Errorf("user = %+v, want DN %s, uid %s, ID %s, an email and a display name", u, dn, tc.wantUID, s.EntryUUID(dn))
				}
			case invalid:
				if !errors.Is(err, directory.ErrInvalidCredentials) || u != nil {
					t.Fatalf("Authenticate = %+v, %v; want ErrInvalidCredentials", u, err)
				}
			case notMember:
				if !errors.Is(err, directory.ErrNotMember) || u != nil {
					t.Fatalf("Authenticate = %+v, %v; want ErrNotMember", u, err)
				}
			}
			if err != nil && tc.password != "" && strings.Contains(err.Error(), tc.password) {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}

// An empty password must never reach the server: slapd here, like a badly
// configured directory, answers a DN with an empty password with success.
func TestAuthenticateEmptyPasswordNeverBinds(t *testing.T) {
	s := slapdtest.Start(t)
	client := newClient(t, s.Config())

	for _, pw := range []string{"", " ", "\t", "\r\n", "\u00a0\u2003"} {
		before := len(s.Binds())
		u, err := client.Authenticate(ctxT(t), "ada", pw)
		if !errors.Is(err, directory.ErrInvalidCredentials) || u != nil {
			t.Errorf("password %q: Authenticate = %+v, %v; want ErrInvalidCredentials", pw, u, err)
		}
		if binds := s.Binds()[before:]; len(binds) != 0 {
			t.Errorf("password %q: the server received binds %q; want none at all", pw, binds)
		}
	}
	if slices.Contains(s.Binds(), slapdtest.UserDN("ada")) {
		t.Errorf("the server log holds a bind as ada: %q", s.Binds())
	}
}

// Whatever is typed as the username, it is matched literally: it never
// widens the search, never reaches another account, and a valid password
// of the account it tries to reach does not help.
func TestAuthenticateInjection(t *testing.T) {
	s := slapdtest.Start(t)
	client := newClient(t, s.Config())

	usernames := []string{
		"*",
		"*)(uid=*))(|(uid=*",
		"admin)(|(objectClass=*",
		"ada)(|(uid=*",
		"ada*",
		"a*a",
		"*da",
		"o'brien*",       // the special user's name with a wildcard
		`o'brien\2a(x)`,  // the special user's name with * pre-escaped
		`ada\`,           // trailing backslash
		`\61da`,          // "ada" spelled as an escape
		"ada\x00",        // NUL
		"ada\x00garbage", // NUL inside
		"ada\n",          // a trailing newline is white space and trimmed: this one signs in
		strings.Repeat("a", 10_000),
		strings.Repeat("*", directory.MaxUsernameLength),
		"uid=ada,ou=people,dc=example,dc=test", // a DN is not a username
	}
	for _, name := range usernames {
		for _, victim := range []string{"ada", slapdtest.SpecialUID} {
			u, err := client.Authenticate(ctxT(t), name, s.Password(victim))
			if name == "ada\n" && victim == "ada" {
				if err != nil || u.Username != "ada" {
					t.Errorf("%q: Authenticate = %+v, %v; want ada (trimmed)", name, u, err)
				}
				continue
			}
			if u != nil || !errors.Is(err, directory.ErrInvalidCredentials) {
				t.Errorf("username %.40q with %s's password: Authenticate = %+v, %v; want ErrInvalidCredentials", name, victim, u, err)
			}
		}
	}

	// slapd recorded the breakout attempt as one escaped value.
	want := `(|(uid=\2A\29\28uid=\2A\29\29\28|\28uid=\2A)(mail=\2A\29\28uid=\2A\29\29\28|\28uid=\2A))`
	if !slices.ContainsFunc(s.Searches(), func(f string) bool { return strings.Contains(f, want) }) {
		t.Errorf("no search with the escaped value %s; searches: %q", want, s.Searches())
	}
	// And no user bind happened for any of them (only ada's trimmed name).
	for _, dn := range s.Binds() {
		if dn != s.BindDN && dn != slapdtest.UserDN("ada") {
			t.Errorf("unexpected bind as %q", dn)
		}
	}
}

func TestUserIDStableAcrossRename(t *testing.T) {
	s := slapdtest.Start(t)
	client := newClient(t, s.Config())
	ctx := ctxT(t)

	before, err := client.Authenticate(ctx, "ada", s.Password("ada"))
	if err != nil {
		t.Fatal(err)
	}
	if before.ID != s.EntryUUID(slapdtest.UserDN("ada")) {
		t.Fatalf("ID %s is not the entryUUID %s", before.ID, s.EntryUUID(slapdtest.UserDN("ada")))
	}

	newDN := s.RenameUser("ada", "ada.lovelace")

	after, err := client.Authenticate(ctx, "ada.lovelace", s.Password("ada"))
	if err != nil {
		t.Fatalf("sign-in under the new name: %v", err)
	}
	if after.ID != before.ID || after.DN != newDN {
		t.Errorf("after rename: ID %s DN %s; want ID %s DN %s", after.ID, after.DN, before.ID, newDN)
	}
	if _, err := client.Authenticate(ctx, "ada", s.Password("ada")); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Errorf("old name after rename: %v, want ErrInvalidCredentials", err)
	}
	// The session made before the rename still finds its user, by ID.
	if ok, err := client.StillMember(ctx, before); !ok || err != nil {
		t.Errorf("StillMember(user from before the rename) = %v, %v; want true", ok, err)
	}
}

func TestStillMember(t *testing.T) {
	s := slapdtest.Start(t)
	client := newClient(t, s.Config())
	ctx := ctxT(t)

	signIn := func(uid string) *directory.User {
		t.Helper()
		u, err := client.Authenticate(ctx, uid, s.Password(uid))
		if err != nil {
			t.Fatalf("sign in %s: %v", uid, err)
		}
		return u
	}
	check := func(what string, u *directory.User, want bool) {
		t.Helper()
		got, err := client.StillMember(ctx, u)
		if err != nil || got != want {
			t.Errorf("%s: StillMember = %v, %v; want %v", what, got, err, want)
		}
	}
	ada, grace, hedy, obrien := signIn("ada"), signIn("grace"), signIn("hedy"), signIn(slapdtest.SpecialUID)

	check("direct member", ada, true)
	check("nested member", grace, true)
	check("uniqueMember nested", hedy, true)

	s.RemoveFromGroup(slapdtest.UserDN("ada"), s.AdminGroupDN)
	check("direct member removed from the group", ada, false)

	s.RemoveFromGroup(slapdtest.GroupDN("ops"), s.AdminGroupDN)
	check("member of a group removed from the admin group", grace, false)

	s.Lock("hedy")
	check("disabled after sign-in", hedy, false)

	s.DeleteUser(slapdtest.SpecialUID)
	check("deleted after sign-in", obrien, false)

	s.AddToGroup(slapdtest.UserDN("ada"), s.AdminGroupDN)
	check("added back", ada, true)

	if _, err := client.StillMember(ctx, &directory.User{ID: "*"}); err == nil || errors.Is(err, directory.ErrUnavailable) {
		t.Errorf("StillMember with a malformed ID: %v, want a plain error", err)
	}
	if _, err := client.StillMember(ctx, nil); err == nil {
		t.Error("StillMember(nil) succeeded")
	}
	stranger := *ada
	stranger.ID = "00000000-0000-0000-0000-000000000000"
	check("unknown ID", &stranger, false)

	s.Stop()
	if ok, err := client.StillMember(ctx, ada); ok || !errors.Is(err, directory.ErrUnavailable) {
		t.Errorf("directory down: StillMember = %v, %v; want false, ErrUnavailable", ok, err)
	}
}

func TestDirectoryDown(t *testing.T) {
	s := slapdtest.Start(t)
	cfg := s.Config()
	cfg.Timeout = 2 * time.Second
	client := newClient(t, cfg)
	s.Stop()

	start := time.Now()
	u, err := client.Authenticate(ctxT(t), "ada", s.Password("ada"))
	if u != nil || !errors.Is(err, directory.ErrUnavailable) {
		t.Fatalf("Authenticate = %+v, %v; want ErrUnavailable", u, err)
	}
	if took := time.Since(start); took > cfg.Timeout {
		t.Errorf("took %v, more than the %v timeout", took, cfg.Timeout)
	}
	var ce *directory.CheckError
	if !errors.As(err, &ce) || ce.Stage != directory.StageConnect || !strings.Contains(ce.Message, "connection refused") {
		t.Errorf("cause = %#v, want a connect-stage CheckError saying connection refused", ce)
	}
}

// blackHole accepts connections and never answers, like a directory behind
// a firewall that drops replies or a hung server.
func blackHole(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String()
}

func TestUnresponsiveDirectory(t *testing.T) {
	addr := blackHole(t)
	base := directory.Config{
		BindDN: "cn=svc,dc=example,dc=test", BindPassword: "x", BaseDN: "dc=example,dc=test",
		Kind: directory.KindOpenLDAP, AdminGroupDN: "cn=admins,dc=example,dc=test",
		Timeout: 300 * time.Millisecond,
	}
	tests := []struct {
		name, url, says string
	}{
		{"plain LDAP", "ldap://" + addr, "did not answer in time while binding as the service account"},
		{"LDAPS handshake", "ldaps://" + addr, "TLS handshake with " + addr + " timed out"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			cfg.URL = tc.url
			client := newClient(t, cfg)

			start := time.Now()
			_, err := client.Authenticate(ctxT(t), "ada", "some-password")
			if !errors.Is(err, directory.ErrUnavailable) {
				t.Fatalf("Authenticate: %v, want ErrUnavailable", err)
			}
			if took := time.Since(start); took > cfg.Timeout+time.Second {
				t.Errorf("Authenticate took %v with a %v timeout", took, cfg.Timeout)
			}
			err = client.TestConnection(ctxT(t))
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("TestConnection = %v, want it to say %q", err, tc.says)
			}
		})
	}

	t.Run("the caller's deadline wins over a longer timeout", func(t *testing.T) {
		cfg := base
		cfg.URL, cfg.Timeout = "ldap://"+addr, 30*time.Second
		client := newClient(t, cfg)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		if _, err := client.Authenticate(ctx, "ada", "some-password"); !errors.Is(err, directory.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Authenticate: %v, want ErrUnavailable caused by the context deadline", err)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("took %v; the 200ms context deadline was not applied", took)
		}
	})
}

func TestTestConnection(t *testing.T) {
	s := slapdtest.Start(t)
	closedPort := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().String()
	}()

	tests := []struct {
		name   string
		change func(*directory.Config)
		stage  directory.Stage
		field  string
		says   string
	}{
		{"working settings", func(*directory.Config) {}, "", "", ""},
		{"wrong port", func(c *directory.Config) { c.URL = "ldap://" + closedPort }, directory.StageConnect, "URL",
			"connection refused at " + closedPort + " — is the server running and the port right?"},
		{"wrong bind password", func(c *directory.Config) { c.BindPassword = "wrong" }, directory.StageServiceBind, "BindPassword",
			"service account bind rejected — check the bind DN and password"},
		{"unknown bind DN", func(c *directory.Config) { c.BindDN = "cn=nobody,dc=example,dc=test" }, directory.StageServiceBind, "BindPassword",
			"service account bind rejected — check the bind DN and password"},
		{"wrong base DN", func(c *directory.Config) {
			c.BaseDN = "dc=wrong,dc=test"
			c.AdminGroupDN = "cn=portal-admins,ou=groups,dc=wrong,dc=test"
		}, directory.StageBaseDN, "BaseDN", `base DN "dc=wrong,dc=test" not found`},
		{"base DN under the suffix that does not exist", func(c *directory.Config) {
			c.BaseDN = "ou=nowhere,dc=example,dc=test"
			c.AdminGroupDN = "cn=portal-admins,ou=nowhere,dc=example,dc=test"
		}, directory.StageBaseDN, "BaseDN", `base DN "ou=nowhere,dc=example,dc=test" not found`},
		{"missing group", func(c *directory.Config) { c.AdminGroupDN = slapdtest.GroupDN("no-such-group") }, directory.StageAdminGroup, "AdminGroupDN",
			`admin group "cn=no-such-group,ou=groups,dc=example,dc=test" not found`},
		{"group DN that is a person", func(c *directory.Config) { c.AdminGroupDN = slapdtest.UserDN("ada") }, directory.StageAdminGroup, "AdminGroupDN",
			"exists but is not a group"},
		{"ldap:// to the LDAPS port", func(c *directory.Config) { c.URL = strings.Replace(s.LDAPSURL, "ldaps://", "ldap://", 1) },
			directory.StageConnect, "URL", "closed the connection at the service bind — if it is an ldaps port (usually 636), use an ldaps:// URL"},
		{"ldaps:// to the plain port", func(c *directory.Config) {
			c.URL, c.CAFile = strings.Replace(s.URL, "ldap://", "ldaps://", 1), s.CAFile
		},
			directory.StageTLS, "URL", "closed the connection during the TLS handshake — is it an ldaps port?"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := s.Config()
			tc.change(&cfg)
			err := newClient(t, cfg).TestConnection(ctxT(t))
			if tc.says == "" {
				if err != nil {
					t.Fatalf("TestConnection: %v", err)
				}
				return
			}
			var ce *directory.CheckError
			if !errors.As(err, &ce) {
				t.Fatalf("TestConnection = %v, want a *CheckError", err)
			}
			if ce.Stage != tc.stage || ce.Field != tc.field || !strings.Contains(ce.Message, tc.says) {
				t.Errorf("got {%s %s %q}\nwant {%s %s …%q…}", ce.Stage, ce.Field, ce.Message, tc.stage, tc.field, tc.says)
			}
			if strings.Contains(ce.Message, s.BindPassword) {
				t.Errorf("the message shows the bind password")
			}
		})
	}
}

func TestTLS(t *testing.T) {
	s := slapdtest.Start(t)
	other := slapdtest.Start(t) // its CA did not sign s's certificate

	tests := []struct {
		name   string
		change func(*directory.Config)
		says   string // "" means it works
	}{
		{"ldaps with the CA file", func(c *directory.Config) { c.URL, c.CAFile = s.LDAPSURL, s.CAFile }, ""},
		{"ldaps by host name", func(c *directory.Config) {
			c.URL, c.CAFile = strings.Replace(s.LDAPSURL, "127.0.0.1", "localhost", 1), s.CAFile
		}, ""},
		{"StartTLS with the CA file", func(c *directory.Config) { c.StartTLS, c.CAFile = true, s.CAFile }, ""},
		{"ldaps, certificate not verified (SkipVerify)", func(c *directory.Config) { c.URL, c.SkipVerify = s.LDAPSURL, true }, ""},
		{"ldaps without the CA file", func(c *directory.Config) { c.URL = s.LDAPSURL },
			"certificate not trusted — add the CA file"},
		{"StartTLS without the CA file", func(c *directory.Config) { c.StartTLS = true },
			"certificate not trusted — add the CA file"},
		{"ldaps with another CA", func(c *directory.Config) { c.URL, c.CAFile = s.LDAPSURL, other.CAFile },
			"certificate not trusted — the CA file " + other.CAFile + " does not hold"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := s.Config()
			tc.change(&cfg)
			client := newClient(t, cfg)
			err := client.TestConnection(ctxT(t))
			u, aerr := client.Authenticate(ctxT(t), "ada", s.Password("ada"))
			if tc.says == "" {
				if err != nil || aerr != nil {
					t.Fatalf("TestConnection: %v; Authenticate: %v", err, aerr)
				}
				if u.Username != "ada" {
					t.Errorf("signed in as %+v", u)
				}
				return
			}
			var ce *directory.CheckError
			if !errors.As(err, &ce) || ce.Stage != directory.StageTLS || !strings.Contains(ce.Message, tc.says) {
				t.Errorf("TestConnection = %v, want a TLS-stage error saying %q", err, tc.says)
			}
			if !errors.Is(aerr, directory.ErrUnavailable) {
				t.Errorf("Authenticate = %v, want ErrUnavailable", aerr)
			}
		})
	}
	// No password may have crossed an unverified connection.
	for _, dn := range other.Binds() {
		if dn != other.BindDN {
			t.Errorf("the other server saw a bind as %s", dn)
		}
	}
}

func TestTestUser(t *testing.T) {
	s := slapdtest.Start(t)
	client := newClient(t, s.Config())
	admins := s.AdminGroupDN

	tests := []struct {
		name, username string
		matches        int
		member         bool
		disabled       bool
		via            []string
		summary        string
	}{
		{"direct member", "ada", 1, true, false, []string{admins}, "Direct member of the admin group."},
		{"nested member", "grace", 1, true, false, []string{slapdtest.GroupDN("ops"), admins},
			"through cn=ops,ou=groups,dc=example,dc=test → cn=portal-admins"},
		{"nested through uniqueMember", "hedy", 1, true, false, []string{slapdtest.GroupDN("auditors"), admins}, "through cn=auditors"},
		{"special characters", slapdtest.SpecialUID, 1, true, false, []string{admins}, "Direct member"},
		{"not a member, inside a group cycle", "linus", 1, false, false, nil, "Not a member of the admin group"},
		{"disabled", "dis", 1, true, true, []string{admins}, "The account is disabled"},
		{"unknown", "nobody", 0, false, false, nil, `No entry matches "nobody"`},
		{"wildcard finds nobody", "*", 0, false, false, nil, `(uid=\2a)`},
		{"ambiguous", slapdtest.TwinsMail, 2, false, false, nil, "More than one entry matches"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := client.TestUser(ctxT(t), tc.username)
			if err != nil {
				t.Fatalf("TestUser: %v", err)
			}
			if r.Matches != tc.matches || r.Member != tc.member || r.Disabled != tc.disabled || !slices.Equal(r.Via, tc.via) {
				t.Errorf("report = matches %d member %v disabled %v via %q\nwant       matches %d member %v disabled %v via %q",
					r.Matches, r.Member, r.Disabled, r.Via, tc.matches, tc.member, tc.disabled, tc.via)
			}
			if tc.matches == 1 && (r.User == nil || r.User.ID != s.EntryUUID(r.User.DN)) {
				t.Errorf("user = %+v, want the entry with its entryUUID", r.User)
			}
			if !strings.Contains(r.Summary(), tc.summary) {
				t.Errorf("summary %q does not say %q", r.Summary(), tc.summary)
			}
		})
	}

	if _, err := client.TestUser(ctxT(t), "ada\x00"); len(directory.FieldErrors(err)) != 1 {
		t.Errorf("TestUser with NUL = %v, want a FieldError", err)
	}
	// TestUser never binds as the user.
	for _, dn := range s.Binds() {
		if dn != s.BindDN {
			t.Errorf("TestUser bound as %s", dn)
		}
	}
}

// Sign-ins run concurrently on one Client (and under -race in CI).
func TestAuthenticateConcurrent(t *testing.T) {
	s := slapdtest.Start(t)
	client := newClient(t, s.Config())
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Go(func() {
			uid := []string{"ada", "grace", "hedy", "linus"}[i%4]
			_, err := client.Authenticate(ctxT(t), uid, s.Password(uid))
			if uid == "linus" && errors.Is(err, directory.ErrNotMember) {
				err = nil
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// Nested groups are followed only so far, so a pathological directory
// cannot turn one sign-in into an unbounded number of searches.
func TestNestingLimits(t *testing.T) {
	s := slapdtest.Start(t)
	client := newClient(t, s.Config())
	ctx := ctxT(t)

	// chain builds uid → g1 → g2 → … → gN → portal-admins.
	chain := func(uid string, n int) {
		member := slapdtest.UserDN(uid)
		for i := range n {
			member = s.AddGroup(uid+"-level-"+strconv.Itoa(i+1), member)
		}
		s.AddToGroup(member, s.AdminGroupDN)
	}
	chain("linus", 9) // the admin group is the 10th level up: found
	if _, err := client.Authenticate(ctx, "linus", s.Password("linus")); err != nil {
		t.Errorf("9 nested groups: %v, want a sign-in", err)
	}
	r, err := client.TestUser(ctx, "linus")
	if err != nil || !r.Member || len(r.Via) != 10 {
		t.Errorf("TestUser through 9 groups: %+v, %v; want member via 10 groups", r, err)
	}

	s.RemoveFromGroup(slapdtest.GroupDN("ops"), s.AdminGroupDN)
	chain("grace", 10) // the 11th level: beyond the limit
	if _, err := client.Authenticate(ctx, "grace", s.Password("grace")); !errors.Is(err, directory.ErrNotMember) {
		t.Errorf("10 nested groups: %v, want ErrNotMember (depth limit)", err)
	}

	// hedy is in more groups than one check may look at.
	for i := range 501 {
		s.AddGroup("wide-"+strconv.Itoa(i), slapdtest.UserDN("hedy"))
	}
	s.RemoveFromGroup(slapdtest.GroupDN("auditors"), s.AdminGroupDN)
	_, err = client.Authenticate(ctx, "hedy", s.Password("hedy"))
	var ce *directory.CheckError
	if !errors.Is(err, directory.ErrUnavailable) || !errors.As(err, &ce) || !strings.Contains(ce.Message, "gave up following nested groups after 500 groups") {
		t.Errorf("501 groups: %v, want ErrUnavailable saying it gave up", err)
	}
}
