package web

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/portico-dev/portico/internal/store"
)

// Views per section. Customer pages call recordView once per full page
// load; the count is kept in memory and written to the portal database
// every few seconds by the background sweeper (FlushSectionViews), when the
// analytics page is opened, and when the instance stops. So recording costs
// a map increment under a mutex and can never fail or slow a page, and the
// database sees one small transaction per instance every few seconds instead
// of a write (and on PostgreSQL a contended row lock) per page view.

// Section keys: a section is named by its address, so later sections need
// no registry ("/data/<dataset>" for every grid dataset).
const (
	sectionOverview  = "/"
	sectionInventory = "/inventory"
)

func sectionDataset(name string) string { return "/data/" + name }

// maxPendingViews bounds the counts held in memory while the database
// cannot be written: one entry per day and section, so this is weeks of an
// outage for a portal with dozens of sections.
const maxPendingViews = 10000

type viewKey struct {
	day     time.Time // midnight UTC
	section string
}

// viewCounter is one server's page views not yet written.
type viewCounter struct {
	mu      sync.Mutex
	pending map[viewKey]int64
	dropped bool // a warning about the cap has been logged
}

// recordView counts one view of a customer section. Only full page loads
// count: htmx requests that swap the results of a grid (searching, sorting,
// paging) are part of the view already counted, and a refresh request is
// redirected to the plain address, which counts. Exports are not views
// (they are in the audit log).
func (s *Server) recordView(r *http.Request, section string) {
	if r.Method != http.MethodGet || stateOf(r).account == nil {
		return
	}
	if r.Header.Get("HX-Request") != "" && r.Header.Get("HX-History-Restore-Request") == "" {
		return
	}
	if r.URL.Query().Get("refresh") == "1" {
		return
	}
	now := s.Clock.Now().UTC()
	k := viewKey{day: time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC), section: section}
	c := &s.views
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.pending[k]; !ok && len(c.pending) >= maxPendingViews {
		if !c.dropped {
			c.dropped = true
			s.Log.Warn("page views are not being written to the database; new sections are no longer counted until they are",
				"pending", len(c.pending))
		}
		return
	}
	if c.pending == nil {
		c.pending = map[viewKey]int64{}
	}
	c.pending[k]++
}

// FlushSectionViews writes the page views counted in memory since the last
// flush. On failure the counts are kept for the next try.
func (s *Server) FlushSectionViews(ctx context.Context) error {
	c := &s.views
	c.mu.Lock()
	batch := c.pending
	c.pending = map[viewKey]int64{}
	c.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	counts := make([]store.SectionViews, 0, len(batch))
	for k, n := range batch {
		counts = append(counts, store.SectionViews{Day: k.day, Section: k.section, Views: n})
	}
	err := s.Store.AddSectionViews(ctx, counts)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		for k, n := range batch {
			c.pending[k] += n
		}
		return err
	}
	c.dropped = false
	return nil
}

// sectionRow is one line of the "Views per section" table.
type sectionRow struct {
	Label   string
	Section string // its address
	Gone    bool   // no longer configured
	Views   int
	Share   int // whole percent of the window's views, for the bar
	Percent string
}

// sectionViews totals the views per section over the UTC days first to
// last, with names people know and each section's share.
func (s *Server) sectionViews(ctx context.Context, first, last time.Time) ([]sectionRow, int64, error) {
	// This instance's latest views first, so an admin sees their own
	// test clicks at once; other instances' arrive within their flush.
	if err := s.FlushSectionViews(ctx); err != nil {
		s.Log.Warn("could not write page views before showing them", "err", err)
	}
	totals, err := s.Store.SectionViewTotals(ctx, first, last)
	if err != nil {
		return nil, 0, err
	}
	var all int64
	for _, t := range totals {
		all += t.Views
	}
	rows := make([]sectionRow, 0, len(totals))
	for _, t := range totals {
		row := sectionRow{Section: t.Section, Views: int(t.Views)}
		row.Label, row.Gone = s.sectionLabel(t.Section)
		if all > 0 {
			row.Share = int((t.Views*100 + all/2) / all)
			row.Percent = formatShare(t.Views, all)
		}
		rows = append(rows, row)
	}
	return rows, all, nil
}

// sectionLabel names a section as the customer navigation does, and says
// whether it is still configured.
func (s *Server) sectionLabel(section string) (string, bool) {
	switch {
	case section == sectionOverview:
		return "Overview", false
	case section == sectionInventory:
		if spec, ok := s.Data.Inventory(); ok {
			return spec.Title, false
		}
		return "Inventory", true
	case strings.HasPrefix(section, "/data/"):
		name := strings.TrimPrefix(section, "/data/")
		if spec, ok := s.Data.Dataset(name); ok && spec.Page != "inventory" {
			return spec.Title, false
		}
		return name, true
	}
	for _, sec := range s.Data.Sections() {
		if sec.Href == section {
			return sec.Title, false
		}
	}
	switch section {
	case projectsSection:
		return "Projects", true
	case invoicesSection:
		return "Invoices", true
	case timeEntriesSection:
		return "Time", true
	}
	return section, false
}

// formatShare is a share as a percentage people read at a glance: whole
// percent, or "<1%" for a small but non-zero share.
func formatShare(n, all int64) string {
	p := (n*100 + all/2) / all
	if p == 0 && n > 0 {
		return "<1%"
	}
	return formatCount(int(p)) + "%"
}
