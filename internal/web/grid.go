package web

import (
	"errors"
	"html"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/customerdata"
	"github.com/portico-dev/portico/internal/dataset"
)

// gridColumn is one header cell of the grid.
type gridColumn struct {
	Label, Align string
	SortHref     string // click: sort by this column (or flip it)
	AddSortHref  string // shift-click: add it as another key
	AriaSort     string // ascending, descending or none
	SortPos      int    // 1-based position among the sort keys, 0 if not sorted
}

// gridCell is one rendered cell.
type gridCell struct {
	Text  string
	Align string
	Null  bool
}

// gridFacet is one facet select; Options is its pre-rendered <option> list.
type gridFacet struct {
	Name, Label string
	Options     template.HTML
	Truncated   bool
}

type pageLink struct {
	N       int
	Href    string
	Current bool
	Gap     bool
}

// gridView is everything the grid template needs.
type gridView struct {
	Spec        *dataset.Spec
	Base        string // /inventory or /data/{name}
	Query       dataset.Query
	QueryString string
	Search      string
	Columns     []gridColumn
	Header      template.HTML // the rendered <th> cells
	Body        template.HTML // the rendered <tr> rows
	RowCount    int
	Facets      []gridFacet
	Total       int
	Unfiltered  int
	From, To    int
	Page, Pages int
	PerPage     int
	PageSizes   []int
	PageLinks   []pageLink
	PrevHref    string
	NextHref    string
	AsOf        time.Time
	Stale       bool
	Unavailable bool
	Problem     string // a bad parameter, explained
	ExportCSV   string
	ExportXLSX  string
	RefreshHref string
	Filtered    bool
	ClearHref   string
}

