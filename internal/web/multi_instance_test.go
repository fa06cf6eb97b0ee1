package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/clock"
	"github.com/portico-dev/portico/internal/store/storetest"
)

// TestTwoInstancesShareState runs two Portico instances on one PostgreSQL
// database, as behind a load balancer: sessions, sign-outs and throttling
// must be the same whichever instance answers.
func TestTwoInstancesShareState(t *testing.T) {
	target := storetest.Postgres(t)
	fake := clock.NewFake(apptest.Epoch)
	a := apptest.Start(t, target, fake)
	b := apptest.Start(t, target, fake)
	a.CreateAccount(t, "buyer@acme.example", goodPassword)

	onA := a.Client(t)
	if r := onA.SignIn("buyer@acme.example", goodPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in on A: %d", r.StatusCode)
	}
	onB := b.Client(t)
	onB.SetCookie("portico_session", onA.Cookie("portico_session"))
	onB.SetCookie("portico_pre", onA.Cookie("portico_pre"))

	t.Run("SessionMadeOnAWorksOnB", func(t *testing.T) {
		if r := onB.Get("/"); r.StatusCode != http.StatusOK {
			t.Fatalf("B: %d", r.StatusCode)
		}
	})
	t.Run("LogoutOnBEndsItOnA", func(t *testing.T) {
		onB.Get("/")
		if r := onB.Post("/logout", nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout on B: %d", r.StatusCode)
		}
		if r := onA.Get("/"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("A still serves the session ended on B: %d", r.StatusCode)
		}
	})
	t.Run("ThrottlingCountsBothInstances", func(t *testing.T) {
		ca, cb := a.Client(t), b.Client(t)
		for i := range 10 {
			c := ca
			if i%2 == 1 {
				c = cb
			}
			c.Get("/login")
			c.Post("/login", url.Values{"email": {"buyer@acme.example"}, "password": {"wrong guess " + string(rune('a'+i))}})
		}
		for name, in := range map[string]*apptest.Instance{"A": a, "B": b} {
			if r := in.Client(t).SignIn("buyer@acme.example", goodPassword); r.StatusCode != http.StatusUnauthorized {
				t.Errorf("instance %s let the correct password through a lock earned on both: %d", name, r.StatusCode)
			}
		}
	})
}
