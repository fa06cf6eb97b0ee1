package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/store"
)

func TestAdminAuditLog(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAdmin(t, "ops", goodPassword)
	ctx := context.Background()
	// Sixty entries over three days, one with hostile text.
	for i := range 60 {
		e := &store.AuditEntry{At: apptest.Epoch.Add(-time.Duration(i) * time.Hour), Action: "sign_in", ActorKind: "customer",
			ActorLabel: fmt.Sprintf("user%d@acme.example", i%3), TargetKind: "customer", TargetID: fmt.Sprint(i % 3), ClientIP: "192.0.2.1"}
		if i == 5 {
			e.Action, e.ActorLabel, e.Details = "sign_in_failed", "=HYPERLINK(\"http://evil.example\")", `{"reason":"<script>alert(1)</script>"}`
		}
		if err := in.Store().InsertAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	c := in.Client(t)
	c.AdminSignIn("ops", goodPassword)

	t.Run("ImportedEntriesAreMarked", func(t *testing.T) {
		if err := in.Store().InTx(ctx, func(tx *store.Tx) error {
			return tx.InsertImportedAudit(ctx, &store.AuditEntry{At: apptest.Epoch.Add(-1000 * time.Hour), Action: "account_created", ActorKind: "admin", ActorLabel: "legacy-admin"})
		}); err != nil {
			t.Fatal(err)
		}
		r := c.Get("/admin/audit?actor=legacy-admin")
		if strings.Count(r.Body, ">imported</span>") != 1 {
			t.Errorf("imported entry not marked: %d marks", strings.Count(r.Body, ">imported</span>"))
		}
		if r := c.Get("/admin/audit?actor=user1@acme.example"); strings.Contains(r.Body, ">imported</span>") {
			t.Error("a native entry is marked imported")
		}
	})

	t.Run("PagedNewestFirst", func(t *testing.T) {
		r := c.Get("/admin/audit")
		if r.StatusCode != 200 || !strings.Contains(r.Body, "page 1 of 2") || strings.Count(r.Body, "<tr>") != 51 {
			t.Errorf("status %d, rows %d", r.StatusCode, strings.Count(r.Body, "<tr>")-1)
		}
		if strings.Contains(r.Body, "<script>alert(1)") || !strings.Contains(r.Body, "&lt;script&gt;") {
			t.Error("audit details not escaped")
		}
		if r := c.Get("/admin/audit?page=2"); strings.Count(r.Body, "<tr>") < 11 {
			t.Errorf("page 2 rows: %d", strings.Count(r.Body, "<tr>")-1)
		}
	})
	t.Run("Filters", func(t *testing.T) {
		for query, want := range map[string]string{
			"action=sign_in_failed":         "1 entry",
			"actor=USER1@acme.example":      "20 entries",
			"target=2":                      "20 entries",
			"target=2&target_kind=customer": "20 entries",
			"target=2&target_kind=admin":    "0 entries",
			"from=2026-05-04&to=2026-05-04": "10 entries", // nine seeded and the admin's own sign-in
		} {
			if r := c.Get("/admin/audit?" + query); r.StatusCode != 200 || !strings.Contains(r.Body, want) {
				i := strings.Index(r.Body, "entr")
				t.Errorf("%s: status %d, want %q, got %q", query, r.StatusCode, want, r.Body[max(0, i-12):i+7])
			}
		}
	})
	t.Run("BadFiltersExplained", func(t *testing.T) {
		for query, msg := range map[string]string{
			"from=yesterday":                    "From must be a date",
			"from=2026-05-04&to=2026-05-01":     "end date is before the start date",
			"action=drop_tables":                "There is no event called",
			"page=0":                            "whole number of 1 or more",
			"target=1&target_kind=robot":        "must be customer or admin",
			"actor=" + strings.Repeat("a", 400): "at most 320 characters",
		} {
			r := c.Get("/admin/audit?" + query)
			if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, msg) {
				t.Errorf("%.40s: status %d, want 400 with %q", query, r.StatusCode, msg)
			}
		}
		if r := c.Get("/admin/audit/export.csv?from=nope"); r.StatusCode != http.StatusBadRequest {
			t.Errorf("export with a bad date: %d", r.StatusCode)
		}
	})
	t.Run("CSVExport", func(t *testing.T) {
		r := c.Get("/admin/audit/export.csv?action=sign_in")
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\ufeff"))).ReadAll()
		if err != nil || len(recs) != 61 {
			t.Fatalf("export: %v, %d rows (want header, 59 seeded and the admin's sign-in)", err, len(recs))
		}
		all := c.Get("/admin/audit/export.csv")
		if !strings.Contains(all.Body, `'=HYPERLINK`) {
			t.Error("formula-looking actor not guarded in the CSV")
		}
		_, n, _ := in.Store().ListAudit(ctx, store.AuditFilter{Action: "audit_exported"})
		if n != 2 {
			t.Errorf("audit_exported entries = %d, want 2", n)
		}
	})
	t.Run("OnlyAdmins", func(t *testing.T) {
		for _, p := range []string{"/admin/audit", "/admin/audit/export.csv"} {
			if r := in.Client(t).Get(p); r.StatusCode != http.StatusSeeOther {
				t.Errorf("anonymous %s: %d", p, r.StatusCode)
			}
		}
	})
}
