package invoicepdf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/ledongthuc/pdf"
	"golang.org/x/image/font/gofont/goregular"
)

// sampleInvoice builds an invoice with n lines whose text needs more than
// cp1252 (ł, ő, Cyrillic) as well as the usual accents.
func sampleInvoice(tb testing.TB, n int) Invoice {
	tb.Helper()
	inv := Invoice{
		Business: Party{Name: "Fjørd & Søn Consulting", Lines: []string{
			"Große Straße 12", "8001 Zürich", "VAT CHE-123.456.789", "billing@fjord.example",
		}},
		Customer: Party{Name: "Łódź Café Ltd", Lines: []string{
			"ul. Piotrkowska 3", "90-001 Łódź", "Attn: Zoë Dvořák",
		}},
		Number:    "INV-2026-0042",
		IssueDate: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
		DueDate:   time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
		Currency:  "EUR",
		Subtotal:  "1,000.00",
		Tax:       "200.00",
		TaxLabel:  "VAT 20 %",
		Total:     "1,200.00",
		Paid:      "200.00",
		Balance:   "1,000.00",
		Status:    "Overdue",
		Notes:     "Payment within 30 days — thank you!\nIBAN CH93 0076 2011 6238 5295 7 · €-Konto",
	}
	for i := 1; i <= n; i++ {
		inv.Lines = append(inv.Lines, Line{
			Description: fmt.Sprintf("Item %03d — Beratung für Müller, naïve résumé review", i),
			Quantity:    "1.5",
			UnitPrice:   "66.67",
			Amount:      "100.00",
		})
	}
	return inv
}

// parsed is a rendered PDF read back: its text, one string per page with
// the page's rows top to bottom, and every text run with its position.
type parsed struct {
	pages []string
	runs  [][]run
}

// run is one text-showing operation: maroto draws each line of a cell as
// one.
type run struct {
	x, y, size float64 // points, from the bottom left
	bold       bool
	s          string
}

func (p parsed) all() string { return strings.Join(p.pages, "\n") }

// parse reads b with ledongthuc/pdf. Its own text decoding drops the high
// byte of characters beyond Latin-1 in fonts whose ToUnicode map is one
// range (gofpdf's), so the runs are decoded here instead: the test first
// checks that every font's ToUnicode map is that identity range, which makes
// each two-byte code its UTF-16 code unit.
func parse(tb testing.TB, b []byte) parsed {
	tb.Helper()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		tb.Fatalf("parse PDF: %v", err)
	}
	var out parsed
	for i := 1; i <= r.NumPage(); i++ {
		pg := r.Page(i)
		fonts := pg.Resources().Key("Font")
		for _, name := range fonts.Keys() {
			f := fonts.Key(name)
			if f.Key("Encoding").Name() != "Identity-H" {
				tb.Fatalf("page %d font %s: encoding %v, want Identity-H", i, name, f.Key("Encoding"))
			}
			cmap, err := io.ReadAll(f.Key("ToUnicode").Reader())
			if err != nil || !bytes.Contains(cmap, []byte("<0000> <FFFF> <0000>")) {
				tb.Fatalf("page %d font %s: ToUnicode is not the identity map (%v)", i, name, err)
			}
		}
		var runs []run
		var x, y, size float64
		var isBold bool
		pdf.Interpret(pg.V.Key("Contents"), func(stk *pdf.Stack, op string) {
			args := make([]pdf.Value, stk.Len())
			for j := len(args) - 1; j >= 0; j-- {
				args[j] = stk.Pop()
			}
			switch op {
			case "Tf":
				isBold = strings.HasSuffix(fonts.Key(args[0].Name()).Key("BaseFont").Name(), "B")
				size = args[1].Float64()
			case "Td":
				x, y = args[0].Float64(), args[1].Float64()
			case "Tj":
				raw := args[0].RawString()
				units := make([]uint16, len(raw)/2)
				for k := range units {
					units[k] = uint16(raw[2*k])<<8 | uint16(raw[2*k+1])
				}
				runs = append(runs, run{x: x, y: y, size: size, bold: isBold, s: string(utf16.Decode(units))})
			}
		})
		// Rows: runs on the same baseline, left to right; rows top down.
		sorted := slices.Clone(runs)
		slices.SortStableFunc(sorted, func(a, b run) int {
			if d := math.Round(b.y) - math.Round(a.y); d != 0 {
				return int(d)
			}
			return int(math.Round(a.x - b.x))
		})
		var lines []string
		for k, rn := range sorted {
			if k > 0 && math.Round(rn.y) == math.Round(sorted[k-1].y) {
				lines[len(lines)-1] += "  " + rn.s
				continue
			}
			lines = append(lines, rn.s)
		}
		out.pages = append(out.pages, strings.Join(lines, "\n"))
		out.runs = append(out.runs, runs)
	}
	return out
}

