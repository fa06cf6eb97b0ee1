package web_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/brand"
	"github.com/portico-dev/portico/internal/clock"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

// hostileName is a business name an admin might paste: markup, quotes and
// an ampersand, all of which must come out as text.
const hostileName = `Zephyr <script>alert("x")</script> & 'Co'`

// upload is a file for a multipart form.
type upload struct {
	field, filename, contentType string
	body                         []byte
}

// postMultipart sends a multipart form as a same-origin browser would,
// with the form token of the last page c fetched.
func postMultipart(t *testing.T, in *apptest.Instance, c *apptest.Client, path string, fields url.Values, files ...upload) *apptest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if fields.Get("csrf_token") == "" {
		mw.WriteField("csrf_token", c.LastCSRF)
	}
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		h := make(map[string][]string)
		h["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name="%s"; filename="%s"`, f.field, f.filename)}
		h["Content-Type"] = []string{f.contentType}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.body)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, in.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", in.URL)
	return c.Do(req)
}

// logoPNG draws a w × h logo of colour c.
func logoPNG(t *testing.T, w, h int, c color.NRGBA) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{R: c.R, G: c.G ^ uint8(x), B: c.B ^ uint8(y), A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// brandingAdmin is a signed-in admin with the branding page open.
func brandingAdmin(t *testing.T, in *apptest.Instance, path string) *apptest.Client {
	t.Helper()
	in.CreateAdmin(t, "brand-ops", goodPassword)
	admin := in.Client(t)
	if r := admin.AdminSignIn("brand-ops", goodPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin sign-in: %d", r.StatusCode)
	}
	if r := admin.Get(path); r.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, r.StatusCode)
	}
	return admin
}

// saveBranding posts the branding form at path and expects to be sent back
// to it with a notice.
func saveBranding(t *testing.T, in *apptest.Instance, admin *apptest.Client, path string, fields url.Values, files ...upload) {
	t.Helper()
	admin.Get(path)
	r := postMultipart(t, in, admin, path, fields, files...)
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), path+"?msg=") {
		t.Fatalf("save %s: %d %q %s", path, r.StatusCode, r.Header.Get("Location"), errorText(r.Body))
	}
}

// headerBrand reads what a page's header shows: the brand link's text and
// logo, the accent stylesheet linked, and the title.
type headerBrand struct {
	Name, LogoSrc, LogoAlt, AccentCSS, Title string
}

func brandOf(t *testing.T, body string) headerBrand {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var h headerBrand
	a := doc.Find("a.brand").First()
	h.Name = strings.TrimSpace(a.Find(".brand-name").Text())
	h.LogoSrc, _ = a.Find("img.brand-logo").Attr("src")
	h.LogoAlt, _ = a.Find("img.brand-logo").Attr("alt")
	doc.Find(`head link[rel=stylesheet]`).Each(func(_ int, s *goquery.Selection) {
		if href, _ := s.Attr("href"); strings.HasPrefix(href, "/brand/accent/") {
			h.AccentCSS = href
		}
	})
	h.Title = doc.Find("title").Text()
	return h
}

