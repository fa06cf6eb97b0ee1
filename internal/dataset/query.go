package dataset

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Paging and sorting limits. PerPage outside [MinPerPage, MaxPerPage] is
// clamped rather than refused: a hand-edited URL should still show a page.
const (
	// DefaultPerPage is the page size when the URL gives none.
	DefaultPerPage = 50
	// MinPerPage is the smallest page size.
	MinPerPage = 10
	// MaxPerPage is the largest page size: a page is rendered as HTML, and
	// the whole view is what exports are for.
	MaxPerPage = 500
	// MaxSortKeys is the most sort keys a view may have.
	MaxSortKeys = 4

	maxValueBytes = 1000 // longest accepted parameter value
	maxValues     = 100  // most values accepted for one parameter
	maxPage       = math.MaxInt32
)

// PageSizes are the page sizes the grid offers.
var PageSizes = []int{25, 50, 100, 250, 500}

// Range is a min/max filter on a numeric or date column, inclusive at both
// ends. The values are kept as given (trimmed) so that the URL round-trips;
// ParseQuery has already checked that they parse for the column's type.
// An empty bound is open.
type Range struct{ Min, Max string }

// Query is one view of a dataset: everything the grid's URL says. The zero
// value is the default view (first page, default sort). Build it with
// ParseQuery, which checks it against the spec; the link helpers return
// modified copies and never change the receiver.
type Query struct {
	Search  string              // q: every whitespace-separated term must occur in some searchable column
	Filters map[string][]string // f.<col>=value, repeatable: OR within a column, AND across columns; Facet columns only
	Ranges  map[string]Range    // min.<col> / max.<col> on numeric and date columns
	Sort    []SortKey           // sort=<col> / sort=-<col>, repeatable, at most MaxSortKeys; nil = spec.DefaultSort
	Page    int                 // 1-based; Run clamps it to the last page
	PerPage int                 // clamped to [MinPerPage, MaxPerPage]; 0 = DefaultPerPage

	spec *Spec // set by ParseQuery so the link helpers know the default sort
}

// QueryError is a request parameter the engine cannot use. Message is meant
// for the user (the handler shows it with a 400 status); Param names the
// parameter, e.g. "sort" or "min.qty".
type QueryError struct{ Param, Message string }

// Error returns the parameter and the message.
func (e *QueryError) Error() string { return "parameter " + e.Param + ": " + e.Message }

func queryErr(param, format string, args ...any) error {
	return &QueryError{Param: shorten(param), Message: fmt.Sprintf(format, args...)}
}

// shorten keeps user input echoed in messages to a readable length.
func shorten(s string) string {
	if len(s) <= 60 {
		return s
	}
	cut := 60
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// lookupColumn finds a column by its URL name: exactly, or else ignoring
// case, so hand-typed URLs work.
func lookupColumn(spec *Spec, name string) (Column, int, bool) {
	if c, i, ok := spec.Column(name); ok {
		return c, i, true
	}
	for i, c := range spec.Columns {
		if strings.EqualFold(c.Name, name) {
			return c, i, true
		}
	}
	return Column{}, -1, false
}

// label is how messages name a column.
func label(c Column) string {
	if c.Label != "" {
		return c.Label
	}
	return c.Name
}

// ParseQuery reads the view from URL parameters: q, f.<col>, min.<col>,
// max.<col>, sort, page and per_page. Unrelated parameters are ignored.
// Anything it cannot honour is a *QueryError with a message for the user:
// an unknown or hidden column, a value filter on a non-facet column, a range
// on a text column, a bound that is not a number or date, a page that is not
// a whole number of 1 or more, a value longer than 1000 bytes or more than
// 100 values for one parameter, more than MaxSortKeys sort keys. Empty
// values (what a form sends for "All" or an empty box) mean "not set". For
// single-valued parameters given twice, the first value counts. A page
// beyond the last is not an error (Run clamps it), and per_page is clamped.
// Parameters are checked in name order, so the error reported is stable.
func ParseQuery(spec *Spec, v url.Values) (Query, error) {
	if spec == nil {
		return Query{}, errors.New("dataset: ParseQuery needs a spec")
	}
	q := Query{Page: 1, PerPage: DefaultPerPage, spec: spec}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		vals := v[k]
		var err error
		switch {
		case k == "q":
			err = q.parseSearch(k, vals)
		case k == "page":
			err = q.parsePage(k, vals)
		case k == "per_page":
			err = q.parsePerPage(k, vals)
		case k == "sort":
			err = q.parseSort(spec, k, vals)
		case strings.HasPrefix(k, "f."):
			err = q.parseFilter(spec, k, vals)
		case strings.HasPrefix(k, "min."), strings.HasPrefix(k, "max."):
			err = q.parseRange(spec, k, vals)
		default:
			continue
		}
		if err != nil {
			return Query{}, err
		}
	}
	if sortEqual(q.Sort, spec.DefaultSort) {
		q.Sort = nil // the default is not written into URLs, so it must not be kept either
	}
	return q, nil
}

