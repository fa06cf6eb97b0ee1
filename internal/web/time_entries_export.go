package web

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/billing"
	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/dataset"
	"github.com/portico-dev/portico/internal/store"
)

// timeEntryHeader is the exports' header row: the table's columns.
var timeEntryHeader = []string{"Date", "Project", "Person", "Description", "Hours", "Billable"}

// exportTimeEntries serves /time-entries/export.csv and .xlsx: every entry
// of the filter, in the view's order, with the table's columns. The
// dataset writers export a snapshot's own columns; these columns join the
// project's name in, so the rows are written here, text through
// dataset.SafeText like every other export.
func (s *Server) exportTimeEntries(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		book := s.book(r)
		if !book.Configured(catalog.RoleTimeEntries) {
			s.errorPage(w, r, http.StatusNotFound, "")
			return
		}
		q, f, fe, err := parseEntryQuery(r.URL.Query())
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if fe != nil {
			s.errorPage(w, r, http.StatusBadRequest, fe.Message+".")
			return
		}
		list, err := book.TimeEntries(r.Context(), f)
		switch {
		case errors.Is(err, billing.ErrNotConfigured):
			s.errorPage(w, r, http.StatusNotFound, "")
			return
		case errors.Is(err, billing.ErrUnavailable):
			s.Log.Warn("export: time entries unavailable", "request_id", requestID(r), "err", err)
			s.errorPage(w, r, http.StatusServiceUnavailable, "Time entries are unavailable right now. Try the export again in a minute.")
			return
		case err != nil:
			s.serverError(w, r, err)
			return
		}
		_, names := s.projectNames(r, book)
		entries := list.Entries
		sortEntries(entries, q.Sort)

		acct := stateOf(r).account
		name := exportFilename("time-entries", acct, s.Clock.Now().UTC().Format("20060102-150405"), format)
		h := w.Header()
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
		h.Set("Cache-Control", "no-store")
		h.Set("X-Row-Count", strconv.Itoa(len(entries)))
		if format == "csv" {
			h.Set("Content-Type", "text/csv; charset=utf-8")
			err = writeTimeEntriesCSV(w, entries, names)
		} else {
			h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
			err = writeTimeEntriesXLSX(w, entries, names)
		}
		if err != nil {
			// Headers are gone; abort so the download fails visibly.
			s.Log.Error("time entries export failed mid-stream", "request_id", requestID(r), "err", err)
			panic(http.ErrAbortHandler)
		}
		filter := map[string]any{"project": f.ProjectID, "from": f.From.String(), "to": f.To.String(),
			"billable": string(f.Billable), "sort": q.Sort}
		s.Auth.Audit.Record(r.Context(), s.Store, audit.DataExported, audit.Actor{Kind: store.KindCustomer, ID: acct.ID, Label: acct.Email},
			audit.Target{Kind: "dataset", ID: string(catalog.RoleTimeEntries), Label: "Time entries"},
			map[string]any{"format": format, "rows": len(entries), "filter": filter, "stale": book.Freshness().Stale})
	}
}

// entryProject is an entry's project as the table shows it: its name, or
// its id when the name is not known.
func entryProject(e billing.TimeEntry, names map[string]string) string {
	if n := names[e.ProjectID]; n != "" {
		return n
	}
	return e.ProjectID
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

// writeTimeEntriesCSV writes the entries as the grid exports write CSV: a
// UTF-8 byte order mark (so Excel reads accents right), a header row, RFC
// 4180 quoting, CRLF line ends, plain numbers and YYYY-MM-DD days.
func writeTimeEntriesCSV(w io.Writer, entries []billing.TimeEntry, names map[string]string) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString("\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	if err := cw.Write(timeEntryHeader); err != nil {
		return err
	}
	rec := make([]string, len(timeEntryHeader))
	for _, e := range entries {
		rec[0] = e.Date.String()
		rec[1] = dataset.SafeText(entryProject(e, names))
		rec[2] = dataset.SafeText(e.Person)
		rec[3] = dataset.SafeText(e.Description)
		rec[4] = e.Hours.Fixed(2)
		rec[5] = yesNo(e.Billable)
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// writeTimeEntriesXLSX writes the entries as one worksheet with real dates
// and numbers, through excelize's stream writer.
func writeTimeEntriesXLSX(w io.Writer, entries []billing.TimeEntry, names map[string]string) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	const sheet = "Time entries"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	dateFmt := "yyyy-mm-dd"
	day, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		return err
	}
	hours, err := f.NewStyle(&excelize.Style{NumFmt: 2}) // 0.00
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	for i, wd := range []float64{12, 32, 20, 60, 10, 10} {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	head := make([]any, len(timeEntryHeader))
	for i, h := range timeEntryHeader {
		head[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	for i, e := range entries {
		var date any
		if !e.Date.IsZero() {
			date = excelize.Cell{StyleID: day, Value: e.Date.Time()}
		}
		row := []any{date, dataset.SafeText(entryProject(e, names)), dataset.SafeText(e.Person),
			dataset.SafeText(e.Description), excelize.Cell{StyleID: hours, Value: e.Hours.Float64()}, yesNo(e.Billable)}
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}
