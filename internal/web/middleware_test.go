package web

import (
	"fmt"

	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/dataset"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestClientAddr(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	cases := []struct {
		name, remote, xff, cf, header, want string
	}{
		{"DirectPeerIgnoresHeaders", "203.0.113.9:5000", "1.2.3.4", "5.6.7.8", "CF-Connecting-IP", "203.0.113.9"},
		{"TrustedProxyForwardedFor", "10.1.2.3:443", "198.51.100.7", "", "", "198.51.100.7"},
		{"RightmostUntrustedHop", "10.1.2.3:443", "1.1.1.1, 198.51.100.7, 10.9.9.9", "", "", "198.51.100.7"},
		{"SpoofedLeftHopIgnored", "10.1.2.3:443", "6.6.6.6, 198.51.100.7", "", "", "198.51.100.7"},
		{"CloudflareHeaderWhenConfigured", "10.1.2.3:443", "", "192.0.2.44", "CF-Connecting-IP", "192.0.2.44"},
		{"CloudflareHeaderIgnoredUnlessConfigured", "10.1.2.3:443", "203.0.113.9", "1.2.3.4", "", "203.0.113.9"},
		{"ConfiguredHeaderMissingMeansPeer", "10.1.2.3:443", "203.0.113.9", "", "CF-Connecting-IP", "10.1.2.3"},
		{"GarbageForwardedFor", "10.1.2.3:443", "not-an-ip", "", "", "10.1.2.3"},
		{"AllHopsTrusted", "10.1.2.3:443", "10.4.4.4", "", "", "10.4.4.4"},
		{"IPv6Loopback", "[::1]:80", "2001:db8::1", "", "", "2001:db8::1"},
		{"MappedIPv4", "[::ffff:203.0.113.9]:80", "", "", "", "203.0.113.9"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			if tc.cf != "" {
				r.Header.Set("CF-Connecting-IP", tc.cf)
			}
			if got := clientAddr(r, trusted, tc.header); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/":                             "/",
		"/projects/7?tab=1":             "/projects/7?tab=1",
		"//evil.example":                "/x",
		"/\\evil.example":               "/x",
		"https://evil":                  "/x",
		"/%2F%2Fevil":                   "/x",
		"/%5Cevil":                      "/x",
		"":                              "/x",
		"relative":                      "/x",
		"/a\nb":                         "/x",
		"/" + strings.Repeat("a", 3000): "/x",
	} {
		if got := safeNext(next, "/x"); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

func TestPanicIsAFriendly500AndServingContinues(t *testing.T) {
	var logs strings.Builder
	s := &Server{Deps: Deps{Log: slog.New(slog.NewTextHandler(&logs, nil))}}
	var err error
	if s.assets, err = loadAssets(); err != nil {
		t.Fatal(err)
	}
	if s.render, err = newRenderer(s.assets, s.Config.Location); err != nil {
		t.Fatal(err)
	}
	s.Auth = &auth.Service{Secret: []byte("test secret")}
	h := chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/boom" {
			panic("database exploded: SELECT secret FROM sql")
		}
		w.Write([]byte("fine"))
	}), withRequestID, s.recoverPanic)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/boom", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d", rec.Code)
	}
	body := rec.Body.String()
	for _, leak := range []string{"exploded", "SELECT", "goroutine", ".go:", "panic"} {
		if strings.Contains(body, leak) {
			t.Errorf("500 page leaks %q", leak)
		}
	}
	if id := rec.Header().Get("X-Request-Id"); id == "" || !strings.Contains(body, id) {
		t.Error("500 page does not show the request id")
	}
	if !strings.Contains(logs.String(), "database exploded") {
		t.Error("panic not logged")
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/ok", nil))
	if rec.Code != 200 || rec.Body.String() != "fine" {
		t.Errorf("after a panic: %d %q", rec.Code, rec.Body.String())
	}
}

func TestPageLinks(t *testing.T) {
	q := dataset.Query{}
	for _, tc := range []struct {
		page, pages int
		want        string
	}{
		{1, 1, "[1]"},
		{1, 2, "[1] 2"},
		{1, 10, "[1] 2 3 … 10"},
		{5, 10, "1 … 3 4 [5] 6 7 … 10"},
		{100000, 100000, "1 … 99998 99999 [100000]"},
	} {
		var parts []string
		for _, l := range pageLinks("/inventory", q, tc.page, tc.pages) {
			switch {
			case l.Gap:
				parts = append(parts, "…")
			case l.Current:
				parts = append(parts, fmt.Sprintf("[%d]", l.N))
			default:
				parts = append(parts, fmt.Sprint(l.N))
			}
		}
		if got := strings.Join(parts, " "); got != tc.want {
			t.Errorf("page %d of %d: %q, want %q", tc.page, tc.pages, got, tc.want)
		}
	}
}

func TestShortListKeepsSelected(t *testing.T) {
	var opts []dataset.Option
	for i := range 500 {
		opts = append(opts, dataset.Option{Value: fmt.Sprintf("v%03d", i), Count: 1, Selected: i == 450})
	}
	got, cut := shortList(opts, 200)
	if !cut || len(got) != 201 || got[200].Value != "v450" || !got[200].Selected {
		t.Errorf("cut=%v len=%d last=%+v", cut, len(got), got[len(got)-1])
	}
	if got, cut := shortList(opts[:10], 200); cut || len(got) != 10 {
		t.Errorf("short list cut: %v %d", cut, len(got))
	}
}

func TestHandWrittenHTMLEscapes(t *testing.T) {
	evil := `"><script>alert(1)</script>&'`
	out := string(renderHeader([]gridColumn{{Label: evil, SortHref: "/x?" + evil, AddSortHref: evil, Align: evil, AriaSort: evil}})) +
		string(renderRows([][]gridCell{{{Text: evil, Align: evil}}}, []bool{true})) +
		string(renderOptions([]dataset.Option{{Value: evil, Count: 1, Selected: true}}))
	if strings.Contains(out, "<script>") || strings.Contains(out, `"><script`) || strings.Contains(out, "&'") {
		t.Errorf("unescaped value in hand-written HTML: %s", out)
	}
	if !strings.Contains(out, "&lt;script&gt;") || !strings.Contains(out, "&#34;") {
		t.Errorf("escaped forms missing: %s", out)
	}
}

func TestDescribeBrowser(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0":     "Edge on Windows",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Safari/604.1": "Safari on iPhone",
		"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0":                                "Firefox on Linux",
		"": "Unknown browser",
	} {
		if got := describeBrowser(ua); got != want {
			t.Errorf("describeBrowser(%q) = %q, want %q", ua, got, want)
		}
	}
}
