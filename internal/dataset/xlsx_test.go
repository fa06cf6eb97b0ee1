package dataset

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// xlsxParts writes the rows as XLSX and returns the file and its zip
// entries, in the order they are stored.
func xlsxParts(t *testing.T, s *Snapshot, rows []int) ([]byte, []string, map[string][]byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, s, rows); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	var names []string
	parts := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc) // checks the CRC too
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		names = append(names, f.Name)
		parts[f.Name] = b
	}
	return buf.Bytes(), names, parts
}

// rawSheet is the part of the worksheet XML the tests read directly,
// without a spreadsheet library in between.
type rawSheet struct {
	Dimension struct {
		Ref string `xml:"ref,attr"`
	} `xml:"dimension"`
	Panes []struct {
		YSplit      string `xml:"ySplit,attr"`
		TopLeftCell string `xml:"topLeftCell,attr"`
		ActivePane  string `xml:"activePane,attr"`
		State       string `xml:"state,attr"`
	} `xml:"sheetViews>sheetView>pane"`
	Cols []struct {
		Min   int     `xml:"min,attr"`
		Max   int     `xml:"max,attr"`
		Width float64 `xml:"width,attr"`
	} `xml:"cols>col"`
	Rows []struct {
		R     int       `xml:"r,attr"`
		Cells []rawCell `xml:"c"`
	} `xml:"sheetData>row"`
}

type rawCell struct {
	R  string  `xml:"r,attr"`
	S  int     `xml:"s,attr"`
	T  string  `xml:"t,attr"`
	V  string  `xml:"v"`
	F  *string `xml:"f"`
	IS *struct {
		T string `xml:"t"`
	} `xml:"is"`
}

func parseSheet(t *testing.T, b []byte) rawSheet {
	t.Helper()
	var ws rawSheet
	if err := xml.Unmarshal(b, &ws); err != nil {
		t.Fatalf("sheet XML: %v", err)
	}
	return ws
}

// textSpec is a dataset of one text and one number column, for values
// chosen by the test.
func textSpec() *Spec {
	return &Spec{
		Name: "t", Title: "T", KeyColumn: "id",
		Columns: []Column{
			{Name: "id", Type: Text, Hidden: true},
			{Name: "v", Label: "Value", Type: Text},
			{Name: "n", Label: "Number", Type: Number},
		},
	}
}

func allRows(s *Snapshot) []int {
	rows := make([]int, s.Len())
	for i := range rows {
		rows[i] = i
	}
	return rows
}

