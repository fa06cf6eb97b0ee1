// Package mail delivers the portal's transactional email: it composes the
// messages, keeps the SMTP settings (database first, environment second),
// and runs the outbox sender that delivers queued rows with retries.
package mail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/secretbox"
	"github.com/portico-dev/portico/internal/store"
)

// Security modes for the SMTP connection.
const (
	SecurityNone     = "none"
	SecurityStartTLS = "starttls"
	SecurityTLS      = "tls"
)

// SettingKey is the settings row holding the SMTP settings as JSON.
const SettingKey = "smtp"

// Settings say how to reach the SMTP server and what to put in the
// envelope. The zero value means "not configured".
type Settings struct {
	Host     string
	Port     int
	Security string // SecurityNone, SecurityStartTLS or SecurityTLS
	Username string
	Password string
	From     string
	ReplyTo  string
	BCC      string
}

// String describes the settings with the password masked, so a settings
// value that reaches a log or an error message does not reveal it.
func (s Settings) String() string {
	pw := ""
	if s.Password != "" {
		pw = "[set]"
	}
	return fmt.Sprintf("{Host:%s Port:%d Security:%s Username:%s Password:%s From:%s ReplyTo:%s BCC:%s}",
		s.Host, s.Port, s.Security, s.Username, pw, s.From, s.ReplyTo, s.BCC)
}

// GoString masks the password for %#v as well.
func (s Settings) GoString() string { return "mail.Settings" + s.String() }

// LogValue masks the password for log/slog.
func (s Settings) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Configured reports whether a server is set; without one the outbox keeps
// mail queued (demo mode) instead of failing it.
func (s Settings) Configured() bool { return strings.TrimSpace(s.Host) != "" }

// Validate checks the settings and says, in words an admin can act on, what
// to fix. Empty settings are valid: they mean "no SMTP".
func (s Settings) Validate() error {
	var errs []error
	if s.Host != "" && (strings.ContainsAny(s.Host, " \t\r\n/:@") || strings.HasPrefix(s.Host, "-")) {
		errs = append(errs, errors.New("Host must be a plain host name or IP address, such as smtp.example.com (no scheme, port or spaces)"))
	}
	if s.Host != "" && (s.Port < 1 || s.Port > 65535) {
		errs = append(errs, errors.New("Port must be between 1 and 65535 (usually 587 for STARTTLS or 465 for TLS)"))
	}
	switch s.Security {
	case SecurityNone, SecurityStartTLS, SecurityTLS:
	case "":
		if s.Host != "" {
			errs = append(errs, errors.New("Security must be one of none, starttls or tls"))
		}
	default:
		errs = append(errs, fmt.Errorf("Security must be one of none, starttls or tls, not %q", s.Security))
	}
	if s.Security == SecurityNone && (s.Username != "" || s.Password != "") {
		// Signing in over plain text would send the password in clear.
		errs = append(errs, errors.New("A username and password need an encrypted connection: choose STARTTLS or TLS, or leave them empty for a relay that needs no sign-in"))
	}
	if s.Password != "" && s.Username == "" {
		errs = append(errs, errors.New("A password was given without a username"))
	}
	if strings.ContainsAny(s.Username, "\r\n") || strings.ContainsAny(s.Password, "\r\n") {
		errs = append(errs, errors.New("Username and password must not contain line breaks"))
	}
	if s.Host != "" && strings.TrimSpace(s.From) == "" {
		errs = append(errs, errors.New("From is required when a host is set, e.g. Portal <portal@example.com>"))
	}
	for _, f := range []struct{ name, v string }{{"From", s.From}, {"Reply-To", s.ReplyTo}, {"BCC", s.BCC}} {
		if f.v == "" {
			continue
		}
		if err := checkAddress(f.v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.name, err))
		}
	}
	return errors.Join(errs...)
}

// checkAddress accepts one RFC 5322 address, with or without a display
// name, and refuses line breaks, which would let a value add headers.
func checkAddress(v string) error {
	if strings.ContainsAny(v, "\r\n") {
		return errors.New("the address must not contain line breaks")
	}
	a, err := mail.ParseAddress(v)
	if err != nil {
		return fmt.Errorf("%q is not a valid email address (expected name@example.com or Name <name@example.com>)", v)
	}
	if strings.ContainsAny(a.Name, "\r\n") {
		return errors.New("the display name must not contain line breaks")
	}
	return nil
}

// Environment variables read by SettingsFromEnv.
const (
	EnvHost     = "PORTICO_SMTP_HOST"
	EnvPort     = "PORTICO_SMTP_PORT"
	EnvSecurity = "PORTICO_SMTP_SECURITY"
	EnvUsername = "PORTICO_SMTP_USERNAME"
	EnvPassword = "PORTICO_SMTP_PASSWORD"
	EnvFrom     = "PORTICO_SMTP_FROM"
	EnvReplyTo  = "PORTICO_SMTP_REPLY_TO"
	EnvBCC      = "PORTICO_SMTP_BCC"
)

