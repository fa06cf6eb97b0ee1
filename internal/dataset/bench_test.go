package dataset

import (
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The benchmarks run on a synthetic inventory shaped like the original
// portal's (its 14 columns and realistic cardinalities, 40 customers), built
// once per size and process. Run them with:
//
//	go test -run '^$' -bench . -benchtime 20x ./internal/dataset/
//
// Each grid benchmark answers a full request: filter, facet counts for every
// facet column, sort and page.

// benchSpec is the inventory dataset of the benchmarks.
func benchSpec() *Spec {
	return &Spec{
		Name: "inventory", Title: "Inventory", CustomerColumn: "Customer", KeyColumn: "Lot ID",
		Columns: []Column{
			{Name: "Lot ID", Type: Text, Hidden: true},
			{Name: "Customer", Label: "Customer", Type: Text, Facet: true},
			{Name: "Part", Label: "Part", Type: Text, Searchable: true, Facet: true},
			{Name: "Customer Part", Label: "Customer Part", Type: Text, Searchable: true},
			{Name: "Description", Label: "Description", Type: Text, Searchable: true},
			{Name: "On Hand Qty", Label: "On Hand Qty", Type: Number, Format: "#,##0.###"},
			{Name: "Unit", Label: "Unit", Type: Text},
			{Name: "Bin", Label: "Bin", Type: Text, Searchable: true, Facet: true},
			{Name: "Reference", Label: "Reference", Type: Text, Searchable: true},
			{Name: "User Lot", Label: "User Lot", Type: Text, Searchable: true},
			{Name: "Exp Date", Label: "Exp Date", Type: Date},
			{Name: "Last Transaction Date", Label: "Last Transaction Date", Type: DateTime},
			{Name: "Last Rec Date", Label: "Last Rec Date", Type: Date},
			{Name: "PO", Label: "PO", Type: Text, Searchable: true},
			{Name: "Status", Label: "Status", Type: Text, Facet: true},
		},
		DefaultSort: []SortKey{{Column: "Customer"}, {Column: "Part"}},
		Refresh:     time.Minute,
	}
}

// benchRows calls row for n deterministic inventory rows.
func benchRows(n int, row func(vals []any)) {
	r := rand.New(rand.NewPCG(42, uint64(n)))
	customers := make([]string, 40)
	firms := []string{"Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Tyrell", "Cyberdyne", "Soylent"}
	kinds := []string{"Foods", "Pharma", "Industries", "Café Co.", "Logistics"}
	for i := range customers {
		customers[i] = fmt.Sprintf("%s %s %d", firms[i%len(firms)], kinds[i%len(kinds)], i)
	}
	adjectives := []string{"Blue", "Large", "Small", "Crème", "Frozen", "Dry", "Organic", "Sterile", "Heavy-duty", "Naïve"}
	nouns := []string{"widget", "tray", "box, 12 pack", "\"premium\" bottle", "éclair mould", "carton", "label roll", "valve", "pallet wrap", "sachet"}
	units := []string{"EA", "KG", "LB", "CS", "PL", "L", "M", "BX"}
	statuses := []string{"Available", "Available", "Available", "Available", "Quarantined", "Pending QC", "On Hold", "Expired"}
	parts := min(max(n/25, 200), 20000)
	base := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	vals := make([]any, 15)
	for i := range n {
		part := r.IntN(parts)
		cust := part % 40 // each part belongs to one customer, as in a 3PL
		partCode := fmt.Sprintf("%05d", part)
		if part%7 != 0 {
			partCode = fmt.Sprintf("P-%d", 10000+part)
		}
		desc := adjectives[part%len(adjectives)] + " " + nouns[(part/10)%len(nouns)]
		if part%97 == 0 {
			desc = strings.Repeat(desc+" with a long description ", 4)
		}
		vals[0] = fmt.Sprintf("LOT%08d", i)
		vals[1] = customers[cust]
		vals[2] = partCode
		vals[3] = fmt.Sprintf("C%d-%04d", cust, part%5000)
		vals[4] = desc
		vals[5] = float64(r.IntN(100000)) / 8
		vals[6] = units[part%len(units)]
		vals[7] = fmt.Sprintf("%c%02d-%02d", 'A'+rune(r.IntN(20)), r.IntN(40), r.IntN(4))
		vals[8] = fmt.Sprintf("REF%06d", r.IntN(max(n/5, 1)))
		vals[9] = fmt.Sprintf("UL%07d", r.IntN(max(n/2, 1)))
		exp := base.AddDate(0, 0, 200+r.IntN(1400))
		if r.IntN(10) == 0 {
			vals[10] = nil
		} else {
			vals[10] = exp
		}
		vals[11] = base.Add(time.Duration(r.IntN(730*24*60)) * time.Minute)
		vals[12] = base.AddDate(0, 0, r.IntN(730))
		vals[13] = fmt.Sprintf("PO-%06d", r.IntN(max(n/20, 1)))
		vals[14] = statuses[r.IntN(len(statuses))]
		row(vals)
	}
}

var (
	benchMu    sync.Mutex
	benchSnaps = map[int]*Snapshot{}
)

// benchSnapshot builds (once per process) the snapshot of n rows.
func benchSnapshot(b *testing.B, n int) *Snapshot {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	if s, ok := benchSnaps[n]; ok {
		return s
	}
	bl := newBuilder(benchSpec())
	var err error
	benchRows(n, func(vals []any) {
		if err == nil {
			err = bl.addRow(vals...)
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	s, err := bl.finish(time.Now())
	if err != nil {
		b.Fatal(err)
	}
	benchSnaps[n] = s
	return s
}

var benchSizes = []struct {
	name string
	n    int
}{{"100k", 100_000}, {"1M", 1_000_000}}

func benchQuery(b *testing.B, s *Snapshot, raw string) Query {
	b.Helper()
	v, err := url.ParseQuery(raw)
	if err != nil {
		b.Fatal(err)
	}
	q, err := ParseQuery(s.Spec, v)
	if err != nil {
		b.Fatal(err)
	}
	return q
}

// BenchmarkGrid measures one grid request (filter, every facet, sort, page)
// on a warm snapshot.
func BenchmarkGrid(b *testing.B) {
	cases := []struct {
		name string
		raw  []string // rotated through, one per iteration
	}{
		{"first-page", []string{""}},
		{"search", []string{"q=blue", "q=eclair+mould", "q=P-1234", "q=UL00012"}},
		{"facet-change", []string{"f.Status=Quarantined", "f.Status=Available&f.Bin=A01-01", "f.Part=P-10010&f.Part=00007", "f.Customer=Globex+Pharma+1"}},
		{"sort-change-cold", []string{"sort=-On+Hand+Qty", "sort=Exp+Date", "sort=Description&sort=-Last+Rec+Date", "sort=Bin", "sort=-User+Lot", "sort=Status&sort=PO"}},
		{"sort-change-warm", []string{"sort=-On+Hand+Qty", "sort=Exp+Date"}},
		{"page-200", []string{"page=200"}},
		{"search+facet+sort", []string{"q=blue&f.Status=Available&sort=-On+Hand+Qty&page=3"}},
	}
	for _, size := range benchSizes {
		for _, c := range cases {
			b.Run(size.name+"/"+c.name, func(b *testing.B) {
				s := benchSnapshot(b, size.n)
				qs := make([]Query, len(c.raw))
				for i, raw := range c.raw {
					qs[i] = benchQuery(b, s, raw)
					s.Run(qs[i]) // warm: the default order and the rank tables are in cache
				}
				b.ReportAllocs()
				b.ResetTimer()
				total := 0
				for i := 0; b.Loop(); i++ {
					res := s.Run(qs[i%len(qs)])
					total += res.Total
				}
				_ = total
			})
		}
	}
}

// watchHeap samples the heap every few milliseconds until the returned
// function is called, which reports the largest growth over the start of
// two figures: live (the heap marked live by the last GC: what the export
// holds on to) and objects (everything allocated and not yet swept,
// garbage included, which depends on GC pacing and the size of the rest of
// the heap).
func watchHeap() (peak func() (live, objects uint64)) {
	runtime.GC()
	names := []string{"/gc/heap/live:bytes", "/memory/classes/heap/objects:bytes"}
	read := func() [2]uint64 {
		s := make([]metrics.Sample, len(names))
		for i, n := range names {
			s[i].Name = n
		}
		metrics.Read(s)
		return [2]uint64{s[0].Value.Uint64(), s[1].Value.Uint64()}
	}
	base := read()
	var top [2]atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				v := read()
				for i := range v {
					if v[i] > base[i] && v[i]-base[i] > top[i].Load() {
						top[i].Store(v[i] - base[i])
					}
				}
			}
		}
	}()
	return func() (uint64, uint64) {
		close(stop)
		<-done
		return top[0].Load(), top[1].Load()
	}
}

// countWriter counts bytes written.
type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// BenchmarkExport measures Matching plus the export of every row.
func BenchmarkExport(b *testing.B) {
	for _, size := range benchSizes {
		for _, format := range []string{"csv", "xlsx"} {
			b.Run(size.name+"/"+format, func(b *testing.B) {
				s := benchSnapshot(b, size.n)
				q := benchQuery(b, s, "")
				b.ReportAllocs()
				peak := watchHeap()
				b.ResetTimer()
				var w countWriter
				for b.Loop() {
					w.n = 0
					rows := s.Matching(q)
					var err error
					if format == "csv" {
						err = WriteCSV(&w, s, rows)
					} else {
						err = WriteXLSX(&w, s, rows)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(w.n)/(1<<20), "MiB-file")
				live, objects := peak()
				b.ReportMetric(float64(live)/(1<<20), "MiB-live-growth")
				b.ReportMetric(float64(objects)/(1<<20), "MiB-heap-growth")
			})
		}
	}
}

// BenchmarkSnapshotMemory reports the memory a snapshot holds (MiB), with
// the default order cached as it is after the first request.
func BenchmarkSnapshotMemory(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			s := benchSnapshot(b, size.n)
			s.Run(Query{})
			for b.Loop() {
				_ = s.MemoryBytes()
			}
			b.ReportMetric(float64(s.MemoryBytes())/(1<<20), "MiB")
			b.ReportMetric(float64(s.MemoryBytes())/float64(s.Len()), "B/row")
		})
	}
}