// showInventory serves /inventory.
func (s *Server) showInventory(w http.ResponseWriter, r *http.Request) {
	spec, ok := s.Data.Inventory()
	if !ok || !s.hasSection(r, customerdata.SectionOf(spec)) {
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	s.recordView(r, sectionInventory)
	s.grid(w, r, spec, "/inventory")
}

// showDataset serves /data/{dataset}.
func (s *Server) showDataset(w http.ResponseWriter, r *http.Request) {
	spec, ok := s.Data.Dataset(r.PathValue("dataset"))
	if !ok || spec.Page == "inventory" || !s.hasSection(r, customerdata.SectionOf(spec)) {
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	s.recordView(r, sectionDataset(spec.Name))
	s.grid(w, r, spec, "/data/"+spec.Name)
}

// grid renders a dataset's grid page, or only its results part for htmx.
func (s *Server) grid(w http.ResponseWriter, r *http.Request, spec *dataset.Spec, base string) {
	acct := stateOf(r).account
	v := &gridView{Spec: spec, Base: base, PageSizes: dataset.PageSizes}
	status := http.StatusOK
	q, err := dataset.ParseQuery(spec, r.URL.Query())
	var qe *dataset.QueryError
	if errors.As(err, &qe) {
		// Show the page with the problem explained and the default view,
		// rather than a bare error: the customer can carry on from there.
		status = http.StatusBadRequest
		v.Problem = qe.Message
		q, _ = dataset.ParseQuery(spec, nil)
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	refresh := r.URL.Query().Get("refresh") == "1"
	snap, err := s.Data.Snapshot(r.Context(), acct, spec, refresh)
	if refresh && snap != nil && r.Header.Get("HX-Request") == "" {
		// Drop refresh=1 from the address so a reload does not refresh again.
		http.Redirect(w, r, base+"?"+q.Encode(), http.StatusSeeOther)
		return
	}
	if err != nil {
		s.Log.Warn("dataset unavailable", "dataset", spec.Name, "request_id", requestID(r), "err", err)
		if snap == nil {
			v.Unavailable = true
			status = http.StatusServiceUnavailable
		}
	}
	if snap != nil {
		s.fillGrid(v, snap, q, acct.AllCustomers || len(acct.Scope) > 1)
	}
	v.Query = q
	v.QueryString = q.Encode()
	v.Search = q.Search
	v.ExportCSV = base + "/export.csv" + qs(q)
	v.ExportXLSX = base + "/export.xlsx" + qs(q)
	v.RefreshHref = base + "?" + withParam(q, "refresh", "1")
	v.ClearHref = base
	w.Header().Set("Vary", "HX-Request")
	if r.Header.Get("HX-Request") != "" && r.Header.Get("HX-History-Restore-Request") == "" {
		s.fragment(w, r, status, "grid", "grid_results", &view{Title: spec.Title, Data: v})
		return
	}
	s.page(w, r, status, "grid", &view{Title: spec.Title, Data: v})
}

func qs(q dataset.Query) string {
	if e := q.Encode(); e != "" {
		return "?" + e
	}
	return ""
}

func withParam(q dataset.Query, k, val string) string {
	vals := q.Values()
	vals.Set(k, val)
	return vals.Encode()
}

// fillGrid runs the query on the snapshot and turns the page of rows into
// cells and links.
func (s *Server) fillGrid(v *gridView, snap *dataset.Snapshot, q dataset.Query, showCustomer bool) {
	spec := snap.Spec
	res := snap.Run(q)
	v.AsOf, v.Stale = snap.AsOf, snap.Stale
	v.Total, v.Unfiltered = res.Total, res.Unfiltered
	v.Page, v.Pages, v.PerPage = res.Page, res.Pages, res.PerPage
	q.Page, q.PerPage = res.Page, res.PerPage
	if res.Total > 0 {
		v.From = (res.Page-1)*res.PerPage + 1
		v.To = min(res.Page*res.PerPage, res.Total)
	}
	v.Filtered = q.Search != "" || len(q.Filters) > 0 || len(q.Ranges) > 0

	var cols []int
	for i, c := range spec.Columns {
		if c.Hidden || (c.Name == spec.CustomerColumn && !showCustomer) {
			continue
		}
		cols = append(cols, i)
		gc := gridColumn{Label: c.Label, Align: align(c), AriaSort: "none"}
		if pos, desc, ok := q.SortOf(c.Name); ok {
			gc.SortPos = pos + 1
			gc.AriaSort = "ascending"
			if desc {
				gc.AriaSort = "descending"
			}
		}
		gc.SortHref = v.Base + qs(q.WithSort(c.Name, false))
		gc.AddSortHref = v.Base + qs(q.WithSort(c.Name, true))
		v.Columns = append(v.Columns, gc)
	}
	// Codes, numbers and dates stay on one line; a text column with long
	// values on this page (descriptions) wraps instead, with room to read.
	wrap := make([]bool, len(cols))
	rows := make([][]gridCell, 0, len(res.Rows))
	for _, row := range res.Rows {
		cells := make([]gridCell, len(cols))
		for j, ci := range cols {
			col := spec.Columns[ci]
			c := snap.Cell(row, ci)
			cells[j] = gridCell{Text: c.Display(col), Align: align(col), Null: c.Null}
			if col.Type == dataset.Text && len(cells[j].Text) > 32 {
				wrap[j] = true
			}
		}
		rows = append(rows, cells)
	}
	v.Body, v.RowCount = renderRows(rows, wrap), len(rows)
	v.Header = renderHeader(v.Columns)
	for _, f := range res.Facets {
		if f.Column.Name == spec.CustomerColumn && !showCustomer {
			continue
		}
		opts, cut := shortList(f.Options, maxListedOptions)
		v.Facets = append(v.Facets, gridFacet{Name: f.Column.Name, Label: f.Column.Label,
			Options: renderOptions(opts), Truncated: f.Truncated || cut})
	}
	v.PageLinks = pageLinks(v.Base, q, res.Page, res.Pages)
	if res.Page > 1 {
		v.PrevHref = v.Base + qs(q.WithPage(res.Page-1))
	}
	if res.Page < res.Pages {
		v.NextHref = v.Base + qs(q.WithPage(res.Page+1))
	}
}

func align(c dataset.Column) string {
	if c.Align != "" {
		return c.Align
	}
	if c.Numeric() {
		return "right"
	}
	return "left"
}

// pageLinks lists the first, last and nearby pages, with gaps between.
func pageLinks(base string, q dataset.Query, page, pages int) []pageLink {
	var out []pageLink
	last := 0
	// Only the first, the last and the pages near the current one: a
	// million rows are 100,000 pages.
	near := []int{1}
	for n := max(2, page-2); n <= min(pages-1, page+2); n++ {
		near = append(near, n)
	}
	if pages > 1 {
		near = append(near, pages)
	}
	for _, n := range near {
		if last != 0 && n > last+1 {
			out = append(out, pageLink{Gap: true})
		}
		out = append(out, pageLink{N: n, Href: base + qs(q.WithPage(n)), Current: n == page})
		last = n
	}
	return out
}

// formatCount writes 1234567 as 1,234,567.
func formatCount(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + formatCount(-n)
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// maxListedOptions bounds a facet's drop-down: past a few hundred values a
// list is unusable (search narrows it instead), and every option is bytes
// on every grid response.
const maxListedOptions = 200

// shortList keeps the first n options plus every selected one.
func shortList(opts []dataset.Option, n int) ([]dataset.Option, bool) {
	if len(opts) <= n {
		return opts, false
	}
	out := append([]dataset.Option(nil), opts[:n]...)
	for _, o := range opts[n:] {
		if o.Selected {
			out = append(out, o)
		}
	}
	return out, true
}

// renderRows writes the grid's rows as HTML. A page of rows is hundreds of
// values, and html/template's reflection-driven escaping of each one was
// most of the cost of a grid request; this loop escapes every value with
// html.EscapeString (which covers text and quoted attributes alike), so
// ERP data is never written raw. TestGridHostileValuesAndExports feeds it
// hostile values.
func renderRows(rows [][]gridCell, wrap []bool) template.HTML {
	var b strings.Builder
	b.Grow(len(rows) * len(wrap) * 48)
	for _, cells := range rows {
		b.WriteString("<tr>")
		for j, c := range cells {
			b.WriteString(`<td class="align-`)
			b.WriteString(html.EscapeString(c.Align))
			if c.Null {
				b.WriteString(" null")
			}
			if wrap[j] {
				b.WriteString(" wrap-cell")
			}
			b.WriteString(`">`)
			b.WriteString(html.EscapeString(c.Text))
			b.WriteString("</td>")
		}
		b.WriteString("</tr>\n")
	}
	return template.HTML(b.String())
}

// renderOptions writes a facet's <option> list, escaping every value, for
// the same reason as renderRows: a facet can offer hundreds of values.
func renderOptions(opts []dataset.Option) template.HTML {
	var b strings.Builder
	b.WriteString(`<option value="">All</option>`)
	for _, o := range opts {
		v := html.EscapeString(o.Value)
		b.WriteString(`<option value="`)
		b.WriteString(v)
		b.WriteString(`"`)
		if o.Selected {
			b.WriteString(" selected")
		}
		b.WriteString(">")
		if o.Value == "" {
			b.WriteString("(blank)")
		} else {
			b.WriteString(v)
		}
		b.WriteString(" (")
		b.WriteString(formatCount(o.Count))
		b.WriteString(")</option>")
	}
	return template.HTML(b.String())
}

// renderHeader writes the sortable column headers, escaping every label and
// link like renderRows does; each header carries three links, and escaping
// them through the template's URL handling was a large share of a request.
func renderHeader(cols []gridColumn) template.HTML {
	var b strings.Builder
	for _, c := range cols {
		sortHref, addHref := html.EscapeString(c.SortHref), html.EscapeString(c.AddSortHref)
		b.WriteString(`<th scope="col" aria-sort="`)
		b.WriteString(html.EscapeString(c.AriaSort))
		b.WriteString(`" class="align-`)
		b.WriteString(html.EscapeString(c.Align))
		b.WriteString(`"><a href="`)
		b.WriteString(sortHref)
		b.WriteString(`" data-add-sort="`)
		b.WriteString(addHref)
		b.WriteString(`" class="sort-link" hx-get="`)
		b.WriteString(sortHref)
		b.WriteString(`" hx-target="#grid-results" hx-swap="outerHTML" hx-push-url="true">`)
		b.WriteString(html.EscapeString(c.Label))
		b.WriteString(`<span class="sort-mark" aria-hidden="true">`)
		switch c.AriaSort {
		case "ascending":
			b.WriteString("▲")
		case "descending":
			b.WriteString("▼")
		}
		if c.SortPos > 1 {
			b.WriteString("<sup>" + strconv.Itoa(c.SortPos) + "</sup>")
		}
		b.WriteString("</span></a></th>")
	}
	return template.HTML(b.String())
}