func render(tb testing.TB, inv Invoice) []byte {
	tb.Helper()
	b, err := Render(inv)
	if err != nil {
		tb.Fatalf("Render: %v", err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		tb.Fatalf("output starts with %q, want %%PDF-", b[:min(len(b), 8)])
	}
	return b
}

func mustContain(tb testing.TB, where, text string, wants ...string) {
	tb.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			tb.Errorf("%s: missing %q in:\n%s", where, w, text)
		}
	}
}

func TestRenderShortInvoiceIsOnePage(t *testing.T) {
	doc := parse(t, render(t, sampleInvoice(t, 10)))
	if len(doc.pages) != 1 {
		t.Fatalf("pages = %d, want 1", len(doc.pages))
	}
	mustContain(t, "page 1", doc.pages[0],
		"INV-2026-0042", "EUR 1,200.00", "1,000.00", "Łódź Café Ltd", "Fjørd & Søn Consulting",
		"Große Straße 12", "Zürich", "Zoë Dvořák", "naïve résumé", "Item 010",
		"2026-03-02", "2026-04-01", "OVERDUE", "VAT 20 %", "Balance due",
		"Payment within 30 days — thank you!", "€-Konto", "Page 1 of 1")
}

func TestRenderManyLinesRunOverPages(t *testing.T) {
	doc := parse(t, render(t, sampleInvoice(t, 120)))
	n := len(doc.pages)
	if n < 2 {
		t.Fatalf("pages = %d, want more than 1 for 120 lines", n)
	}
	for i, text := range doc.pages {
		mustContain(t, fmt.Sprintf("page %d", i+1), text, fmt.Sprintf("Page %d of %d", i+1, n), "INV-2026-0042")
		if i > 0 {
			mustContain(t, fmt.Sprintf("page %d", i+1), text, "(continued)")
		}
		// Every page that carries lines repeats the table heading.
		if strings.Contains(text, "Item ") {
			mustContain(t, fmt.Sprintf("page %d", i+1), text, "DESCRIPTION", "UNIT PRICE")
		}
	}
	// Every line exactly once, in order.
	all := doc.all()
	last := -1
	for i := 1; i <= 120; i++ {
		item := fmt.Sprintf("Item %03d ", i)
		if c := strings.Count(all, item); c != 1 {
			t.Errorf("%q appears %d times, want 1", item, c)
			continue
		}
		at := strings.Index(all, item)
		if at < last {
			t.Errorf("%q is out of order", item)
		}
		last = at
	}
	mustContain(t, "last page", doc.pages[n-1], "Balance due", "EUR 1,000.00")
}

func TestRenderZeroLines(t *testing.T) {
	inv := sampleInvoice(t, 0)
	doc := parse(t, render(t, inv))
	if len(doc.pages) != 1 {
		t.Fatalf("pages = %d, want 1", len(doc.pages))
	}
	mustContain(t, "page 1", doc.pages[0], "This invoice has no lines.", "Page 1 of 1")
}

func TestRenderMinimalInvoice(t *testing.T) {
	doc := parse(t, render(t, Invoice{Number: "7"}))
	if len(doc.pages) != 1 {
		t.Fatalf("pages = %d, want 1", len(doc.pages))
	}
	mustContain(t, "page 1", doc.pages[0], "INVOICE", "7", "Page 1 of 1")
}