func TestBrandingAppliesEverywhere(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, in *apptest.Instance) {
		ctx := context.Background()
		in.CreateAccount(t, "buyer@acme.example", goodPassword)
		customer := in.Client(t)
		if r := customer.SignIn("buyer@acme.example", goodPassword); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign in: %d", r.StatusCode)
		}
		before := brandOf(t, customer.Get("/").Body)
		if before.Name != "Acme Warehousing" || before.LogoSrc != "" || before.AccentCSS != "" {
			t.Fatalf("before any branding: %+v", before)
		}

		admin := brandingAdmin(t, in, "/admin/settings/branding")
		logo := logoPNG(t, 400, 100, color.NRGBA{R: 200, G: 20, B: 90, A: 255})
		saveBranding(t, in, admin, "/admin/settings/branding", url.Values{"name": {hostileName}, "accent": {"#C2185B"}},
			upload{"logo", "logo.png", "image/png", logo})
		row, err := in.Store().Brand(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if row.Name != hostileName || row.Accent != "#c2185b" || !brand.ValidLogoID(row.LogoID) || row.LogoWidth != 400 || row.LogoHeight != 100 {
			t.Fatalf("stored %+v", row)
		}
		logoURL := "/brand/logo/" + row.LogoID + ".png"
		const css = "/brand/accent/c2185b.css?v=" + brand.PaletteVersion

		t.Run("CustomerPagesAndSignInPagesAtOnce", func(t *testing.T) {
			anonymous := in.Client(t)
			for name, r := range map[string]*apptest.Response{
				"overview":       customer.Get("/"),
				"sign-in":        anonymous.Get("/login"),
				"admin sign-in":  anonymous.Get("/admin/login"),
				"forgot":         anonymous.Get("/password/forgot"),
				"admin console":  admin.Get("/admin"),
				"not found page": customer.Get("/no-such-page"),
			} {
				got := brandOf(t, r.Body)
				// A wide logo is a wordmark: it takes the name's place,
				// and says the name to screen readers.
				if got.LogoSrc != logoURL || got.LogoAlt != hostileName || got.AccentCSS != css || !strings.Contains(got.Title, hostileName) {
					t.Errorf("%s: header %+v", name, got)
				}
				if strings.Contains(r.Body, `<script>alert("x")`) || strings.Contains(r.Body, "mark.svg\" alt=\"\" width=\"28\"") {
					t.Errorf("%s: the name is not escaped, or the built-in mark is still shown", name)
				}
			}
			if r := anonymous.Get("/login"); !strings.Contains(r.Body, "to the Zephyr &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;Co&#39; customer portal") {
				t.Error("the sign-in subheading does not name the brand (escaped)")
			}
		})

		t.Run("LogoRoute", func(t *testing.T) {
			r := in.Client(t).Get(logoURL)
			if r.StatusCode != http.StatusOK {
				t.Fatalf("logo: %d", r.StatusCode)
			}
			for h, want := range map[string]string{
				"Content-Type":           "image/png",
				"X-Content-Type-Options": "nosniff",
				"Cache-Control":          "public, max-age=31536000, immutable",
			} {
				if got := r.Header.Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
			if img, err := png.Decode(strings.NewReader(r.Body)); err != nil || img.Bounds().Dx() != 400 {
				t.Errorf("the logo served is not the re-encoded PNG: %v", err)
			}
			other := strings.Repeat("0", 64)
			for _, p := range []string{
				"/brand/logo/" + other + ".png",                       // well-formed, unknown
				"/brand/logo/" + strings.ToUpper(row.LogoID) + ".png", // not the canonical id
				"/brand/logo/" + row.LogoID + ".svg",
				"/brand/logo/" + row.LogoID,
				"/brand/logo/" + row.LogoID[:63] + ".png",
				"/brand/logo/%2e%2e%2fetc%2fpasswd.png",
				"/brand/logo/x' OR '1'='1.png",
			} {
				if r := in.Client(t).Get(strings.ReplaceAll(p, " ", "%20")); r.StatusCode != http.StatusNotFound {
					t.Errorf("%s: %d, want 404", p, r.StatusCode)
				}
			}
		})

		t.Run("AccentRoute", func(t *testing.T) {
			r := in.Client(t).Get(css)
			if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "text/css; charset=utf-8" ||
				r.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
				t.Fatalf("accent stylesheet: %d %v", r.StatusCode, r.Header)
			}
			light, dark, _ := brand.Derive("#c2185b")
			for _, want := range []string{":root {", `:root[data-theme="dark"] {`, "--accent: " + light.Accent + ";", "--accent-contrast: " + dark.Contrast + ";"} {
				if !strings.Contains(r.Body, want) {
					t.Errorf("stylesheet lacks %q", want)
				}
			}
			for _, p := range []string{"/brand/accent/C2185B.css", "/brand/accent/c2185.css", "/brand/accent/zzzzzz.css",
				"/brand/accent/c2185b.js", "/brand/accent/c2185b", "/brand/accent/%23c2185b.css"} {
				if r := in.Client(t).Get(p); r.StatusCode != http.StatusNotFound {
					t.Errorf("%s: %d, want 404", p, r.StatusCode)
				}
			}
		})

		t.Run("Audited", func(t *testing.T) {
			entries := auditOf(t, in, "branding_changed")
			if len(entries) != 1 {
				t.Fatalf("%d branding_changed entries", len(entries))
			}
			var d map[string]map[string]any
			json.Unmarshal([]byte(entries[0].Details), &d)
			if d["to"]["name"] != hostileName || d["from"]["name"] != "" || d["to"]["accent"] != "#c2185b" || d["to"]["logo_id"] != row.LogoID ||
				entries[0].ActorLabel != "brand-ops" {
				t.Errorf("entry %+v", entries[0])
			}
		})

		t.Run("InvitationAndResetEmailsCarryTheBrand", func(t *testing.T) {
			newbie := in.CreateAccount(t, "newbie@acme.example", goodPassword, func(a *store.Account) { a.PasswordHash = "" })
			admin.Get(fmt.Sprintf("/admin/accounts/%d", newbie.ID))
			if r := admin.Post(fmt.Sprintf("/admin/accounts/%d/invite", newbie.ID), nil); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("invite: %d %s", r.StatusCode, errorText(r.Body))
			}
			anonymous := in.Client(t)
			anonymous.Get("/password/forgot")
			anonymous.Post("/password/forgot", url.Values{"email": {"buyer@acme.example"}})
			for _, to := range []string{"newbie@acme.example", "buyer@acme.example"} {
				mails := mailsTo(t, in, to)
				if len(mails) == 0 {
					t.Fatalf("no email to %s", to)
				}
				e := mails[0]
				if !strings.Contains(e.Subject, hostileName) || !strings.Contains(e.BodyText, hostileName) {
					t.Errorf("%s: subject %q does not name the brand", to, e.Subject)
				}
				if strings.Count(e.BodyHTML, "background:#c2185b") != 1 || !strings.Contains(e.BodyHTML, "color:#ffffff;text-decoration:none") {
					t.Errorf("%s: the button is not in the brand's colour with readable text", to)
				}
				if strings.Contains(e.BodyHTML, "<script>") || !strings.Contains(e.BodyHTML, "Zephyr &lt;script&gt;") {
					t.Errorf("%s: the name is not escaped in the HTML", to)
				}
				if !strings.Contains(e.BodyHTML, `src="`+in.App.Config.BaseURL.String()+logoURL+`"`) {
					t.Errorf("%s: the logo is not in the email", to)
				}
			}
		})

		t.Run("ResetToDefaults", func(t *testing.T) {
			admin.Get("/admin/settings/branding")
			if r := admin.Post("/admin/settings/branding", url.Values{"action": {"reset"}}); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("reset: %d", r.StatusCode)
			}
			got := brandOf(t, customer.Get("/").Body)
			if got.Name != "Acme Warehousing" || got.LogoSrc != "" || got.AccentCSS != "" {
				t.Errorf("after the reset: %+v", got)
			}
			if n := len(auditOf(t, in, "branding_changed")); n != 2 {
				t.Errorf("%d entries after the reset, want 2", n)
			}
		})
	})
}