// checkValues applies the size limits every parameter the engine reads
// shares.
func checkValues(param string, vals []string) error {
	if len(vals) > maxValues {
		return queryErr(param, "too many values for %s (at most %d)", shorten(param), maxValues)
	}
	for _, s := range vals {
		if len(s) > maxValueBytes {
			return queryErr(param, "the value of %s is too long (at most %d characters)", shorten(param), maxValueBytes)
		}
	}
	return nil
}

// first returns the first value, trimmed.
func first(vals []string) string {
	if len(vals) == 0 {
		return ""
	}
	return strings.TrimSpace(vals[0])
}

func (q *Query) parseSearch(k string, vals []string) error {
	if err := checkValues(k, vals); err != nil {
		return err
	}
	q.Search = first(vals)
	return nil
}

// parseCount reads a whole number made of digits only; a number too large
// for an int is capped at maxPage rather than refused.
func parseCount(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > maxPage {
		return maxPage, true
	}
	return n, true
}

func (q *Query) parsePage(k string, vals []string) error {
	if err := checkValues(k, vals); err != nil {
		return err
	}
	s := first(vals)
	if s == "" {
		return nil
	}
	n, ok := parseCount(s)
	if !ok || n < 1 {
		return queryErr(k, "page must be a whole number of 1 or more")
	}
	q.Page = n
	return nil
}

func (q *Query) parsePerPage(k string, vals []string) error {
	if err := checkValues(k, vals); err != nil {
		return err
	}
	s := first(vals)
	if s == "" {
		return nil
	}
	n, ok := parseCount(strings.TrimPrefix(s, "-"))
	if !ok {
		return queryErr(k, "per_page must be a whole number")
	}
	switch {
	case strings.HasPrefix(s, "-") || n < MinPerPage:
		n = MinPerPage
	case n > MaxPerPage:
		n = MaxPerPage
	}
	q.PerPage = n
	return nil
}

// clampPerPage bounds a page size; 0 means the default.
func clampPerPage(n int) int {
	switch {
	case n == 0:
		return DefaultPerPage
	case n < MinPerPage:
		return MinPerPage
	case n > MaxPerPage:
		return MaxPerPage
	}
	return n
}

func (q *Query) parseSort(spec *Spec, k string, vals []string) error {
	if err := checkValues(k, vals); err != nil {
		return err
	}
	for _, raw := range vals {
		s := strings.TrimSpace(raw)
		if s == "" {
			continue
		}
		desc := strings.HasPrefix(s, "-")
		name := s
		if desc || strings.HasPrefix(s, "+") { // "+col" is what an unencoded "sort=+col" means to a person
			name = strings.TrimSpace(s[1:])
		}
		col, _, ok := lookupColumn(spec, name)
		inDefault := slices.ContainsFunc(spec.DefaultSort, func(sk SortKey) bool { return sk.Column == col.Name })
		if !ok || col.Hidden && !inDefault { // a hidden default key comes back in WithSort links
			return queryErr(k, "there is no column %q to sort by", shorten(name))
		}
		if slices.ContainsFunc(q.Sort, func(sk SortKey) bool { return sk.Column == col.Name }) {
			continue // a repeated key adds nothing: the first one decides
		}
		if len(q.Sort) == MaxSortKeys {
			return queryErr(k, "sort by at most %d columns", MaxSortKeys)
		}
		q.Sort = append(q.Sort, SortKey{Column: col.Name, Desc: desc})
	}
	return nil
}

