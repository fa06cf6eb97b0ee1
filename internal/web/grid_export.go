package web

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/customerdata"
	"github.com/portico-dev/portico/internal/dataset"
	"github.com/portico-dev/portico/internal/store"
)

// exportInventory serves /inventory/export.csv and .xlsx.
func (s *Server) exportInventory(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		spec, ok := s.Data.Inventory()
		if !ok || !s.hasSection(r, customerdata.SectionOf(spec)) {
			s.errorPage(w, r, http.StatusNotFound, "")
			return
		}
		s.export(w, r, spec, format)
	}
}

// exportDataset serves /data/{dataset}/export.csv and .xlsx.
func (s *Server) exportDataset(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		spec, ok := s.Data.Dataset(r.PathValue("dataset"))
		if !ok || spec.Page == "inventory" || !s.hasSection(r, customerdata.SectionOf(spec)) {
			s.errorPage(w, r, http.StatusNotFound, "")
			return
		}
		s.export(w, r, spec, format)
	}
}

// export writes every row of the current view, in its order, built on the
// server from the snapshot, never from anything the browser sends.
func (s *Server) export(w http.ResponseWriter, r *http.Request, spec *dataset.Spec, format string) {
	if format != "csv" && format != "xlsx" {
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	acct := stateOf(r).account
	q, err := dataset.ParseQuery(spec, r.URL.Query())
	var qe *dataset.QueryError
	if errors.As(err, &qe) {
		s.errorPage(w, r, http.StatusBadRequest, qe.Message)
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	snap, err := s.Data.Snapshot(r.Context(), acct, spec, false)
	if snap == nil {
		s.Log.Warn("export: dataset unavailable", "dataset", spec.Name, "err", err)
		s.errorPage(w, r, http.StatusServiceUnavailable, spec.Title+" is unavailable right now. Try the export again in a minute.")
		return
	}
	rows := snap.Matching(q)
	name := exportFilename(spec.Name, acct, s.Clock.Now().UTC().Format("20060102-150405"), format)
	h := w.Header()
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Row-Count", strconv.Itoa(len(rows)))
	if format == "csv" {
		h.Set("Content-Type", "text/csv; charset=utf-8")
		err = dataset.WriteCSV(w, snap, rows)
	} else {
		h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		err = dataset.WriteXLSX(w, snap, rows)
	}
	if err != nil {
		// Headers are gone; abort the connection so the download fails
		// visibly instead of looking complete.
		s.Log.Error("export failed mid-stream", "dataset", spec.Name, "request_id", requestID(r), "err", err)
		panic(http.ErrAbortHandler)
	}
	filters := map[string]any{"q": q.Search, "filters": q.Filters, "sort": q.Encode()}
	s.Auth.Audit.Record(r.Context(), s.Store, audit.DataExported, audit.Actor{Kind: store.KindCustomer, ID: acct.ID, Label: acct.Email},
		audit.Target{Kind: "dataset", ID: spec.Name, Label: spec.Title},
		map[string]any{"format": format, "rows": len(rows), "view": filters, "stale": snap.Stale})
}

var unsafeName = regexp.MustCompile(`[^a-z0-9]+`)

// exportFilename builds inventory-<customer or all>-<time>.<ext> from
// characters that are safe in every file system and header.
func exportFilename(dataset string, a *store.Account, stamp, ext string) string {
	who := "all"
	if !a.AllCustomers && len(a.Scope) == 1 {
		who = a.Scope[0]
	} else if !a.AllCustomers && len(a.Scope) > 1 {
		who = "customers"
	}
	slug := func(s string) string {
		s = strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(s), "-"), "-")
		if len(s) > 40 {
			s = strings.Trim(s[:40], "-")
		}
		if s == "" {
			s = "export"
		}
		return s
	}
	return slug(dataset) + "-" + slug(who) + "-" + stamp + "." + ext
}
