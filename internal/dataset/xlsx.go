package dataset

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// This file writes the workbook of WriteXLSX by hand. A general-purpose
// library builds a value, a style lookup and a cell struct per cell and
// formats each one through reflection-heavy code; an export is millions of
// cells of a handful of known shapes, so here every cell is a few appends to
// one reusable buffer, and each distinct number or date is formatted once.
//
// The package is the smallest Excel and LibreOffice open without repair:
// content types, the package and workbook relationships, the workbook, the
// styles and one worksheet. Zip entries are written one after the other, so
// the small parts go first and the worksheet, whose size is unknown, is
// streamed last.

// Excel's limits: rows and columns of a sheet, characters (UTF-16 units) in
// a cell. A longer text is cut, as Excel itself would refuse the file.
const (
	xlsxMaxRows      = 1 << 20
	xlsxMaxCols      = 1 << 14
	xlsxMaxCellChars = 32767
)

// Fixed cell style indexes (cellXfs): 0 is the default every workbook has,
// 1 the header. Column styles follow.
const (
	xfDefault = 0
	xfHeader  = 1
)

// Built-in number format ids; custom formats are numbered from 164.
const (
	numFmtGeneral     = 0
	numFmtText        = 49
	numFmtFirstCustom = 164
)

// excelLastDay is 9999-12-31, the last day Excel can show as a date.
const excelLastDay = 2958465

const (
	xmlHeader   = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	nsMain      = `http://schemas.openxmlformats.org/spreadsheetml/2006/main`
	nsRels      = `http://schemas.openxmlformats.org/officeDocument/2006/relationships`
	nsPkgRels   = `http://schemas.openxmlformats.org/package/2006/relationships`
	contentType = xmlHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
		`</Types>`
	packageRels = xmlHeader + `<Relationships xmlns="` + nsPkgRels + `">` +
		`<Relationship Id="rId1" Type="` + nsRels + `/officeDocument" Target="xl/workbook.xml"/>` +
		`</Relationships>`
	workbookRels = xmlHeader + `<Relationships xmlns="` + nsPkgRels + `">` +
		`<Relationship Id="rId1" Type="` + nsRels + `/worksheet" Target="worksheets/sheet1.xml"/>` +
		`<Relationship Id="rId2" Type="` + nsRels + `/styles" Target="styles.xml"/>` +
		`</Relationships>`
)

// xlsxCol is one exported column as the sheet writer needs it.
type xlsxCol struct {
	ref   string // column letters, "A" … "XFD"
	c     *column
	def   Column
	style int // cellXfs index

	// Openings of a cell after its reference: `" s="3"><v>` for a number,
	// `" s="3" t="inlineStr"><is><t>` for text, and the same with
	// xml:space="preserve" for text with white space at an end, which
	// Excel would otherwise drop.
	numOpen, textOpen, textOpenPreserve string

	tails *tailCache // numbers and dates: each value's cell formatted once; nil for text
}

// xlsxSheet is everything decided before the first byte of the sheet is
// written: the columns, their styles and widths.
type xlsxSheet struct {
	s       *Snapshot
	rows    []int
	name    string
	cols    []xlsxCol
	widths  []float64
	numFmts []string // custom number formats, id numFmtFirstCustom+i
	xfs     []int    // number format id of each column style, from cellXfs index 2
	header  xlsxCol  // the header row's cells: bold text
}

// newXLSXSheet checks the export fits a sheet and settles its columns,
// styles and widths: all of it goes in parts written before the rows.
func newXLSXSheet(s *Snapshot, rows []int) (*xlsxSheet, error) {
	vis := s.VisibleColumns()
	if len(vis) > xlsxMaxCols {
		return nil, fmt.Errorf("xlsx: %d columns, a sheet holds at most %d", len(vis), xlsxMaxCols)
	}
	if len(rows)+1 > xlsxMaxRows {
		return nil, fmt.Errorf("xlsx: %d rows, a sheet holds at most %d below its header", len(rows), xlsxMaxRows-1)
	}
	x := &xlsxSheet{s: s, rows: rows, name: SheetName(s.Spec.Title)}
	x.header = xlsxCol{style: xfHeader}
	x.header.setOpenings()
	x.cols = make([]xlsxCol, len(vis))
	for i, ci := range vis {
		col := s.Spec.Columns[ci]
		xc := xlsxCol{ref: columnLetters(i + 1), c: s.cols[ci], def: col}
		fmtCode := "@" // text stays text, "00123" too, even when edited
		if col.Numeric() || col.Temporal() {
			fmtCode = xlsxNumFmt(col)
		}
		xc.style = x.styleFor(fmtCode)
		xc.setOpenings()
		if xc.c.kind != kindText {
			xc.tails = newTailCache(xc.c, len(rows))
		}
		x.cols[i] = xc
	}
	x.widths = columnWidths(s, vis, rows)
	return x, nil
}