func TestBrandingPerCustomer(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, in *apptest.Instance) {
		ctx := context.Background()
		in.Store().InTx(ctx, func(tx *store.Tx) error {
			return tx.UpsertCustomer(ctx, &store.Customer{Key: "Kestrel", DisplayName: "Kestrel & Sons", PortalEnabled: true, CreatedAt: in.Clock.Now()})
		})
		in.CreateAccount(t, "only@kestrel.example", goodPassword, func(a *store.Account) { a.Scope = []string{"Kestrel"} })
		in.CreateAccount(t, "two@kestrel.example", goodPassword, func(a *store.Account) { a.Scope = []string{"Acme", "Kestrel"} })
		in.CreateAccount(t, "all@kestrel.example", goodPassword, func(a *store.Account) { a.AllCustomers, a.Scope = true, nil })
		in.CreateAccount(t, "other@acme.example", goodPassword)
		admin := brandingAdmin(t, in, "/admin/settings/branding")
		saveBranding(t, in, admin, "/admin/settings/branding", url.Values{"name": {"Acme Portal"}, "accent": {"#1d4ed8"}})
		path := "/admin/customers/Kestrel/branding"
		page := admin.Get(path)
		if page.StatusCode != http.StatusOK {
			t.Fatalf("customer branding page: %d", page.StatusCode)
		}
		// It says who will see it: only the account scoped to exactly Kestrel.
		if !strings.Contains(page.Body, "only@kestrel.example") || strings.Contains(page.Body, "two@kestrel.example") || strings.Contains(page.Body, "all@kestrel.example") {
			t.Error("the page does not list exactly the accounts scoped to only this customer")
		}
		if !strings.Contains(page.Body, `placeholder="Acme Portal"`) {
			t.Error("the empty name field does not show the portal's name it inherits")
		}
		logo := logoPNG(t, 120, 120, color.NRGBA{R: 10, G: 60, B: 30, A: 255})
		saveBranding(t, in, admin, path, url.Values{"name": {"Kestrel <b>Portal</b>"}, "accent": {""}}, upload{"logo", "k.gif", "image/gif", logo})

		want := map[string]string{
			"only@kestrel.example": "Kestrel <b>Portal</b>",
			"two@kestrel.example":  "Acme Portal",
			"all@kestrel.example":  "Acme Portal",
			"other@acme.example":   "Acme Portal",
		}
		for email, name := range want {
			t.Run(email, func(t *testing.T) {
				c := in.Client(t)
				if r := c.SignIn(email, goodPassword); r.StatusCode != http.StatusSeeOther {
					t.Fatalf("sign in: %d", r.StatusCode)
				}
				got := brandOf(t, c.Get("/").Body)
				if got.Name != name {
					t.Errorf("header name %q, want %q", got.Name, name)
				}
				// The accent is inherited from the portal by the override too.
				if got.AccentCSS != "/brand/accent/1d4ed8.css?v="+brand.PaletteVersion {
					t.Errorf("accent stylesheet %q", got.AccentCSS)
				}
				override := email == "only@kestrel.example"
				if (got.LogoSrc != "") != override {
					t.Errorf("logo %q (override: %v)", got.LogoSrc, override)
				}
				// A square logo is an emblem: the name shows beside it and
				// the image is not read out twice.
				if override && (got.LogoAlt != "" || got.Name == "") {
					t.Errorf("square logo: alt %q, name %q", got.LogoAlt, got.Name)
				}
			})
		}
		// The sign-in page, before anyone is known, shows the portal's.
		if got := brandOf(t, in.Client(t).Get("/login").Body); got.Name != "Acme Portal" {
			t.Errorf("sign-in page: %+v", got)
		}
		e := auditOf(t, in, "branding_changed")[0]
		if e.TargetKind != "customer" || e.TargetID != "Kestrel" || e.TargetLabel != "Kestrel & Sons" {
			t.Errorf("audit entry %+v", e)
		}
		if r := admin.Get("/admin/settings/branding"); !strings.Contains(r.Body, `href="/admin/customers/Kestrel/branding"`) {
			t.Error("the portal's page does not list the customer with its own branding")
		}
		if r := admin.Get("/admin/customers/No%20Such%20Customer/branding"); r.StatusCode != http.StatusNotFound {
			t.Errorf("unknown customer: %d", r.StatusCode)
		}

		t.Run("EmailsFollowTheAccount", func(t *testing.T) {
			for _, email := range []string{"only@kestrel.example", "all@kestrel.example"} {
				c := in.Client(t)
				c.Get("/password/forgot")
				c.Post("/password/forgot", url.Values{"email": {email}})
				mails := mailsTo(t, in, email)
				if len(mails) == 0 {
					t.Fatalf("no reset email to %s", email)
				}
				wantName := "Acme Portal"
				if email == "only@kestrel.example" {
					wantName = "Kestrel <b>Portal</b>"
				}
				if !strings.Contains(mails[0].Subject, wantName) || strings.Count(mails[0].BodyHTML, "background:#1d4ed8") != 1 {
					t.Errorf("%s: subject %q", email, mails[0].Subject)
				}
			}
		})
		t.Run("ResetInheritsThePortalsAgain", func(t *testing.T) {
			admin.Get(path)
			admin.Post(path, url.Values{"action": {"reset"}})
			c := in.Client(t)
			c.SignIn("only@kestrel.example", goodPassword)
			if got := brandOf(t, c.Get("/").Body); got.Name != "Acme Portal" || got.LogoSrc != "" {
				t.Errorf("after the reset: %+v", got)
			}
		})
	})
}