// SettingsFromEnv reads PORTICO_SMTP_*; port defaults to 587 and security to
// starttls. An unparsable port is kept as 0 so Validate reports it.
func SettingsFromEnv(lookup func(string) (string, bool)) Settings {
	get := func(k string) string {
		v, _ := lookup(k)
		return strings.TrimSpace(v)
	}
	s := Settings{
		Host:     get(EnvHost),
		Port:     587,
		Security: SecurityStartTLS,
		Username: get(EnvUsername),
		From:     get(EnvFrom),
		ReplyTo:  get(EnvReplyTo),
		BCC:      get(EnvBCC),
	}
	// The password is taken as given: spaces may be part of it.
	s.Password, _ = lookup(EnvPassword)
	if v := get(EnvPort); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil {
			p = 0
		}
		s.Port = p
	}
	if v := get(EnvSecurity); v != "" {
		s.Security = strings.ToLower(v)
	}
	return s
}

// stored is the JSON kept under SettingKey. The password is not in it: it
// is sealed under PasswordKey, a row of its own, so that saving the form
// with the password left empty can keep it without reading it back.
type stored struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Security string `json:"security"`
	Username string `json:"username"`
	From     string `json:"from"`
	ReplyTo  string `json:"reply_to"`
	BCC      string `json:"bcc"`
}

// PasswordKey is the settings row holding the SMTP password sealed with
// secretbox ("v1:..."), or empty when no password is set.
const PasswordKey = "smtp.password"

// LoadSettings returns the settings to send with: the database rows when an
// admin has saved them, otherwise env. Callers read it on every use, so a
// change applies on every instance without a restart. The result holds the
// plaintext password: use it for sending only, never for display (use
// SettingsForDisplay for the form).
func LoadSettings(ctx context.Context, st *store.Store, box *secretbox.Box, env Settings) (Settings, error) {
	raw, err := st.Setting(ctx, SettingKey)
	if errors.Is(err, store.ErrNotFound) {
		return env, nil
	}
	if err != nil {
		return Settings{}, err
	}
	var v stored
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return Settings{}, fmt.Errorf("mail: stored SMTP settings are unreadable: %w", err)
	}
	s := Settings{Host: v.Host, Port: v.Port, Security: v.Security, Username: v.Username, From: v.From, ReplyTo: v.ReplyTo, BCC: v.BCC}
	sealed, err := st.Setting(ctx, PasswordKey)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Settings{}, err
	}
	if sealed != "" {
		if s.Password, err = box.Open(sealed); err != nil {
			return Settings{}, fmt.Errorf("mail: the stored SMTP password cannot be decrypted (was the secret key changed?); enter the password again in the email settings")
		}
	}
	return s, nil
}

// SettingsForDisplay is LoadSettings without the password, for the settings
// form; hasPassword says whether one is set, so the form can say so without
// ever showing it.
func SettingsForDisplay(ctx context.Context, st *store.Store, box *secretbox.Box, env Settings) (s Settings, hasPassword bool, err error) {
	s, err = LoadSettings(ctx, st, box, env)
	hasPassword = s.Password != ""
	s.Password = ""
	return s, hasPassword, err
}

// SaveSettings validates s and stores it in tx, the password sealed. With
// keepPassword, an empty s.Password leaves the stored password as it is,
// because the form never sends the password back (a write-only field);
// without it, an empty password removes the stored one.
func SaveSettings(ctx context.Context, tx *store.Tx, box *secretbox.Box, s Settings, keepPassword bool, by string, at time.Time) error {
	s.Host, s.From, s.ReplyTo, s.BCC = strings.TrimSpace(s.Host), strings.TrimSpace(s.From), strings.TrimSpace(s.ReplyTo), strings.TrimSpace(s.BCC)
	keep := keepPassword && s.Password == ""
	check := s
	if keep && check.Username != "" {
		// Validate wants a password with a username; the kept one counts.
		check.Password = "kept"
	}
	if err := check.Validate(); err != nil {
		return err
	}
	b, err := json.Marshal(stored{Host: s.Host, Port: s.Port, Security: s.Security, Username: s.Username, From: s.From, ReplyTo: s.ReplyTo, BCC: s.BCC})
	if err != nil {
		return err
	}
	if err := tx.SetSetting(ctx, SettingKey, string(b), by, at); err != nil {
		return err
	}
	if keep {
		return nil
	}
	sealed := ""
	if s.Password != "" {
		if sealed, err = box.Seal(s.Password); err != nil {
			return err
		}
	}
	return tx.SetSetting(ctx, PasswordKey, sealed, by, at)
}