// styleFor returns the cellXfs index of a number format, adding the format
// and the style the first time.
func (x *xlsxSheet) styleFor(fmtCode string) int {
	id := -1
	switch fmtCode {
	case "General":
		return xfDefault
	case "@":
		id = numFmtText
	default:
		for i, f := range x.numFmts {
			if f == fmtCode {
				id = numFmtFirstCustom + i
			}
		}
		if id < 0 {
			x.numFmts = append(x.numFmts, fmtCode)
			id = numFmtFirstCustom + len(x.numFmts) - 1
		}
	}
	for i, f := range x.xfs {
		if f == id {
			return i + 2
		}
	}
	x.xfs = append(x.xfs, id)
	return len(x.xfs) + 1
}

// setOpenings builds the column's cell openings once, so a cell is a
// handful of appends of ready-made bytes.
func (xc *xlsxCol) setOpenings() {
	s := ""
	if xc.style != xfDefault {
		s = ` s="` + strconv.Itoa(xc.style) + `"`
	}
	xc.numOpen = `"` + s + `><v>`
	xc.textOpen = `"` + s + ` t="inlineStr"><is><t>`
	xc.textOpenPreserve = `"` + s + ` t="inlineStr"><is><t xml:space="preserve">`
}

// write writes the whole package to w.
func (x *xlsxSheet) write(w io.Writer) error {
	zw := zip.NewWriter(w)
	// Compression is most of the work left once cells are cheap: BestSpeed
	// (sheet XML compresses well at any level), spread over the cores.
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return newParallelDeflate(out, flate.BestSpeed), nil
	})
	closed := false
	defer func() {
		// On failure the open entry is still closed: that stops its
		// compressor's goroutines.
		if !closed {
			_ = zw.Close()
		}
	}()
	// Entries are dated when the data was read, which is what the file
	// shows; a zip date cannot be before 1980.
	modified := x.s.AsOf
	if modified.Year() < 1980 {
		modified = time.Now()
	}
	create := func(name string) (io.Writer, error) {
		return zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modified})
	}
	parts := []struct {
		name string
		body func() []byte
	}{
		{"[Content_Types].xml", func() []byte { return []byte(contentType) }},
		{"_rels/.rels", func() []byte { return []byte(packageRels) }},
		{"xl/workbook.xml", x.workbookXML},
		{"xl/_rels/workbook.xml.rels", func() []byte { return []byte(workbookRels) }},
		{"xl/styles.xml", x.stylesXML},
	}
	for _, p := range parts {
		pw, err := create(p.name)
		if err != nil {
			return fmt.Errorf("xlsx: %s: %w", p.name, err)
		}
		if _, err := pw.Write(p.body()); err != nil {
			return fmt.Errorf("xlsx: %s: %w", p.name, err)
		}
	}
	sw, err := create("xl/worksheets/sheet1.xml")
	if err != nil {
		return fmt.Errorf("xlsx: sheet: %w", err)
	}
	if err := x.writeSheet(sw); err != nil {
		return fmt.Errorf("xlsx: sheet: %w", err)
	}
	closed = true
	if err := zw.Close(); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return nil
}

func (x *xlsxSheet) workbookXML() []byte {
	b := []byte(xmlHeader + `<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRels + `">` +
		`<bookViews><workbookView/></bookViews><sheets><sheet name="`)
	b = appendXMLAttr(b, x.name)
	return append(b, `" sheetId="1" r:id="rId1"/></sheets></workbook>`...)
}

