package dataset

import (
	"bytes"
	"math/bits"
	"slices"
	"strconv"
	"strings"
)

// MaxFacetOptions is the most options a facet lists (selected values come
// on top): a select with more is no help, and the search box narrows it.
const MaxFacetOptions = 1000

// maxSearchTerms bounds the work one search can ask for.
const maxSearchTerms = 16

// Option is one value offered by a facet.
type Option struct {
	Value    string // what f.<col>= carries: the text, or the number/date in canonical form
	Label    string // how to show it: Value for text, formatted like the column for numbers and dates
	Count    int    // rows that match every other active filter and have this value
	Selected bool
}

// Facet is the option list of one Facet column. Options are in value order
// (text case-insensitively), hold the first MaxFacetOptions values with rows
// plus every selected value (Count 0 when none match), and leave out NULL
// and empty values, which cannot be told from the form's "All" choice.
type Facet struct {
	Column    Column
	Options   []Option
	Truncated bool // more values have rows than are listed
}

// Result is the answer to one grid request.
type Result struct {
	Total      int   // rows matching the view
	Unfiltered int   // rows in the snapshot
	Page       int   // clamped to [1, Pages]
	PerPage    int   // clamped
	Pages      int   // at least 1
	From, To   int   // 1-based positions of the first and last row shown ("Showing 1–50"); 0 when none
	Rows       []int // snapshot row indexes of this page, in order
	Facets     []Facet
}

// Run answers one grid request: it filters (search, value filters, ranges),
// counts the facets, sorts and pages.
//
// Search: every whitespace-separated term must occur, case- and
// accent-insensitively, in some Searchable column (numbers and dates by their
// displayed text). Facets cascade: each facet's options and counts are
// computed with every other active filter applied but not its own. Sort is
// multi-key and stable, by q.Sort or else spec.DefaultSort, then
// spec.KeyColumn, then row index; text compares case- and accent-
// insensitively; NULLs come last ascending (and so first descending, the
// exact reverse, as in PostgreSQL).
func (s *Snapshot) Run(q Query) *Result {
	v := s.filter(q)
	res := &Result{Total: v.total, Unfiltered: s.n, PerPage: clampPerPage(q.PerPage)}
	res.Pages = max(1, (v.total+res.PerPage-1)/res.PerPage)
	res.Page = min(max(q.Page, 1), res.Pages)
	from := (res.Page - 1) * res.PerPage
	to := min(from+res.PerPage, v.total)
	refs, key := s.sortRefs(q)
	res.Rows = s.ordered(refs, key, v, from, to)
	if to > from {
		res.From, res.To = from+1, to
	}
	res.Facets = s.facets(q, v)
	return res
}

// Matching returns every row index of the view, in the view's order, for
// exports: the same rows and order the grid pages through.
func (s *Snapshot) Matching(q Query) []int {
	v := s.filter(q)
	refs, key := s.sortRefs(q)
	return s.ordered(refs, key, v, 0, v.total)
}

// dim is one active filter as a row bitset. facet is the column index for a
// value filter (whose own facet ignores it), -1 for search and ranges.
type dim struct {
	facet int
	bits  []uint64
}

// view is the filtered state of one request.
type view struct {
	dims  []dim
	all   []uint64 // AND of every dim; nil when nothing filters
	total int
}

func newBits(n int) []uint64 { return make([]uint64, (n+63)/64) }

func popcount(b []uint64) int {
	t := 0
	for _, w := range b {
		t += bits.OnesCount64(w)
	}
	return t
}

// setCodes writes into b the rows whose code is marked in m. m holds 0 or 1
// per code so the loop has no branch per row.
func setCodes(b []uint64, codes []uint32, m []uint8, or bool) {
	n := len(codes)
	for w := range b {
		base := w << 6
		cs := codes[base:min(base+64, n)]
		var word uint64
		for i, c := range cs {
			word |= uint64(m[c]) << uint(i)
		}
		if or {
			b[w] |= word
		} else {
			b[w] = word
		}
	}
}

// and returns the AND of dims except the one at skip (-1: none), or nil
// when that leaves nothing.
func and(dims []dim, skip int) []uint64 {
	var out []uint64
	for i, d := range dims {
		if i == skip {
			continue
		}
		if out == nil {
			out = slices.Clone(d.bits)
			continue
		}
		for w := range out {
			out[w] &= d.bits[w]
		}
	}
	return out
}

