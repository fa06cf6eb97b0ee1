package brand

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestParseAccent(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"empty inherits", "", "", true},
		{"spaces only inherit", "   ", "", true},
		{"lower case kept", "#2a6f6a", "#2a6f6a", true},
		{"upper case lowered", "#AABBCC", "#aabbcc", true},
		{"mixed case lowered", "#aAbB0C", "#aabb0c", true},
		{"spaces around dropped", " #112233 ", "#112233", true},
		{"no hash refused", "2a6f6a", "", false},
		{"three digits refused", "#abc", "", false},
		{"eight digits refused", "#aabbccdd", "", false},
		{"not hex refused", "#12345g", "", false},
		{"named colour refused", "red", "", false},
		{"CSS injection refused", "#000;}body{x", "", false},
		{"line break refused", "#aabbcc\n#ddeeff", "", false},
		{"non-ASCII digits refused", "#１２３４５６", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAccent(tt.in)
			if tt.ok != (err == nil) || got != tt.want {
				t.Errorf("ParseAccent(%q) = %q, %v", tt.in, got, err)
			}
			if err != nil && !strings.Contains(err.Error(), "#") {
				t.Errorf("message %q does not show the form", err)
			}
		})
	}
}

// sampleColours covers the corners and edges of the colour cube, greys,
// the built-in colours and a grid through the middle.
func sampleColours() []string {
	out := []string{"#000000", "#ffffff", "#ff0000", "#00ff00", "#0000ff", "#ffff00", "#00ffff", "#ff00ff",
		"#777777", "#767676", "#808080", "#2a6f6a", "#5fb8ae", "#1d4ed8", "#ffcc00", "#f5f6f4", "#0f1413", "#1e2624"}
	for r := 0; r < 256; r += 51 {
		for g := 0; g < 256; g += 51 {
			for b := 0; b < 256; b += 51 {
				out = append(out, fmt.Sprintf("#%02x%02x%02x", r, g, b))
			}
		}
	}
	return out
}

func TestDeriveKeepsTextReadable(t *testing.T) {
	atLeast := func(t *testing.T, what, a, b string) {
		t.Helper()
		if c := Contrast(a, b); c < MinContrast {
			t.Errorf("%s: %s on %s is %.2f:1, want at least %.1f:1", what, a, b, c, MinContrast)
		}
	}
	for _, c := range sampleColours() {
		t.Run(c, func(t *testing.T) {
			light, dark, err := Derive(c)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []Palette{light, dark} {
				for _, v := range []string{p.Accent, p.Strong, p.Soft, p.Contrast} {
					if !ValidAccent(v) {
						t.Fatalf("palette colour %q is not #rrggbb", v)
					}
				}
			}
			for _, bg := range lightBackgrounds {
				atLeast(t, "light link", light.Accent, bg)
				atLeast(t, "light hovered link", light.Strong, bg)
			}
			atLeast(t, "light button text", light.Contrast, light.Accent)
			atLeast(t, "light hovered button text", light.Contrast, light.Strong)
			atLeast(t, "light current navigation", light.Strong, light.Soft)
			for _, bg := range darkBackgrounds {
				atLeast(t, "dark link", dark.Accent, bg)
				atLeast(t, "dark hovered link", dark.Strong, bg)
			}
			atLeast(t, "dark button text", dark.Contrast, dark.Accent)
			atLeast(t, "dark hovered button text", dark.Contrast, dark.Strong)
			atLeast(t, "dark current navigation", dark.Strong, dark.Soft)
			if r := Contrast(ButtonText(c), c); r < 4.5 {
				t.Errorf("email button text %s on %s: %.2f:1", ButtonText(c), c, r)
			}
			atLeast(t, "on white", OnWhite(c), "#ffffff")
		})
	}
}

