package dataset

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// runIDs parses raw as a query and returns the ids of Matching.
func runIDs(t *testing.T, s *Snapshot, raw string) []string {
	t.Helper()
	q, err := ParseQuery(s.Spec, mustValues(t, raw))
	if err != nil {
		t.Fatalf("ParseQuery(%q): %v", raw, err)
	}
	return ids(s, s.Matching(q))
}

func TestSearch(t *testing.T) {
	s := snap(t, testSpec(), inventoryRows())
	tests := []struct {
		name, q string
		want    []string
	}{
		{"plain finds accented", "cafe", []string{"L1", "L3"}},
		{"accented upper finds plain lower", "ÉCLAIR", []string{"L2", "L5"}},
		{"every term must match", "CAFÉ crème", []string{"L1"}},
		{"terms may match different columns", "00123 latte", []string{"L3"}},
		{"number by its displayed text", "1,234", []string{"L4"}},
		{"number by its plain text", "1234.5", []string{"L4"}},
		{"substring inside a code", "-1", []string{"L6"}},
		{"diaeresis", "naive", []string{"L6"}},
		{"non-searchable column is not searched", "A-01", nil},
		{"no match", "zzz", nil},
		{"SQL is just text", "' OR 1=1 --", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runIDs(t, s, "q="+urlEscape(tt.q))
			if !slices.Equal(got, tt.want) {
				t.Errorf("search %q = %v, want %v", tt.q, got, tt.want)
			}
		})
	}
}

func urlEscape(s string) string {
	return strings.NewReplacer("%", "%25", "&", "%26", "+", "%2B", " ", "+", "=", "%3D", "#", "%23").Replace(s)
}

// facetCounts renders a facet as "value:count" (with * when selected).
func facetCounts(f Facet) string {
	var parts []string
	for _, o := range f.Options {
		p := fmt.Sprintf("%s:%d", o.Value, o.Count)
		if o.Selected {
			p += "*"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " ")
}

func TestFacetsCascade(t *testing.T) {
	s := snap(t, testSpec(), inventoryRows())
	tests := []struct {
		name          string
		raw           string
		total         int
		customer, bin string
		status        string
	}{
		{"no filters", "", 6,
			"ACME:2 Globex:2 Initech:2", "A-01:2 A-02:1 B-01:2", "Available:4 Pending QC:1 Quarantined:1"},
		{"own filter does not narrow own options", "f.customer=ACME", 2,
			"ACME:2* Globex:2 Initech:2", "A-01:1 A-02:1", "Available:1 Quarantined:1"},
		{"other filters narrow, selected value with no rows stays", "f.customer=ACME&f.status=Pending+QC", 0,
			"ACME:0* Globex:1", "", "Available:1 Pending QC:0* Quarantined:1"},
		{"two values of one facet", "f.status=Pending+QC&f.status=Quarantined", 2,
			"ACME:1 Globex:1", "A-01:1 A-02:1", "Available:4 Pending QC:1* Quarantined:1*"},
		{"search narrows every facet", "q=cafe", 2,
			"ACME:1 Globex:1", "A-01:1 B-01:1", "Available:2"},
		{"range narrows every facet", "min.qty=10", 3,
			"ACME:1 Globex:1 Initech:1", "A-01:2", "Available:2 Pending QC:1"},
		{"unknown selected value is listed in order", "f.status=Bogus", 0,
			"", "", "Available:4 Bogus:0* Pending QC:1 Quarantined:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseQuery(s.Spec, mustValues(t, tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			res := s.Run(q)
			if res.Total != tt.total {
				t.Errorf("Total = %d, want %d", res.Total, tt.total)
			}
			if len(res.Facets) != 4 {
				t.Fatalf("%d facets, want 4 (customer, part, bin, status)", len(res.Facets))
			}
			for _, c := range []struct{ got, want string }{
				{facetCounts(res.Facets[0]), tt.customer},
				{facetCounts(res.Facets[2]), tt.bin},
				{facetCounts(res.Facets[3]), tt.status},
			} {
				if c.got != c.want {
					t.Errorf("facet = %q, want %q", c.got, c.want)
				}
			}
		})
	}
}