// BenchmarkLoad compares Build with the floor (running the query and
// scanning every row with nothing else) on an in-memory SQLite table of
// 100,000 rows.
func BenchmarkLoad(b *testing.B) {
	const n = 100_000
	db, err := sql.Open("sqlite", "file::memory:")
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	defer db.Close()
	spec := benchSpec()
	var cols, marks []string
	for _, c := range spec.Columns {
		cols = append(cols, `"`+c.Name+`"`)
		marks = append(marks, "?")
	}
	if _, err := db.Exec(`CREATE TABLE inv (` + strings.Join(cols, ", ") + `)`); err != nil {
		b.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	ins, err := tx.Prepare(`INSERT INTO inv VALUES (` + strings.Join(marks, ", ") + `)`)
	if err != nil {
		b.Fatal(err)
	}
	benchRows(n, func(vals []any) {
		args := make([]any, len(vals))
		for i, v := range vals {
			if t, ok := v.(time.Time); ok {
				v = t.Format("2006-01-02 15:04:05")
			}
			args[i] = v
		}
		if _, err := ins.Exec(args...); err != nil {
			b.Fatal(err)
		}
	})
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	b.Run("floor", func(b *testing.B) {
		for b.Loop() {
			rows, err := db.Query(`SELECT * FROM inv`)
			if err != nil {
				b.Fatal(err)
			}
			dest := make([]any, len(spec.Columns))
			ptrs := make([]any, len(dest))
			for i := range dest {
				ptrs[i] = &dest[i]
			}
			for rows.Next() {
				if err := rows.Scan(ptrs...); err != nil {
					b.Fatal(err)
				}
			}
			if err := rows.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("build", func(b *testing.B) {
		for b.Loop() {
			rows, err := db.Query(`SELECT * FROM inv`)
			if err != nil {
				b.Fatal(err)
			}
			s, err := Build(spec, rows, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			if s.Len() != n {
				b.Fatalf("%d rows", s.Len())
			}
		}
	})
}

// countWriter is an io.Writer.
var _ io.Writer = (*countWriter)(nil)
