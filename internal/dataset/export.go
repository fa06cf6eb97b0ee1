package dataset

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Export layouts: CSV carries seconds so nothing is lost; the grid shows
// minutes.
const (
	exportDateLayout     = "2006-01-02"
	exportDateTimeLayout = "2006-01-02 15:04:05"
)

// SafeText guards spreadsheet formulas: a value starting with = + - @, tab,
// CR or LF gets a leading apostrophe, so a spreadsheet shows it as text
// instead of evaluating it (an ERP description "=HYPERLINK(...)" must not
// become a link in a customer's Excel).
func SafeText(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', '\n':
		return "'" + s
	}
	return s
}

// exportText is a cell as CSV writes it.
func exportText(c Cell, col Column) string {
	switch {
	case c.Null:
		return ""
	case col.Numeric():
		return strconv.FormatFloat(c.Num, 'f', -1, 64)
	case col.Type == Date:
		return c.Time.Format(exportDateLayout)
	case col.Type == DateTime:
		return c.Time.Format(exportDateTimeLayout)
	}
	return SafeText(c.Text)
}

// checkRows rejects row indexes the snapshot does not have, so a caller's
// mistake is an error rather than a panic halfway through a download.
func checkRows(s *Snapshot, rows []int) error {
	for _, r := range rows {
		if r < 0 || r >= s.n {
			return fmt.Errorf("dataset %q: export of row %d, the snapshot has %d", s.Spec.Name, r, s.n)
		}
	}
	return nil
}

// WriteCSV writes the rows (snapshot indexes, in order, as Matching returns
// them) as CSV: a UTF-8 BOM (so Excel reads the accents right), a header row
// of labels, then the non-hidden columns in spec order, RFC 4180 quoting and
// CRLF line ends. Numbers are plain ("1234.5", no separators), dates
// "2006-01-02", date-times "2006-01-02 15:04:05", text through SafeText,
// NULL empty. Rows are streamed to w as they are written.
func WriteCSV(w io.Writer, s *Snapshot, rows []int) error {
	if err := checkRows(s, rows); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString("\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	cols := s.VisibleColumns()
	rec := make([]string, len(cols))
	for i, ci := range cols {
		rec[i] = SafeText(label(s.Spec.Columns[ci]))
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	// Numbers and dates are formatted once per distinct value; text needs no
	// formatting (SafeText returns the dictionary's own string).
	texts := make([]*valueCache[string], len(cols))
	for i, ci := range cols {
		c, col := s.cols[ci], s.Spec.Columns[ci]
		if c.kind == kindText {
			continue
		}
		texts[i] = newValueCache(c, len(rows), func(code uint32) string { return exportText(c.cell(code), col) })
	}
	// Rows are gathered a batch at a time, one column after the other: the
	// rows come in view order, which is random order for the column arrays,
	// and reading one column at a time keeps its arrays in cache.
	const batch = 512
	recs := make([][]string, batch)
	for j := range recs {
		recs[j] = make([]string, len(cols))
	}
	for start := 0; start < len(rows); start += batch {
		part := rows[start:min(start+batch, len(rows))]
		for i, ci := range cols {
			c := s.cols[ci]
			for j, r := range part {
				code := c.codes[r]
				switch {
				case texts[i] != nil:
					recs[j][i] = texts[i].get(code)
				case code == 0:
					recs[j][i] = ""
				default:
					recs[j][i] = SafeText(c.str(code))
				}
			}
		}
		for _, rec := range recs[:len(part)] {
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// SheetName returns a worksheet name Excel accepts made from a title: no
// []:*?/\ characters, no apostrophe at either end, at most 31 characters,
// "Data" when nothing is left.
func SheetName(title string) string {
	name := strings.Map(func(r rune) rune {
		switch r {
		case '[', ']', ':', '*', '?', '/', '\\':
			return ' '
		}
		if r < 0x20 || r == utf8.RuneError {
			return -1
		}
		return r
	}, title)
	name = strings.Trim(strings.Join(strings.Fields(name), " "), "' ")
	if utf8.RuneCountInString(name) > 31 {
		name = strings.TrimSpace(string([]rune(name)[:31]))
		name = strings.TrimRight(name, "'")
	}
	if name == "" || strings.EqualFold(name, "History") { // "History" is reserved by Excel
		return "Data"
	}
	return name
}

// xlsxNumFmt is the Excel number format of a column.
func xlsxNumFmt(col Column) string {
	switch col.Type {
	case Date:
		return "yyyy-mm-dd"
	case DateTime:
		return "yyyy-mm-dd hh:mm"
	}
	if col.Format != "" {
		return col.Format
	}
	if col.Type == Number {
		return "General" // "#,##0.###" would leave a dangling "." on whole numbers in Excel
	}
	return defaultFormat(col.Type)
}

// excelEpoch is 1970-01-01 as an Excel serial day (1900 date system).
const excelEpoch = 25569

// WriteXLSX writes the rows (snapshot indexes, in order) as a workbook with
// one sheet named from spec.Title: a bold, frozen header row; column widths
// from the header and a sample of values; numbers as numbers with the
// column's number format, dates as real dates ("yyyy-mm-dd" or
// "yyyy-mm-dd hh:mm"), text as text (so "00123" stays "00123") through
// SafeText, NULL empty. What a sheet cannot hold is changed rather than
// left to corrupt the file: characters XML forbids are dropped, text is cut
// at Excel's 32,767 characters, and infinities and dates outside 1900–9999
// are written as text, as the CSV export writes them. More rows or columns
// than a sheet holds is an error, before anything is written.
//
// The sheet is written as it goes, straight to w through the zip
// compressor: memory use does not grow with the number of rows.
func WriteXLSX(w io.Writer, s *Snapshot, rows []int) error {
	if err := checkRows(s, rows); err != nil {
		return err
	}
	x, err := newXLSXSheet(s, rows)
	if err != nil {
		return err
	}
	return x.write(w)
}

// columnWidths sizes each column from its header and the first rows shown:
// wide enough to read, capped so one long description does not push the
// rest off screen.
func columnWidths(s *Snapshot, cols []int, rows []int) []float64 {
	const sample, minWidth, maxWidth = 1000, 6, 60
	out := make([]float64, len(cols))
	for i, ci := range cols {
		col := s.Spec.Columns[ci]
		w := utf8.RuneCountInString(label(col)) + 2 // room for the filter arrow
		for _, r := range rows[:min(len(rows), sample)] {
			w = max(w, utf8.RuneCountInString(s.Cell(r, ci).Display(col)))
		}
		out[i] = float64(min(max(w+1, minWidth), maxWidth))
	}
	return out
}

// minCachedValues is the dictionary size a valueCache always accepts; above
// it, only when the export has at least as many rows as the column has
// values, so a small export of a huge column does not allocate a cache the
// size of the column.
const minCachedValues = 1 << 16

// valueCache converts each distinct value of a column once per export.
type valueCache[T any] struct {
	conv func(code uint32) T
	vals []T
	done []bool
}

func newValueCache[T any](c *column, rows int, conv func(code uint32) T) *valueCache[T] {
	vc := &valueCache[T]{conv: conv}
	if d := c.dictLen(); d <= minCachedValues || d <= rows {
		vc.vals = make([]T, c.dictLen())
		vc.done = make([]bool, c.dictLen())
	}
	return vc
}

func (vc *valueCache[T]) get(code uint32) T {
	if vc.done == nil {
		return vc.conv(code)
	}
	if !vc.done[code] {
		vc.vals[code] = vc.conv(code)
		vc.done[code] = true
	}
	return vc.vals[code]
}
