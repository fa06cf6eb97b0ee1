package mail

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/portico-dev/portico/internal/secretbox"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

func TestSettingsFromEnv(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want Settings
	}{
		{"empty", nil, Settings{Port: 587, Security: SecurityStartTLS}},
		{"all", map[string]string{
			EnvHost: " smtp.example.com ", EnvPort: "465", EnvSecurity: "TLS", EnvUsername: "u",
			EnvPassword: " p w ", EnvFrom: "Portal <p@example.com>", EnvReplyTo: "r@example.com", EnvBCC: "b@example.com",
		}, Settings{Host: "smtp.example.com", Port: 465, Security: SecurityTLS, Username: "u", Password: " p w ",
			From: "Portal <p@example.com>", ReplyTo: "r@example.com", BCC: "b@example.com"}},
		{"bad port", map[string]string{EnvHost: "h", EnvPort: "x"}, Settings{Host: "h", Port: 0, Security: SecurityStartTLS}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SettingsFromEnv(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	ok := Settings{Host: "smtp.example.com", Port: 587, Security: SecurityStartTLS, Username: "u", Password: "p", From: "Portal <p@example.com>"}
	tests := []struct {
		name    string
		mutate  func(*Settings)
		wantErr string
	}{
		{"valid", func(*Settings) {}, ""},
		{"not configured", func(s *Settings) { *s = Settings{} }, ""},
		{"from required", func(s *Settings) { s.From = "" }, "From is required"},
		{"CRLF in from", func(s *Settings) { s.From = "p@example.com\r\nBcc: x@evil.example" }, "line breaks"},
		{"LF in reply-to", func(s *Settings) { s.ReplyTo = "Name\n <r@example.com>" }, "line breaks"},
		{"CR in bcc", func(s *Settings) { s.BCC = "b@example.com\r" }, "line breaks"},
		{"bad from", func(s *Settings) { s.From = "not an address" }, "not a valid email address"},
		{"port", func(s *Settings) { s.Port = 0 }, "Port must be between"},
		{"security", func(s *Settings) { s.Security = "ssl" }, "Security must be one of"},
		{"host with scheme", func(s *Settings) { s.Host = "smtp://smtp.example.com" }, "plain host name"},
		{"password in clear", func(s *Settings) { s.Security = SecurityNone }, "encrypted connection"},
		{"password without user", func(s *Settings) { s.Username = "" }, "without a username"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok
			tt.mutate(&s)
			err := s.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestStoredSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		box := secretbox.New("portal secret key")
		env := Settings{Host: "env.example.com", Port: 25, Security: SecurityNone, From: "env@example.com"}

		got, err := LoadSettings(ctx, st, box, env)
		if err != nil || got != env {
			t.Fatalf("with nothing stored: %+v, %v; want env", got, err)
		}

		const password = "Very-Secret-SMTP-Password-42"
		db := Settings{Host: "smtp.example.com", Port: 465, Security: SecurityTLS, Username: "portal", Password: password,
			From: "Portal <portal@example.com>", ReplyTo: "help@example.com", BCC: "archive@example.com"}
		save := func(s Settings, keep bool) error {
			return st.InTx(ctx, func(tx *store.Tx) error { return SaveSettings(ctx, tx, box, s, keep, "admin@example.com", t0) })
		}
		if err := save(db, false); err != nil {
			t.Fatal(err)
		}
		if got, err = LoadSettings(ctx, st, box, env); err != nil || got != db {
			t.Fatalf("database settings should win over env: %+v, %v", got, err)
		}

		// The password is sealed at rest: no raw value holds it.
		rows, err := st.DB().QueryContext(ctx, `SELECT key, value FROM settings`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var k, v string
			rows.Scan(&k, &v)
			if strings.Contains(v, password) || strings.Contains(v, "Very-Secret") {
				t.Fatalf("setting %s holds the password in clear: %s", k, v)
			}
			if k == PasswordKey && !strings.HasPrefix(v, "v1:") {
				t.Fatalf("password row %q is not sealed", v)
			}
		}
		rows.Close()

		// The form gets no password back, only the fact that one is set.
		shown, has, err := SettingsForDisplay(ctx, st, box, env)
		if err != nil || shown.Password != "" || !has || shown.Host != db.Host {
			t.Fatalf("display settings = %+v, has=%v, %v", shown, has, err)
		}

		// Saving the form with the password left empty keeps it.
		edit := db
		edit.Password, edit.From = "", "Portal <noreply@example.com>"
		if err := save(edit, true); err != nil {
			t.Fatal(err)
		}
		if got, _ = LoadSettings(ctx, st, box, env); got.Password != password || got.From != edit.From {
			t.Fatalf("after a save keeping the password: %+v", got)
		}

		// A different secret key cannot open it, and says what to do.
		if _, err := LoadSettings(ctx, st, secretbox.New("another key"), env); err == nil || !strings.Contains(err.Error(), "enter the password again") {
			t.Fatalf("wrong key: %v", err)
		}

		// Without keepPassword an empty password clears it.
		edit.Username = ""
		if err := save(edit, false); err != nil {
			t.Fatal(err)
		}
		if got, _ = LoadSettings(ctx, st, box, env); got.Password != "" {
			t.Fatalf("password not cleared")
		}

		// Invalid settings are refused and nothing changes.
		bad := db
		bad.From = "x@example.com\r\nBcc: evil@example.com"
		if err := save(bad, false); err == nil {
			t.Fatal("header injection in From was stored")
		}
		if got, _ = LoadSettings(ctx, st, box, env); got.From != edit.From {
			t.Fatalf("a refused save changed the settings: %+v", got)
		}
	})
}

func TestSettingsPrintMasksPassword(t *testing.T) {
	s := Settings{Host: "h", Port: 587, Security: SecurityStartTLS, Username: "u", Password: "Very-Secret-SMTP-Password-42", From: "f@example.com"}
	var buf strings.Builder
	slog.New(slog.NewTextHandler(&buf, nil)).Info("settings", "smtp", s)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v", s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s), fmt.Sprintf("%s", s), buf.String()} {
		if strings.Contains(out, "Very-Secret") {
			t.Fatalf("password printed: %s", out)
		}
		if !strings.Contains(out, "[set]") {
			t.Fatalf("no hint that a password is set: %s", out)
		}
	}
}
