// Package config reads Portico's settings from PORTICO_* environment
// variables (and a .env file in the working directory) into one typed Config,
// and validates it with messages that name the variable and say what to fix.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // zone names work on machines without a zone database
)

// Config is every setting Portico reads at start. Settings that admins change
// at run time (SMTP, session policy shown in the console) live in the portal
// database instead.
type Config struct {
	// Addr is the listen address of the HTTP server (PORTICO_ADDR).
	Addr string
	// BaseURL is the public address customers use; every link in an email is
	// built from it, never from the request's Host header (PORTICO_BASE_URL).
	BaseURL *url.URL
	// DataDir holds the SQLite portal database and, in demo mode, the
	// generated secret key (PORTICO_DATA_DIR).
	DataDir string
	// DatabaseURL selects the portal database: empty means a SQLite file in
	// DataDir, postgres:// or postgresql:// selects PostgreSQL, and sqlite:PATH
	// or file:PATH a SQLite file elsewhere (PORTICO_DATABASE_URL).
	DatabaseURL string
	// SecretKey signs form tokens and encrypts secrets stored in the database
	// (PORTICO_SECRET_KEY). Required for serve.
	SecretKey string
	// SessionIdle ends a customer session after this long without a request
	// (PORTICO_SESSION_IDLE).
	SessionIdle time.Duration
	// SessionAbsolute ends any customer session this long after sign-in,
	// whatever the activity (PORTICO_SESSION_ABSOLUTE).
	SessionAbsolute time.Duration
	// AdminSessionIdle is the idle timeout of admin sessions, shorter by
	// default because admins see every customer (PORTICO_ADMIN_SESSION_IDLE).
	AdminSessionIdle time.Duration
	// AdminSessionAbsolute is the absolute lifetime of admin sessions
	// (PORTICO_ADMIN_SESSION_ABSOLUTE).
	AdminSessionAbsolute time.Duration
	// TrustedProxies are the peers whose X-Forwarded-For and
	// CF-Connecting-IP headers are believed (PORTICO_TRUSTED_PROXIES).
	TrustedProxies []netip.Prefix
	// ClientIPHeader is the header trusted proxies put the client address
	// in: X-Forwarded-For (default) or a single-address header such as
	// CF-Connecting-IP (PORTICO_CLIENT_IP_HEADER).
	ClientIPHeader string
	// PasswordMinLength is the shortest password accepted, in characters
	// (PORTICO_PASSWORD_MIN_LENGTH).
	PasswordMinLength int
	// LoginMaxFailures failures within LoginWindow lock an account for
	// LoginLockout (PORTICO_LOGIN_MAX_FAILURES, _WINDOW, _LOCKOUT).
	LoginMaxFailures int
	LoginWindow      time.Duration
	LoginLockout     time.Duration
	// LoginMaxFailuresPerIP failed sign-ins from one client address within
	// LoginWindow refuse further attempts from it (PORTICO_LOGIN_MAX_FAILURES_PER_IP).
	LoginMaxFailuresPerIP int
	// AdminUsername and AdminPasswordHash describe the bootstrap admin that is
	// created or updated at every start (PORTICO_ADMIN_USERNAME,
	// PORTICO_ADMIN_PASSWORD_HASH).
	AdminUsername     string
	AdminPasswordHash string
	// BusinessName is shown in the header, page titles and emails
	// (PORTICO_BUSINESS_NAME).
	BusinessName string
	// LogFormat is "text" or "json" (PORTICO_LOG_FORMAT); LogLevel is
	// debug, info, warn or error (PORTICO_LOG_LEVEL).
	LogFormat string
	LogLevel  string
	// MaxBodyBytes caps every request body (PORTICO_MAX_BODY_BYTES).
	MaxBodyBytes int64
	// ConfigPath is the datasets file declaring sources and datasets
	// (PORTICO_CONFIG); empty means no customer data pages.
	ConfigPath string
	// DatasetMemory bounds the memory snapshots may use, in bytes
	// (PORTICO_DATASET_MEMORY_MB, in MiB).
	DatasetMemory int64
	// ShutdownTimeout is how long serve waits for requests in flight when it
	// is told to stop (PORTICO_SHUTDOWN_TIMEOUT).
	ShutdownTimeout time.Duration
	// InvitationTTL is how long an emailed invitation or admin-sent reset
	// link stays valid; ForgotTTL the same for a self-service reset link.
	InvitationTTL time.Duration
	ForgotTTL     time.Duration
	// TimeZone names the zone times are shown in (an IANA name); Location
	// is that zone, loaded by Parse. Everything is stored in UTC.
	TimeZone string
	Location *time.Location
	// EmailGiveUp is how long the outbox keeps retrying an email before
	// marking it failed.
	EmailGiveUp time.Duration
	// RequireAdminSecondFactor is whether admins must use a second factor
	// until the admin console's setting says otherwise ("portico demo"
	// turns it off so the published demo sign-in works).
	RequireAdminSecondFactor bool
	// Demo marks a server started by "portico demo": it relaxes nothing
	// security-related but shows the demo banner and credentials hint.
	Demo bool
	// LDAP is directory sign-in for admins from PORTICO_LDAP_*; settings
	// saved in the admin console take its place.
	LDAP LDAPConfig
}

