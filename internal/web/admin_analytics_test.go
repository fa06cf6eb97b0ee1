package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/store"
)

func TestAdminAnalytics(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAdmin(t, "ops", goodPassword)
	ctx := context.Background()
	// Sign-ins three and ten days ago, and two today from one account.
	for _, e := range []struct {
		ago   time.Duration
		id    int64
		label string
	}{{3 * 24 * time.Hour, 1, "a@acme.example"}, {10 * 24 * time.Hour, 2, "b@acme.example"}, {time.Hour, 1, "a@acme.example"}, {2 * time.Hour, 1, "a@acme.example"}} {
		in.Store().InsertAudit(ctx, &store.AuditEntry{At: in.Clock.Now().Add(-e.ago), Action: "sign_in", ActorKind: "customer", ActorID: e.id, ActorLabel: e.label})
	}
	in.Store().InsertAudit(ctx, &store.AuditEntry{At: in.Clock.Now(), Action: "data_exported", ActorKind: "customer", ActorID: 1, ActorLabel: "a@acme.example"})
	c := in.Client(t)
	c.AdminSignIn("ops", goodPassword)

	r := c.Get("/admin/analytics")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("status %d", r.StatusCode)
	}
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	values := doc.Find(".stat-value").Map(func(_ int, s *goquery.Selection) string { return s.Text() })
	if strings.Join(values, ",") != "0,3,0,1" {
		t.Errorf("figures = %v, want active 0, sign-ins 3, live 0, exports 1", values)
	}
	if got := doc.Find(".stat-note").First().Text(); got != "1 different account" {
		t.Errorf("unique = %q", got)
	}
	if n := doc.Find("svg.chart rect.chart-bar").Length(); n != 14 {
		t.Errorf("%d bars, want 14 (days without sign-ins shown as zero)", n)
	}
	if n := doc.Find(".chart-table tbody tr").Length(); n != 14 {
		t.Errorf("table alternative has %d rows", n)
	}
	if r := c.Get("/admin/analytics?days=30"); strings.Count(r.Body, `class="chart-bar"`) != 30 {
		t.Error("30-day chart does not have 30 bars")
	}
	for _, q := range []string{"days=7", "days=abc", "days=-14", "days=" + strings.Repeat("9", 40)} {
		if r := c.Get("/admin/analytics?" + q); r.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", q, r.StatusCode)
		}
	}
	if r := in.Client(t).Get("/admin/analytics"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous: %d", r.StatusCode)
	}
}
