package dataset

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func mustValues(t testing.TB, raw string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatalf("bad test query %q: %v", raw, err)
	}
	return v
}

func TestParseQuery(t *testing.T) {
	spec := testSpec()
	tests := []struct {
		name string
		raw  string
		want Query
	}{
		{"empty is the default view", "", Query{Page: 1, PerPage: 50}},
		{"search is trimmed", "q=+caf%C3%A9+", Query{Search: "café", Page: 1, PerPage: 50}},
		{"facet values OR, deduplicated, empty ignored", "f.status=Available&f.status=Pending+QC&f.status=Available&f.status=", Query{Filters: map[string][]string{"status": {"Available", "Pending QC"}}, Page: 1, PerPage: 50}},
		{"column names ignore case", "f.STATUS=Available&sort=-QTY", Query{Filters: map[string][]string{"status": {"Available"}}, Sort: []SortKey{{"qty", true}}, Page: 1, PerPage: 50}},
		{"ranges", "min.qty=1,000&max.exp=2024-12-31&min.recv=2024-01-01T10:00", Query{Ranges: map[string]Range{"qty": {Min: "1,000"}, "exp": {Max: "2024-12-31"}, "recv": {Min: "2024-01-01T10:00"}}, Page: 1, PerPage: 50}},
		{"multi-key sort, repeated key ignored", "sort=customer&sort=-qty&sort=customer", Query{Sort: []SortKey{{"customer", false}, {"qty", true}}, Page: 1, PerPage: 50}},
		{"sort equal to the default is dropped", "sort=part", Query{Page: 1, PerPage: 50}},
		{"plus prefix reads as ascending", "sort=%2Bqty", Query{Sort: []SortKey{{"qty", false}}, Page: 1, PerPage: 50}},
		{"page beyond the last is kept for Run to clamp", "page=1000000000", Query{Page: 1000000000, PerPage: 50}},
		{"huge page is capped", "page=99999999999999999999999", Query{Page: maxPage, PerPage: 50}},
		{"per_page above the limit clamps", "per_page=1000000", Query{Page: 1, PerPage: 500}},
		{"per_page below the limit clamps", "per_page=1", Query{Page: 1, PerPage: 10}},
		{"per_page negative clamps", "per_page=-5", Query{Page: 1, PerPage: 10}},
		{"empty page and per_page are defaults", "page=&per_page=", Query{Page: 1, PerPage: 50}},
		{"first of repeated page counts", "page=3&page=7", Query{Page: 3, PerPage: 50}},
		{"unrelated parameters ignored", "_=123&hx-request=true&foo=%00", Query{Page: 1, PerPage: 50}},
		{"numeric facet value is checked and kept", "f.qty=+10.5", Query{Filters: map[string][]string{}, Page: 1, PerPage: 50}},
	}
	// qty is not a facet in testSpec; make a variant where it is, for the
	// numeric facet case.
	numSpec := testSpec()
	numSpec.Columns[4].Facet = true
	tests[len(tests)-1].want.Filters["qty"] = []string{"10.5"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := spec
			if strings.HasPrefix(tt.raw, "f.qty") {
				s = numSpec
			}
			got, err := ParseQuery(s, mustValues(t, tt.raw))
			if err != nil {
				t.Fatalf("ParseQuery: %v", err)
			}
			tt.want.spec = s
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseQuery =\n %#v\nwant\n %#v", got, tt.want)
			}
		})
	}
}