// LDAPConfig is directory (Active Directory or OpenLDAP) sign-in for
// admins as the PORTICO_LDAP_* variables set it. An empty URL means the
// environment configures no directory. The values are checked where they
// are used (internal/auth/directory), so the admin console can show what
// is wrong with them next to each setting.
type LDAPConfig struct {
	URL          string        // PORTICO_LDAP_URL
	StartTLS     bool          // PORTICO_LDAP_START_TLS
	SkipVerify   bool          // PORTICO_LDAP_SKIP_VERIFY
	CAFile       string        // PORTICO_LDAP_CA_FILE
	BindDN       string        // PORTICO_LDAP_BIND_DN
	BindPassword string        // PORTICO_LDAP_BIND_PASSWORD
	BaseDN       string        // PORTICO_LDAP_BASE_DN
	UserFilter   string        // PORTICO_LDAP_USER_FILTER; empty: the default for Kind
	Kind         string        // PORTICO_LDAP_KIND: ad or openldap
	AdminGroup   string        // PORTICO_LDAP_ADMIN_GROUP
	Timeout      time.Duration // PORTICO_LDAP_TIMEOUT
	// Recheck is how often a directory admin's group membership is
	// checked again while their session lasts (PORTICO_LDAP_RECHECK).
	Recheck time.Duration
}

// Var describes one environment variable for the documentation and for
// "portico help config".
type Var struct {
	Name, Default, Help string
	Secret              bool
}