func TestFacetOrderAndCap(t *testing.T) {
	spec := &Spec{Name: "t", KeyColumn: "k", Columns: []Column{
		{Name: "k", Type: Text},
		{Name: "v", Type: Text, Facet: true},
		{Name: "n", Type: Integer, Facet: true},
	}}
	var rows [][]any
	for i := range MaxFacetOptions + 5 {
		rows = append(rows, []any{fmt.Sprint(i), fmt.Sprintf("v%04d", i), int64(i % 3)})
	}
	rows = append(rows, []any{"x1", "éa", int64(-1)}, []any{"x2", "Eb", nil}, []any{"x3", "ec", int64(2)})
	s := snap(t, spec, rows)
	q, _ := ParseQuery(spec, mustValues(t, "f.v=v1004"))
	res := s.Run(q)
	v := res.Facets[0]
	if !v.Truncated {
		t.Error("Truncated = false with more than MaxFacetOptions values")
	}
	if len(v.Options) != MaxFacetOptions+1 {
		t.Errorf("%d options, want %d (the cap plus the selected value)", len(v.Options), MaxFacetOptions+1)
	}
	if got := v.Options[len(v.Options)-1]; got.Value != "v1004" || !got.Selected {
		t.Errorf("last option = %+v, want the selected v1004", got)
	}
	q, _ = ParseQuery(spec, mustValues(t, "q="))
	res = s.Run(q)
	if got := []string{res.Facets[0].Options[0].Value, res.Facets[0].Options[1].Value, res.Facets[0].Options[2].Value}; !slices.Equal(got, []string{"éa", "Eb", "ec"}) {
		t.Errorf("first options = %v, want case- and accent-insensitive order", got)
	}
	if got := facetCounts(res.Facets[1]); got != "-1:1 0:335 1:335 2:336" {
		t.Errorf("numeric facet = %q", got)
	}
}

func TestRanges(t *testing.T) {
	s := snap(t, testSpec(), inventoryRows())
	tests := []struct {
		name, raw string
		want      []string
	}{
		{"inclusive number range", "min.qty=5.5&max.qty=42", []string{"L1", "L6", "L2"}},
		{"NULL is outside any range", "min.qty=0", []string{"L1", "L6", "L2", "L5", "L4"}},
		{"grouped number", "min.qty=1,000", []string{"L4"}},
		{"date max is inclusive", "max.exp=2024-06-01", []string{"L1", "L5"}},
		{"date-only min on a date-time starts the day", "min.recv=2024-04-03", []string{"L6", "L5", "L4"}},
		{"date-only max on a date-time includes the day", "max.recv=2024-04-02", []string{"L1", "L2"}},
		{"minute precision", "min.recv=2024-04-02T09:30", []string{"L6", "L2", "L5", "L4"}},
		{"min above max matches nothing", "min.qty=50&max.qty=10", nil},
		{"range and facet", "min.qty=1&f.status=Available", []string{"L1", "L6"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := runIDs(t, s, tt.raw); !slices.Equal(got, tt.want) {
				t.Errorf("%s = %v, want %v", tt.raw, got, tt.want)
			}
		})
	}
}

func TestSort(t *testing.T) {
	s := snap(t, testSpec(), inventoryRows())
	tests := []struct {
		name, raw string
		want      []string
	}{
		{"default sort is case-insensitive text", "", []string{"L1", "L3", "L6", "L2", "L5", "L4"}},
		{"number ascending, NULL last", "sort=qty", []string{"L5", "L2", "L1", "L6", "L4", "L3"}},
		{"number descending is the exact reverse", "sort=-qty", []string{"L3", "L4", "L6", "L1", "L2", "L5"}},
		{"ties broken by the key column", "sort=status", []string{"L1", "L3", "L5", "L6", "L4", "L2"}},
		{"second key orders within the first", "sort=status&sort=-qty", []string{"L3", "L6", "L1", "L5", "L4", "L2"}},
		{"empty text sorts first, NULL would sort last", "sort=customer&sort=bin", []string{"L1", "L2", "L4", "L3", "L6", "L5"}},
		{"dates, NULL last", "sort=exp", []string{"L5", "L1", "L4", "L2", "L6", "L3"}},
		{"date-times descending", "sort=-recv", []string{"L3", "L6", "L5", "L4", "L2", "L1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := runIDs(t, s, tt.raw); !slices.Equal(got, tt.want) {
				t.Errorf("%s = %v, want %v", tt.raw, got, tt.want)
			}
		})
	}
}

