package directory

import (
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Kinds of directory server. The kind picks the default user filter, the
// attribute that holds the stable user id, and how group membership is
// checked.
const (
	KindAD       = "ad"       // Microsoft Active Directory (also Samba AD)
	KindOpenLDAP = "openldap" // OpenLDAP and other servers with entryUUID and groupOfNames
)

// Defaults applied by New when a field is left empty.
const (
	// DefaultTimeout bounds the dial, the TLS handshake and each operation.
	// Five seconds is long for a healthy directory on the same network and
	// short enough that a sign-in page does not hang when it is down.
	DefaultTimeout = 5 * time.Second

	// DefaultADFilter finds a person by sAMAccountName or userPrincipalName
	// and leaves out disabled accounts (userAccountControl bit 2,
	// ACCOUNTDISABLE, tested with the bitwise-AND matching rule).
	DefaultADFilter = "(&(objectCategory=person)(objectClass=user)(|(sAMAccountName={username})(userPrincipalName={username}))(!(userAccountControl:1.2.840.113556.1.4.803:=2)))"

	// DefaultOpenLDAPFilter finds an inetOrgPerson by uid or mail.
	DefaultOpenLDAPFilter = "(&(objectClass=inetOrgPerson)(|(uid={username})(mail={username})))"

	// UsernamePlaceholder marks where the escaped username goes in UserFilter.
	UsernamePlaceholder = "{username}"

	maxTimeout = time.Minute
)

// Config says how to reach the directory and who counts as an admin. The
// zero value is not usable; see Validate for what each field needs.
type Config struct {
	// URL is ldap://host:389 or ldaps://host:636 (the port defaults to those).
	URL string
	// StartTLS upgrades an ldap:// connection to TLS before anything is sent.
	// It is refused with ldaps://, which is encrypted from the start.
	StartTLS bool
	// SkipVerify turns off certificate verification. Anyone on the network
	// path can then impersonate the directory and collect the passwords of
	// everyone who signs in; it exists only to get a test setup going, and
	// should be audited when switched on. Prefer CAFile.
	SkipVerify bool
	// CAFile is a PEM bundle of certificate authorities trusted in addition
	// to the system's, for directories with an internal CA.
	CAFile string
	// BindDN and BindPassword are the service account that searches for
	// users and groups. It only needs read access.
	BindDN, BindPassword string
	// BaseDN is where users (and, for OpenLDAP, groups) are searched.
	BaseDN string
	// UserFilter finds the user; {username} is replaced by the escaped
	// username. Empty means the default for Kind (DefaultADFilter or
	// DefaultOpenLDAPFilter).
	UserFilter string
	// Kind is KindAD or KindOpenLDAP.
	Kind string
	// AdminGroupDN is the group whose members, direct or through nested
	// groups, may sign in to the admin console.
	AdminGroupDN string
	// Timeout bounds the dial, the TLS handshake and each LDAP operation.
	// Zero means DefaultTimeout; at most one minute.
	Timeout time.Duration
}

// FieldError says which Config field is wrong and what to do about it. The
// Message is written for the admin filling in the settings form.
type FieldError struct {
	Field   string // the Config field name, e.g. "BaseDN"
	Message string
}

// Error returns "Field: Message".
func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// FieldErrors returns every *FieldError inside err (Validate joins them), so
// a form can show each message next to its field.
func FieldErrors(err error) []*FieldError {
	var out []*FieldError
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if fe, ok := err.(*FieldError); ok {
			out = append(out, fe)
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

// Validate checks every field and returns all problems at once, joined (see
// FieldErrors), or nil. It reads CAFile, so a path the server cannot read is
// reported here rather than at the first sign-in.
func (c Config) Validate() error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}

	u, hostErr := parseURL(c.URL)
	if hostErr != "" {
		add("URL", "%s", hostErr)
	}
	if u != nil && u.Scheme == "ldaps" && c.StartTLS {
		add("StartTLS", "StartTLS is only for ldap:// URLs; an ldaps:// connection is encrypted from the start, so turn StartTLS off")
	}
	if u != nil && u.Scheme == "ldap" && !c.StartTLS && !isLoopback(u.Hostname()) {
		add("StartTLS", "passwords would cross the network unencrypted: use an ldaps:// URL (port 636) or turn on StartTLS")
	}

	if c.CAFile != "" {
		if msg := checkCAFile(c.CAFile); msg != "" {
			add("CAFile", "%s", msg)
		}
	}

	if strings.TrimSpace(c.BindDN) == "" {
		add("BindDN", "enter the DN of the service account that searches for users, e.g. CN=portal-reader,OU=Service Accounts,DC=corp,DC=example")
	} else if _, err := ldap.ParseDN(c.BindDN); err != nil {
		add("BindDN", "%q is not a valid DN: %v", c.BindDN, err)
	}
	if c.BindPassword == "" {
		// An empty password would make the service bind an unauthenticated
		// bind, which many servers accept without checking anything.
		add("BindPassword", "enter the service account's password (an empty password would be an unauthenticated bind)")
	}

	if strings.TrimSpace(c.BaseDN) == "" {
		add("BaseDN", "enter the DN under which users are searched, e.g. DC=corp,DC=example")
	} else if _, err := ldap.ParseDN(c.BaseDN); err != nil {
		add("BaseDN", "%q is not a valid DN: %v", c.BaseDN, err)
	}

	switch c.Kind {
	case KindAD, KindOpenLDAP:
	case "":
		add("Kind", "choose the kind of directory: %q (Active Directory) or %q", KindAD, KindOpenLDAP)
	default:
		add("Kind", "%q is not a known kind; use %q (Active Directory) or %q", c.Kind, KindAD, KindOpenLDAP)
	}

	if c.UserFilter != "" {
		if msg := checkUserFilter(c.UserFilter); msg != "" {
			add("UserFilter", "%s", msg)
		}
	}

	if strings.TrimSpace(c.AdminGroupDN) == "" {
		add("AdminGroupDN", "enter the DN of the group whose members may use the admin console")
	} else if group, err := ldap.ParseDN(c.AdminGroupDN); err != nil {
		add("AdminGroupDN", "%q is not a valid DN: %v", c.AdminGroupDN, err)
	} else if c.Kind == KindOpenLDAP {
		// Nested groups are found by searching under BaseDN (see
		// membership.go), so a group outside it could never be reached and
		// nobody would ever be an admin.
		if base, err := ldap.ParseDN(c.BaseDN); err == nil && !base.AncestorOfFold(group) {
			add("AdminGroupDN", "the admin group must be inside the base DN %q, because groups are searched there; use a base DN that holds both users and groups", c.BaseDN)
		}
	}

	switch {
	case c.Timeout < 0:
		add("Timeout", "the timeout cannot be negative; leave it empty for %s", DefaultTimeout)
	case c.Timeout > 0 && c.Timeout < 100*time.Millisecond:
		add("Timeout", "%s is too short for any network round trip; use at least 100ms (default %s)", c.Timeout, DefaultTimeout)
	case c.Timeout > maxTimeout:
		add("Timeout", "%s would leave the sign-in page hanging; use at most %s (default %s)", c.Timeout, maxTimeout, DefaultTimeout)
	}

	return errors.Join(errs...)
}

// LogValue leaves BindPassword out, so logging a Config never leaks it.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("url", c.URL),
		slog.Bool("start_tls", c.StartTLS),
		slog.Bool("skip_verify", c.SkipVerify),
		slog.String("ca_file", c.CAFile),
		slog.String("bind_dn", c.BindDN),
		slog.Bool("bind_password_set", c.BindPassword != ""),
		slog.String("base_dn", c.BaseDN),
		slog.String("user_filter", c.UserFilter),
		slog.String("kind", c.Kind),
		slog.String("admin_group_dn", c.AdminGroupDN),
		slog.Duration("timeout", c.Timeout),
	)
}