// TestRenderLongDescriptionSplitsAcrossPages: one line longer than a page
// cannot be kept together; it continues on the next page instead of running
// off the bottom.
func TestRenderLongDescriptionSplitsAcrossPages(t *testing.T) {
	inv := sampleInvoice(t, 1)
	inv.Lines[0].Description = strings.Repeat("Lorem ipsum dolor sit amet, ", 130) + "THE-END"
	inv.Lines[0].Amount = "999.99"
	doc := parse(t, render(t, inv))
	if len(doc.pages) < 2 {
		t.Fatalf("pages = %d, want at least 2", len(doc.pages))
	}
	all := doc.all()
	mustContain(t, "document", all, "999.99", "THE-END")
	if c := strings.Count(all, "999.99"); c != 1 {
		t.Errorf("amount printed %d times, want once", c)
	}
}

// hostileInvoice has the strings an ERP should never hold but might.
func hostileInvoice(tb testing.TB) Invoice {
	tb.Helper()
	inv := sampleInvoice(tb, 3)
	inv.Customer.Name = "<script>alert(1)</script>"
	inv.Lines[0].Description = "Tab\there, NUL\x00, bell\x07, escape\x1b[31m, bidi\u202eoverride, zero\u200bwidth, bad\xffutf8"
	inv.Lines[1].Description = strings.Repeat("W", 600)
	inv.Lines[2].Description = "Vietnamese Việt, CJK 漢字, emoji 🎉"
	inv.Number = "INV-" + strings.Repeat("9", 150)
	inv.Business.Lines = make([]string, 50)
	for i := range inv.Business.Lines {
		inv.Business.Lines[i] = fmt.Sprintf("Address line %d", i)
	}
	return inv
}

func TestRenderHostileStrings(t *testing.T) {
	inv := hostileInvoice(t)
	b := render(t, inv)
	doc := parse(t, b)
	all := doc.all()
	mustContain(t, "document", all, "<script>alert(1)</script>",
		"Tab here, NUL, bell, escape[31m, bidioverride, zerowidth,", "bad?utf8",
		"Vietnamese Viet, CJK ??, emoji ?") // the Go fonts have no Vietnamese ệ
	for _, bad := range []string{"\x00", "\x07", "\x1b", "\u202e", "\u200b"} {
		if strings.Contains(all, bad) {
			t.Errorf("text still contains %q", bad)
		}
	}
	if strings.Contains(all, "Address line 8") {
		t.Errorf("party lines are not capped at %d", maxPartyLines)
	}
	// The long word is cut into pieces that all stay inside the page.
	if got := strings.Count(all, "W"); got != 600 {
		t.Errorf("long word has %d W, want 600", got)
	}
	assertInsidePage(t, b)
}

// assertInsidePage checks that every text run lies between the side
// margins.
func assertInsidePage(t *testing.T, b []byte) {
	t.Helper()
	const mmToPt = 72 / 25.4
	left, right := (marginSide-0.5)*mmToPt, (210-marginSide+0.5)*mmToPt
	for i, runs := range parse(t, b).runs {
		for _, rn := range runs {
			end := rn.x + face{bold: rn.bold, size: rn.size}.textWidth(rn.s)/ptToMM
			if rn.x < left || end > right {
				t.Fatalf("page %d: %q spans %.1f–%.1f pt, outside the margins %.1f–%.1f pt", i+1, rn.s, rn.x, end, left, right)
			}
		}
	}
}

// TestRenderPageNumbersAndMargins renders invoices of every length up to
// three pages, some with a line too long for one page, and checks that each
// page has its footer with the right "Page N of M" (no blank page spilled
// over, none missing) and that no text runs past the margins.
func TestRenderPageNumbersAndMargins(t *testing.T) {
	for n := 0; n <= 80; n++ {
		inv := sampleInvoice(t, n)
		if n%7 == 3 {
			inv.Lines[n/2].Description = strings.Repeat("Lorem ipsum dolor sit amet, ", 20+4*n)
		}
		b := render(t, inv)
		doc := parse(t, b)
		for i, text := range doc.pages {
			if want := fmt.Sprintf("Page %d of %d", i+1, len(doc.pages)); !strings.Contains(text, want) {
				t.Fatalf("%d lines: page %d lacks %q:\n%s", n, i+1, want, text)
			}
		}
		assertInsidePage(t, b)
	}
}