func TestDeriveKeepsReadableColours(t *testing.T) {
	tests := []struct {
		name, accent string
		light, dark  string // the accent expected in each theme; "" to check the direction only
		lightDarker  bool
		darkLighter  bool
	}{
		{name: "a dark blue is kept in the light theme, lightened in the dark", accent: "#1d4ed8", light: "#1d4ed8", darkLighter: true},
		{name: "a bright yellow is darkened in the light theme, kept in the dark", accent: "#ffcc00", dark: "#ffcc00", lightDarker: true},
		{name: "the built-in teal is kept in the light theme", accent: "#2a6f6a", light: "#2a6f6a", darkLighter: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			light, dark, err := Derive(tt.accent)
			if err != nil {
				t.Fatal(err)
			}
			base, _ := parseHex(tt.accent)
			if tt.light != "" && light.Accent != tt.light {
				t.Errorf("light accent %s, want %s", light.Accent, tt.light)
			}
			if tt.dark != "" && dark.Accent != tt.dark {
				t.Errorf("dark accent %s, want %s", dark.Accent, tt.dark)
			}
			la, _ := parseHex(light.Accent)
			da, _ := parseHex(dark.Accent)
			if tt.lightDarker && la.luminance() >= base.luminance() {
				t.Errorf("light accent %s is not darker than %s", light.Accent, tt.accent)
			}
			if tt.darkLighter && da.luminance() <= base.luminance() {
				t.Errorf("dark accent %s is not lighter than %s", dark.Accent, tt.accent)
			}
			// The hue survives the adjustment.
			for _, got := range []rgb{la, da} {
				if d := hueDistance(got.hsl().h, base.hsl().h); d > 6 {
					t.Errorf("hue moved by %.1f° (%s → %s)", d, tt.accent, got.hex())
				}
			}
		})
	}
	if _, _, err := Derive("red"); err == nil {
		t.Error("Derive accepted a colour name")
	}
}

func hueDistance(a, b float64) float64 {
	d := a - b
	if d < 0 {
		d = -d
	}
	if d > 180 {
		d = 360 - d
	}
	return d
}

// The generated stylesheet repeats portico.css's three accent blocks with
// their exact selectors and variable names, and the built-in palettes are
// portico.css's own values: a change to the stylesheet breaks this test
// rather than the branding.
func TestCSSMatchesPorticoCSS(t *testing.T) {
	src, err := os.ReadFile("../web/static/css/portico.css")
	if err != nil {
		t.Fatal(err)
	}
	portico := string(src)
	blocks := []struct {
		name, open string
		want       Palette
	}{
		{"light", ":root {\n", BuiltInLight},
		{"dark by system", "@media (prefers-color-scheme: dark) {\n  :root:not([data-theme=\"light\"]) {\n", BuiltInDark},
		{"dark by toggle", ":root[data-theme=\"dark\"] {\n", BuiltInDark},
	}
	css, err := CSS("#ffcc00")
	if err != nil {
		t.Fatal(err)
	}
	light, dark, _ := Derive("#ffcc00")
	for _, b := range blocks {
		t.Run(b.name, func(t *testing.T) {
			i := strings.Index(portico, b.open)
			if i < 0 {
				t.Fatalf("portico.css has no %q block", b.open)
			}
			body := portico[i:]
			body = body[:strings.Index(body, "}")]
			for v, want := range map[string]string{"--accent": b.want.Accent, "--accent-strong": b.want.Strong, "--accent-soft": b.want.Soft, "--accent-contrast": b.want.Contrast} {
				m := regexp.MustCompile(`(?m)^\s*` + v + `: (#[0-9a-f]{6});`).FindStringSubmatch(body)
				if m == nil || m[1] != want {
					t.Errorf("portico.css %s %s = %v, the built-in palette says %s", b.name, v, m, want)
				}
			}
			j := strings.Index(string(css), b.open)
			if j < 0 {
				t.Fatalf("the accent stylesheet has no %q block:\n%s", b.open, css)
			}
			ours := string(css)[j:]
			ours = ours[:strings.Index(ours, "}")]
			p := light
			if b.want == BuiltInDark {
				p = dark
			}
			for v, want := range map[string]string{"--accent": p.Accent, "--accent-strong": p.Strong, "--accent-soft": p.Soft, "--accent-contrast": p.Contrast} {
				if !strings.Contains(ours, v+": "+want+";\n") {
					t.Errorf("the %s block lacks %s: %s", b.name, v, want)
				}
			}
		})
	}
}
