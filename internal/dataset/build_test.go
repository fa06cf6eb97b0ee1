package dataset

import (
	"database/sql"
	"database/sql/driver"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

func TestBuildConvertsDriverValues(t *testing.T) {
	spec := testSpec()
	berlin := time.FixedZone("CEST", 2*3600)
	// Result columns in another order and case, plus one the spec ignores.
	cols := []string{"ID", "Status", "extra", "Customer", "PART", "descr", "qty", "bin", "exp", "recv"}
	rows := [][]driver.Value{
		{"L1", "Available", "x", []byte("ACME"), []byte("00123"), "Café", []byte("12.500"), "A-01", "2024-01-31", time.Date(2024, 2, 1, 14, 30, 0, 0, berlin)},
		{int64(2), nil, 1.5, "Globex", "B-200", nil, int64(7), nil, time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC), "2024-03-05T06:07:08Z"},
		{"L3", true, nil, "ACME", "C", "", 2.25, "", "2024-03-01 10:11:12", []byte("2024-03-06 01:02:03")},
		{"L4", "Available", nil, "ACME", "D", "d", nil, "B", nil, nil},
		{"L5", "Available", nil, "ACME", "E", "e", "", "B", "", "2024-03-06 01:02"},
		{"L6", "Available", nil, "ACME", "F", "f", true, "B", int64(86400 * 3), "2024-03-06T01:02:03+05:00"},
	}
	s, err := Build(spec, queryFake(t, cols, rows), time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != len(rows) {
		t.Fatalf("Len = %d, want %d", s.Len(), len(rows))
	}
	col := func(name string) int {
		_, i, _ := spec.Column(name)
		return i
	}
	tests := []struct {
		name string
		row  int
		col  string
		want Cell
	}{
		{"string stays text", 0, "id", Cell{Text: "L1"}},
		{"bytes become text", 0, "customer", Cell{Text: "ACME"}},
		{"leading zeros kept", 0, "part", Cell{Text: "00123"}},
		{"int64 in a text column becomes its digits", 1, "id", Cell{Text: "2"}},
		{"bool in a text column", 2, "status", Cell{Text: "true"}},
		{"NULL text", 1, "status", Cell{Null: true}},
		{"empty text is not NULL", 2, "descr", Cell{Text: ""}},
		{"decimal bytes become a number", 0, "qty", Cell{Num: 12.5}},
		{"int64 number", 1, "qty", Cell{Num: 7}},
		{"float64 number", 2, "qty", Cell{Num: 2.25}},
		{"NULL number", 3, "qty", Cell{Null: true}},
		{"empty string number is NULL", 4, "qty", Cell{Null: true}},
		{"bool number", 5, "qty", Cell{Num: 1}},
		{"date string", 0, "exp", Cell{Time: day("2024-01-31")}},
		{"date from time.Time", 1, "exp", Cell{Time: day("2024-03-04")}},
		{"date from a date-time string drops the time", 2, "exp", Cell{Time: day("2024-03-01")}},
		{"NULL date", 3, "exp", Cell{Null: true}},
		{"empty date string is NULL", 4, "exp", Cell{Null: true}},
		{"unix seconds date", 5, "exp", Cell{Time: day("1970-01-04")}},
		{"time.Time keeps its wall clock", 0, "recv", Cell{Time: time.Date(2024, 2, 1, 14, 30, 0, 0, time.UTC)}},
		{"RFC 3339 string", 1, "recv", Cell{Time: time.Date(2024, 3, 5, 6, 7, 8, 0, time.UTC)}},
		{"date-time bytes", 2, "recv", Cell{Time: time.Date(2024, 3, 6, 1, 2, 3, 0, time.UTC)}},
		{"date-time without seconds", 4, "recv", Cell{Time: time.Date(2024, 3, 6, 1, 2, 0, 0, time.UTC)}},
		{"RFC 3339 with offset keeps the wall clock", 5, "recv", Cell{Time: time.Date(2024, 3, 6, 1, 2, 3, 0, time.UTC)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.Cell(tt.row, col(tt.col))
			if got.Null != tt.want.Null || got.Text != tt.want.Text || got.Num != tt.want.Num || !got.Time.Equal(tt.want.Time) {
				t.Errorf("Cell(%d, %s) = %+v, want %+v", tt.row, tt.col, got, tt.want)
			}
		})
	}
	if s.MemoryBytes() <= 0 {
		t.Errorf("MemoryBytes = %d, want > 0", s.MemoryBytes())
	}
}

func TestBuildErrors(t *testing.T) {
	cols := []string{"id", "customer", "part", "descr", "qty", "bin", "exp", "recv", "status"}
	good := []driver.Value{"L1", "ACME", "P", "d", 1.0, "B", "2024-01-01", nil, "Available"}
	with := func(i int, v driver.Value) []driver.Value {
		r := append([]driver.Value(nil), good...)
		r[i] = v
		return r
	}
	tests := []struct {
		name string
		cols []string
		rows [][]driver.Value
		want []string // substrings of the error
	}{
		{"missing column is named", []string{"id", "customer", "part", "descr", "qty", "bin", "exp", "status"}, nil, []string{`"recv"`}},
		{"bad number names column and row", cols, [][]driver.Value{good, good, with(4, []byte("12,5x"))}, []string{`"qty"`, "row 3", `"12,5x"`}},
		{"bad date names column and row", cols, [][]driver.Value{good, with(6, "31/01/2024")}, []string{`"exp"`, "row 2"}},
		{"date in a number column", cols, [][]driver.Value{with(4, time.Now())}, []string{`"qty"`, "row 1"}},
		{"number in a date column", cols, [][]driver.Value{with(6, 3.5)}, []string{`"exp"`, "row 1"}},
		{"long bad value is cut", cols, [][]driver.Value{with(4, strings.Repeat("x", 10000))}, []string{`"qty"`, "…"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Build(testSpec(), queryFake(t, tt.cols, tt.rows), time.Now())
			if err == nil {
				t.Fatalf("Build = %d rows, want an error", s.Len())
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if len(err.Error()) > 300 {
				t.Errorf("error is %d bytes long", len(err.Error()))
			}
		})
	}
}

func TestBuildReportsDriverError(t *testing.T) {
	db := registerFake(t, fakeResult{
		cols: []string{"id", "customer", "part", "descr", "qty", "bin", "exp", "recv", "status"},
		rows: [][]driver.Value{{"L1", "A", "P", "d", 1.0, "B", nil, nil, "S"}},
		err:  driver.ErrBadConn,
	})
	rows, err := db.Query("SELECT")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Build(testSpec(), rows, time.Now()); err == nil {
		t.Fatal("Build succeeded on a result that broke off")
	}
}

// TestBuildFromSQLite reads real *sql.Rows from the modernc driver,
// including a DECIMAL-like blob and text dates.
func TestBuildFromSQLite(t *testing.T) {
	db, err := sql.Open("sqlite", "file::memory:")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // every connection to :memory: is its own database
	t.Cleanup(func() { db.Close() })
	for _, stmt := range []string{
		`CREATE TABLE inv (id TEXT, customer TEXT, part TEXT, descr TEXT, qty BLOB, bin TEXT, exp TEXT, recv TEXT, status TEXT, extra INT)`,
		`INSERT INTO inv VALUES ('L1', 'ACME', '00123', 'Café', CAST('12.500' AS BLOB), 'A', '2024-01-31', '2024-01-31 10:00:00', 'Available', 1)`,
		`INSERT INTO inv VALUES ('L2', 'ACME', 'X', NULL, NULL, NULL, NULL, NULL, NULL, 2)`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := db.Query(`SELECT * FROM inv ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Build(testSpec(), rows, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Cell(0, 4); got.Num != 12.5 {
		t.Errorf("qty = %+v, want 12.5", got)
	}
	if got := s.Cell(0, 2).Text; got != "00123" {
		t.Errorf("part = %q, want 00123", got)
	}
	if got := s.Cell(0, 6).Display(testSpec().Columns[6]); got != "2024-01-31" {
		t.Errorf("exp = %q", got)
	}
	for c := 3; c < 9; c++ {
		if !s.Cell(1, c).Null {
			t.Errorf("row 2 column %d = %+v, want NULL", c, s.Cell(1, c))
		}
	}
}

func TestDisplay(t *testing.T) {
	ts := time.Date(2024, 1, 31, 14, 5, 9, 0, time.UTC)
	tests := []struct {
		name string
		cell Cell
		col  Column
		want string
	}{
		{"integer default groups", Cell{Num: 1234567}, Column{Type: Integer}, "1,234,567"},
		{"integer default rounds", Cell{Num: 2.6}, Column{Type: Integer}, "3"},
		{"number default trims decimals", Cell{Num: 1234.5}, Column{Type: Number}, "1,234.5"},
		{"number default at most three decimals", Cell{Num: 0.123456}, Column{Type: Number}, "0.123"},
		{"number default whole", Cell{Num: 12}, Column{Type: Number}, "12"},
		{"money default two decimals", Cell{Num: 1234.5}, Column{Type: Money}, "1,234.50"},
		{"negative money", Cell{Num: -1234.5}, Column{Type: Money}, "-1,234.50"},
		{"negative rounding to zero has no minus", Cell{Num: -0.0001}, Column{Type: Money}, "0.00"},
		{"format fixed decimals", Cell{Num: 3}, Column{Type: Number, Format: "#,##0.00"}, "3.00"},
		{"format optional decimals", Cell{Num: 3.14159}, Column{Type: Number, Format: "0.###"}, "3.142"},
		{"format without grouping", Cell{Num: 1234567.891}, Column{Type: Number, Format: "0.0"}, "1234567.9"},
		{"format with literal prefix", Cell{Num: 1234}, Column{Type: Money, Format: `"$"#,##0.00`}, "$1,234.00"},
		{"format with suffix", Cell{Num: 5}, Column{Type: Number, Format: `0 "kg"`}, "5 kg"},
		{"percent", Cell{Num: 0.256}, Column{Type: Number, Format: "0.0%"}, "25.6%"},
		{"date", Cell{Time: ts}, Column{Type: Date}, "2024-01-31"},
		{"date-time to the minute", Cell{Time: ts}, Column{Type: DateTime}, "2024-01-31 14:05"},
		{"NULL is empty", Cell{Null: true}, Column{Type: Money}, ""},
		{"text unchanged", Cell{Text: `<b>"x"</b>`}, Column{Type: Text}, `<b>"x"</b>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cell.Display(tt.col); got != tt.want {
				t.Errorf("Display = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Café", "cafe"},
		{"ÉCLAIR", "eclair"},
		{"naïve", "naive"},
		{"Straße", "strasse"},
		{"İstanbul", "istanbul"},
		{"ABC-123", "abc-123"},
		{"already plain", "already plain"},
		{"a\x00b", "a b"},
		{"Ørsted", "orsted"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := fold(tt.in); got != tt.want {
				t.Errorf("fold(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestFastTime checks the fast date parser against time.Parse: the same
// result where it answers, and no answer where time.Parse would refuse.
func TestFastTime(t *testing.T) {
	tests := []struct {
		in     string
		wantOK bool
	}{
		{"2024-01-31", true},
		{"2024-01-31 23:59:59", true},
		{"2024-01-31T00:00:01", true},
		{"1969-12-31 12:00:00", true},
		{"2024-02-29", true},
		{"2023-02-29", false},
		{"2024-02-30", false},
		{"2024-13-01", false},
		{"2024-00-10", false},
		{"2024-01-31 24:00:00", false},
		{"2024-01-31 10:60:00", false},
		{"2024/01/31", false},
		{"2024-1-31", false},
		{"2024-01-31 10:00", false},
		{"+024-01-31", false},
		{"2024-01-31Z10:00:00", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			sec, ok := fastTime(tt.in)
			if ok != tt.wantOK {
				t.Fatalf("fastTime(%q) ok = %v, want %v", tt.in, ok, tt.wantOK)
			}
			if !ok {
				return
			}
			layout := "2006-01-02"
			if len(tt.in) == 19 {
				layout = "2006-01-02" + tt.in[10:11] + "15:04:05"
			}
			want, err := time.Parse(layout, tt.in)
			if err != nil || want.Unix() != sec {
				t.Errorf("fastTime(%q) = %d, time.Parse = %v, %v", tt.in, sec, want, err)
			}
		})
	}
}