func pngBytes(tb testing.TB, w, h int) []byte {
	tb.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{R: uint8(x), G: 80, B: uint8(y), A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// pngHeaderOnly is a PNG that claims w × h pixels and has no image data: a
// decompression bomb's first bytes.
func pngHeaderOnly(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	chunk := append([]byte("IHDR"), ihdr...)
	_ = binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	b.Write(chunk)
	_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestRenderLogo(t *testing.T) {
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, image.NewRGBA(image.Rect(0, 0, 40, 20)), nil); err != nil {
		t.Fatal(err)
	}
	good := []struct {
		name string
		logo []byte
	}{
		{"png", pngBytes(t, 120, 40)},
		{"jpeg", jpg.Bytes()},
		{"large png is scaled down", pngBytes(t, 1800, 300)},
	}
	for _, tc := range good {
		t.Run("accepted/"+tc.name, func(t *testing.T) {
			inv := sampleInvoice(t, 2)
			inv.Logo = tc.logo
			b := render(t, inv)
			if !bytes.Contains(b, []byte("/Subtype /Image")) {
				t.Error("no image in the PDF")
			}
			mustContain(t, "page 1", parse(t, b).pages[0], "Fjørd & Søn Consulting", "INV-2026-0042")
		})
	}

	gif := []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
	bad := []struct {
		name string
		logo []byte
	}{
		{"text", []byte("definitely not an image")},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)},
		{"gif", gif},
		{"truncated png", pngBytes(t, 50, 50)[:60]},
		{"decompression bomb", pngHeaderOnly(100000, 100000)},
	}
	for _, tc := range bad {
		t.Run("refused/"+tc.name, func(t *testing.T) {
			inv := sampleInvoice(t, 2)
			inv.Logo = tc.logo
			_, err := Render(inv)
			if !errors.Is(err, ErrInvalidLogo) {
				t.Fatalf("err = %v, want ErrInvalidLogo", err)
			}
		})
	}
}