func TestParseQueryErrors(t *testing.T) {
	spec := testSpec()
	long := strings.Repeat("x", 1001)
	many := strings.Repeat("f.status=a&", 101)
	tests := []struct {
		name, raw, param, message string
	}{
		{"unknown sort column", "sort=foo", "sort", `there is no column "foo" to sort by`},
		{"unknown descending sort column", "sort=-foo", "sort", `there is no column "foo" to sort by`},
		{"double minus", "sort=--qty", "sort", `there is no column "-qty" to sort by`},
		{"hidden sort column", "sort=id", "sort", `there is no column "id" to sort by`},
		{"too many sort keys", "sort=customer&sort=part&sort=qty&sort=bin&sort=exp", "sort", "sort by at most 4 columns"},
		{"unknown filter column", "f.foo=1", "f.foo", `there is no column "foo" to filter by`},
		{"empty filter column", "f.=1", "f.", `there is no column "" to filter by`},
		{"non-facet filter", "f.descr=x", "f.descr", `"Description" cannot be filtered by value`},
		{"unknown range column", "min.foo=1", "min.foo", `there is no column "foo" to filter by`},
		{"range on text", "max.part=1", "max.part", `"Part" cannot be filtered by a range`},
		{"bad number", "min.qty=ten", "min.qty", "min.qty must be a number"},
		{"non-finite number", "max.qty=NaN", "max.qty", "max.qty must be a number"},
		{"infinite number", "max.qty=Inf", "max.qty", "max.qty must be a number"},
		{"bad date", "max.exp=31/12/2024", "max.exp", "max.exp must be a date like 2024-01-31"},
		{"impossible date", "min.exp=2024-02-30", "min.exp", "min.exp must be a date like 2024-01-31"},
		{"page zero", "page=0", "page", "page must be a whole number of 1 or more"},
		{"negative page", "page=-1", "page", "page must be a whole number of 1 or more"},
		{"fractional page", "page=1.5", "page", "page must be a whole number of 1 or more"},
		{"word page", "page=last", "page", "page must be a whole number of 1 or more"},
		{"word per_page", "per_page=all", "per_page", "per_page must be a whole number"},
		{"value too long", "q=" + long, "q", "the value of q is too long (at most 1000 characters)"},
		{"filter value too long", "f.status=" + long, "f.status", "the value of f.status is too long (at most 1000 characters)"},
		{"too many values", many, "f.status", "too many values for f.status (at most 100)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseQuery(spec, mustValues(t, tt.raw))
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("ParseQuery error = %v, want a *QueryError", err)
			}
			if qe.Param != tt.param || qe.Message != tt.message {
				t.Errorf("QueryError = {%q, %q}, want {%q, %q}", qe.Param, qe.Message, tt.param, tt.message)
			}
		})
	}
}

// TestParseQueryHostileValues sends SQL and markup in every parameter: each
// must come back as data or as a *QueryError, and Run must cope with
// whatever parsed.
func TestParseQueryHostileValues(t *testing.T) {
	spec := testSpec()
	s := snap(t, spec, inventoryRows())
	params := []string{"q", "f.status", "f.part", "min.qty", "max.exp", "sort", "page", "per_page", "f.x' OR '1'='1", "sort'--"}
	values := []string{
		"' OR '1'='1",
		"1; DROP TABLE inventory;--",
		"ACME') UNION SELECT password FROM users--",
		`"><script>alert(1)</script>`,
		"%00\x00",
		"-qty; DELETE",
		"1e309",
		"0x1p4",
		"\u202Eevil",
		strings.Repeat("€", 400),
	}
	for _, p := range params {
		for _, v := range values {
			t.Run(p+"="+v[:min(len(v), 20)], func(t *testing.T) {
				q, err := ParseQuery(spec, url.Values{p: {v}})
				if err != nil {
					var qe *QueryError
					if !errors.As(err, &qe) {
						t.Fatalf("error %v is not a *QueryError", err)
					}
					return
				}
				res := s.Run(q)
				if res.Total > s.Len() || len(res.Rows) > res.PerPage {
					t.Errorf("Run = %d rows of %d", res.Total, s.Len())
				}
				if p == "q" && res.Total != 0 {
					t.Errorf("search %q matched %d rows; it is data, not a query", v, res.Total)
				}
			})
		}
	}
}

func TestValuesRoundTrip(t *testing.T) {
	spec := testSpec()
	tests := []struct{ name, raw, canonical string }{
		{"default view has no parameters", "page=1&per_page=50&sort=part", ""},
		{"everything", "q=caf%C3%A9&f.status=Available&f.status=Pending+QC&f.bin=A-01&min.qty=1&max.qty=100&min.exp=2024-01-01&sort=-qty&sort=customer&page=3&per_page=100",
			"f.bin=A-01&f.status=Available&f.status=Pending+QC&max.qty=100&min.exp=2024-01-01&min.qty=1&page=3&per_page=100&q=caf%C3%A9&sort=-qty&sort=customer"},
		{"case of names is normalised", "f.Status=Available&SORT=qty&sort=Qty", "f.status=Available&sort=qty"},
		{"special characters survive", "f.part=a%26b%3Dc%2B%25&q=%22quoted%22+%26+more", "f.part=a%26b%3Dc%2B%25&q=%22quoted%22+%26+more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseQuery(spec, mustValues(t, tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			if got := q.Encode(); got != tt.canonical {
				t.Errorf("Encode = %q, want %q", got, tt.canonical)
			}
			back, err := ParseQuery(spec, q.Values())
			if err != nil {
				t.Fatalf("parsing Values again: %v", err)
			}
			if !reflect.DeepEqual(back, q) {
				t.Errorf("round trip = %#v, want %#v", back, q)
			}
		})
	}
}