func (x *xlsxSheet) stylesXML() []byte {
	b := []byte(xmlHeader + `<styleSheet xmlns="` + nsMain + `">`)
	if len(x.numFmts) > 0 {
		b = append(b, `<numFmts count="`...)
		b = strconv.AppendInt(b, int64(len(x.numFmts)), 10)
		b = append(b, `">`...)
		for i, f := range x.numFmts {
			b = append(b, `<numFmt numFmtId="`...)
			b = strconv.AppendInt(b, int64(numFmtFirstCustom+i), 10)
			b = append(b, `" formatCode="`...)
			b = appendXMLAttr(b, f)
			b = append(b, `"/>`...)
		}
		b = append(b, `</numFmts>`...)
	}
	b = append(b, `<fonts count="2">`+
		`<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>`+
		`<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>`+
		`</fonts>`+
		`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>`+
		`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>`+
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>`+
		`<cellXfs count="`...)
	b = strconv.AppendInt(b, int64(len(x.xfs)+2), 10)
	b = append(b, `">`+
		`<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>`+
		`<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1"><alignment vertical="top"/></xf>`...)
	for _, id := range x.xfs {
		b = append(b, `<xf numFmtId="`...)
		b = strconv.AppendInt(b, int64(id), 10)
		b = append(b, `" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`...)
	}
	return append(b, `</cellXfs>`+
		`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>`+
		`</styleSheet>`...)
}

// xlsxFlushAt is how much sheet XML is gathered before it is handed to the
// zip writer: large enough that the per-write overhead (CRC, the
// compressor's copy) is negligible, small enough to stay in cache.
const xlsxFlushAt = 128 << 10

// writeSheet streams the worksheet: its head (dimension, frozen pane,
// column widths), the header row, then the rows a batch at a time.
func (x *xlsxSheet) writeSheet(w io.Writer) error {
	buf := make([]byte, 0, xlsxFlushAt+(16<<10))
	buf = append(buf, xmlHeader+`<worksheet xmlns="`+nsMain+`" xmlns:r="`+nsRels+`"><dimension ref="A1`...)
	if len(x.cols) > 0 {
		buf = append(buf, ':')
		buf = append(buf, x.cols[len(x.cols)-1].ref...)
		buf = strconv.AppendInt(buf, int64(len(x.rows)+1), 10)
	}
	buf = append(buf, `"/><sheetViews><sheetView workbookViewId="0">`+
		`<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>`+
		`<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>`+
		`</sheetView></sheetViews>`...)
	if len(x.cols) > 0 { // <cols> may not be empty
		buf = append(buf, `<cols>`...)
		for i, wd := range x.widths {
			buf = append(buf, `<col min="`...)
			buf = strconv.AppendInt(buf, int64(i+1), 10)
			buf = append(buf, `" max="`...)
			buf = strconv.AppendInt(buf, int64(i+1), 10)
			buf = append(buf, `" width="`...)
			buf = strconv.AppendFloat(buf, wd, 'f', -1, 64)
			buf = append(buf, `" customWidth="1"/>`...)
		}
		buf = append(buf, `</cols>`...)
	}
	buf = append(buf, `<sheetData><row r="1">`...)
	for _, xc := range x.cols {
		buf = append(buf, `<c r="`...)
		buf = append(buf, xc.ref...)
		buf = append(buf, '1')
		buf = x.header.appendText(buf, label(xc.def)) // defused as any text is
	}
	buf = append(buf, `</row>`...)

	// Rows come in view order, which is random order for the column
	// arrays: their codes are gathered a batch at a time, one column after
	// the other, so each column's array is read while in cache.
	const batch = 256
	ncols := len(x.cols)
	codes := make([]uint32, batch*ncols)
	num := make([]byte, 0, 8) // the row number, shared by the row and its cells
	for start := 0; start < len(x.rows); start += batch {
		part := x.rows[start:min(start+batch, len(x.rows))]
		for i := range x.cols {
			cc := x.cols[i].c.codes
			for j, r := range part {
				codes[j*ncols+i] = cc[r]
			}
		}
		for j := range part {
			num = strconv.AppendInt(num[:0], int64(start+j+2), 10)
			buf = append(buf, `<row r="`...)
			buf = append(buf, num...)
			buf = append(buf, `">`...)
			for i, code := range codes[j*ncols : (j+1)*ncols] {
				if code == 0 {
					continue // NULL: an absent cell is an empty one
				}
				xc := &x.cols[i]
				buf = append(buf, `<c r="`...)
				buf = append(buf, xc.ref...)
				buf = append(buf, num...)
				if xc.tails != nil {
					buf = xc.tails.append(buf, xc, code)
				} else {
					buf = xc.appendTextCell(buf, code)
				}
			}
			buf = append(buf, `</row>`...)
			if len(buf) >= xlsxFlushAt {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
	}
	buf = append(buf, `</sheetData></worksheet>`...)
	_, err := w.Write(buf)
	return err
}

// appendTextCell appends the rest of a text column's cell after its
// reference.
func (xc *xlsxCol) appendTextCell(dst []byte, code uint32) []byte {
	return xc.appendText(dst, xc.c.str(code))
}

// appendValueCell appends the rest of a number or date cell after its
// reference. What Excel cannot hold as a number (an infinity, a date before
// 1900 or after 9999) is written as text, as the CSV export writes it,
// rather than as a number Excel would show as "#####" or refuse.
func (xc *xlsxCol) appendValueCell(dst []byte, code uint32) []byte {
	if xc.c.kind == kindNum {
		f := xc.c.nums[code]
		if math.IsInf(f, 0) {
			return xc.appendText(dst, exportText(xc.c.cell(code), xc.def))
		}
		dst = append(dst, xc.numOpen...)
		dst = appendExcelNumber(dst, f)
		return append(dst, `</v></c>`...)
	}
	serial, ok := excelSerial(xc.c.times[code], xc.def.Type == DateTime)
	if !ok {
		return xc.appendText(dst, exportText(xc.c.cell(code), xc.def))
	}
	dst = append(dst, xc.numOpen...)
	dst = strconv.AppendFloat(dst, serial, 'f', -1, 64)
	return append(dst, `</v></c>`...)
}

// appendText appends an inline string cell after its reference: the text
// cleaned for XML, defused as SafeText does, cut to Excel's limit.
func (xc *xlsxCol) appendText(dst []byte, s string) []byte {
	guard := needsGuard(s)
	if len(s) > xlsxMaxCellChars-1 { // bytes ≥ UTF-16 units: shorter texts fit
		limit := xlsxMaxCellChars
		if guard {
			limit--
		}
		s = truncateUTF16(s, limit)
	}
	if len(s) > 0 && (s[0] <= ' ' || s[len(s)-1] <= ' ') {
		// White space at an end (or a control character, dropped, next to
		// some) needs xml:space; a needless one is harmless.
		dst = append(dst, xc.textOpenPreserve...)
	} else {
		dst = append(dst, xc.textOpen...)
	}
	if guard {
		dst = append(dst, '\'')
	}
	dst = appendXMLText(dst, s)
	return append(dst, `</t></is></c>`...)
}

// excelSerial converts wall-clock seconds since 1970 to an Excel serial
// date (1900 date system: days since 1899-12-30, fractions for the time).
// Excel counts a 29 February 1900 that never was, so days before 1 March
// 1900 are one lower. ok is false outside 1900-01-01 … 9999-12-31.
func excelSerial(sec int64, withTime bool) (serial float64, ok bool) {
	day := floorDay(sec)/86400 + excelEpoch
	adj := int64(0)
	if day < 61 {
		adj = 1
	}
	if day-adj < 1 || day > excelLastDay {
		return 0, false
	}
	if !withTime {
		return float64(day - adj), true
	}
	return float64(sec)/86400 + excelEpoch - float64(adj), true
}

// appendExcelNumber appends f in a form both Excel and the XML schema's
// double read: plain decimals ("1234.5", "-1") for ordinary magnitudes, an
// exponent only for very large or very small ones, where plain digits would
// run to hundreds of characters.
func appendExcelNumber(dst []byte, f float64) []byte {
	if f == 0 {
		return append(dst, '0') // not "-0"
	}
	if a := math.Abs(f); a >= 1e-9 && a < 1e21 {
		return strconv.AppendFloat(dst, f, 'f', -1, 64)
	}
	return strconv.AppendFloat(dst, f, 'E', -1, 64)
}

// columnLetters returns the A1-style letters of a 1-based column number:
// A … Z, AA … ZZ, AAA … XFD.
func columnLetters(n int) string {
	var b [8]byte
	i := len(b)
	for n > 0 {
		n--
		i--
		b[i] = byte('A' + n%26)
		n /= 26
	}
	return string(b[i:])
}

// minTailCached is the dictionary size a tailCache always accepts; above
// it, only when the export uses each value several times on average, so a
// column of mostly distinct date-times does not cache what it never reuses.
const minTailCached = 1 << 16

// tailCache holds the formatted rest of the cell (after its reference) of
// each value of a number or date column, formatted the first time the value
// is met: one arena rather than a slice per value.
type tailCache struct {
	span  []uint64 // per code: end<<32 | start in arena; 0 = not formatted yet (a tail is never empty)
	arena []byte
}

func newTailCache(c *column, rows int) *tailCache {
	d := c.dictLen()
	if d > minTailCached && d > rows/4 {
		return &tailCache{}
	}
	return &tailCache{span: make([]uint64, d)}
}

func (tc *tailCache) append(dst []byte, xc *xlsxCol, code uint32) []byte {
	if tc.span == nil {
		return xc.appendValueCell(dst, code)
	}
	sp := tc.span[code]
	if sp == 0 {
		start := len(tc.arena)
		tc.arena = xc.appendValueCell(tc.arena, code)
		if len(tc.arena) > math.MaxUint32 {
			// Not reachable with Excel's row limit; formatting each time
			// is still right.
			tc.arena = tc.arena[:start]
			return xc.appendValueCell(dst, code)
		}
		sp = uint64(len(tc.arena))<<32 | uint64(start)
		tc.span[code] = sp
	}
	return append(dst, tc.arena[uint32(sp):sp>>32]...)
}

// xmlPlain marks the bytes appendXMLText copies as they are: printable
// ASCII but the markup characters, tab and line feed. '_' is looked at in
// case it starts an escape (see appendXMLText).
var xmlPlain = func() (t [256]bool) {
	for b := 0x20; b <= 0x7f; b++ {
		t[b] = true
	}
	t['<'], t['>'], t['&'], t['_'] = false, false, false, false
	t['\t'], t['\n'] = true, true
	return t
}()

// appendXMLText appends s as XML character data:
//   - & < > are escaped;
//   - CR is written as a character reference, since an XML reader turns a
//     literal CR (or CRLF) into LF;
//   - characters XML 1.0 forbids are dropped (control characters but tab,
//     LF and CR; U+FFFE, U+FFFF), and each byte of invalid UTF-8 (a lone
//     surrogate included) becomes U+FFFD;
//   - "_xHHHH_" gets its underscore escaped as "_x005F", since Excel reads
//     _xHHHH_ in a string as the character HHHH.
func appendXMLText(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if xmlPlain[b] {
			i++
			continue
		}
		if b >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r != 0xFFFE && r != 0xFFFF && (r != utf8.RuneError || n > 1) {
				i += n // a valid character (U+FFFD itself included)
				continue
			}
			dst = append(dst, s[start:i]...)
			if n == 1 {
				dst = append(dst, "\uFFFD"...)
			}
			i += n
			start = i
			continue
		}
		if b == '_' {
			if isExcelEscape(s[i:]) {
				dst = append(dst, s[start:i]...)
				dst = append(dst, "_x005F"...)
				start = i // the underscore itself follows, with the rest
			}
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		switch b {
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		case '&':
			dst = append(dst, "&amp;"...)
		case '\r':
			dst = append(dst, "&#13;"...)
		} // other control characters are dropped
		i++
		start = i
	}
	return append(dst, s[start:]...)
}

// isExcelEscape reports whether s starts with _xHHHH_.
func isExcelEscape(s string) bool {
	if len(s) < 7 || s[1] != 'x' || s[6] != '_' {
		return false
	}
	for _, c := range []byte(s[2:6]) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// needsGuard reports whether SafeText would defuse s once appendXMLText has
// dropped what XML cannot hold: the check is on the first character a
// reader sees, so "\x01=1" is defused too.
func needsGuard(s string) bool {
	for i := 0; i < len(s); {
		b := s[i]
		switch {
		case b == '=' || b == '+' || b == '-' || b == '@' || b == '\t' || b == '\r' || b == '\n':
			return true
		case b < 0x20:
			i++ // dropped
		case b < utf8.RuneSelf:
			return false
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r != 0xFFFE && r != 0xFFFF {
				return false
			}
			i += n
		}
	}
	return false
}

// truncateUTF16 cuts s to at most n UTF-16 units (Excel's measure), on a
// character boundary.
func truncateUTF16(s string, n int) string {
	units := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		u := 1
		if r > 0xFFFF {
			u = 2
		}
		if units+u > n {
			return s[:i]
		}
		units += u
		i += size
	}
	return s
}

// appendXMLAttr appends s escaped for a double-quoted attribute value.
func appendXMLAttr(dst []byte, s string) []byte {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s)) // writes to a bytes.Buffer do not fail
	return append(dst, b.Bytes()...)
}
