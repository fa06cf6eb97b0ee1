package slapdtest

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

func dialT(t *testing.T, url string, opts ...ldap.DialOpt) *ldap.Conn {
	t.Helper()
	opts = append(opts, ldap.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}))
	conn, err := ldap.DialURL(url, opts...)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	conn.SetTimeout(5 * time.Second)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// The harness must behave as its documentation says, or the directory
// tests built on it prove nothing.
func TestServer(t *testing.T) {
	s := Start(t)

	t.Run("seed users bind with their passwords", func(t *testing.T) {
		for _, uid := range []string{"ada", "grace", "hedy", "linus", SpecialUID, "twin-a"} {
			if err := dialT(t, s.URL).Bind(UserDN(uid), s.Password(uid)); err != nil {
				t.Errorf("bind %s: %v", uid, err)
			}
		}
	})

	t.Run("disabled user is refused by slapd itself", func(t *testing.T) {
		err := dialT(t, s.URL).Bind(UserDN("dis"), s.Password("dis"))
		if !ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
			t.Fatalf("bind dis = %v, want invalid credentials (ppolicy lock)", err)
		}
	})

	t.Run("unauthenticated bind is accepted, like a permissive server", func(t *testing.T) {
		if err := dialT(t, s.URL).UnauthenticatedBind(UserDN("ada")); err != nil {
			t.Fatalf("unauthenticated bind = %v, want success (allow bind_anon_dn)", err)
		}
	})

	t.Run("anonymous clients read nothing", func(t *testing.T) {
		res, err := dialT(t, s.URL).Search(ldap.NewSearchRequest(BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
			0, 0, false, "(uid=ada)", nil, nil))
		if err == nil && len(res.Entries) > 0 {
			t.Fatalf("anonymous search found %d entries, want none", len(res.Entries))
		}
	})

	t.Run("the log records binds and searches", func(t *testing.T) {
		conn := dialT(t, s.URL)
		if err := conn.Bind(UserDN("grace"), s.Password("grace")); err != nil {
			t.Fatal(err)
		}
		_, _ = conn.Search(ldap.NewSearchRequest(BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
			0, 0, false, "(uid=marker\\2a)", []string{"1.1"}, nil))
		if !slices.Contains(s.Binds(), UserDN("grace")) {
			t.Errorf("Binds() = %q, want it to hold %s", s.Binds(), UserDN("grace"))
		}
		if !slices.ContainsFunc(s.Searches(), func(f string) bool { return f == `(uid=marker\2A)` }) {
			t.Errorf("Searches() = %q, want (uid=marker\\2A)", s.Searches())
		}
	})

	t.Run("ldaps and StartTLS with the generated CA", func(t *testing.T) {
		pem, err := os.ReadFile(s.CAFile)
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		cfg := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
		if err := dialT(t, s.LDAPSURL, ldap.DialWithTLSConfig(cfg)).Bind(s.BindDN, s.BindPassword); err != nil {
			t.Errorf("ldaps bind: %v", err)
		}
		conn := dialT(t, s.URL)
		if err := conn.StartTLS(cfg); err != nil {
			t.Fatalf("StartTLS: %v", err)
		}
		if err := conn.Bind(s.BindDN, s.BindPassword); err != nil {
			t.Errorf("bind after StartTLS: %v", err)
		}
	})

	t.Run("Stop brings the server down", func(t *testing.T) {
		s.Stop()
		s.Stop() // twice is fine
		if _, err := ldap.DialURL(s.URL, ldap.DialWithDialer(&net.Dialer{Timeout: time.Second})); err == nil {
			t.Fatal("dial after Stop succeeded")
		}
	})
}
