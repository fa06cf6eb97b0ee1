package mail

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestTestConnection(t *testing.T) {
	tests := []struct {
		name     string
		implicit bool
		noTLS    bool
		setup    func(*sink, *Settings)
		noTrust  bool
		want     []string // substrings of the error; none means success
	}{
		{"starttls works", false, false, nil, false, nil},
		{"implicit tls works", true, false, nil, false, nil},
		{"connection refused", false, false, func(sk *sink, _ *Settings) { sk.down() }, false, []string{"Connection refused", "127.0.0.1:"}},
		{"authentication rejected", false, false, func(_ *sink, s *Settings) { s.Password = "wrong" }, false, []string{"rejected the username or password", "535"}},
		{"recipient refused", false, false, func(sk *sink, _ *Settings) { sk.setMode(sinkPermFail) }, false, []string{"refused the recipient", "550"}},
		{"untrusted certificate", false, false, nil, true, []string{"certificate", "not trusted"}},
		{"implicit TLS on a STARTTLS port", false, false, func(_ *sink, s *Settings) { s.Security = SecurityTLS }, false, []string{"TLS handshake", "STARTTLS"}},
		{"STARTTLS not offered", false, true, nil, false, []string{"does not offer STARTTLS"}},
		{"invalid settings", false, false, func(_ *sink, s *Settings) { s.From = "" }, false, []string{"From is required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sk := newSinkTLS(t, tt.implicit, !tt.noTLS)
			s := sk.settings()
			if tt.setup != nil {
				tt.setup(sk, &s)
			}
			tc := sk.client
			if tt.noTrust {
				tc = nil
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := TestConnection(ctx, s, "admin@acme.example", tc, "Acme")
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				msgs := sk.messages()
				if len(msgs) != 1 {
					t.Fatalf("sink got %d messages", len(msgs))
				}
				p := parse(t, msgs[0].Data)
				if !strings.Contains(p.Subject, "Test email") || !strings.Contains(p.Text, "Acme") {
					t.Fatalf("test email: %q / %q", p.Subject, p.Text)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "xyz") || strings.Contains(err.Error(), "sink.test") {
				t.Errorf("error %q echoes the server's banner or text", err)
			}
		})
	}
}