// TestXLSXWellFormed: every part is well-formed XML, the parts come in the
// order a streaming writer must use (the sheet last), and the sheet's
// elements come in the order the schema requires.
func TestXLSXWellFormed(t *testing.T) {
	s := snap(t, testSpec(), hostileRows())
	_, names, parts := xlsxParts(t, s, []int{0, 1, 2})
	want := []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml"}
	if !slices.Equal(names, want) {
		t.Errorf("zip entries = %q, want %q", names, want)
	}
	for name, b := range parts {
		d := xml.NewDecoder(bytes.NewReader(b))
		var top []string // element names directly under the root
		depth := 0
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s is not well-formed: %v", name, err)
			}
			switch tok := tok.(type) {
			case xml.StartElement:
				if depth == 1 {
					top = append(top, tok.Name.Local)
				}
				if tok.Name.Local == "f" {
					t.Errorf("%s has a formula element", name)
				}
				depth++
			case xml.EndElement:
				depth--
			}
		}
		if name == "xl/worksheets/sheet1.xml" {
			if want := []string{"dimension", "sheetViews", "cols", "sheetData"}; !slices.Equal(top, want) {
				t.Errorf("sheet elements = %q, want %q", top, want)
			}
		}
	}
	ws := parseSheet(t, parts["xl/worksheets/sheet1.xml"])
	if ws.Dimension.Ref != "A1:H4" {
		t.Errorf("dimension = %q, want A1:H4", ws.Dimension.Ref)
	}
	if len(ws.Panes) != 1 || ws.Panes[0].YSplit != "1" || ws.Panes[0].TopLeftCell != "A2" ||
		ws.Panes[0].ActivePane != "bottomLeft" || ws.Panes[0].State != "frozen" {
		t.Errorf("panes = %+v, want the first row frozen", ws.Panes)
	}
	if len(ws.Cols) != 8 {
		t.Errorf("%d column widths, want 8", len(ws.Cols))
	}
	// The sheet name is an attribute: & and quotes in a title must be
	// escaped, and the name must come back as given.
	spec := testSpec()
	spec.Title = `R&D "special" <stock>`
	data, _, parts := xlsxParts(t, snap(t, spec, hostileRows()), nil)
	if err := xml.Unmarshal(parts["xl/workbook.xml"], new(struct{})); err != nil {
		t.Fatalf("workbook XML: %v", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetName(0); got != `R&D "special" <stock>` {
		t.Errorf("sheet name = %q", got)
	}
}

// TestXLSXText: text that XML, Excel's string escapes or a formula reader
// could misread comes back as the text (defused, or without what XML
// cannot hold), always as a string and never a formula.
func TestXLSXText(t *testing.T) {
	long := strings.Repeat("a", 40000)
	tests := []struct{ in, want string }{
		{`a<b & "c" 'd' >e ]]> &amp;`, `a<b & "c" 'd' >e ]]> &amp;`},
		{"📦 box 👍🏽 – naïve", "📦 box 👍🏽 – naïve"},
		{"abc\u202Edef\u200F", "abc\u202Edef\u200F"}, // RTL override and mark are legal
		{"bell\x07 vt\x0b ff\x0c nul\x00 end\x1f", "bell vt ff nul end"},
		{"\uFFFEx\uFFFF", "x"},
		{"bad\xffbyte", "bad\uFFFDbyte"},
		{"surrogate \xed\xa0\x80.", "surrogate \uFFFD\uFFFD\uFFFD."},
		{"_x0041_ and _x00e9_ stay literal, _x12_ too", "_x0041_ and _x00e9_ stay literal, _x12_ too"},
		{"  padded\t", "  padded\t"},
		{"line1\r\nline2\rline3\n", "line1\r\nline2\rline3\n"},
		{"00123", "00123"},
		{`=HYPERLINK("http://evil","x")`, `'=HYPERLINK("http://evil","x")`},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@SUM(1)", "'@SUM(1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"\x01=1+2", "'=1+2"}, // defused as the reader sees it, after the control character is gone
		{"", ""},
		{long, long[:xlsxMaxCellChars]},
		{"=" + long, "'=" + long[:xlsxMaxCellChars-2]},
		{strings.Repeat("é", 40000), strings.Repeat("é", xlsxMaxCellChars)},
		{strings.Repeat("😀", 20000), strings.Repeat("😀", xlsxMaxCellChars/2)}, // two UTF-16 units each
	}
	rows := make([][]any, len(tests))
	for i, tt := range tests {
		rows[i] = []any{fmt.Sprint(i), tt.in, float64(i)}
	}
	s := snap(t, textSpec(), rows)
	data, _, parts := xlsxParts(t, s, allRows(s))
	ws := parseSheet(t, parts["xl/worksheets/sheet1.xml"])
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the workbook does not open: %v", err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	for i, tt := range tests {
		name := strconv.Quote(tt.in)
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			ref := fmt.Sprintf("A%d", i+2)
			c := ws.Rows[i+1].Cells[0]
			if c.R != ref || c.T != "inlineStr" || c.IS == nil || c.F != nil {
				t.Fatalf("cell = %+v, want an inline string at %s", c, ref)
			}
			if strings.Contains(tt.in, "_x") {
				// Excel's escape for the underscore keeps _x0041_ literal.
				if !strings.Contains(c.IS.T, "_x005F_x0041_") {
					t.Errorf("XML text = %q, want _x0041_ escaped", c.IS.T)
				}
			} else if c.IS.T != tt.want {
				t.Errorf("XML text = %q, want %q", c.IS.T, tt.want)
			}
			got, err := f.GetCellValue(sheet, ref)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Excel reads %q, want %q", got, tt.want)
			}
			if fm, _ := f.GetCellFormula(sheet, ref); fm != "" {
				t.Errorf("formula %q", fm)
			}
			if ct, _ := f.GetCellType(sheet, ref); ct != excelize.CellTypeInlineString {
				t.Errorf("cell type %v, want inline string", ct)
			}
		})
	}
}