func TestBrandingRefusesBadInput(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, in *apptest.Instance) {
		ctx := context.Background()
		const path = "/admin/settings/branding"
		admin := brandingAdmin(t, in, path)
		valid := logoPNG(t, 200, 200, color.NRGBA{R: 1, G: 2, B: 3, A: 255})
		// A PNG signature and a well-formed header claiming 100000 × 100000
		// pixels: a decompression bomb needs nothing more to be refused.
		ihdr := []byte("IHDR\x00\x01\x86\xa0\x00\x01\x86\xa0\x08\x06\x00\x00\x00")
		bomb := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0d"), ihdr...)
		bomb = binary.BigEndian.AppendUint32(bomb, crc32.ChecksumIEEE(ihdr))
		tests := []struct {
			name   string
			fields url.Values
			file   *upload
			status int
			field  string // where the message is shown
			says   string
		}{
			{"accent not a colour", url.Values{"name": {"Kept Name"}, "accent": {"blue"}}, nil, 422, "accent", "six hexadecimal digits"},
			{"accent with CSS", url.Values{"name": {"Kept Name"}, "accent": {"#fff;}body{display:none"}}, nil, 422, "accent", "six hexadecimal digits"},
			{"name with a line break", url.Values{"name": {"Acme\r\nBcc: x@evil.example"}}, nil, 422, "name", "one line"},
			{"name too long", url.Values{"name": {strings.Repeat("n", 101)}}, nil, 422, "name", "at most 100"},
			{"SVG with a script", url.Values{"name": {"Kept Name"}}, &upload{"logo", "logo.svg", "image/svg+xml",
				[]byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)}, 422, "logo", "PNG, JPEG or GIF"},
			{"HTML named .png", url.Values{"name": {"Kept Name"}}, &upload{"logo", "logo.png", "image/png",
				[]byte("<html><body><script>alert(1)</script></body></html>")}, 422, "logo", "PNG, JPEG or GIF"},
			{"PNG header claiming 100000 × 100000", url.Values{}, &upload{"logo", "bomb.png", "image/png", bomb}, 422, "logo", "100000 × 100000"},
			{"truncated PNG", url.Values{}, &upload{"logo", "cut.png", "image/png", valid[:len(valid)/3]}, 422, "logo", "could not be read"},
			{"GIF/JS polyglot", url.Values{}, &upload{"logo", "x.gif", "image/gif", []byte("GIF89a/*\x00\x00\x00\x00*/=alert(document.cookie)//;")}, 422, "logo", "pixels"},
			{"empty file", url.Values{}, &upload{"logo", "empty.png", "image/png", nil}, 422, "logo", "empty"},
			{"over the logo limit", url.Values{}, &upload{"logo", "big.png", "image/png", append(append([]byte{}, valid...), make([]byte, brand.MaxLogoBytes)...)}, 413, "logo", "larger than 512 KB"},
			{"new logo and remove both", url.Values{"remove_logo": {"on"}}, &upload{"logo", "ok.png", "image/png", valid}, 422, "logo", "not both"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				admin.Get(path)
				var r *apptest.Response
				if tt.file != nil {
					r = postMultipart(t, in, admin, path, tt.fields, *tt.file)
				} else {
					r = postMultipart(t, in, admin, path, tt.fields)
				}
				if r.StatusCode != tt.status {
					t.Fatalf("status %d, want %d: %s", r.StatusCode, tt.status, errorText(r.Body))
				}
				doc, _ := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
				msg := doc.Find("#" + tt.field + "-error").Text()
				if !strings.Contains(msg, tt.says) {
					t.Errorf("message next to %s: %q, want it to say %q", tt.field, msg, tt.says)
				}
				if v := tt.fields.Get("name"); v == "Kept Name" {
					if got, _ := doc.Find("#name").Attr("value"); got != v {
						t.Errorf("the typed name was not kept: %q", got)
					}
				}
				if v := tt.fields.Get("accent"); v != "" {
					if got, _ := doc.Find("#accent").Attr("value"); got != v {
						t.Errorf("the typed colour was not kept: %q", got)
					}
				}
				if _, err := in.Store().Brand(ctx, ""); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("something was stored: %v", err)
				}
			})
		}
		var logos int
		if err := in.Store().DB().QueryRow(`SELECT COUNT(*) FROM brand_logos`).Scan(&logos); err != nil || logos != 0 {
			t.Errorf("%d logos stored by refused forms (%v)", logos, err)
		}
		if n := len(auditOf(t, in, "branding_changed")); n != 0 {
			t.Errorf("%d audit entries for refused forms", n)
		}

		t.Run("BodyOverTheRequestLimit", func(t *testing.T) {
			admin.Get(path)
			huge := make([]byte, in.App.Config.MaxBodyBytes+1024)
			r := postMultipart(t, in, admin, path, url.Values{}, upload{"logo", "huge.png", "image/png", huge})
			if r.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(r.Body, "larger than the portal accepts") {
				t.Errorf("a body over the limit: %d %s", r.StatusCode, errorText(r.Body))
			}
		})
	})
}