// Vars lists every variable Config reads, in the order docs/configuration.md
// shows them. A test keeps this list and the documentation in step.
var Vars = []Var{
	{"PORTICO_ADDR", ":5001", "Address the HTTP server listens on.", false},
	{"PORTICO_BASE_URL", "http://localhost:5001", "Public URL of the portal; every emailed link starts with it. https:// turns on Secure cookies, the __Host- prefix and HSTS.", false},
	{"PORTICO_DATA_DIR", "./portico-data", "Directory for the SQLite portal database.", false},
	{"PORTICO_DATABASE_URL", "(SQLite file portico.db in the data directory)", "postgres://user:pass@host/db selects PostgreSQL; sqlite:/path/file.db a SQLite file elsewhere.", true},
	{"PORTICO_SECRET_KEY", "(none; required by serve)", "At least 32 characters of random text. Signs form tokens and encrypts secrets stored in the database. Generate one with: openssl rand -base64 48", true},
	{"PORTICO_SESSION_IDLE", "30m", "A customer session ends after this long without a request.", false},
	{"PORTICO_SESSION_ABSOLUTE", "8h", "A customer session ends this long after sign-in.", false},
	{"PORTICO_ADMIN_SESSION_IDLE", "15m", "Idle timeout of admin sessions.", false},
	{"PORTICO_ADMIN_SESSION_ABSOLUTE", "8h", "Absolute lifetime of admin sessions.", false},
	{"PORTICO_TRUSTED_PROXIES", "(none)", "Comma-separated CIDRs or addresses of reverse proxies whose X-Forwarded-For / CF-Connecting-IP headers are trusted.", false},
	{"PORTICO_CLIENT_IP_HEADER", "X-Forwarded-For", "Header the trusted proxies put the client address in: X-Forwarded-For, or a single-address header such as CF-Connecting-IP or X-Real-IP.", false},
	{"PORTICO_PASSWORD_MIN_LENGTH", "15", "Shortest password accepted, in characters (8 to 64).", false},
	{"PORTICO_LOGIN_MAX_FAILURES", "10", "Failed sign-ins for one account within the window that lock it.", false},
	{"PORTICO_LOGIN_WINDOW", "15m", "Window in which failed sign-ins are counted.", false},
	{"PORTICO_LOGIN_LOCKOUT", "15m", "How long a locked account stays locked.", false},
	{"PORTICO_LOGIN_MAX_FAILURES_PER_IP", "50", "Failed sign-ins from one client address within the window before it is refused.", false},
	{"PORTICO_ADMIN_USERNAME", "(none)", "Bootstrap admin, created or updated at every start. Needs PORTICO_ADMIN_PASSWORD_HASH.", false},
	{"PORTICO_ADMIN_PASSWORD_HASH", "(none)", "Password hash of the bootstrap admin, from `portico hash-password`.", true},
	{"PORTICO_BUSINESS_NAME", "Portico", "Your business's name, shown in the header, titles and emails.", false},
	{"PORTICO_LOG_FORMAT", "text", "text or json.", false},
	{"PORTICO_LOG_LEVEL", "info", "debug, info, warn or error.", false},
	{"PORTICO_MAX_BODY_BYTES", "1048576", "Largest request body accepted, in bytes.", false},
	{"PORTICO_CONFIG", "(none)", "Path of the datasets file that declares ERP sources and datasets (see docs/datasets.md).", false},
	{"PORTICO_DATASET_MEMORY_MB", "512", "Memory budget for dataset snapshots, in MiB; the least recently used are dropped beyond it.", false},
	{"PORTICO_SHUTDOWN_TIMEOUT", "20s", "How long serve lets requests in flight finish when stopping.", false},
	{"PORTICO_INVITATION_TTL", "24h", "How long an invitation or an admin-sent reset link stays valid.", false},
	{"PORTICO_RESET_LINK_TTL", "30m", "How long a link from the forgot-password page stays valid.", false},
	{"PORTICO_SMTP_HOST", "(none)", "SMTP server for the portal's email; without one (and no settings saved in the admin console) emails stay queued in the outbox.", false},
	{"PORTICO_SMTP_PORT", "587", "SMTP port: usually 587 for STARTTLS, 465 for implicit TLS.", false},
	{"PORTICO_SMTP_SECURITY", "starttls", "none, starttls or tls (implicit TLS).", false},
	{"PORTICO_SMTP_USERNAME", "(none)", "SMTP sign-in name; empty for a relay that needs no sign-in.", false},
	{"PORTICO_SMTP_PASSWORD", "(none)", "SMTP password; needs starttls or tls.", true},
	{"PORTICO_SMTP_FROM", "(none)", "Sender of every email, e.g. Acme Portal <portal@acme.example>; required with a host.", false},
	{"PORTICO_SMTP_REPLY_TO", "(none)", "Optional Reply-To address.", false},
	{"PORTICO_SMTP_BCC", "(none)", "Optional address that gets a hidden copy of every email.", false},
	{"PORTICO_EMAIL_GIVE_UP_AFTER", "24h", "How long an email that cannot be delivered is retried before it is marked failed (1m to 720h).", false},
	{"PORTICO_TIMEZONE", "UTC", "Time zone pages show times in, as an IANA name such as Europe/Berlin.", false},
	{"PORTICO_REQUIRE_ADMIN_2FA", "true", "Whether every admin must sign in with a second factor (an authenticator app), until the admin console's security settings say otherwise. true or false.", false},
	{"PORTICO_LDAP_URL", "(none)", "Directory for admin sign-in: ldaps://dc1.corp.example:636, or ldap://host:389 with PORTICO_LDAP_START_TLS. Settings saved in the admin console take the place of every PORTICO_LDAP_* variable.", false},
	{"PORTICO_LDAP_START_TLS", "false", "Upgrade an ldap:// connection with StartTLS before anything is sent. true or false.", false},
	{"PORTICO_LDAP_SKIP_VERIFY", "false", "Turn off certificate verification (test setups only; prefer PORTICO_LDAP_CA_FILE). true or false.", false},
	{"PORTICO_LDAP_CA_FILE", "(none)", "PEM file of certificate authorities trusted for the directory, in addition to the system's.", false},
	{"PORTICO_LDAP_BIND_DN", "(none)", "DN of the read-only service account that searches for users and groups.", false},
	{"PORTICO_LDAP_BIND_PASSWORD", "(none)", "Password of the service account.", true},
	{"PORTICO_LDAP_BASE_DN", "(none)", "Where users (and, for OpenLDAP, groups) are searched, e.g. DC=corp,DC=example.", false},
	{"PORTICO_LDAP_USER_FILTER", "(per kind)", "Filter that finds the user; {username} is replaced by the escaped name typed.", false},
	{"PORTICO_LDAP_KIND", "(none)", "ad (Active Directory) or openldap.", false},
	{"PORTICO_LDAP_ADMIN_GROUP", "(none)", "DN of the group whose members (directly or through nested groups) are admins.", false},
	{"PORTICO_LDAP_TIMEOUT", "5s", "Bounds the connection and each directory operation (100ms to 1m).", false},
	{"PORTICO_LDAP_RECHECK", "15m", "How often a directory admin's group membership is checked again during a session (1m to 24h).", false},
}

