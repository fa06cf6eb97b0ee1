package mail

import (
	"errors"
	stdhtml "html"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestCompose(t *testing.T) {
	const link = "https://portal.acme.example/password/set?token=Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5"
	const token = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5"
	const temp = "correct-horse-battery-staple-9"
	base := Data{Business: "Acme & Sons", Name: "Ada <script>alert(1)</script>", Link: link, Expiry: 24 * time.Hour, TempPassword: temp, BaseURL: "https://portal.acme.example"}
	tests := []struct {
		kind        Kind
		subject     string
		contain     []string // in both text and HTML (HTML after unescaping)
		notContain  []string // in neither
		wantButtons int
	}{
		{Invitation, "Your invitation to the Acme & Sons portal", []string{link, "This link works once and expires in 24 hours.", "Acme & Sons", "Set your password"}, []string{temp}, 1},
		{ResetLink, "Reset your Acme & Sons portal password", []string{link, "This link works once and expires in 24 hours.", "Choose a new password"}, []string{temp}, 1},
		{TemporaryPassword, "Your temporary Acme & Sons portal password", []string{temp, "expires in 24 hours", "choose a new password"}, nil, 1},
		{PasswordChanged, "Your Acme & Sons portal password was changed", []string{"was just changed", "Acme & Sons"}, []string{token, temp, "?token"}, 0},
		{Test, "Test email from the Acme & Sons portal", []string{"Acme & Sons"}, []string{token, temp}, 0},
	}
	hrefs := regexp.MustCompile(`href="([^"]*)"`)
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			subject, text, html, err := Compose(tt.kind, base)
			if err != nil {
				t.Fatal(err)
			}
			if subject != tt.subject || strings.ContainsAny(subject, "\r\n") {
				t.Errorf("subject %q, want %q", subject, tt.subject)
			}
			unesc := htmlUnescape(html)
			for _, w := range tt.contain {
				if !strings.Contains(text, w) {
					t.Errorf("text lacks %q", w)
				}
				if !strings.Contains(unesc, w) {
					t.Errorf("HTML lacks %q", w)
				}
			}
			for _, w := range tt.notContain {
				if strings.Contains(text, w) || strings.Contains(html, w) {
					t.Errorf("%s email contains %q", tt.kind, w)
				}
			}
			if tt.kind == PasswordChanged {
				for _, m := range regexp.MustCompile(`https?://\S+`).FindAllString(text+" "+unesc, -1) {
					if strings.Contains(m, "token") || strings.Contains(m, "password/set") {
						t.Errorf("password-changed notice links to %q", m)
					}
				}
			}
			// The name is escaped in the HTML, never markup.
			if strings.Contains(html, "<script>") || !strings.Contains(html, "&lt;script&gt;") {
				t.Error("the name is not escaped in the HTML")
			}
			if !strings.Contains(html, "Acme &amp; Sons") {
				t.Error("the business name is not in the HTML header")
			}
			if n := strings.Count(html, `background:#1d4ed8`); n != tt.wantButtons {
				t.Errorf("%d buttons, want %d", n, tt.wantButtons)
			}
			for _, m := range hrefs.FindAllStringSubmatch(html, -1) {
				if htmlUnescape(m[1]) != link {
					t.Errorf("href %q, want the link", m[1])
				}
			}
		})
	}
}

func TestComposeRefuses(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		d    Data
		is   error
	}{
		{"CRLF in business", Invitation, Data{Business: "Acme\r\nBcc: x@evil.example", Link: "https://p.example/x"}, ErrHeaderInjection},
		{"LF in name", ResetLink, Data{Business: "Acme", Name: "Ada\nBcc: x@evil.example", Link: "https://p.example/x"}, ErrHeaderInjection},
		{"javascript link", Invitation, Data{Business: "Acme", Link: "javascript:alert(1)"}, nil},
		{"relative link", ResetLink, Data{Business: "Acme", Link: "/password/set?token=x"}, nil},
		{"no temp password", TemporaryPassword, Data{Business: "Acme"}, nil},
		{"unknown kind", Kind(99), Data{Business: "Acme"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := Compose(tt.kind, tt.d)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("error %v, want %v", err, tt.is)
			}
		})
	}
}

func TestHumanDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{24 * time.Hour, "24 hours"},
		{time.Hour, "1 hour"},
		{30 * time.Minute, "30 minutes"},
		{7 * 24 * time.Hour, "7 days"},
		{90 * time.Minute, "90 minutes"},
		{45 * time.Second, "45 seconds"},
	}
	for _, tt := range tests {
		if got := humanDuration(tt.d); got != tt.want {
			t.Errorf("humanDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func htmlUnescape(s string) string { return stdhtml.UnescapeString(s) }

func TestComposeForStaff(t *testing.T) {
	d := Data{Business: "Acme", Name: "Casey", Link: "https://portal.acme.example/password/set?token=x", Staff: true}
	subject, text, _, err := Compose(Invitation, d)
	if err != nil || !strings.Contains(subject, "administrator") || strings.Contains(text, "orders, invoices") {
		t.Errorf("staff invitation: %q / %q / %v", subject, text, err)
	}
	_, text, _, err = Compose(PasswordChanged, d)
	if err != nil || strings.Contains(text, "Forgot password") || !strings.Contains(text, "another administrator") {
		t.Errorf("staff password-changed notice: %q / %v", text, err)
	}
}

func TestComposeBranded(t *testing.T) {
	const link = "https://portal.acme.example/password/set?token=x"
	look := Look{Business: "Gold <b>& Co", Accent: "#FFCC00", AccentText: "#000000", Link: "#7a6200",
		LogoURL: "https://portal.acme.example/brand/logo/ab.png", LogoWidth: 160, LogoHeight: 40}
	subject, text, html, err := Compose(Invitation, Data{Link: link, Look: look})
	if err != nil {
		t.Fatal(err)
	}
	if subject != "Your invitation to the Gold <b>& Co portal" || !strings.Contains(text, "Gold <b>& Co") {
		t.Errorf("the brand's name is not the business: %q", subject)
	}
	for _, want := range []string{
		`background:#ffcc00`,                      // the button, in the brand's accent (lower-cased)
		`color:#000000;text-decoration:none`,      // its text, chosen for contrast
		`color:#7a6200;text-decoration:underline`, // links, readable on white
		`border-top:4px solid #ffcc00`,
		`<img src="https://portal.acme.example/brand/logo/ab.png" width="160" height="40" alt="Gold &lt;b&gt;&amp; Co"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if n := strings.Count(html, `background:#ffcc00`); n != 1 {
		t.Errorf("%d buttons in the brand's colour, want 1", n)
	}
	if strings.Contains(html, "#1d4ed8") || strings.Contains(html, "<b>") {
		t.Error("the built-in blue or unescaped markup is left in the branded email")
	}

	// A squarish logo is an emblem: the name is shown beside it, and the
	// image is not read out as well.
	look.LogoWidth, look.LogoHeight = 48, 48
	_, _, html, err = Compose(Invitation, Data{Link: link, Look: look})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html, `height="48" alt=""`) || !strings.Contains(html, `color:#111827;">Gold &lt;b&gt;&amp; Co</td>`) {
		t.Error("a square logo is not shown beside the name")
	}

	// Anything but a colour or an http(s) URL is ignored: the built-in look.
	_, _, html, err = Compose(Invitation, Data{Business: "Acme", Link: link, Look: Look{Accent: "red;background:url(javascript:x)", AccentText: "#000000",
		Link: "expression(1)", LogoURL: "javascript:alert(1)"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(html, `background:#1d4ed8`) != 1 || !strings.Contains(html, "color:#ffffff;text-decoration:none") ||
		strings.Contains(html, "javascript") || strings.Contains(html, "expression") || strings.Contains(html, "<img") {
		t.Error("a hostile look reached the HTML instead of the built-in look")
	}
}