func (q *Query) parseFilter(spec *Spec, k string, vals []string) error {
	if err := checkValues(k, vals); err != nil {
		return err
	}
	name := strings.TrimPrefix(k, "f.")
	col, _, ok := lookupColumn(spec, name)
	if !ok {
		return queryErr(k, "there is no column %q to filter by", shorten(name))
	}
	if !col.Facet {
		return queryErr(k, "%q cannot be filtered by value", shorten(label(col)))
	}
	existing := q.Filters[col.Name]
	for _, s := range vals {
		if s == "" || slices.Contains(existing, s) {
			continue
		}
		if col.Numeric() || col.Temporal() {
			s = strings.TrimSpace(s)
			if _, _, ok := parseBound(col, s); !ok {
				return queryErr(k, "%s must be %s", shorten(k), boundHint(col))
			}
			if slices.Contains(existing, s) {
				continue
			}
		}
		existing = append(existing, s)
	}
	if len(existing) > maxValues {
		return queryErr(k, "too many values for %s (at most %d)", shorten(k), maxValues)
	}
	if len(existing) > 0 {
		if q.Filters == nil {
			q.Filters = map[string][]string{}
		}
		q.Filters[col.Name] = existing
	}
	return nil
}

func (q *Query) parseRange(spec *Spec, k string, vals []string) error {
	if err := checkValues(k, vals); err != nil {
		return err
	}
	isMin := strings.HasPrefix(k, "min.")
	name := k[4:]
	col, _, ok := lookupColumn(spec, name)
	if !ok {
		return queryErr(k, "there is no column %q to filter by", shorten(name))
	}
	if !col.Numeric() && !col.Temporal() {
		return queryErr(k, "%q cannot be filtered by a range", shorten(label(col)))
	}
	s := first(vals)
	if s == "" {
		return nil
	}
	if _, _, ok := parseBound(col, s); !ok {
		return queryErr(k, "%s must be %s", shorten(k), boundHint(col))
	}
	r := q.Ranges[col.Name]
	if isMin {
		if r.Min != "" {
			return nil // min.Qty and min.qty both given: the first (in name order) counts
		}
		r.Min = s
	} else {
		if r.Max != "" {
			return nil
		}
		r.Max = s
	}
	if q.Ranges == nil {
		q.Ranges = map[string]Range{}
	}
	q.Ranges[col.Name] = r
	return nil
}

// boundHint says what a bound must look like, for messages.
func boundHint(col Column) string {
	if col.Temporal() {
		return "a date like 2024-01-31"
	}
	return "a number"
}

// boundLayouts are the date forms accepted in min./max. and date facet
// values: what people type, and what <input type=date|datetime-local> sends.
var boundLayouts = []string{
	"2006-01-02",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	time.RFC3339,
}

// parseBound parses a range bound or facet value for col. For dates it
// returns wall-clock seconds and whether only a day was given (so a max on
// a date-time column can include that whole day); for numbers the value.
func parseBound(col Column, s string) (num float64, dayOnly bool, ok bool) {
	if col.Temporal() {
		for i, l := range boundLayouts {
			if t, err := time.Parse(l, s); err == nil {
				sec := wallSeconds(t)
				if col.Type == Date {
					sec = floorDay(sec)
				}
				return float64(sec), i == 0, true
			}
		}
		return 0, false, false
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false, false
	}
	return f, false, true
}

// sortEqual reports whether two sorts are the same keys in the same order.
func sortEqual(a, b []SortKey) bool {
	return slices.Equal(a, b)
}

