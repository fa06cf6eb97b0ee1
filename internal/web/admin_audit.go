package web

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/dataset"
	"github.com/portico-dev/portico/internal/store"
)

const auditPageSize = 50

// auditView is the audit log page.
type auditView struct {
	Entries                    []store.AuditEntry
	Actions                    []audit.Action
	Actor, Action, Target      string
	TargetKind                 string // customer, admin, or empty for both
	From, To                   string
	Total, Page, Pages         int
	PrevHref, NextHref, Export string
	Problem                    string
}

// auditFilter reads the filter from the query string; a message says what
// is wrong with it.
// Dates are days in the display time zone.
func auditFilter(q url.Values, loc *time.Location) (store.AuditFilter, auditView, string) {
	v := auditView{Actions: audit.Actions, Actor: strings.TrimSpace(q.Get("actor")), Action: q.Get("action"),
		Target: strings.TrimSpace(q.Get("target")), TargetKind: q.Get("target_kind"), From: q.Get("from"), To: q.Get("to"), Page: 1}
	f := store.AuditFilter{Actor: strings.ToLower(v.Actor), Target: v.Target}
	switch v.TargetKind {
	case "", store.KindCustomer, store.KindAdmin:
		f.TargetKind = v.TargetKind
	default:
		return f, v, "The target kind must be customer or admin."
	}
	if loc == nil {
		loc = time.UTC
	}
	if v.Action != "" {
		known := false
		for _, a := range audit.Actions {
			known = known || string(a) == v.Action
		}
		if !known {
			return f, v, "There is no event called " + strconv.Quote(v.Action) + "; pick one from the list."
		}
		f.Action = v.Action
	}
	for _, d := range []struct {
		raw  string
		into *time.Time
		end  bool
		name string
	}{{v.From, &f.From, false, "From"}, {v.To, &f.To, true, "To"}} {
		if d.raw == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", d.raw, loc)
		if err != nil {
			return f, v, d.name + " must be a date such as 2026-03-31."
		}
		if d.end {
			t = t.AddDate(0, 0, 1) // the whole day, inclusive
		}
		*d.into = t
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, v, "The end date is before the start date."
	}
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return f, v, "The page must be a whole number of 1 or more."
		}
		v.Page = min(n, 1_000_000)
	}
	if len(v.Actor) > 320 || len(v.Target) > 320 {
		return f, v, "Names and emails are at most 320 characters."
	}
	return f, v, ""
}

func (v auditView) query(page int) string {
	q := url.Values{}
	for k, val := range map[string]string{"actor": v.Actor, "action": v.Action, "target": v.Target, "target_kind": v.TargetKind, "from": v.From, "to": v.To} {
		if val != "" {
			q.Set(k, val)
		}
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if e := q.Encode(); e != "" {
		return "?" + e
	}
	return ""
}

// showAudit lists the audit log, newest first, filtered and paged.
func (s *Server) showAudit(w http.ResponseWriter, r *http.Request) {
	f, v, problem := auditFilter(r.URL.Query(), s.Config.Location)
	status := http.StatusOK
	if problem != "" {
		status, v.Problem = http.StatusBadRequest, problem
		f, v.Page = store.AuditFilter{}, 1
	}
	f.Limit, f.Offset = auditPageSize, (v.Page-1)*auditPageSize
	entries, total, err := s.Store.ListAudit(r.Context(), f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v.Entries, v.Total = entries, total
	v.Pages = max(1, (total+auditPageSize-1)/auditPageSize)
	if v.Page > 1 {
		v.PrevHref = "/admin/audit" + v.query(v.Page-1)
	}
	if v.Page < v.Pages {
		v.NextHref = "/admin/audit" + v.query(v.Page+1)
	}
	v.Export = "/admin/audit/export.csv" + v.query(1)
	s.page(w, r, status, "admin_audit", &view{Title: "Audit log", Data: v})
}

// exportAudit streams the filtered log as CSV, every matching entry, and
// records that it was exported.
func (s *Server) exportAudit(w http.ResponseWriter, r *http.Request) {
	f, _, problem := auditFilter(r.URL.Query(), s.Config.Location)
	if problem != "" {
		s.errorPage(w, r, http.StatusBadRequest, problem)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="audit-log-`+s.Clock.Now().UTC().Format("20060102-150405")+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	cw.Write([]string{"Time (UTC)", "Event", "Actor kind", "Actor", "Target kind", "Target id", "Target", "Client address", "Request", "Details", "Imported"})
	rows := 0
	for f.Offset = 0; ; f.Offset += 1000 {
		f.Limit = 1000
		page, _, err := s.Store.ListAudit(r.Context(), f)
		if err != nil {
			s.Log.Error("audit export failed mid-stream", "request_id", requestID(r), "err", err)
			panic(http.ErrAbortHandler)
		}
		for _, e := range page {
			cw.Write([]string{e.At.UTC().Format(time.RFC3339), e.Action, e.ActorKind, dataset.SafeText(e.ActorLabel), e.TargetKind,
				dataset.SafeText(e.TargetID), dataset.SafeText(e.TargetLabel), e.ClientIP, e.RequestID, dataset.SafeText(e.Details),
				strconv.FormatBool(e.Imported)})
		}
		rows += len(page)
		if len(page) < 1000 {
			break
		}
	}
	cw.Flush()
	adm := stateOf(r).adm
	s.Auth.Audit.Record(r.Context(), s.Store, audit.AuditExported, audit.Actor{Kind: store.KindAdmin, ID: adm.ID, Label: adm.Username},
		audit.Target{Kind: "audit_log"}, map[string]any{"rows": rows, "filter": r.URL.RawQuery})
}
