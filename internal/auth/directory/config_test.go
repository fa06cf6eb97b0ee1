package directory

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func validConfig() Config {
	return Config{
		URL:          "ldaps://dc1.corp.example",
		BindDN:       "CN=portal-reader,OU=Service,DC=corp,DC=example",
		BindPassword: "service-secret",
		BaseDN:       "DC=corp,DC=example",
		Kind:         KindAD,
		AdminGroupDN: "CN=Portal Admins,OU=Groups,DC=corp,DC=example",
	}
}

// writeCA writes a self-signed CA certificate as PEM.
func writeCA(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestValidate(t *testing.T) {
	caFile := writeCA(t)
	notPEM := filepath.Join(t.TempDir(), "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		change func(*Config)
		fields []string // fields with an error; none means valid
		says   string   // part of the first message
	}{
		{"valid ldaps", func(*Config) {}, nil, ""},
		{"valid StartTLS", func(c *Config) { c.URL, c.StartTLS = "ldap://dc1.corp.example:389", true }, nil, ""},
		{"plain LDAP on loopback", func(c *Config) { c.URL = "ldap://127.0.0.1:10389" }, nil, ""},
		{"plain LDAP to localhost", func(c *Config) { c.URL = "ldap://localhost" }, nil, ""},
		{"custom filter", func(c *Config) { c.UserFilter = "(&(objectClass=user)(mail={username}))" }, nil, ""},
		{"CA file", func(c *Config) { c.CAFile = caFile }, nil, ""},
		{"timeout at the cap", func(c *Config) { c.Timeout = time.Minute }, nil, ""},
		{"OpenLDAP group inside base", func(c *Config) {
			c.Kind, c.BaseDN, c.AdminGroupDN = KindOpenLDAP, "dc=example,dc=test", "cn=admins,ou=groups,dc=example,dc=test"
		}, nil, ""},

		{"empty", func(c *Config) { *c = Config{} }, []string{"URL", "BindDN", "BindPassword", "BaseDN", "Kind", "AdminGroupDN"}, "enter the directory's address"},
		{"plain LDAP over the network", func(c *Config) { c.URL = "ldap://dc1.corp.example" }, []string{"StartTLS"}, "unencrypted"},
		{"StartTLS with ldaps", func(c *Config) { c.StartTLS = true }, []string{"StartTLS"}, "only for ldap://"},
		{"http URL", func(c *Config) { c.URL = "https://dc1.corp.example" }, []string{"URL"}, "ldaps:// or ldap://"},
		{"URL with a base DN path", func(c *Config) { c.URL = "ldaps://dc1.corp.example/DC=corp,DC=example" }, []string{"URL"}, "only scheme, host and port"},
		{"URL with credentials", func(c *Config) { c.URL = "ldaps://admin:pw@dc1.corp.example" }, []string{"URL"}, "must not contain a user name"},
		{"URL with a bad port", func(c *Config) { c.URL = "ldaps://dc1.corp.example:99999" }, []string{"URL"}, "between 1 and 65535"},
		{"URL without host", func(c *Config) { c.URL = "ldaps://" }, []string{"URL"}, "no host name"},
		{"missing CA file", func(c *Config) { c.CAFile = "/nonexistent/ca.pem" }, []string{"CAFile"}, "cannot read the CA file"},
		{"CA file without PEM", func(c *Config) { c.CAFile = notPEM }, []string{"CAFile"}, "no PEM certificate"},
		{"bad bind DN", func(c *Config) { c.BindDN = "portal-reader" }, []string{"BindDN"}, "not a valid DN"},
		{"empty bind password", func(c *Config) { c.BindPassword = "" }, []string{"BindPassword"}, "unauthenticated bind"},
		{"bad base DN", func(c *Config) { c.BaseDN = "corp.example" }, []string{"BaseDN"}, "not a valid DN"},
		{"unknown kind", func(c *Config) { c.Kind = "novell" }, []string{"Kind"}, "not a known kind"},
		{"filter without placeholder", func(c *Config) { c.UserFilter = "(uid=admin)" }, []string{"UserFilter"}, "must contain {username}"},
		{"filter that does not parse", func(c *Config) { c.UserFilter = "(uid={username}" }, []string{"UserFilter"}, "not valid LDAP filter syntax"},
		{"bad group DN", func(c *Config) { c.AdminGroupDN = "Portal Admins" }, []string{"AdminGroupDN"}, "not a valid DN"},
		{"OpenLDAP group outside base", func(c *Config) {
			c.Kind, c.BaseDN, c.AdminGroupDN = KindOpenLDAP, "ou=people,dc=example,dc=test", "cn=admins,ou=groups,dc=example,dc=test"
		}, []string{"AdminGroupDN"}, "must be inside the base DN"},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second }, []string{"Timeout"}, "cannot be negative"},
		{"tiny timeout", func(c *Config) { c.Timeout = time.Millisecond }, []string{"Timeout"}, "too short"},
		{"huge timeout", func(c *Config) { c.Timeout = time.Hour }, []string{"Timeout"}, "at most"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			tc.change(&c)
			err := c.Validate()
			fes := FieldErrors(err)
			var got []string
			for _, fe := range fes {
				got = append(got, fe.Field)
			}
			if !slices.Equal(got, tc.fields) {
				t.Fatalf("fields with errors = %v, want %v (err: %v)", got, tc.fields, err)
			}
			if tc.says != "" && !strings.Contains(fes[0].Message, tc.says) {
				t.Errorf("message %q does not say %q", fes[0].Message, tc.says)
			}
			if _, nerr := New(c); (nerr == nil) != (tc.fields == nil) {
				t.Errorf("New error = %v, want it to agree with Validate", nerr)
			}
		})
	}
}

func TestNewAppliesDefaults(t *testing.T) {
	c, err := New(validConfig())
	if err != nil {
		t.Fatal(err)
	}
	got := c.Config()
	if got.Timeout != DefaultTimeout || got.UserFilter != DefaultADFilter {
		t.Errorf("defaults: timeout %v, filter %q", got.Timeout, got.UserFilter)
	}
	if c.addr != "dc1.corp.example:636" || !c.ldaps || c.tls.ServerName != "dc1.corp.example" || c.tls.InsecureSkipVerify {
		t.Errorf("connection settings: addr %s ldaps %v server name %q skip verify %v", c.addr, c.ldaps, c.tls.ServerName, c.tls.InsecureSkipVerify)
	}

	o := validConfig()
	o.Kind, o.BaseDN, o.AdminGroupDN = KindOpenLDAP, "dc=example,dc=test", "cn=admins,dc=example,dc=test"
	o.URL, o.StartTLS = "ldap://ldap.example.test", true
	c, err = New(o)
	if err != nil {
		t.Fatal(err)
	}
	if c.Config().UserFilter != DefaultOpenLDAPFilter || c.addr != "ldap.example.test:389" || c.ldaps {
		t.Errorf("OpenLDAP defaults: filter %q addr %s ldaps %v", c.Config().UserFilter, c.addr, c.ldaps)
	}
}

func TestConfigLogValueHidesPassword(t *testing.T) {
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("settings", "directory", validConfig())
	if strings.Contains(buf.String(), "service-secret") {
		t.Fatalf("log holds the bind password: %s", buf.String())
	}
	if !strings.Contains(buf.String(), `"bind_password_set":true`) {
		t.Errorf("log should say a password is set: %s", buf.String())
	}
}