// LegacyNames maps the original portal's .env keys to Portico's, so an
// operator can carry an old .env over; Load reads them when the Portico name
// is unset. SESSION_HOURS is a number of hours.
var LegacyNames = map[string]string{
	"SECRET_KEY":          "PORTICO_SECRET_KEY",
	"SESSION_HOURS":       "PORTICO_SESSION_ABSOLUTE",
	"ADMIN_USERNAME":      "PORTICO_ADMIN_USERNAME",
	"ADMIN_PASSWORD_HASH": "PORTICO_ADMIN_PASSWORD_HASH",
	"APP_BASE_URL":        "PORTICO_BASE_URL",
}

// Lookup reads one variable; tests pass a map instead of the environment.
type Lookup func(name string) (string, bool)

// Load reads the configuration from the process environment, after reading
// .env in the working directory (real environment variables win).
func Load() (Config, error) {
	env, err := ReadDotEnv(".env")
	if err != nil {
		return Config{}, err
	}
	return Parse(func(name string) (string, bool) {
		if v, ok := os.LookupEnv(name); ok {
			return v, true
		}
		v, ok := env[name]
		return v, ok
	})
}

// Parse builds a Config from look-ups, applying defaults. It reports every
// unparsable value at once; Validate checks the combination afterwards.
func Parse(get Lookup) (Config, error) {
	p := parser{get: get}
	c := Config{
		Addr:                     p.str("PORTICO_ADDR", ":5001"),
		DataDir:                  p.str("PORTICO_DATA_DIR", "portico-data"),
		DatabaseURL:              p.str("PORTICO_DATABASE_URL", ""),
		SecretKey:                p.str("PORTICO_SECRET_KEY", ""),
		SessionIdle:              p.dur("PORTICO_SESSION_IDLE", 30*time.Minute),
		SessionAbsolute:          p.dur("PORTICO_SESSION_ABSOLUTE", 8*time.Hour),
		AdminSessionIdle:         p.dur("PORTICO_ADMIN_SESSION_IDLE", 15*time.Minute),
		AdminSessionAbsolute:     p.dur("PORTICO_ADMIN_SESSION_ABSOLUTE", 8*time.Hour),
		PasswordMinLength:        p.int("PORTICO_PASSWORD_MIN_LENGTH", 15),
		ClientIPHeader:           p.str("PORTICO_CLIENT_IP_HEADER", "X-Forwarded-For"),
		LoginMaxFailures:         p.int("PORTICO_LOGIN_MAX_FAILURES", 10),
		LoginWindow:              p.dur("PORTICO_LOGIN_WINDOW", 15*time.Minute),
		LoginLockout:             p.dur("PORTICO_LOGIN_LOCKOUT", 15*time.Minute),
		LoginMaxFailuresPerIP:    p.int("PORTICO_LOGIN_MAX_FAILURES_PER_IP", 50),
		AdminUsername:            p.str("PORTICO_ADMIN_USERNAME", ""),
		AdminPasswordHash:        p.str("PORTICO_ADMIN_PASSWORD_HASH", ""),
		BusinessName:             p.str("PORTICO_BUSINESS_NAME", "Portico"),
		LogFormat:                p.str("PORTICO_LOG_FORMAT", "text"),
		LogLevel:                 p.str("PORTICO_LOG_LEVEL", "info"),
		MaxBodyBytes:             int64(p.int("PORTICO_MAX_BODY_BYTES", 1<<20)),
		ShutdownTimeout:          p.dur("PORTICO_SHUTDOWN_TIMEOUT", 20*time.Second),
		ConfigPath:               p.str("PORTICO_CONFIG", ""),
		DatasetMemory:            int64(p.int("PORTICO_DATASET_MEMORY_MB", 512)) << 20,
		InvitationTTL:            p.dur("PORTICO_INVITATION_TTL", 24*time.Hour),
		ForgotTTL:                p.dur("PORTICO_RESET_LINK_TTL", 30*time.Minute),
		TimeZone:                 p.str("PORTICO_TIMEZONE", "UTC"),
		RequireAdminSecondFactor: p.bool("PORTICO_REQUIRE_ADMIN_2FA", true),
		EmailGiveUp:              p.dur("PORTICO_EMAIL_GIVE_UP_AFTER", 24*time.Hour),
		LDAP: LDAPConfig{
			URL:        p.str("PORTICO_LDAP_URL", ""),
			StartTLS:   p.bool("PORTICO_LDAP_START_TLS", false),
			SkipVerify: p.bool("PORTICO_LDAP_SKIP_VERIFY", false),
			CAFile:     p.str("PORTICO_LDAP_CA_FILE", ""),
			BindDN:     p.str("PORTICO_LDAP_BIND_DN", ""),
			BaseDN:     p.str("PORTICO_LDAP_BASE_DN", ""),
			UserFilter: p.str("PORTICO_LDAP_USER_FILTER", ""),
			Kind:       strings.ToLower(p.str("PORTICO_LDAP_KIND", "")),
			AdminGroup: p.str("PORTICO_LDAP_ADMIN_GROUP", ""),
			Timeout:    p.dur("PORTICO_LDAP_TIMEOUT", 5*time.Second),
			Recheck:    p.dur("PORTICO_LDAP_RECHECK", 15*time.Minute),
		},
	}
	// The password is taken as given: spaces may be part of it.
	c.LDAP.BindPassword, _ = get("PORTICO_LDAP_BIND_PASSWORD")
	if _, ok := get("PORTICO_SESSION_ABSOLUTE"); !ok {
		if v, ok := get("SESSION_HOURS"); ok {
			h, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || h <= 0 {
				p.fail("SESSION_HOURS", "must be a positive number of hours, e.g. 8")
			} else {
				c.SessionAbsolute = time.Duration(h * float64(time.Hour))
			}
		}
	}
	if loc, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "" || c.TimeZone == "Local" {
		p.fail("PORTICO_TIMEZONE", "is not a time zone name: use an IANA name such as UTC, Europe/Berlin or America/Chicago")
		c.Location = time.UTC
	} else {
		c.Location = loc
	}
	base := p.str("PORTICO_BASE_URL", "http://localhost:5001")
	if u, err := url.Parse(strings.TrimRight(base, "/")); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.fail("PORTICO_BASE_URL", "must be an absolute http:// or https:// URL such as https://portal.example.com")
	} else if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		p.fail("PORTICO_BASE_URL", "must not carry a query, fragment or user name")
	} else {
		c.BaseURL = u
	}
	for _, s := range splitList(p.str("PORTICO_TRUSTED_PROXIES", "")) {
		pfx, err := parsePrefix(s)
		if err != nil {
			p.fail("PORTICO_TRUSTED_PROXIES", fmt.Sprintf("%q is not an IP address or CIDR such as 10.0.0.0/8", s))
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, pfx)
	}
	return c, p.err()
}