// filter evaluates the view's search, ranges and value filters.
func (s *Snapshot) filter(q Query) *view {
	v := &view{}
	if b, ok := s.searchBits(q.Search); ok {
		v.dims = append(v.dims, dim{facet: -1, bits: b})
	}
	// Ranges and value filters in column order, so results do not depend on
	// map iteration.
	for i, col := range s.Spec.Columns {
		if r, ok := q.Ranges[col.Name]; ok {
			if m := s.cols[i].rangeMask(r); m != nil {
				b := newBits(s.n)
				setCodes(b, s.cols[i].codes, m, false)
				v.dims = append(v.dims, dim{facet: -1, bits: b})
			}
		}
		if vals := q.Filters[col.Name]; len(vals) > 0 {
			m, _ := s.cols[i].valueMask(vals)
			b := newBits(s.n)
			setCodes(b, s.cols[i].codes, m, false)
			v.dims = append(v.dims, dim{facet: i, bits: b})
		}
	}
	v.all = and(v.dims, -1)
	v.total = s.n
	if v.all != nil {
		v.total = popcount(v.all)
	}
	return v
}

// searchTerms splits a search into folded, distinct terms.
func searchTerms(q string) []string {
	var out []string
	for _, t := range strings.Fields(fold(q)) {
		if !slices.Contains(out, t) && len(out) < maxSearchTerms {
			out = append(out, t)
		}
	}
	return out
}

// searchBits returns the rows where every term occurs in some searchable
// column; ok is false when the search is empty.
func (s *Snapshot) searchBits(q string) ([]uint64, bool) {
	terms := searchTerms(q)
	if len(terms) == 0 {
		return nil, false
	}
	var acc []uint64
	for _, t := range terms {
		tb := newBits(s.n)
		for _, ci := range s.searchable {
			c := s.cols[ci]
			if m := c.matchText([]byte(t)); m != nil {
				setCodes(tb, c.codes, m, true)
			}
		}
		if acc == nil {
			acc = tb
			continue
		}
		for w := range acc {
			acc[w] &= tb[w]
		}
	}
	return acc, true
}

// matchText marks the codes whose folded text contains term, or returns nil
// when none does. It scans the column's search blob, so the cost is one pass
// over the distinct values however many rows share them.
func (c *column) matchText(term []byte) []uint8 {
	var m []uint8
	code, pos := 1, 0
	for pos < len(c.fold) {
		i := bytes.Index(c.fold[pos:], term)
		if i < 0 {
			break
		}
		p := uint32(pos + i)
		for c.foldOff[code+1] <= p {
			code++
		}
		if m == nil {
			m = make([]uint8, c.dictLen())
		}
		m[code] = 1
		pos = int(c.foldOff[code+1])
	}
	return m
}

// rangeMask marks the codes inside r (NULL never is), or nil when r has no
// usable bound.
func (c *column) rangeMask(r Range) []uint8 {
	if c.kind == kindText {
		return nil
	}
	lo, hi := -1.0e308, 1.0e308
	set := false
	if x, _, ok := parseBound(c.def, strings.TrimSpace(r.Min)); ok && r.Min != "" {
		lo, set = x, true
	}
	if x, dayOnly, ok := parseBound(c.def, strings.TrimSpace(r.Max)); ok && r.Max != "" {
		if dayOnly && c.def.Type == DateTime {
			x += 86400 - 1 // "up to 2024-01-31" includes that whole day
		}
		hi, set = x, true
	}
	if !set {
		return nil
	}
	m := make([]uint8, c.dictLen())
	for code := 1; code < len(m); code++ {
		var x float64
		if c.kind == kindNum {
			x = c.nums[code]
		} else {
			x = float64(c.times[code])
		}
		if x >= lo && x <= hi {
			m[code] = 1
		}
	}
	return m
}

// lookup returns the code of a facet value (0 when the snapshot has no such
// value).
func (c *column) lookup(val string) uint32 {
	switch c.kind {
	case kindText:
		if c.byRaw != nil {
			i, ok := slices.BinarySearchFunc(c.byRaw, val, func(code uint32, v string) int { return strings.Compare(c.str(code), v) })
			if ok {
				return c.byRaw[i]
			}
			return 0
		}
		for code := 1; code < c.dictLen(); code++ {
			if c.str(uint32(code)) == val {
				return uint32(code)
			}
		}
	default:
		x, _, ok := parseBound(c.def, strings.TrimSpace(val))
		if !ok {
			return 0
		}
		for code := 1; code < c.dictLen(); code++ {
			if c.kind == kindNum && c.nums[code] == x || c.kind == kindTime && float64(c.times[code]) == x {
				return uint32(code)
			}
		}
	}
	return 0
}