// withDefaults fills in the defaults documented on each field.
func (c Config) withDefaults() Config {
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.UserFilter == "" {
		c.UserFilter = profileFor(c.Kind).defaultFilter
	}
	return c
}

// parseURL returns the URL, or a message saying what is wrong with it.
func parseURL(raw string) (*url.URL, string) {
	if strings.TrimSpace(raw) == "" {
		return nil, "enter the directory's address, e.g. ldaps://dc1.corp.example:636"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Sprintf("%q is not a valid URL: %v", raw, err)
	}
	if u.Scheme != "ldap" && u.Scheme != "ldaps" {
		return nil, fmt.Sprintf("the URL must start with ldaps:// or ldap:// (got %q)", raw)
	}
	if u.User != nil {
		return nil, "the URL must not contain a user name or password; use the bind DN and password fields"
	}
	if u.Hostname() == "" {
		return nil, fmt.Sprintf("the URL %q has no host name", raw)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, "the URL must be only scheme, host and port (e.g. ldaps://dc1.corp.example:636); put the base DN in its own field"
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Sprintf("port %q is not a number between 1 and 65535", p)
		}
	}
	return u, ""
}

// hostPort is the address to dial, with the scheme's default port.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "389"
		if u.Scheme == "ldaps" {
			port = "636"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// isLoopback reports whether host never leaves this machine. Plain LDAP to
// it exposes nothing on the network, so Validate allows it without TLS (a
// local directory, a TLS tunnel, or the test server).
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func checkCAFile(path string) string {
	pem, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("cannot read the CA file: %v", err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(pem) {
		return fmt.Sprintf("%s holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)", path)
	}
	return ""
}

func checkUserFilter(f string) string {
	if !strings.Contains(f, UsernamePlaceholder) {
		return "the filter must contain {username} where the typed name goes, e.g. (&(objectClass=inetOrgPerson)(uid={username}))"
	}
	if _, err := ldap.CompileFilter(buildUserFilter(f, "x")); err != nil {
		return fmt.Sprintf("the filter is not valid LDAP filter syntax: %v", err)
	}
	return ""
}