func TestBrandingIsForAdminsOnly(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "buyer@acme.example", goodPassword)
	customer := in.Client(t)
	customer.SignIn("buyer@acme.example", goodPassword)
	customer.Get("/")
	for _, p := range []string{"/admin/settings/branding", "/admin/customers/Acme/branding"} {
		if r := customer.Get(p); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/admin/login") {
			t.Errorf("GET %s as a customer: %d %q", p, r.StatusCode, r.Header.Get("Location"))
		}
		r := postMultipart(t, in, customer, p, url.Values{"name": {"Hijacked"}}, upload{"logo", "l.png", "image/png", logoPNG(t, 10, 10, color.NRGBA{A: 255})})
		if r.StatusCode != http.StatusForbidden && r.StatusCode != http.StatusSeeOther {
			t.Errorf("POST %s as a customer: %d", p, r.StatusCode)
		}
	}
	if _, err := in.Store().Brand(context.Background(), ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a customer changed the branding: %v", err)
	}
}

// Another instance on the same database picks a change up within the
// cache's lifetime, without a restart.
func TestBrandingReachesOtherInstances(t *testing.T) {
	for _, mk := range []struct {
		name   string
		target func(testing.TB) storetest.Target
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		t.Run(mk.name, func(t *testing.T) {
			target := mk.target(t)
			fake := clock.NewFake(apptest.Epoch)
			a := apptest.Start(t, target, fake)
			b := apptest.Start(t, target, fake)
			onB := b.Client(t)
			if got := brandOf(t, onB.Get("/login").Body).Name; got != "Acme Warehousing" {
				t.Fatalf("B before: %q", got)
			}
			admin := brandingAdmin(t, a, "/admin/settings/branding")
			saveBranding(t, a, admin, "/admin/settings/branding", url.Values{"name": {"Renamed Ltd"}})
			if got := brandOf(t, a.Client(t).Get("/login").Body).Name; got != "Renamed Ltd" {
				t.Errorf("the saving instance shows %q", got)
			}
			fake.Advance(brand.DefaultTTL)
			if got := brandOf(t, onB.Get("/login").Body).Name; got != "Renamed Ltd" {
				t.Errorf("the other instance shows %q %v after the change", got, brand.DefaultTTL)
			}
		})
	}
}

