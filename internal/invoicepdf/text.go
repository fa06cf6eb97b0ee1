package invoicepdf

import (
	"math"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/unicode/norm"
)

// fontFamily is the name the Go fonts are registered under in the PDF.
//
// The PDF core fonts (Helvetica and friends) only reach cp1252, which has no
// ł, ő or Cyrillic, so the document embeds the Go fonts instead: they ship
// inside golang.org/x/image as Go byte slices under the Go project's BSD
// licence, cover WGL4 (all European Latin, Greek, Cyrillic, €, dashes,
// typographic quotes) and keep the binary self-contained. gofpdf embeds only
// the glyphs a document uses.
const fontFamily = "gofont"

// ptToMM converts a font size in points to millimetres, the unit of the page.
const ptToMM = 25.4 / 72

// metrics holds, for one font, the advance width of every BMP rune in
// thousandths of an em, exactly as gofpdf computes it, so text wrapped here
// is measured the same way maroto measures it when drawing. Zero means the
// font has no glyph for the rune.
type metrics struct {
	width []uint16
}

var (
	fontsOnce     sync.Once
	regular, bold metrics
	fontsErr      error
)

// loadFonts parses the two embedded fonts once per process.
func loadFonts() error {
	fontsOnce.Do(func() {
		regular, fontsErr = parseMetrics(goregular.TTF)
		if fontsErr != nil {
			return
		}
		bold, fontsErr = parseMetrics(gobold.TTF)
	})
	return fontsErr
}

func parseMetrics(ttf []byte) (metrics, error) {
	f, err := sfnt.Parse(ttf)
	if err != nil {
		return metrics{}, err
	}
	var buf sfnt.Buffer
	upem := f.UnitsPerEm()
	ppem := fixed.Int26_6(upem) << 6 // advances come back in font units
	m := metrics{width: make([]uint16, 0x10000)}
	for r := rune(0x20); r < 0x10000; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		idx, err := f.GlyphIndex(&buf, r)
		if err != nil || idx == 0 {
			continue
		}
		adv, err := f.GlyphAdvance(&buf, idx, ppem, font.HintingNone)
		if err != nil {
			continue
		}
		w := math.Round(float64(adv) / 64 * 1000 / float64(upem))
		if w < 1 {
			w = 1 // a zero-width glyph still counts as present
		}
		m.width[r] = uint16(w)
	}
	return m, nil
}

// has reports whether both faces can draw r.
func has(r rune) bool {
	return r >= 0 && r < 0x10000 && regular.width[r] != 0 && bold.width[r] != 0
}

// face is a font and size as used in the layout.
type face struct {
	bold bool
	size float64 // points
}

// textWidth is the width of s in millimetres when drawn in f.
func (f face) textWidth(s string) float64 {
	m := &regular
	if f.bold {
		m = &bold
	}
	units := 0
	for _, r := range s {
		if r < 0x10000 {
			units += int(m.width[r])
		}
	}
	return float64(units) * f.size * ptToMM / 1000
}

// lineHeight is the distance between two baselines in f, in millimetres.
func (f face) lineHeight() float64 { return f.size * ptToMM * 1.32 }

// wrap breaks s into lines no wider than width millimetres. Paragraph breaks
// ("\n") are kept; words wider than the line are cut between runes so that a
// hostile string of 500 letters without a space still stays in its column.
func (f face) wrap(s string, width float64) []string {
	// A little slack so rounding can never make maroto re-wrap a line.
	width -= 0.3
	var out []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			if line != "" && f.textWidth(line+" "+word) <= width {
				line += " " + word
				continue
			}
			if line != "" {
				out = append(out, line)
				line = ""
			}
			for f.textWidth(word) > width {
				cut := f.fit(word, width)
				out = append(out, word[:cut])
				word = word[cut:]
			}
			line = word
		}
		out = append(out, line)
	}
	// Trailing blank lines only add height.
	for len(out) > 1 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// truncate cuts s to one line of at most width millimetres, ending it with
// an ellipsis when something had to go.
func (f face) truncate(s string, width float64) string {
	width -= 0.3
	if f.textWidth(s) <= width {
		return s
	}
	return strings.TrimSpace(s[:f.fit(s, width-f.textWidth("…"))]) + "…"
}

// fit returns the byte length of the longest prefix of word that fits in
// width, at least one rune so that wrapping always progresses.
func (f face) fit(word string, width float64) int {
	end := 0
	for i, r := range word {
		next := i + utf8.RuneLen(r)
		if end > 0 && f.textWidth(word[:next]) > width {
			break
		}
		end = next
	}
	return end
}

// Field length limits, in runes. Longer values are cut with an ellipsis: an
// ERP field holding a megabyte of text must not turn into a thousand pages.
const (
	maxShort       = 200  // names, numbers, address lines, amounts
	maxDescription = 4000 // one invoice line
	maxNotes       = 8000
	maxPartyLines  = 8 // address lines per party
)

// clean makes caller text safe and drawable: invalid UTF-8 and control and
// format characters (including bidi overrides and zero-width characters) are
// removed, line breaks are kept only where multiline allows, the text is
// put in composed form so "é" is one glyph, characters the font lacks fall
// back to their base letter ("ệ" → "e") or "?" (CJK, emoji), and the result is
// cut at limit runes.
func clean(s string, multiline bool, limit int) string {
	s = strings.ToValidUTF8(s, "?")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = norm.NFC.String(s)
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n >= limit {
			return strings.TrimSpace(b.String()) + "…"
		}
		switch {
		case r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029' || r == '\v' || r == '\f':
			if multiline {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			continue
		case has(r):
			b.WriteRune(r)
		default:
			b.WriteString(fallback(r))
		}
		n++
	}
	return strings.TrimSpace(b.String())
}

// fallback spells a rune the font cannot draw: its compatibility
// decomposition without combining marks when the font has those letters,
// otherwise "?".
func fallback(r rune) string {
	if unicode.Is(unicode.Mn, r) {
		return "" // a stray combining mark NFC could not attach
	}
	var b strings.Builder
	for _, d := range norm.NFKD.String(string(r)) {
		if unicode.Is(unicode.Mn, d) {
			continue
		}
		if !has(d) {
			return "?"
		}
		b.WriteRune(d)
	}
	if b.Len() == 0 {
		return "?"
	}
	return b.String()
}