// Validate checks values and their combination. forServe adds the checks
// that only matter for a server that accepts sign-ins (the secret key).
func (c Config) Validate(forServe bool) error {
	var errs []error
	bad := func(name, msg string) { errs = append(errs, fmt.Errorf("%s %s", name, msg)) }
	if forServe {
		switch {
		case c.SecretKey == "":
			bad("PORTICO_SECRET_KEY", "is not set: set it to at least 32 random characters (openssl rand -base64 48), or run `portico demo` to try Portico without one")
		case len(c.SecretKey) < 32:
			bad("PORTICO_SECRET_KEY", fmt.Sprintf("is %d characters long: use at least 32 random characters (openssl rand -base64 48)", len(c.SecretKey)))
		}
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		bad("PORTICO_ADDR", fmt.Sprintf("%q is not host:port; use :5001 or 127.0.0.1:8080", c.Addr))
	}
	if c.SessionIdle < time.Minute || c.AdminSessionIdle < time.Minute {
		bad("PORTICO_SESSION_IDLE", "and PORTICO_ADMIN_SESSION_IDLE must be at least 1m")
	}
	if c.SessionAbsolute < c.SessionIdle {
		bad("PORTICO_SESSION_ABSOLUTE", "must be at least as long as PORTICO_SESSION_IDLE")
	}
	if c.AdminSessionAbsolute < c.AdminSessionIdle {
		bad("PORTICO_ADMIN_SESSION_ABSOLUTE", "must be at least as long as PORTICO_ADMIN_SESSION_IDLE")
	}
	if c.SessionAbsolute > 30*24*time.Hour || c.AdminSessionAbsolute > 30*24*time.Hour {
		bad("PORTICO_SESSION_ABSOLUTE", "and PORTICO_ADMIN_SESSION_ABSOLUTE must be at most 720h (30 days)")
	}
	if c.PasswordMinLength < 8 || c.PasswordMinLength > 64 {
		bad("PORTICO_PASSWORD_MIN_LENGTH", fmt.Sprintf("is %d: choose between 8 and 64 (15 is recommended)", c.PasswordMinLength))
	}
	if c.LoginMaxFailures < 1 || c.LoginMaxFailuresPerIP < 1 {
		bad("PORTICO_LOGIN_MAX_FAILURES", "and PORTICO_LOGIN_MAX_FAILURES_PER_IP must be at least 1")
	}
	if c.LoginWindow < time.Second || c.LoginLockout < time.Second {
		bad("PORTICO_LOGIN_WINDOW", "and PORTICO_LOGIN_LOCKOUT must be at least 1s")
	}
	if (c.AdminUsername == "") != (c.AdminPasswordHash == "") {
		bad("PORTICO_ADMIN_USERNAME", "and PORTICO_ADMIN_PASSWORD_HASH go together: set both (make the hash with `portico hash-password`) or neither")
	}
	if c.AdminPasswordHash != "" && !looksLikeHash(c.AdminPasswordHash) {
		bad("PORTICO_ADMIN_PASSWORD_HASH", "is not a password hash: make one with `portico hash-password` (a plain password is never accepted here)")
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		bad("PORTICO_LOG_FORMAT", fmt.Sprintf("is %q: use text or json", c.LogFormat))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("PORTICO_LOG_LEVEL", fmt.Sprintf("is %q: use debug, info, warn or error", c.LogLevel))
	}
	if c.DatasetMemory < 16<<20 {
		bad("PORTICO_DATASET_MEMORY_MB", "must be at least 16")
	}
	if c.InvitationTTL < time.Minute || c.InvitationTTL > 30*24*time.Hour {
		bad("PORTICO_INVITATION_TTL", "must be between 1m and 720h")
	}
	if c.ForgotTTL < time.Minute || c.ForgotTTL > 24*time.Hour {
		bad("PORTICO_RESET_LINK_TTL", "must be between 1m and 24h")
	}
	if c.EmailGiveUp < time.Minute || c.EmailGiveUp > 30*24*time.Hour {
		bad("PORTICO_EMAIL_GIVE_UP_AFTER", "must be between 1m and 720h")
	}
	if c.LDAP.Recheck < time.Minute || c.LDAP.Recheck > 24*time.Hour {
		bad("PORTICO_LDAP_RECHECK", "must be between 1m and 24h")
	}
	if c.MaxBodyBytes < 1024 {
		bad("PORTICO_MAX_BODY_BYTES", "must be at least 1024")
	}
	if d := c.DatabaseURL; d != "" && !strings.HasPrefix(d, "postgres://") && !strings.HasPrefix(d, "postgresql://") &&
		!strings.HasPrefix(d, "sqlite:") && !strings.HasPrefix(d, "file:") {
		bad("PORTICO_DATABASE_URL", "must start with postgres://, postgresql://, sqlite: or file:")
	}
	return errors.Join(errs...)
}