func TestBrandingOnInvoicePDF(t *testing.T) {
	f := startInvoices(t)
	in := f.in
	admin := brandingAdmin(t, in, "/admin/settings/branding")
	saveBranding(t, in, admin, "/admin/settings/branding", url.Values{"name": {"Portal <Brand> & Co"}, "accent": {"#ffcc00"}},
		upload{"logo", "logo.jpg", "image/png", logoPNG(t, 300, 90, color.NRGBA{R: 20, G: 40, B: 90, A: 255})})
	path := "/admin/customers/" + url.PathEscape(f.custB) + "/branding"
	saveBranding(t, in, admin, path, url.Values{"name": {"Customer B's Own"}})

	for email, want := range map[string]string{"a@acme.example": "Portal <Brand> & Co", "b@acme.example": "Customer B's Own"} {
		c := f.client(t, email)
		cust := f.custA
		if strings.HasPrefix(email, "b@") {
			cust = f.custB
		}
		inv := f.find(t, cust, "")
		r := c.Get("/invoices/" + inv.ID + ".pdf")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s PDF: %d", email, r.StatusCode)
		}
		text := pdfText(t, []byte(r.Body))
		if !strings.Contains(text, want) || strings.Contains(text, "Acme Warehousing") {
			t.Errorf("%s: the PDF does not print %q as the business:\n%.300s", email, want, text)
		}
		// The logo is embedded as an image.
		if !regexp.MustCompile(`/Subtype\s*/Image`).MatchString(r.Body) {
			t.Errorf("%s: no image in the PDF", email)
		}
	}
}

