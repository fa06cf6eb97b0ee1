package brand

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// DefaultAccent is Portico's built-in teal, the light theme's --accent in
// portico.css. A brand without an accent uses the stylesheet as it is.
const DefaultAccent = "#2a6f6a"

// MinContrast is WCAG 2.1 AA for normal text: every text drawn in or on the
// accent keeps at least this ratio to what is behind it.
const MinContrast = 4.5

// PaletteVersion changes whenever Derive gives other colours for the same
// accent: it is part of the stylesheet's URL, which is cached for a year.
const PaletteVersion = "1"

// ParseAccent checks an accent typed by an admin: empty (inherit) or "#"
// and six hexadecimal digits, in any case. It returns the colour in lower
// case, the one form stored and put in URLs.
func ParseAccent(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if !ValidAccent(strings.ToLower(s)) {
		return "", &InvalidError{Field: "accent", Message: "Enter the colour as # and six hexadecimal digits, such as #2a6f6a, or leave it empty."}
	}
	return strings.ToLower(s), nil
}

// ValidAccent reports whether s is exactly "#rrggbb" in lower case.
func ValidAccent(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for _, c := range s[1:] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// rgb is a colour with channels from 0 to 1.
type rgb struct{ r, g, b float64 }

func parseHex(s string) (rgb, error) {
	if !ValidAccent(strings.ToLower(s)) {
		return rgb{}, fmt.Errorf("brand: %q is not a #rrggbb colour", s)
	}
	v, _ := strconv.ParseUint(s[1:], 16, 32)
	return rgb{float64(v>>16&0xff) / 255, float64(v>>8&0xff) / 255, float64(v&0xff) / 255}, nil
}

func (c rgb) hex() string {
	ch := func(v float64) int { return int(math.Round(math.Max(0, math.Min(1, v)) * 255)) }
	return fmt.Sprintf("#%02x%02x%02x", ch(c.r), ch(c.g), ch(c.b))
}

// luminance is WCAG's relative luminance.
func (c rgb) luminance() float64 {
	lin := func(v float64) float64 {
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.r) + 0.7152*lin(c.g) + 0.0722*lin(c.b)
}

// Contrast is the WCAG contrast ratio of two "#rrggbb" colours, from 1 to
// 21; 0 when either is not a colour.
func Contrast(a, b string) float64 {
	ca, err1 := parseHex(a)
	cb, err2 := parseHex(b)
	if err1 != nil || err2 != nil {
		return 0
	}
	return contrast(ca, cb)
}

func contrast(a, b rgb) float64 {
	la, lb := a.luminance()+0.05, b.luminance()+0.05
	if la < lb {
		la, lb = lb, la
	}
	return la / lb
}

// hsl is hue (0–360), saturation and lightness (0–1).
type hsl struct{ h, s, l float64 }

func (c rgb) hsl() hsl {
	hi, lo := math.Max(c.r, math.Max(c.g, c.b)), math.Min(c.r, math.Min(c.g, c.b))
	l := (hi + lo) / 2
	if hi == lo {
		return hsl{0, 0, l}
	}
	d := hi - lo
	s := d / (1 - math.Abs(2*l-1))
	var h float64
	switch hi {
	case c.r:
		h = math.Mod((c.g-c.b)/d, 6)
	case c.g:
		h = (c.b-c.r)/d + 2
	default:
		h = (c.r-c.g)/d + 4
	}
	h *= 60
	if h < 0 {
		h += 360
	}
	return hsl{h, math.Min(1, s), l}
}

func (c hsl) rgb() rgb {
	l, s := math.Max(0, math.Min(1, c.l)), math.Max(0, math.Min(1, c.s))
	ch := (1 - math.Abs(2*l-1)) * s
	x := ch * (1 - math.Abs(math.Mod(c.h/60, 2)-1))
	m := l - ch/2
	var r, g, b float64
	switch h := c.h; {
	case h < 60:
		r, g, b = ch, x, 0
	case h < 120:
		r, g, b = x, ch, 0
	case h < 180:
		r, g, b = 0, ch, x
	case h < 240:
		r, g, b = 0, x, ch
	case h < 300:
		r, g, b = x, 0, ch
	default:
		r, g, b = ch, 0, x
	}
	return rgb{r + m, g + m, b + m}
}

// Palette is the four accent variables of one theme, as portico.css names
// them: --accent (links, buttons, bars), --accent-strong (hover, and text on
// the soft background), --accent-soft (the current navigation entry, badges)
// and --accent-contrast (text on the accent).
type Palette struct {
	Accent, Strong, Soft, Contrast string
}

// BuiltInLight and BuiltInDark are portico.css's own accent palettes,
// used when no accent is set.
var (
	BuiltInLight = Palette{Accent: "#2a6f6a", Strong: "#1f5753", Soft: "#e3f0ee", Contrast: "#ffffff"}
	BuiltInDark  = Palette{Accent: "#5fb8ae", Strong: "#7fcac1", Soft: "#17302d", Contrast: "#08201d"}
)

// The backgrounds accent text is drawn on, per theme: portico.css's --bg,
// --surface and --surface-2.
var (
	lightBackgrounds = []string{"#f5f6f4", "#ffffff", "#f0f2ef"}
	darkBackgrounds  = []string{"#0f1413", "#171d1c", "#1e2624"}
)

// minContrastTo is the lowest contrast of c to any of the backgrounds.
func minContrastTo(c rgb, backgrounds []string) float64 {
	least := math.Inf(1)
	for _, b := range backgrounds {
		bg, _ := parseHex(b)
		least = math.Min(least, contrast(c, bg))
	}
	return least
}

// shiftUntil moves c's lightness by step (keeping hue and saturation) until
// ok accepts the colour as it will be written ("#rrggbb"), or lightness runs
// out (black and white pass every test made here).
func shiftUntil(c rgb, step float64, ok func(rgb) bool) rgb {
	h := c.hsl()
	cur := c
	for i := 0; i < 400; i++ {
		round, _ := parseHex(cur.hex())
		if ok(round) {
			return round
		}
		h.l += step
		if h.l <= 0 || h.l >= 1 {
			h.l = math.Max(0, math.Min(1, h.l))
			r, _ := parseHex(h.rgb().hex())
			return r
		}
		cur = h.rgb()
	}
	return cur
}

// Derive gives the light and dark palettes for an accent. The admin's
// colour is kept where it is readable; where links in that colour would not
// reach MinContrast against a theme's backgrounds, its lightness is moved
// (darker in the light theme, lighter in the dark one) just far enough, hue
// and saturation kept. Text on the accent is white in the light theme and a
// very dark shade of the hue in the dark one, each checked against both the
// accent and its hover colour.
func Derive(accent string) (light, dark Palette, err error) {
	base, err := parseHex(accent)
	if err != nil {
		return Palette{}, Palette{}, err
	}
	h := base.hsl()
	const step = 0.005

	// Light theme: links on pale backgrounds, white text on buttons.
	la := shiftUntil(base, -step, func(c rgb) bool { return minContrastTo(c, lightBackgrounds) >= MinContrast })
	lsoft, _ := parseHex(hsl{h.h, math.Min(0.6, h.s*0.65), 0.92}.rgb().hex())
	lstrongStart := la.hsl()
	lstrongStart.l -= 0.08
	lstrong := shiftUntil(lstrongStart.rgb(), -step, func(c rgb) bool {
		return contrast(c, lsoft) >= MinContrast && minContrastTo(c, lightBackgrounds) >= MinContrast
	})
	lcontrast := textOn(rgb{1, 1, 1}, la, lstrong)
	light = Palette{Accent: la.hex(), Strong: lstrong.hex(), Soft: lsoft.hex(), Contrast: lcontrast.hex()}

	// Dark theme: links on near-black backgrounds, dark text on buttons.
	da := shiftUntil(base, step, func(c rgb) bool { return minContrastTo(c, darkBackgrounds) >= MinContrast })
	dsoft, _ := parseHex(hsl{h.h, math.Min(0.6, h.s*0.75), 0.14}.rgb().hex())
	dstrongStart := da.hsl()
	dstrongStart.l += 0.08
	dstrong := shiftUntil(dstrongStart.rgb(), step, func(c rgb) bool {
		return contrast(c, dsoft) >= MinContrast && minContrastTo(c, darkBackgrounds) >= MinContrast
	})
	deep, _ := parseHex(hsl{h.h, math.Min(0.6, h.s), 0.08}.rgb().hex())
	dcontrast := textOn(deep, da, dstrong)
	dark = Palette{Accent: da.hex(), Strong: dstrong.hex(), Soft: dsoft.hex(), Contrast: dcontrast.hex()}
	return light, dark, nil
}

// textOn returns want if it reads on every one of backgrounds, else black
// or white, whichever reads better on the worst of them.
func textOn(want rgb, backgrounds ...rgb) rgb {
	worst := func(c rgb) float64 {
		least := math.Inf(1)
		for _, b := range backgrounds {
			least = math.Min(least, contrast(c, b))
		}
		return least
	}
	if worst(want) >= MinContrast {
		return want
	}
	black, white := rgb{0, 0, 0}, rgb{1, 1, 1}
	if worst(black) >= worst(white) {
		return black
	}
	return white
}

// ButtonText is the text colour, black or white, that reads best on a
// button of colour accent ("#rrggbb"); with either, the ratio is at least
// 4.58 whatever the colour.
func ButtonText(accent string) string {
	c, err := parseHex(accent)
	if err != nil {
		return "#ffffff"
	}
	if contrast(c, rgb{1, 1, 1}) >= contrast(c, rgb{0, 0, 0}) {
		return "#ffffff"
	}
	return "#000000"
}

// OnWhite is accent made dark enough, if it is not already, for white text
// on it and for text in it on white paper (emails, PDFs): at least
// MinContrast to white.
func OnWhite(accent string) string {
	c, err := parseHex(accent)
	if err != nil {
		return ""
	}
	return shiftUntil(c, -0.005, func(c rgb) bool { return contrast(c, rgb{1, 1, 1}) >= MinContrast }).hex()
}

// CSS is the stylesheet that sets the accent variables for accent in the
// three places portico.css sets them: the light theme, the dark theme
// chosen by the system, and the dark theme chosen with the toggle. It is
// linked after portico.css, and its selectors repeat portico.css's, so it
// wins by coming later.
func CSS(accent string) ([]byte, error) {
	light, dark, err := Derive(accent)
	if err != nil {
		return nil, err
	}
	vars := func(p Palette, indent string) string {
		return indent + "--accent: " + p.Accent + ";\n" +
			indent + "--accent-strong: " + p.Strong + ";\n" +
			indent + "--accent-soft: " + p.Soft + ";\n" +
			indent + "--accent-contrast: " + p.Contrast + ";\n"
	}
	var b strings.Builder
	b.WriteString("/* Portico accent " + accent + " (palette " + PaletteVersion + "), derived for light and dark themes. */\n")
	b.WriteString(":root {\n" + vars(light, "  ") + "}\n\n")
	b.WriteString("@media (prefers-color-scheme: dark) {\n  :root:not([data-theme=\"light\"]) {\n" + vars(dark, "    ") + "  }\n}\n\n")
	b.WriteString(":root[data-theme=\"dark\"] {\n" + vars(dark, "  ") + "}\n")
	return []byte(b.String()), nil
}