func TestRenderRefusesBadInput(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Invoice)
		want error
	}{
		{"no number", func(inv *Invoice) { inv.Number = "  \x00 " }, ErrNoNumber},
		{"accent without hash", func(inv *Invoice) { inv.Accent = "1f4e79" }, ErrInvalidAccent},
		{"accent not hex", func(inv *Invoice) { inv.Accent = "#12345g" }, ErrInvalidAccent},
		{"accent css injection", func(inv *Invoice) { inv.Accent = "red;x" }, ErrInvalidAccent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv := sampleInvoice(t, 1)
			tc.edit(&inv)
			if _, err := Render(inv); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestRenderAccent(t *testing.T) {
	inv := sampleInvoice(t, 1)
	inv.Accent = "#AA3377"
	mustContain(t, "page 1", parse(t, render(t, inv)).pages[0], "INVOICE")
}

// TestRenderIsDeterministic: apart from the modification date, which gofpdf
// always sets to now, the same invoice gives the same bytes.
func TestRenderIsDeterministic(t *testing.T) {
	modDate := regexp.MustCompile(`/ModDate \([^)]*\)`)
	a := modDate.ReplaceAll(render(t, sampleInvoice(t, 30)), nil)
	b := modDate.ReplaceAll(render(t, sampleInvoice(t, 30)), nil)
	if !bytes.Equal(a, b) {
		t.Fatal("two renders of the same invoice differ")
	}
}

// TestRenderConcurrently: the web server renders for many customers at
// once; run with -race.
// It also checks that gofpdf, which writes into the font bytes it is given,
// leaves the shared Go font data alone.
func TestRenderConcurrently(t *testing.T) {
	fontBefore := bytes.Clone(goregular.TTF)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			inv := sampleInvoice(t, 5+i)
			inv.Logo = pngBytes(t, 30, 10)
			if _, err := Render(inv); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if !bytes.Equal(fontBefore, goregular.TTF) {
		t.Error("rendering changed goregular.TTF")
	}
}

func TestClean(t *testing.T) {
	tests := []struct {
		name, in  string
		multiline bool
		limit     int
		want      string
	}{
		{"accents kept", "Crème brûlée — 5 €", false, 100, "Crème brûlée — 5 €"},
		{"decomposed accents composed", "Cafe\u0301", false, 100, "Café"},
		{"newline kept in multiline", "a\r\nb", true, 100, "a\nb"},
		{"newline flattened", "a\nb", false, 100, "a b"},
		{"controls removed", "a\x00b\x1bc\x7fd", false, 100, "abcd"},
		{"bidi and zero width removed", "a\u202eb\u200bc\ufeffd", false, 100, "abcd"},
		{"invalid utf-8", "a\xffb", false, 100, "a?b"},
		{"missing glyph falls back to base letter", "Nguyễn", false, 100, "Nguyen"},
		{"missing glyph without base", "漢", false, 100, "?"},
		{"cut with ellipsis", "abcdef", false, 3, "abc…"},
		{"trimmed", "  x  ", false, 100, "x"},
	}
	if err := loadFonts(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := clean(tc.in, tc.multiline, tc.limit); got != tc.want {
				t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestWrapFitsWidth(t *testing.T) {
	if err := loadFonts(); err != nil {
		t.Fatal(err)
	}
	f := fBody
	for _, s := range []string{
		strings.Repeat("W", 300),
		"short",
		strings.Repeat("word ", 200),
		"x " + strings.Repeat("ł", 500) + " y",
	} {
		for _, line := range f.wrap(s, 40) {
			if w := f.textWidth(line); w > 40 {
				t.Errorf("line %q is %.1f mm wide, want ≤ 40", line, w)
			}
		}
		joined := strings.Join(f.wrap(s, 40), "")
		if strings.ReplaceAll(joined, " ", "") != strings.ReplaceAll(s, " ", "") {
			t.Errorf("wrap lost text of %q", s[:10])
		}
	}
}

// TestWriteSample writes sample PDFs for a person to look at:
//
//	INVOICEPDF_SAMPLES=/tmp/invoices go test ./internal/invoicepdf -run TestWriteSample
//
// TestWriteSample renders every kind of sample invoice; set
// INVOICEPDF_SAMPLES to a directory to keep the files and look at them.
func TestWriteSample(t *testing.T) {
	dir := os.Getenv("INVOICEPDF_SAMPLES")
	if dir == "" {
		dir = t.TempDir()
	}
	withLogo := sampleInvoice(t, 8)
	withLogo.Logo = pngBytes(t, 240, 80)
	withLogo.Status = "Paid"
	withLogo.Balance = "0.00"
	wrapped := sampleInvoice(t, 3)
	wrapped.Lines[1].Description = strings.Repeat("W", 300)
	wrapped.Lines[2].Description = strings.Repeat("Lorem ipsum dolor sit amet, ", 30)
	split := sampleInvoice(t, 12)
	split.Lines[10].Description = strings.Repeat("Lorem ipsum dolor sit amet, ", 130) + "THE-END"
	for name, inv := range map[string]Invoice{
		"minimal.pdf": {Number: "7", Lines: []Line{{Description: "Something", Amount: "1.00"}}},
		"short.pdf":   sampleInvoice(t, 10),
		"long.pdf":    sampleInvoice(t, 120),
		"empty.pdf":   sampleInvoice(t, 0),
		"logo.pdf":    withLogo,
		"wrapped.pdf": wrapped,
		"split.pdf":   split,
		"hostile.pdf": hostileInvoice(t),
	} {
		pdf := render(t, inv)
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Errorf("%s is not a PDF", name)
		}
		if err := os.WriteFile(filepath.Join(dir, name), pdf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkRender measures a short and a very long invoice, and the short
// one with a 600 × 200 logo (decoded and re-encoded on every render).
//
//	go test ./internal/invoicepdf -run '^$' -bench Render -benchmem
func BenchmarkRender(b *testing.B) {
	for _, tc := range []struct {
		name  string
		lines int
		logo  bool
	}{{"lines=10", 10, false}, {"lines=500", 500, false}, {"lines=10,logo", 10, true}} {
		b.Run(tc.name, func(b *testing.B) {
			inv := sampleInvoice(b, tc.lines)
			if tc.logo {
				inv.Logo = pngBytes(b, 600, 200)
			}
			var size int
			for b.Loop() {
				out, err := Render(inv)
				if err != nil {
					b.Fatal(err)
				}
				size = len(out)
			}
			b.ReportMetric(float64(size), "bytes/pdf")
		})
	}
}