// Without JavaScript the colour picker does not fill in the text field: a
// colour changed only with the picker is saved; a typed one wins over it.
func TestBrandingPickerWithoutJavaScript(t *testing.T) {
	in := apptest.StartSQLite(t)
	const path = "/admin/settings/branding"
	admin := brandingAdmin(t, in, path)
	page := admin.Get(path)
	for _, want := range []string{`name="accent_was" value=""`, `name="picker_was" value="#2a6f6a"`, `type="color" value="#2a6f6a"`} {
		if !strings.Contains(page.Body, want) {
			t.Fatalf("the form lacks %s", want)
		}
	}
	for _, tt := range []struct {
		name   string
		fields url.Values
		want   string
	}{
		{"picker only", url.Values{"accent": {""}, "accent_was": {""}, "accent_picker": {"#123456"}, "picker_was": {"#2a6f6a"}}, "#123456"},
		{"typed wins", url.Values{"accent": {"#abcdef"}, "accent_was": {"#123456"}, "accent_picker": {"#fedcba"}, "picker_was": {"#123456"}}, "#abcdef"},
		{"untouched picker keeps the typed field", url.Values{"accent": {"#abcdef"}, "accent_was": {"#abcdef"}, "accent_picker": {"#abcdef"}, "picker_was": {"#abcdef"}}, "#abcdef"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			saveBranding(t, in, admin, path, tt.fields)
			row, err := in.Store().Brand(context.Background(), "")
			if err != nil || row.Accent != tt.want {
				t.Errorf("stored %+v (%v), want accent %s", row, err, tt.want)
			}
		})
	}
}