// TestXLSXManyColumns: references past Z (AA, AB …) are right, in the XML
// and as a reader sees them.
func TestXLSXManyColumns(t *testing.T) {
	spec := &Spec{Name: "wide", Title: "Wide", KeyColumn: "c00"}
	types := []ColumnType{Text, Number, Date, Integer, DateTime, Money, Text}
	for i := range 30 {
		spec.Columns = append(spec.Columns, Column{Name: fmt.Sprintf("c%02d", i), Label: fmt.Sprintf("Col %d", i+1), Type: types[i%len(types)]})
	}
	value := func(row, col int) any {
		if (row+col)%7 == 3 {
			return nil // some NULLs, so references cannot be inferred from position
		}
		switch types[col%len(types)] {
		case Text:
			return fmt.Sprintf("r%dc%d", row, col)
		case Date, DateTime:
			return day("2024-01-01").AddDate(0, 0, row*31+col)
		}
		return float64(row*100 + col)
	}
	var rows [][]any
	for r := range 3 {
		var vals []any
		for c := range 30 {
			vals = append(vals, value(r, c))
		}
		rows = append(rows, vals)
	}
	s := snap(t, spec, rows)
	data, _, parts := xlsxParts(t, s, allRows(s))
	ws := parseSheet(t, parts["xl/worksheets/sheet1.xml"])
	if ws.Dimension.Ref != "A1:AD4" {
		t.Errorf("dimension = %q, want A1:AD4", ws.Dimension.Ref)
	}
	if len(ws.Rows) != 4 {
		t.Fatalf("%d rows, want 4", len(ws.Rows))
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	for r, row := range ws.Rows {
		if row.R != r+1 {
			t.Errorf("row %d has r=%d", r+1, row.R)
		}
		var want []string
		for c := range 30 {
			if r == 0 || value(r-1, c) != nil {
				ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
				want = append(want, ref)
			}
		}
		var got []string
		for _, c := range row.Cells {
			got = append(got, c.R)
		}
		if !slices.Equal(got, want) {
			t.Errorf("row %d references = %q\nwant %q", r+1, got, want)
		}
	}
	for _, tt := range []struct{ ref, want string }{
		{"Z1", "Col 26"}, {"AA1", "Col 27"}, {"AD1", "Col 30"},
		{"AA2", "26.00"}, // index 26 is Money: 0*100+26
		{"AB3", "r1c27"},
		{"AC4", "r2c28"},
		{"AD2", "29"},        // index 29 is a Number
		{"X2", "2024-01-24"}, // index 23 is a Date: 2024-01-01 + 23 days
	} {
		if got, _ := f.GetCellValue(sheet, tt.ref); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.ref, got, tt.want)
		}
	}
	// Null cells are absent, and their neighbours keep their place.
	if got, _ := f.GetCellValue(sheet, "D2"); got != "" { // (0+3)%7 == 3
		t.Errorf("D2 = %q, want empty (NULL)", got)
	}
	if got, _ := f.GetCellValue(sheet, "E2"); got != "2024-01-05 00:00" {
		t.Errorf("E2 = %q, want 2024-01-05 00:00", got)
	}
}