// valueMask marks the codes of the given values; unknown lists the values
// the snapshot does not hold.
func (c *column) valueMask(vals []string) (m []uint8, unknown []string) {
	m = make([]uint8, c.dictLen())
	for _, v := range vals {
		if code := c.lookup(v); code != 0 {
			m[code] = 1
		} else {
			unknown = append(unknown, v)
		}
	}
	return m, unknown
}

// countCodes counts, per code, the rows set in b (every row when b is nil).
func countCodes(codes []uint32, b []uint64, size int) []int32 {
	counts := make([]int32, size)
	if b == nil {
		for _, c := range codes {
			counts[c]++
		}
		return counts
	}
	for w, word := range b {
		if word == 0 {
			continue
		}
		base := w << 6
		if word == ^uint64(0) {
			for _, c := range codes[base : base+64] {
				counts[c]++
			}
			continue
		}
		for word != 0 {
			counts[codes[base+bits.TrailingZeros64(word)]]++
			word &= word - 1
		}
	}
	return counts
}

// facets computes every Facet column's options, cascading.
func (s *Snapshot) facets(q Query, v *view) []Facet {
	var out []Facet
	for i, col := range s.Spec.Columns {
		if !col.Facet {
			continue
		}
		base := v.all
		for j, d := range v.dims {
			if d.facet == i {
				base = and(v.dims, j)
				break
			}
		}
		c := s.cols[i]
		counts := countCodes(c.codes, base, c.dictLen())
		out = append(out, c.facet(counts, q.Filters[col.Name]))
	}
	return out
}

// facetValue is the f.<col> value of a code.
func (c *column) facetValue(code uint32) string {
	switch c.kind {
	case kindNum:
		return strconv.FormatFloat(c.nums[code], 'f', -1, 64)
	case kindTime:
		cell := c.cell(code)
		if c.def.Type == Date {
			return cell.Time.Format("2006-01-02")
		}
		return cell.Time.Format("2006-01-02 15:04:05")
	}
	return c.str(code)
}

// facet lists a column's options from its counts.
func (c *column) facet(counts []int32, selected []string) Facet {
	f := Facet{Column: c.def}
	sel, unknown := c.valueMask(selected)
	order := c.order
	if order == nil { // not configured as a facet (a hand-built Query): rank order
		order = make([]uint32, 0, c.dictLen())
		for code := 1; code < c.dictLen(); code++ {
			order = append(order, uint32(code))
		}
		slices.SortStableFunc(order, func(a, b uint32) int { return int(c.rank[a]) - int(c.rank[b]) })
	}
	listed := 0
	for _, code := range order {
		n, isSel := counts[code], sel[code] == 1
		if !isSel && (n == 0 || c.kind == kindText && c.toff[code] == c.toff[code+1]) {
			continue
		}
		if !isSel {
			if listed >= MaxFacetOptions {
				f.Truncated = true
				continue
			}
			listed++
		}
		val := c.facetValue(code)
		lbl := val
		if c.kind != kindText {
			lbl = c.cell(code).Display(c.def)
		}
		f.Options = append(f.Options, Option{Value: val, Label: lbl, Count: int(n), Selected: isSel})
	}
	for _, u := range unknown {
		o := Option{Value: u, Label: u, Selected: true}
		i, _ := slices.BinarySearchFunc(f.Options, o, c.optionCmp)
		f.Options = slices.Insert(f.Options, i, o)
	}
	return f
}

// optionCmp orders options the way the facet lists them, to place selected
// values the snapshot does not hold.
func (c *column) optionCmp(a, b Option) int {
	if c.kind != kindText {
		x, _, _ := parseBound(c.def, a.Value)
		y, _, _ := parseBound(c.def, b.Value)
		return cmpFloat(x, y)
	}
	if r := strings.Compare(fold(a.Value), fold(b.Value)); r != 0 {
		return r
	}
	return strings.Compare(a.Value, b.Value)
}