// Values returns the view as URL parameters in canonical form: defaults
// (first page, default page size, default sort) are left out, so a view has
// one URL and ParseQuery(spec, q.Values()) gives q back.
func (q Query) Values() url.Values {
	v := url.Values{}
	if q.Search != "" {
		v.Set("q", q.Search)
	}
	for col, vals := range q.Filters {
		for _, s := range vals {
			if s != "" {
				v.Add("f."+col, s)
			}
		}
	}
	for col, r := range q.Ranges {
		if r.Min != "" {
			v.Set("min."+col, r.Min)
		}
		if r.Max != "" {
			v.Set("max."+col, r.Max)
		}
	}
	for _, k := range q.Sort {
		if k.Desc {
			v.Add("sort", "-"+k.Column)
		} else {
			v.Add("sort", k.Column)
		}
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	if q.PerPage != 0 && q.PerPage != DefaultPerPage {
		v.Set("per_page", strconv.Itoa(q.PerPage))
	}
	return v
}

// Encode returns Values().Encode(): the query string of the view.
func (q Query) Encode() string { return q.Values().Encode() }

// EffectiveSort returns the sort the view uses: its own keys, or the
// dataset's default sort when it has none.
func (q Query) EffectiveSort() []SortKey {
	if len(q.Sort) > 0 || q.spec == nil {
		return q.Sort
	}
	return q.spec.DefaultSort
}

// clone returns a copy whose maps and slices can be changed freely.
func (q Query) clone() Query {
	c := q
	c.Sort = slices.Clone(q.Sort)
	if q.Filters != nil {
		c.Filters = make(map[string][]string, len(q.Filters))
		for k, v := range q.Filters {
			c.Filters[k] = slices.Clone(v)
		}
	}
	if q.Ranges != nil {
		c.Ranges = make(map[string]Range, len(q.Ranges))
		for k, v := range q.Ranges {
			c.Ranges[k] = v
		}
	}
	return c
}

// WithSort returns the view after a click on col's header: with add false,
// sort by col alone, ascending, or descending if col is already the first
// key ascending; with add true (shift-click), toggle col's direction if it is
// already a key, else append it (replacing the last key when there are
// already MaxSortKeys). The page goes back to 1.
func (q Query) WithSort(col string, add bool) Query {
	c := q.clone()
	cur := slices.Clone(q.EffectiveSort())
	var next []SortKey
	if !add {
		desc := len(cur) > 0 && cur[0].Column == col && !cur[0].Desc
		next = []SortKey{{Column: col, Desc: desc}}
	} else {
		next = cur
		if i := slices.IndexFunc(next, func(k SortKey) bool { return k.Column == col }); i >= 0 {
			next[i].Desc = !next[i].Desc
		} else {
			if len(next) >= MaxSortKeys {
				next = next[:MaxSortKeys-1]
			}
			next = append(next, SortKey{Column: col})
		}
	}
	if c.spec != nil && sortEqual(next, c.spec.DefaultSort) {
		next = nil
	}
	c.Sort = next
	c.Page = 1
	return c
}

// WithPage returns the view on page n (at least 1).
func (q Query) WithPage(n int) Query {
	c := q.clone()
	c.Page = max(n, 1)
	return c
}

// WithPerPage returns the view with n rows per page (clamped), back on page
// 1, since the old page number means different rows now.
func (q Query) WithPerPage(n int) Query {
	c := q.clone()
	c.PerPage = clampPerPage(max(n, 1))
	c.Page = 1
	return c
}

// WithoutFilters returns the view with no search, value filters or ranges
// (sort and page size kept), for a "clear filters" link.
func (q Query) WithoutFilters() Query {
	c := q.clone()
	c.Search, c.Filters, c.Ranges, c.Page = "", nil, nil, 1
	return c
}

// SortOf tells how col takes part in the view's effective sort: pos is its
// 0-based position among the keys (0 = primary), desc its direction, ok
// false when it is not a key.
func (q Query) SortOf(col string) (pos int, desc bool, ok bool) {
	for i, k := range q.EffectiveSort() {
		if k.Column == col {
			return i, k.Desc, true
		}
	}
	return 0, false, false
}

// AriaSort returns the aria-sort attribute value for col's header:
// "ascending" or "descending" for the primary key, "none" otherwise (ARIA
// expects the attribute on one header only).
func (q Query) AriaSort(col string) string {
	pos, desc, ok := q.SortOf(col)
	switch {
	case !ok || pos != 0:
		return "none"
	case desc:
		return "descending"
	}
	return "ascending"
}
