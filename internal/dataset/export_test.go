package dataset

import (
	"bytes"
	"compress/flate"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// hostileRows has values that must survive export exactly or be defused.
func hostileRows() [][]any {
	return [][]any{
		{"L1", "ACME", "00123", `=HYPERLINK("http://evil","x")`, 1234.5, "A, \"quoted\"", day("2024-01-31"), "2024-01-31 14:05:09", "Available"},
		{"L2", "ACME", "+1", "-1", -1.0, "line\nbreak", nil, nil, "@SUM(1)"},
		{"L3", "Globex", "\t=1", "plain, \"text\"\r\nmore", nil, "", day("1999-12-31"), "2000-01-01 00:00:00", "Café"},
	}
}

func TestSafeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{`=HYPERLINK("x")`, `'=HYPERLINK("x")`},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@SUM(1)", "'@SUM(1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"\n=1", "'\n=1"},
		{"a=1", "a=1"},
		{"00123", "00123"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(strconv.Quote(tt.in), func(t *testing.T) {
			if got := SafeText(tt.in); got != tt.want {
				t.Errorf("SafeText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestWriteCSV(t *testing.T) {
	s := snap(t, testSpec(), hostileRows())
	q, _ := ParseQuery(s.Spec, mustValues(t, "sort=-qty"))
	rows := s.Matching(q)
	var buf bytes.Buffer
	if err := WriteCSV(&buf, s, rows); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\xEF\xBB\xBF")) {
		t.Fatal("no UTF-8 BOM")
	}
	recs, err := csv.NewReader(bytes.NewReader(buf.Bytes()[3:])).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse back: %v", err)
	}
	want := [][]string{
		{"Customer", "Part", "Description", "On Hand Qty", "Bin", "Exp Date", "Last Rec Date", "Status"},
		// -qty: NULL first (descending), then 1234.5, then -1. encoding/csv
		// reads a quoted CRLF back as LF.
		{"Globex", "'\t=1", "plain, \"text\"\nmore", "", "", "1999-12-31", "2000-01-01 00:00:00", "Café"},
		{"ACME", "00123", `'=HYPERLINK("http://evil","x")`, "1234.5", "A, \"quoted\"", "2024-01-31", "2024-01-31 14:05:09", "Available"},
		{"ACME", "'+1", "'-1", "-1", "line\nbreak", "", "", "'@SUM(1)"},
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d", len(recs), len(want))
	}
	for i := range want {
		if !slices.Equal(recs[i], want[i]) {
			t.Errorf("record %d = %q\nwant %q", i, recs[i], want[i])
		}
	}
	if !strings.Contains(buf.String(), "\r\n") {
		t.Error("records are not CRLF-terminated (RFC 4180)")
	}
	if err := WriteCSV(&buf, s, []int{99}); err == nil {
		t.Error("WriteCSV accepted a row the snapshot does not have")
	}
}

func TestWriteXLSX(t *testing.T) {
	spec := testSpec()
	spec.Title = "Inventory: all/customers [2024]"
	spec.Columns[4].Format = "#,##0.00"
	s := snap(t, spec, hostileRows())
	rows := []int{0, 1, 2} // exports write the rows they are given, in that order
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, s, rows); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("the workbook does not open: %v", err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	if sheet != "Inventory all customers 2024" {
		t.Errorf("sheet name = %q", sheet)
	}
	got, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(rows)+1 {
		t.Fatalf("%d rows, want %d", len(got), len(rows)+1)
	}
	cellType := func(ref string) excelize.CellType {
		ct, err := f.GetCellType(sheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		return ct
	}
	numFmtOf := func(ref string) string {
		id, err := f.GetCellStyle(sheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		if st.CustomNumFmt != nil {
			return *st.CustomNumFmt
		}
		return strconv.Itoa(st.NumFmt)
	}
	isNumber := func(ct excelize.CellType) bool { return ct == excelize.CellTypeNumber || ct == excelize.CellTypeUnset }
	isText := func(ct excelize.CellType) bool {
		return ct == excelize.CellTypeInlineString || ct == excelize.CellTypeSharedString
	}
	raw := func(ref string) string {
		v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	shown := func(ref string) string {
		v, err := f.GetCellValue(sheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name  string
		check func() bool
		show  string
	}{
		{"header text", func() bool { return shown("A1") == "Customer" && shown("D1") == "On Hand Qty" }, shown("A1")},
		{"number is numeric", func() bool { return isNumber(cellType("D2")) && raw("D2") == "1234.5" }, raw("D2")},
		{"number has the column's format", func() bool { return numFmtOf("D2") == "#,##0.00" && shown("D2") == "1,234.50" }, shown("D2")},
		{"negative number is a number, not text", func() bool { return isNumber(cellType("D3")) && raw("D3") == "-1" }, raw("D3")},
		{"leading zeros stay text", func() bool { return isText(cellType("B2")) && shown("B2") == "00123" }, shown("B2")},
		{"date is a dated number", func() bool {
			return isNumber(cellType("F2")) && numFmtOf("F2") == "yyyy-mm-dd" && shown("F2") == "2024-01-31" && raw("F2") == "45322"
		}, shown("F2") + " " + raw("F2")},
		{"date-time keeps its time", func() bool {
			v, _ := strconv.ParseFloat(raw("G2"), 64)
			return numFmtOf("G2") == "yyyy-mm-dd hh:mm" && shown("G2") == "2024-01-31 14:05" && v > 45322.58 && v < 45322.59
		}, shown("G2") + " " + raw("G2")},
		{"formula-looking text is text", func() bool { return isText(cellType("C2")) && shown("C2") == `'=HYPERLINK("http://evil","x")` }, shown("C2")},
		{"plus, minus, at and tab are defused", func() bool {
			return shown("B3") == "'+1" && shown("C3") == "'-1" && shown("H3") == "'@SUM(1)" && shown("B4") == "'\t=1"
		}, shown("B3") + shown("C3") + shown("H3") + shown("B4")},
		{"commas, quotes and newlines survive", func() bool {
			return shown("E2") == `A, "quoted"` && shown("E3") == "line\nbreak" && shown("C4") == "plain, \"text\"\r\nmore"
		}, shown("E2") + shown("E3") + shown("C4")},
		{"NULL is empty", func() bool { return shown("D4") == "" && shown("F3") == "" }, shown("D4") + shown("F3")},
		{"accents survive", func() bool { return shown("H4") == "Café" }, shown("H4")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.check() {
				t.Errorf("check failed (value %q)", tt.show)
			}
		})
	}
	t.Run("no formulas anywhere", func(t *testing.T) {
		for r := 1; r <= len(got); r++ {
			for c := 1; c <= 8; c++ {
				ref, _ := excelize.CoordinatesToCellName(c, r)
				if fm, _ := f.GetCellFormula(sheet, ref); fm != "" {
					t.Errorf("%s has formula %q", ref, fm)
				}
			}
		}
	})
	t.Run("header bold", func(t *testing.T) {
		for c := 1; c <= 8; c++ {
			ref, _ := excelize.CoordinatesToCellName(c, 1)
			id, _ := f.GetCellStyle(sheet, ref)
			st, err := f.GetStyle(id)
			if err != nil || st.Font == nil || !st.Font.Bold {
				t.Errorf("header %s style = %+v, %v; want bold", ref, st, err)
			}
		}
		for _, ref := range []string{"A2", "B2", "D2", "F2"} {
			id, _ := f.GetCellStyle(sheet, ref)
			if st, err := f.GetStyle(id); err != nil || st.Font != nil && st.Font.Bold {
				t.Errorf("data %s style = %+v, %v; want not bold", ref, st, err)
			}
		}
	})
	t.Run("first row frozen", func(t *testing.T) {
		p, err := f.GetPanes(sheet)
		if err != nil || !p.Freeze || p.YSplit != 1 || p.TopLeftCell != "A2" {
			t.Errorf("panes = %+v, %v; want row 1 frozen", p, err)
		}
	})
	t.Run("column widths", func(t *testing.T) {
		for _, c := range []string{"A", "C", "G"} {
			w, err := f.GetColWidth(sheet, c)
			if err != nil || w < 6 || w > 60 {
				t.Errorf("width of %s = %v, %v", c, w, err)
			}
		}
	})
}

func TestSheetName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Inventory", "Inventory"},
		{"", "Data"},
		{"a/b\\c?d*e[f]g:h", "a b c d e f g h"},
		{"'quoted'", "quoted"},
		{"History", "Data"},
		{strings.Repeat("é", 40), strings.Repeat("é", 31)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := SheetName(tt.in); got != tt.want {
				t.Errorf("SheetName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestExportMatchesGrid: the export has the grid's rows in the grid's order.
func TestExportMatchesGrid(t *testing.T) {
	s := randomSnapshot(t, 700, 9)
	q, err := ParseQuery(s.Spec, mustValues(t, "q=cafe&sort=-exp&sort=bin&per_page=500"))
	if err != nil {
		t.Fatal(err)
	}
	res := s.Run(q)
	var buf bytes.Buffer
	if err := WriteCSV(&buf, s, s.Matching(q)); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(buf.Bytes()[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs)-1 != res.Total {
		t.Fatalf("export has %d rows, grid total %d", len(recs)-1, res.Total)
	}
	for i, r := range res.Rows {
		if got, want := recs[i+1][1], SafeText(s.Cell(r, 2).Text); got != want {
			t.Fatalf("export row %d part = %q, grid %q", i+1, got, want)
		}
	}
}

func TestParallelDeflate(t *testing.T) {
	// Compressible text with some noise, longer than several blocks, written
	// in odd-sized pieces.
	var src bytes.Buffer
	for i := 0; src.Len() < 3*deflateBlock+12345; i++ {
		fmt.Fprintf(&src, "<c r=\"A%d\" t=\"inlineStr\"><is><t>value %d %x</t></is></c>", i, i*7919%1000, i*i)
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"small", []byte("hello, hello, hello")},
		{"exactly one block", src.Bytes()[:deflateBlock]},
		{"several blocks", src.Bytes()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			d := newParallelDeflate(&out, flate.BestSpeed)
			for p := tt.data; len(p) > 0; {
				k := min(len(p), 77777)
				if _, err := d.Write(p[:k]); err != nil {
					t.Fatal(err)
				}
				p = p[k:]
			}
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(flate.NewReader(&out))
			if err != nil {
				t.Fatalf("the stream does not inflate: %v", err)
			}
			if !bytes.Equal(got, tt.data) {
				t.Fatalf("inflated %d bytes, want %d identical bytes", len(got), len(tt.data))
			}
		})
	}
}