func TestSortTieBreakers(t *testing.T) {
	rows := [][]any{{"Z", "same"}, {"A", "same"}, {"M", "Same"}, {"B", "other"}}
	tests := []struct {
		name string
		key  string
		want []string
	}{
		{"key column breaks ties, whatever the row order", "k", []string{"B", "A", "M", "Z"}},
		{"without a key column, row order breaks ties", "", []string{"B", "Z", "A", "M"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := &Spec{Name: "t", KeyColumn: tt.key, DefaultSort: []SortKey{{Column: "v"}},
				Columns: []Column{{Name: "k", Type: Text}, {Name: "v", Type: Text}}}
			s := snap(t, spec, rows)
			if got := ids(s, s.Matching(Query{})); !slices.Equal(got, tt.want) {
				t.Errorf("order = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPaging(t *testing.T) {
	spec := testSpec()
	var rows [][]any
	for i := range 25 {
		rows = append(rows, []any{fmt.Sprintf("L%02d", i), "ACME", fmt.Sprintf("P%02d", i), "d", float64(i), "B", nil, nil, "Available"})
	}
	s := snap(t, spec, rows)
	empty := snap(t, spec, nil)
	tests := []struct {
		name           string
		s              *Snapshot
		raw            string
		page, pages, n int
		from, to       int
	}{
		{"first page", s, "per_page=10", 1, 3, 10, 1, 10},
		{"last partial page", s, "per_page=10&page=3", 3, 3, 5, 21, 25},
		{"page beyond the last is the last", s, "per_page=10&page=1000000000", 3, 3, 5, 21, 25},
		{"per_page huge is clamped to 500", s, "per_page=1000000", 1, 1, 25, 1, 25},
		{"no matches is one empty page", s, "q=zzz&page=4", 1, 1, 0, 0, 0},
		{"empty snapshot", empty, "page=2", 1, 1, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseQuery(spec, mustValues(t, tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			res := tt.s.Run(q)
			if res.Page != tt.page || res.Pages != tt.pages || len(res.Rows) != tt.n || res.From != tt.from || res.To != tt.to {
				t.Errorf("Run = page %d of %d, %d rows, %d–%d; want page %d of %d, %d rows, %d–%d",
					res.Page, res.Pages, len(res.Rows), res.From, res.To, tt.page, tt.pages, tt.n, tt.from, tt.to)
			}
		})
	}
}

// randomSnapshot makes rows with many ties, NULLs, accents and case
// variants, so the rank-based sort and the dictionary filters meet their
// edge cases.
func randomSnapshot(tb testing.TB, n int, seed uint64) *Snapshot {
	tb.Helper()
	r := rand.New(rand.NewPCG(seed, seed))
	words := []string{"cafe", "Café", "CAFE", "éclair", "Eclair", "widget", "", "zeta", "Ärger", "alpha"}
	spec := testSpec()
	rows := make([][]any, n)
	for i := range rows {
		maybe := func(v any) any {
			if r.IntN(8) == 0 {
				return nil
			}
			return v
		}
		rows[i] = []any{
			fmt.Sprintf("L%05d", r.IntN(n*4)), // not unique: the key ties too, sometimes
			fmt.Sprintf("C%d", r.IntN(5)),
			maybe(words[r.IntN(len(words))]),
			maybe(words[r.IntN(len(words))] + " " + words[r.IntN(len(words))]),
			maybe(float64(r.IntN(20)) / 2),
			maybe(fmt.Sprintf("B%d", r.IntN(7))),
			maybe(day("2024-01-01").AddDate(0, 0, r.IntN(30))),
			maybe(day("2024-01-01").Add(time.Duration(r.IntN(5000)) * time.Minute)),
			maybe([]string{"Available", "Quarantined", "Pending QC"}[r.IntN(3)]),
		}
	}
	return snap(tb, spec, rows)
}

// refCompare compares two rows on one column from their cells, the way the
// specification says (text folded, NULL greatest), without ranks.
func refCompare(s *Snapshot, col, a, b int) int {
	ca, cb := s.Cell(a, col), s.Cell(b, col)
	switch {
	case ca.Null && cb.Null:
		return 0
	case ca.Null:
		return 1
	case cb.Null:
		return -1
	}
	switch c := s.Spec.Columns[col]; {
	case c.Numeric():
		return cmpFloat(ca.Num, cb.Num)
	case c.Temporal():
		return ca.Time.Compare(cb.Time)
	}
	return strings.Compare(fold(ca.Text), fold(cb.Text))
}

// refMatching filters and sorts naively from cells.
func refMatching(s *Snapshot, q Query) []int {
	var out []int
	terms := searchTerms(q.Search)
rows:
	for r := 0; r < s.Len(); r++ {
		for _, term := range terms {
			found := false
			for _, ci := range s.searchable {
				c := s.Cell(r, ci)
				if !c.Null && strings.Contains(fold(c.Display(s.Spec.Columns[ci])), term) {
					found = true
				}
			}
			if !found {
				continue rows
			}
		}
		for name, vals := range q.Filters {
			_, ci, _ := s.Spec.Column(name)
			if c := s.Cell(r, ci); c.Null || !slices.Contains(vals, c.Text) {
				continue rows
			}
		}
		out = append(out, r)
	}
	keys := append(slices.Clone(q.EffectiveSort()), SortKey{Column: "id"})
	slices.SortStableFunc(out, func(a, b int) int {
		for _, k := range keys {
			_, ci, _ := s.Spec.Column(k.Column)
			if c := refCompare(s, ci, a, b); c != 0 {
				if k.Desc {
					return -c
				}
				return c
			}
		}
		return a - b
	})
	return out
}

// TestMatchingAgainstReference checks filters, sort (radix, comparison and
// cached-order paths) and paging against a naive implementation.
func TestMatchingAgainstReference(t *testing.T) {
	s := randomSnapshot(t, 6000, 1)
	queries := []string{
		"",
		"sort=qty",
		"sort=-qty&sort=bin",
		"sort=descr&sort=-exp&sort=customer&sort=-recv",
		"sort=-part&sort=status",
		"q=cafe&sort=-qty",
		"q=ecl&sort=descr",
		"q=cafe+alpha&sort=exp",
		"f.status=Available&sort=-recv",
		"f.status=Pending+QC&f.bin=B1&f.bin=B3&sort=qty",
		"f.customer=C1&q=zeta&sort=-descr",
		"q=5.5",
	}
	for _, raw := range queries {
		t.Run(raw, func(t *testing.T) {
			q, err := ParseQuery(s.Spec, mustValues(t, raw))
			if err != nil {
				t.Fatal(err)
			}
			want := refMatching(s, q)
			for pass := range 2 { // the second pass may use the cached order
				got := s.Matching(q)
				if !slices.Equal(got, want) {
					t.Fatalf("pass %d: Matching differs from the reference (%d vs %d rows)", pass, len(got), len(want))
				}
			}
			q.PerPage = 100
			var paged []int
			for p := 1; ; p++ {
				res := s.Run(q.WithPage(p))
				paged = append(paged, res.Rows...)
				if res.Total != len(want) {
					t.Fatalf("Total = %d, want %d", res.Total, len(want))
				}
				if p >= res.Pages {
					break
				}
			}
			if !slices.Equal(paged, want) {
				t.Errorf("pages differ from Matching")
			}
		})
	}
}

// TestSortPathsAgree compares the radix sort with the comparison sort on the
// same rows, including descending keys and NULLs.
func TestSortPathsAgree(t *testing.T) {
	s := randomSnapshot(t, 5000, 2)
	for _, raw := range []string{"sort=qty", "sort=-descr&sort=exp", "sort=-status&sort=-recv&sort=bin"} {
		t.Run(raw, func(t *testing.T) {
			q, _ := ParseQuery(s.Spec, mustValues(t, raw))
			refs, _ := s.sortRefs(q)
			rows := make([]uint32, s.Len())
			for i := range rows {
				rows[i] = uint32(i)
			}
			radix := slices.Clone(rows)
			radixSort(radix, refs)
			cmpSorted := slices.Clone(rows)
			sortRows(cmpSorted[:smallSort], refs) // the comparison path
			sortRows(cmpSorted[smallSort:], refs)
			// Merge check: the comparison-sorted halves must be subsequences of
			// the radix order.
			pos := make([]int, s.Len())
			for i, r := range radix {
				pos[r] = i
			}
			for _, half := range [][]uint32{cmpSorted[:smallSort], cmpSorted[smallSort:]} {
				for i := 1; i < len(half); i++ {
					if pos[half[i-1]] > pos[half[i]] {
						t.Fatalf("radix and comparison sorts disagree on rows %d and %d", half[i-1], half[i])
					}
				}
			}
		})
	}
}

func TestSortCacheIsBounded(t *testing.T) {
	s := randomSnapshot(t, 3000, 3)
	before := s.MemoryBytes()
	for _, raw := range []string{"sort=qty", "sort=bin", "sort=exp", "sort=recv", "sort=status", "sort=descr"} {
		q, _ := ParseQuery(s.Spec, mustValues(t, raw))
		s.Run(q)
	}
	if got, want := s.MemoryBytes()-before, int64(maxCachedOrders*s.Len()*4); got != want {
		t.Errorf("sort cache holds %d bytes, want %d (%d orders)", got, want, maxCachedOrders)
	}
}

// TestRunConcurrently runs different views of one snapshot at once (the
// order cache is shared); each must get what it gets alone.
func TestRunConcurrently(t *testing.T) {
	s := randomSnapshot(t, 4000, 4)
	raws := []string{"", "sort=qty", "sort=-bin&sort=exp", "q=cafe", "f.status=Available&sort=-recv", "sort=descr", "sort=-status", "page=3&sort=customer"}
	alone := randomSnapshot(t, 4000, 4)
	want := make([][]int, len(raws))
	qs := make([]Query, len(raws))
	for i, raw := range raws {
		q, err := ParseQuery(s.Spec, mustValues(t, raw))
		if err != nil {
			t.Fatal(err)
		}
		qs[i] = q
		want[i] = alone.Run(q).Rows
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 8 {
		wg.Go(func() {
			for k := range 20 {
				i := (g + k) % len(qs)
				if got := s.Run(qs[i]).Rows; !slices.Equal(got, want[i]) {
					errs <- raws[i]
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for raw := range errs {
		t.Errorf("concurrent Run of %q differs from running it alone", raw)
	}
}