func TestWithSort(t *testing.T) {
	spec := testSpec() // default sort: part ascending
	tests := []struct {
		name string
		from string
		col  string
		add  bool
		want string
	}{
		{"click another column sorts by it ascending", "", "qty", false, "sort=qty"},
		{"click the default first key toggles to descending", "", "part", false, "sort=-part"},
		{"click a descending first key goes back to ascending (the default)", "sort=-part", "part", false, ""},
		{"click replaces a multi-key sort", "sort=qty&sort=bin", "bin", false, "sort=bin"},
		{"shift-click appends", "sort=qty", "bin", true, "sort=qty&sort=bin"},
		{"shift-click appends to the default", "", "qty", true, "sort=part&sort=qty"},
		{"shift-click toggles an existing key", "sort=qty&sort=bin", "bin", true, "sort=qty&sort=-bin"},
		{"shift-click beyond four replaces the last", "sort=customer&sort=qty&sort=bin&sort=exp", "status", true, "sort=customer&sort=qty&sort=bin&sort=status"},
		{"sort resets the page", "page=4&sort=qty", "bin", false, "sort=bin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseQuery(spec, mustValues(t, tt.from))
			if err != nil {
				t.Fatal(err)
			}
			before := q.Encode()
			if got := q.WithSort(tt.col, tt.add).Encode(); got != tt.want {
				t.Errorf("WithSort = %q, want %q", got, tt.want)
			}
			if q.Encode() != before {
				t.Errorf("WithSort changed its receiver")
			}
		})
	}
}

func TestQueryLinkHelpers(t *testing.T) {
	spec := testSpec()
	q, err := ParseQuery(spec, mustValues(t, "f.status=Available&sort=-qty&sort=bin&page=3&per_page=100"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, got, want string }{
		{"page", q.WithPage(7).Encode(), "f.status=Available&page=7&per_page=100&sort=-qty&sort=bin"},
		{"page below one", q.WithPage(-2).Encode(), "f.status=Available&per_page=100&sort=-qty&sort=bin"},
		{"per page resets page", q.WithPerPage(250).Encode(), "f.status=Available&per_page=250&sort=-qty&sort=bin"},
		{"per page clamps", q.WithPerPage(100000).Encode(), "f.status=Available&per_page=500&sort=-qty&sort=bin"},
		{"per page default is omitted", q.WithPerPage(50).Encode(), "f.status=Available&sort=-qty&sort=bin"},
		{"clear filters", q.WithoutFilters().Encode(), "per_page=100&sort=-qty&sort=bin"},
		{"aria primary descending", q.AriaSort("qty"), "descending"},
		{"aria secondary is none", q.AriaSort("bin"), "none"},
		{"aria default sort", Query{spec: spec}.AriaSort("part"), "ascending"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
	sortOf := []struct {
		col      string
		pos      int
		desc, ok bool
	}{{"qty", 0, true, true}, {"bin", 1, false, true}, {"part", 0, false, false}}
	for _, tt := range sortOf {
		t.Run("SortOf "+tt.col, func(t *testing.T) {
			pos, desc, ok := q.SortOf(tt.col)
			if pos != tt.pos || desc != tt.desc || ok != tt.ok {
				t.Errorf("SortOf(%q) = %d, %v, %v; want %d, %v, %v", tt.col, pos, desc, ok, tt.pos, tt.desc, tt.ok)
			}
		})
	}
}

// FuzzParseQuery: no query string may panic the parser or Run, and every
// query that parses must come back unchanged from its canonical URL.
func FuzzParseQuery(f *testing.F) {
	for _, seed := range []string{
		"", "q=caf%C3%A9", "f.status=Available&f.status=Pending+QC", "sort=-qty&sort=bin&page=2&per_page=100",
		"min.qty=1&max.qty=1e3&min.exp=2024-01-01&max.recv=2024-01-01T10:00", "page=0", "per_page=-1&page=99999999999999999999",
		"f.part=%00&q=%FF%FE", "sort=%2Bqty&sort=--x", "f.STATUS=a&f.status=a", "q=' OR 1=1--",
	} {
		f.Add(seed)
	}
	spec := testSpec()
	s := snap(f, spec, inventoryRows())
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := ParseQuery(spec, v)
		if err != nil {
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("error %v is not a *QueryError", err)
			}
			return
		}
		back, err := ParseQuery(spec, q.Values())
		if err != nil {
			t.Fatalf("canonical form %q does not parse: %v", q.Encode(), err)
		}
		if !reflect.DeepEqual(back, q) {
			t.Fatalf("round trip of %q:\n got %#v\nwant %#v", raw, back, q)
		}
		res := s.Run(q)
		if res.Page < 1 || res.Page > res.Pages || len(res.Rows) > res.PerPage {
			t.Fatalf("Run = page %d of %d with %d rows", res.Page, res.Pages, len(res.Rows))
		}
	})
}