func TestColumnLetters(t *testing.T) {
	for n := 1; n <= xlsxMaxCols; n++ {
		want, _ := excelize.ColumnNumberToName(n)
		if got := columnLetters(n); got != want {
			t.Fatalf("columnLetters(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestXLSXEmpty: an export of no rows is a workbook with the header only.
func TestXLSXEmpty(t *testing.T) {
	s := snap(t, testSpec(), hostileRows())
	data, _, parts := xlsxParts(t, s, nil)
	if ws := parseSheet(t, parts["xl/worksheets/sheet1.xml"]); ws.Dimension.Ref != "A1:H1" || len(ws.Rows) != 1 {
		t.Errorf("dimension %q, %d rows; want A1:H1 and the header", ws.Dimension.Ref, len(ws.Rows))
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the workbook does not open: %v", err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	got, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"Customer", "Part", "Description", "On Hand Qty", "Bin", "Exp Date", "Last Rec Date", "Status"}}
	if len(got) != 1 || !slices.Equal(got[0], want[0]) {
		t.Errorf("rows = %q, want %q", got, want)
	}
	if p, err := f.GetPanes(sheet); err != nil || !p.Freeze || p.YSplit != 1 {
		t.Errorf("panes = %+v, %v; want row 1 frozen", p, err)
	}
}

// TestXLSXDates: dates are serial numbers of the 1900 system, including
// its phantom 29 February 1900; dates Excel cannot show are text.
func TestXLSXDates(t *testing.T) {
	spec := &Spec{Name: "d", Title: "D", KeyColumn: "id", Columns: []Column{
		{Name: "id", Type: Text, Hidden: true},
		{Name: "d", Label: "Day", Type: Date},
		{Name: "dt", Label: "When", Type: DateTime},
	}}
	at := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04:05", s)
		if err != nil {
			panic(err)
		}
		return v
	}
	tests := []struct {
		day, when        time.Time
		dayRaw, whenRaw  string // serials; "" when written as text
		dayShow, whenShw string
	}{
		{day("2024-01-31"), at("2024-01-31 14:05:09"), "45322", "45322.586909722", "2024-01-31", "2024-01-31 14:05"},
		{day("2024-02-29"), at("2024-02-29 00:00:00"), "45351", "45351", "2024-02-29", "2024-02-29 00:00"},
		{day("1970-01-01"), at("1969-12-31 18:00:00"), "25569", "25568.75", "1970-01-01", "1969-12-31 18:00"},
		{day("1900-03-01"), at("1900-03-01 12:00:00"), "61", "61.5", "1900-03-01", "1900-03-01 12:00"},
		{day("1900-02-28"), at("1900-02-28 06:00:00"), "59", "59.25", "", ""},
		{day("1900-01-01"), at("1900-01-01 06:00:00"), "1", "1.25", "", ""},
		{day("9999-12-31"), at("9999-12-31 23:59:00"), "2958465", "2958465.9993055556", "9999-12-31", ""},
		{day("1899-12-30"), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "", "", "1899-12-30", "10000-01-01 00:00:00"},
		{day("1899-12-31"), at("0001-01-01 00:00:00"), "", "", "1899-12-31", "0001-01-01 00:00:00"},
	}
	var rows [][]any
	for i, tt := range tests {
		rows = append(rows, []any{strconv.Itoa(i), tt.day, tt.when})
	}
	rows = append(rows, []any{"null", nil, nil})
	s := snap(t, spec, rows)
	data, _, parts := xlsxParts(t, s, allRows(s))
	ws := parseSheet(t, parts["xl/worksheets/sheet1.xml"])
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	check := func(t *testing.T, c rawCell, raw, show string) {
		t.Helper()
		if raw == "" { // written as text
			if c.T != "inlineStr" || c.IS == nil || c.IS.T != show {
				t.Errorf("%s = %+v, want the text %q", c.R, c, show)
			}
			return
		}
		got, err := strconv.ParseFloat(c.V, 64)
		want, _ := strconv.ParseFloat(raw, 64)
		if c.T != "" || err != nil || math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %+v, want the serial %s", c.R, c, raw)
		}
		if show != "" {
			if got, _ := f.GetCellValue(sheet, c.R); got != show {
				t.Errorf("%s shows %q, want %q", c.R, got, show)
			}
		}
	}
	for i, tt := range tests {
		t.Run(tt.when.String(), func(t *testing.T) {
			cells := ws.Rows[i+1].Cells
			if len(cells) != 2 {
				t.Fatalf("cells = %+v", cells)
			}
			check(t, cells[0], tt.dayRaw, tt.dayShow)
			check(t, cells[1], tt.whenRaw, tt.whenShw)
		})
	}
	if cells := ws.Rows[len(tests)+1].Cells; len(cells) != 0 {
		t.Errorf("NULL dates written as %+v", cells)
	}
}

// TestXLSXNumbers: numbers are numeric cells in a form Excel reads, with
// their column's format; an infinity is text.
func TestXLSXNumbers(t *testing.T) {
	spec := &Spec{Name: "n", Title: "N", KeyColumn: "id", Columns: []Column{
		{Name: "id", Type: Text, Hidden: true},
		{Name: "plain", Label: "Plain", Type: Number},
		{Name: "int", Label: "Int", Type: Integer},
		{Name: "money", Label: "Money", Type: Money},
		{Name: "pct", Label: "Pct", Type: Number, Format: `0.0"%"`},
	}}
	vals := []float64{1234.5, -1, 0, math.Copysign(0, -1), 1e21, 1.5e-10, 123456789012345, 0.1, -98765.4321, 1e300, math.Inf(1)}
	var rows [][]any
	for i, v := range vals {
		rows = append(rows, []any{strconv.Itoa(i), v, v, v, v})
	}
	s := snap(t, spec, rows)
	data, _, parts := xlsxParts(t, s, allRows(s))
	ws := parseSheet(t, parts["xl/worksheets/sheet1.xml"])
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	for i, v := range vals {
		for _, c := range ws.Rows[i+1].Cells {
			if math.IsInf(v, 0) {
				if c.T != "inlineStr" || c.IS == nil || c.IS.T != "'+Inf" {
					t.Errorf("%s = %+v, want the text '+Inf", c.R, c)
				}
				continue
			}
			got, err := strconv.ParseFloat(c.V, 64)
			if c.T != "" || err != nil || got != v || strings.HasPrefix(c.V, "-0") && v == 0 {
				t.Errorf("%s = %+v, want the number %v", c.R, c, v)
			}
			if ct, _ := f.GetCellType(sheet, c.R); ct != excelize.CellTypeUnset && ct != excelize.CellTypeNumber {
				t.Errorf("%s has type %v", c.R, ct)
			}
			if len(c.V) > 25 {
				t.Errorf("%s = %q: too long", c.R, c.V)
			}
		}
	}
	// "0" is the id of General, the format of a Number column without one.
	wantFmt := map[string]string{"A": "0", "B": "#,##0", "C": "#,##0.00", "D": `0.0"%"`}
	for col, want := range wantFmt {
		id, err := f.GetCellStyle(sheet, col+"2")
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		got := strconv.Itoa(st.NumFmt)
		if st.CustomNumFmt != nil {
			got = *st.CustomNumFmt
		}
		if got != want {
			t.Errorf("column %s format = %q, want %q", col, got, want)
		}
	}
	if got, _ := f.GetCellValue(sheet, "C2"); got != "1,234.50" {
		t.Errorf("C2 shows %q, want 1,234.50", got)
	}
}

// TestXLSXMatchesCSV: the workbook holds what the CSV export holds, cell by
// cell, over a random snapshot with NULLs.
func TestXLSXMatchesCSV(t *testing.T) {
	s := randomSnapshot(t, 1500, 3)
	q, err := ParseQuery(s.Spec, mustValues(t, "sort=-exp&sort=bin"))
	if err != nil {
		t.Fatal(err)
	}
	rows := s.Matching(q)
	var cbuf bytes.Buffer
	if err := WriteCSV(&cbuf, s, rows); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(cbuf.Bytes()[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	data, _, _ := xlsxParts(t, s, rows)
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := f.GetRows(f.GetSheetName(0), excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(recs) {
		t.Fatalf("%d rows, CSV has %d", len(got), len(recs))
	}
	cols := s.VisibleColumns()
	for r := range recs {
		for i, ci := range cols {
			want, have := recs[r][i], ""
			if i < len(got[r]) {
				have = got[r][i]
			}
			col := s.Spec.Columns[ci]
			if r > 0 && col.Temporal() && want != "" {
				// The sheet has serial days; convert them back.
				v, err := strconv.ParseFloat(have, 64)
				if err != nil {
					t.Fatalf("row %d %s = %q, not a serial", r, col.Name, have)
				}
				sec := int64(math.Round((v - excelEpoch) * 86400))
				have = time.Unix(sec, 0).UTC().Format(exportDateTimeLayout)
				if col.Type == Date {
					have = have[:10]
				}
			}
			if have != want {
				t.Fatalf("row %d %s = %q, CSV %q", r, col.Name, have, want)
			}
		}
	}
}

// failingWriter fails every write once more than limit bytes went through.
type failingWriter struct {
	n, limit int
	calls    int
}

var errGone = errors.New("client gone")

func (w *failingWriter) Write(p []byte) (int, error) {
	w.calls++
	if w.n+len(p) > w.limit {
		return 0, errGone
	}
	w.n += len(p)
	return len(p), nil
}

// TestXLSXWriteFails: a failing destination is an error naming its cause.
func TestXLSXWriteFails(t *testing.T) {
	s := randomSnapshot(t, 20000, 5)
	for _, limit := range []int{0, 100, 4000} {
		w := &failingWriter{limit: limit}
		err := WriteXLSX(w, s, allRows(s))
		if !errors.Is(err, errGone) {
			t.Errorf("limit %d: err = %v, want the writer's error", limit, err)
		}
	}
}

// TestXLSXTooBig: more columns than a sheet holds is refused before
// anything is written.
func TestXLSXTooBig(t *testing.T) {
	spec := &Spec{Name: "w", Title: "W"}
	for i := range xlsxMaxCols + 1 {
		spec.Columns = append(spec.Columns, Column{Name: "c" + strconv.Itoa(i), Type: Text})
	}
	s := snap(t, spec, nil)
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, s, nil); err == nil || buf.Len() != 0 {
		t.Errorf("err = %v, %d bytes written; want an error and nothing", err, buf.Len())
	}
}

// TestParallelDeflateStopsOnError: once the destination fails, Write
// reports it instead of compressing on for nobody.
func TestParallelDeflateStopsOnError(t *testing.T) {
	d := newParallelDeflate(&failingWriter{}, flate.BestSpeed)
	block := bytes.Repeat([]byte("<row>x</row>"), deflateBlock/12+1)
	var err error
	for i := 0; i < 64 && err == nil; i++ {
		_, err = d.Write(block)
	}
	if !errors.Is(err, errGone) {
		t.Errorf("Write err = %v after 64 blocks, want the writer's error", err)
	}
	if err := d.Close(); !errors.Is(err, errGone) {
		t.Errorf("Close err = %v, want the writer's error", err)
	}
}

func TestAppendXMLText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a<b>c&d", "a&lt;b&gt;c&amp;d"},
		{`"quotes' stay"`, `"quotes' stay"`},
		{"tab\tlf\ncr\r", "tab\tlf\ncr&#13;"},
		{"x\x00\x08\x0b\x0c\x0e\x1fy\x7f", "xy\x7f"},
		{"é\uFFFE\uFFFF\uFFFD", "é\uFFFD"},
		{"\xc3", "\uFFFD"},
		{"_x0041_", "_x005F_x0041_"},
		{"_x004_ _xZZZZ_ _x0041", "_x004_ _xZZZZ_ _x0041"},
		{"__x0041_", "__x005F_x0041_"},
	}
	for _, tt := range tests {
		if got := string(appendXMLText(nil, tt.in)); got != tt.want {
			t.Errorf("appendXMLText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
