package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func lookup(m map[string]string) Lookup {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaults(t *testing.T) {
	c, err := Parse(lookup(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":5001" || c.BaseURL.String() != "http://localhost:5001" || c.SessionIdle != 30*time.Minute ||
		c.SessionAbsolute != 8*time.Hour || c.AdminSessionIdle != 15*time.Minute || c.PasswordMinLength != 15 ||
		c.LoginMaxFailures != 10 || c.LoginLockout != 15*time.Minute || c.HTTPS() || c.UsesPostgres() {
		t.Errorf("defaults = %+v", c)
	}
	if got := c.SQLitePath(); got != filepath.Join("portico-data", "portico.db") {
		t.Errorf("SQLitePath = %q", got)
	}
	if err := c.Validate(false); err != nil {
		t.Errorf("defaults invalid without serve: %v", err)
	}
	if err := c.Validate(true); err == nil || !strings.Contains(err.Error(), "PORTICO_SECRET_KEY") {
		t.Errorf("serve without a secret key: %v", err)
	}
}

func TestParseErrorsNameTheVariable(t *testing.T) {
	cases := map[string]map[string]string{
		"PORTICO_SESSION_IDLE":        {"PORTICO_SESSION_IDLE": "thirty"},
		"PORTICO_PASSWORD_MIN_LENGTH": {"PORTICO_PASSWORD_MIN_LENGTH": "many"},
		"PORTICO_BASE_URL":            {"PORTICO_BASE_URL": "portal.example.com"},
		"PORTICO_TRUSTED_PROXIES":     {"PORTICO_TRUSTED_PROXIES": "10.0.0.0/8, banana"},
		"SESSION_HOURS":               {"SESSION_HOURS": "-2"},
	}
	for name, env := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(lookup(env))
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("err = %v, want one naming %s", err, name)
			}
		})
	}
}

func TestValidateNamesTheVariable(t *testing.T) {
	base := map[string]string{"PORTICO_SECRET_KEY": strings.Repeat("k", 40)}
	cases := map[string]map[string]string{
		"PORTICO_SECRET_KEY":          {"PORTICO_SECRET_KEY": "short"},
		"PORTICO_PASSWORD_MIN_LENGTH": {"PORTICO_PASSWORD_MIN_LENGTH": "6"},
		"PORTICO_ADMIN_PASSWORD_HASH": {"PORTICO_ADMIN_USERNAME": "ops", "PORTICO_ADMIN_PASSWORD_HASH": "hunter2hunter2"},
		"PORTICO_ADMIN_USERNAME":      {"PORTICO_ADMIN_USERNAME": "ops"},
		"PORTICO_SESSION_ABSOLUTE":    {"PORTICO_SESSION_ABSOLUTE": "10m"},
		"PORTICO_LOG_FORMAT":          {"PORTICO_LOG_FORMAT": "xml"},
		"PORTICO_DATABASE_URL":        {"PORTICO_DATABASE_URL": "mysql://x"},
		"PORTICO_ADDR":                {"PORTICO_ADDR": "5001"},
	}
	for name, env := range cases {
		t.Run(name, func(t *testing.T) {
			m := map[string]string{}
			for k, v := range base {
				m[k] = v
			}
			for k, v := range env {
				m[k] = v
			}
			c, err := Parse(lookup(m))
			if err != nil {
				t.Fatal(err)
			}
			err = c.Validate(true)
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("err = %v, want one naming %s", err, name)
			}
			if strings.Contains(fmtErr(err), "hunter2hunter2") {
				t.Error("error message repeats a secret")
			}
		})
	}
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestLegacyNames(t *testing.T) {
	c, err := Parse(lookup(map[string]string{
		"SECRET_KEY": strings.Repeat("s", 40), "SESSION_HOURS": "4", "ADMIN_USERNAME": "cp_admin",
		"ADMIN_PASSWORD_HASH": "pbkdf2:sha256:600000$abc$def", "APP_BASE_URL": "https://portal.example.com/",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.SecretKey != strings.Repeat("s", 40) || c.SessionAbsolute != 4*time.Hour || c.AdminUsername != "cp_admin" ||
		c.BaseURL.String() != "https://portal.example.com" || !c.HTTPS() {
		t.Errorf("legacy names not mapped: %+v", c)
	}
	// The Portico name wins over the legacy one.
	c, _ = Parse(lookup(map[string]string{"SESSION_HOURS": "4", "PORTICO_SESSION_ABSOLUTE": "2h"}))
	if c.SessionAbsolute != 2*time.Hour {
		t.Errorf("SessionAbsolute = %v, want 2h", c.SessionAbsolute)
	}
}

func TestDotEnv(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, ".env")
	os.WriteFile(p, []byte("# comment\nexport PORTICO_ADDR=:6000\nPORTICO_BUSINESS_NAME=\"Acme & Co\" \nPORTICO_LOG_LEVEL=debug # note\n\nX='quoted # not comment'\n"), 0o600)
	m, err := ReadDotEnv(p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"PORTICO_ADDR": ":6000", "PORTICO_BUSINESS_NAME": "Acme & Co", "PORTICO_LOG_LEVEL": "debug", "X": "quoted # not comment"}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %q, want %q", k, m[k], v)
		}
	}
	if _, err := ReadDotEnv(filepath.Join(dir, "missing")); err != nil {
		t.Errorf("missing .env: %v", err)
	}
	os.WriteFile(p, []byte("NOT A LINE\n"), 0o600)
	if _, err := ReadDotEnv(p); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("bad line: %v", err)
	}
}

// TestEveryVariableIsDocumented keeps docs/configuration.md in step with Vars.
func TestEveryVariableIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range Vars {
		if !strings.Contains(string(doc), "`"+v.Name+"`") {
			t.Errorf("%s is not in docs/configuration.md", v.Name)
		}
	}
	for legacy := range LegacyNames {
		if !strings.Contains(string(doc), "`"+legacy+"`") {
			t.Errorf("legacy name %s is not in docs/configuration.md", legacy)
		}
	}
}

func TestTimeZoneAndLinkLifetimes(t *testing.T) {
	c, err := Parse(lookup(map[string]string{"PORTICO_TIMEZONE": "Europe/Berlin"}))
	if err != nil || c.Location.String() != "Europe/Berlin" || c.InvitationTTL != 24*time.Hour || c.ForgotTTL != 30*time.Minute {
		t.Fatalf("zone %v, invitation %v, forgot %v, err %v", c.Location, c.InvitationTTL, c.ForgotTTL, err)
	}
	for _, bad := range []string{"Mars/Olympus", "Local", "../../etc/passwd"} {
		if _, err := Parse(lookup(map[string]string{"PORTICO_TIMEZONE": bad})); err == nil || !strings.Contains(err.Error(), "PORTICO_TIMEZONE") {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
	c, _ = Parse(lookup(map[string]string{"PORTICO_SECRET_KEY": strings.Repeat("k", 40), "PORTICO_INVITATION_TTL": "2000h"}))
	if err := c.Validate(true); err == nil || !strings.Contains(err.Error(), "PORTICO_INVITATION_TTL") {
		t.Errorf("2000h invitations: %v", err)
	}
}