// HTTPS reports whether the public URL is https, which turns on Secure
// cookies with the __Host- prefix and HSTS.
func (c Config) HTTPS() bool { return c.BaseURL != nil && c.BaseURL.Scheme == "https" }

// SQLitePath is the portal database file when SQLite is used.
func (c Config) SQLitePath() string {
	switch {
	case strings.HasPrefix(c.DatabaseURL, "sqlite:"):
		return strings.TrimPrefix(strings.TrimPrefix(c.DatabaseURL, "sqlite:"), "//")
	case strings.HasPrefix(c.DatabaseURL, "file:"):
		return strings.TrimPrefix(c.DatabaseURL, "file:")
	}
	return filepath.Join(c.DataDir, "portico.db")
}

// UsesPostgres reports whether the portal database is PostgreSQL.
func (c Config) UsesPostgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

func looksLikeHash(s string) bool {
	return strings.HasPrefix(s, "$argon2id$") || strings.HasPrefix(s, "scrypt:") || strings.HasPrefix(s, "pbkdf2:")
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// parser collects errors so Parse reports every bad variable at once.
type parser struct {
	get  Lookup
	errs []error
}

func (p *parser) lookup(name string) (string, bool) {
	if v, ok := p.get(name); ok {
		return strings.TrimSpace(v), true
	}
	for legacy, modern := range LegacyNames {
		if modern == name && legacy != "SESSION_HOURS" {
			if v, ok := p.get(legacy); ok {
				return strings.TrimSpace(v), true
			}
		}
	}
	return "", false
}

func (p *parser) fail(name, msg string) { p.errs = append(p.errs, fmt.Errorf("%s %s", name, msg)) }

func (p *parser) err() error { return errors.Join(p.errs...) }

func (p *parser) str(name, def string) string {
	if v, ok := p.lookup(name); ok && v != "" {
		return v
	}
	return def
}

func (p *parser) int(name string, def int) int {
	v, ok := p.lookup(name)
	if !ok || v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		p.fail(name, fmt.Sprintf("is %q: it must be a whole number such as %d", v, def))
		return def
	}
	return n
}

func (p *parser) bool(name string, def bool) bool {
	v, ok := p.lookup(name)
	if !ok || v == "" {
		return def
	}
	switch strings.ToLower(v) {
	case "true", "yes", "on", "1":
		return true
	case "false", "no", "off", "0":
		return false
	}
	p.fail(name, fmt.Sprintf("is %q: it must be true or false", v))
	return def
}

func (p *parser) dur(name string, def time.Duration) time.Duration {
	v, ok := p.lookup(name)
	if !ok || v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		p.fail(name, fmt.Sprintf("is %q: it must be a positive duration such as 30m, 8h or 90s", v))
		return def
	}
	return d
}
