package web_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/auth"
)

// BenchmarkForgotPassword measures a whole forgot-password request over
// HTTP for an address with an account (a token, a sealed email and audit
// entries in one transaction) and for one without. The request never waits
// on SMTP. The limits are lifted so every request does the full work.
//
//	go test -run '^$' -bench ForgotPassword -benchtime 300x ./internal/web/
func BenchmarkForgotPassword(b *testing.B) {
	for _, tc := range []struct{ name, email string }{{"Known", "known@acme.example"}, {"Unknown", "nobody@acme.example"}} {
		b.Run(tc.name, func(b *testing.B) {
			in := apptest.StartSQLite(b)
			in.CreateAccount(b, "known@acme.example", goodPassword)
			in.App.Auth.Forgot = auth.ForgotLimits{PerAccount: 1 << 30, PerIP: 1 << 30, Window: time.Hour}
			c := in.Client(b)
			c.Get("/password/forgot")
			form := url.Values{"email": {tc.email}}
			b.ResetTimer()
			for range b.N {
				if r := c.Post("/password/forgot", form); r.StatusCode != http.StatusOK {
					b.Fatalf("status %d", r.StatusCode)
				}
			}
		})
	}
}
