//go:build e2e && shots

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/portico-dev/portico/internal/demo"
)

// shotPage is one page to capture: a path, or a path and something to do
// there first (fill in a form and submit it, to see its errors).
type shotPage struct {
	name, path string
	// then runs after the page has loaded, before the screenshot.
	then []chromedp.Action
}

// submit clicks a form's submit button and waits for the answer to show sel.
func submit(button, sel string) []chromedp.Action {
	return []chromedp.Action{
		chromedp.Click(button, chromedp.ByQuery),
		chromedp.WaitVisible(sel, chromedp.ByQuery),
	}
}

// toTop scrolls back to the top after a form answered with a #fragment,
// where the sticky top bar belongs in a full-page shot.
var toTop = []chromedp.Action{chromedp.Evaluate(`window.scrollTo(0, 0)`, nil), chromedp.Sleep(300 * time.Millisecond)}

// TestScreenshots signs in to a running demo (SHOTS_URL, e.g. the output of
// `portico demo`) as the demo customer and admin, and saves full-page PNGs
// of every page in light and dark, at desktop (1280×900) and phone (390×844)
// sizes, into SHOTS_DIR as NAME-SCHEME-WIDTH.png. It is a tool for looking
// at pages, not a check:
//
//	SHOTS_URL=http://127.0.0.1:5001 SHOTS_DIR=/tmp/shots go test -tags 'e2e shots' -run Screenshots ./e2e/
//
// SHOTS_ONLY (a regular expression) keeps only the pages whose name matches
// it, e.g. SHOTS_ONLY='^admin-(accounts|account-)'. Pages that show a form's
// validation errors end in "-errors". The account and customer pages are
// found from the lists (admin-account-1 is the first account listed, and so
// on), so the demo's ids need not be known. Nothing here changes the demo's
// data: the forms it submits are refused, and "Set up two-step sign-in"
// only leaves a key waiting for a code, which changes nothing at sign-in.
func TestScreenshots(t *testing.T) {
	base, out := os.Getenv("SHOTS_URL"), os.Getenv("SHOTS_DIR")
	if base == "" || out == "" {
		t.Skip("set SHOTS_URL and SHOTS_DIR")
	}
	only := regexp.MustCompile(os.Getenv("SHOTS_ONLY"))
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	// Signed out: the public pages.
	public := []shotPage{
		{name: "login", path: "/login"},
		{name: "login-errors", path: "/login", then: []chromedp.Action{
			chromedp.SendKeys(`#login`, "nobody@example.com", chromedp.ByQuery),
			chromedp.SendKeys(`#password`, "not the password", chromedp.ByQuery),
			chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
			chromedp.WaitVisible(`.alert-error`, chromedp.ByQuery),
		}},
		{name: "admin-login", path: "/admin/login"},
		{name: "password-forgot", path: "/password/forgot"},
		{name: "password-forgot-errors", path: "/password/forgot", then: append([]chromedp.Action{
			chromedp.SendKeys(`#email`, "not-an-address", chromedp.ByQuery),
		}, submit(`button[type=submit]`, `.field-error`)...)},
		{name: "password-link-invalid", path: "/password/set?token=bad"},
	}
	// As the demo customer.
	customer := []shotPage{
		{name: "dashboard", path: "/"},
		{name: "inventory", path: "/inventory"},
		{name: "invoices", path: "/invoices"},
		{name: "invoices-overdue", path: "/invoices?status=overdue"},
		{name: "projects", path: "/projects"},
		{name: "time-entries", path: "/time-entries"},
		{name: "inventory-sorted", path: "/inventory?q=a&f.status=Available&sort=-on_hand_qty&page=2"},
		{name: "password-change", path: "/password/change"},
		{name: "password-change-errors", path: "/password/change", then: submit(`form.form button[type=submit]`, `.field-error`)},
		{name: "not-found", path: "/no-such-page"},
		{name: "account", path: "/account"},
		{name: "account-two-factor", path: "/account", then: submit(`form.own-start button[type=submit]`, `.enroll-qr`)},
		{name: "account-two-factor-errors", path: "/account", then: append(submit(`form.own-start button[type=submit]`, `.enroll-qr`),
			submit(`form.own-confirm button[type=submit]`, `.field-error`)...)},
	}
	// As the demo admin.
	admin := []shotPage{
		{name: "admin-home", path: "/admin"},
		{name: "admin-accounts", path: "/admin/accounts"},
		{name: "admin-accounts-empty", path: "/admin/accounts?q=zzzz-no-such-account"},
		{name: "admin-accounts-new", path: "/admin/accounts/new"},
		{name: "admin-accounts-new-errors", path: "/admin/accounts/new", then: submit(`form.account-form button.button-primary[type=submit]`, `.field-error, .alert-error`)},
		{name: "admin-customers", path: "/admin/customers"},
		{name: "admin-sessions", path: "/admin/sessions"},
		{name: "admin-audit", path: "/admin/audit"},
		{name: "admin-analytics", path: "/admin/analytics"},
		{name: "admin-outbox", path: "/admin/outbox"},
		// The preview iframe loads lazily: bring it into view first. On a
		// desktop, go back to the top, where the sticky top bar belongs (on a
		// phone the bar does not stick, and the sandboxed frame is only
		// captured while in view).
		{name: "admin-outbox-email", path: "/admin/outbox/1", then: []chromedp.Action{
			chromedp.ScrollIntoView(`.outbox-frame, .outbox-text`, chromedp.ByQuery), chromedp.Sleep(700 * time.Millisecond),
			chromedp.Evaluate(`innerWidth > 560 && window.scrollTo(0, 0)`, nil), chromedp.Sleep(500 * time.Millisecond),
		}},
		{name: "admin-settings-email", path: "/admin/settings/email"},
		{name: "admin-settings-security", path: "/admin/settings/security"},
		{name: "admin-settings-directory", path: "/admin/settings/directory"},
		{name: "admin-settings-directory-errors", path: "/admin/settings/directory", then: append([]chromedp.Action{
			chromedp.SendKeys(`#url`, "http://dc1.corp.example", chromedp.ByQuery),
		}, submit(`#directory-form button.button-primary[type=submit]`, `.field-error`)...)},
		// "Test connection" saves nothing: a closed port answers at once.
		{name: "admin-settings-directory-test", path: "/admin/settings/directory", then: append([]chromedp.Action{
			chromedp.SendKeys(`#url`, "ldap://127.0.0.1:9", chromedp.ByQuery),
			chromedp.SetValue(`#kind`, "openldap", chromedp.ByQuery),
			chromedp.SendKeys(`#bind_dn`, "cn=portal-reader,dc=example,dc=test", chromedp.ByQuery),
			chromedp.SendKeys(`#bind_password`, "not-a-real-password", chromedp.ByQuery),
			chromedp.SendKeys(`#base_dn`, "dc=example,dc=test", chromedp.ByQuery),
			chromedp.SendKeys(`#admin_group_dn`, "cn=portal-admins,ou=groups,dc=example,dc=test", chromedp.ByQuery),
		}, append(submit(`#directory-form button[formaction]`, `#test .alert-error`), toTop...)...)},
		{name: "admin-settings-directory-user", path: "/admin/settings/directory", then: append([]chromedp.Action{
			chromedp.SendKeys(`#username`, "jdoe", chromedp.ByQuery),
		}, append(submit(`#test-user button[type=submit]`, `#test-user .alert`), toTop...)...)},
		{name: "admin-branding", path: "/admin/settings/branding"},
		{name: "admin-branding-errors", path: "/admin/settings/branding", then: append([]chromedp.Action{
			chromedp.SetValue(`#accent`, "navy blue", chromedp.ByQuery),
		}, submit(`form[data-branding-form] button[type=submit]`, `#accent-error`)...)},
		{name: "admin-admins", path: "/admin/admins"},
		{name: "admin-password", path: "/admin/password"},
		{name: "admin-password-errors", path: "/admin/password", then: submit(`main form.form button[type=submit]`, `.field-error, .alert-error`)},
		{name: "admin-account-self", path: "/admin/account"},
		{name: "admin-account-self-two-factor", path: "/admin/account", then: submit(`form.own-start button[type=submit]`, `.enroll-qr`)},
	}

	for _, scheme := range []string{"light", "dark"} {
		for _, size := range [][2]int64{{1280, 900}, {390, 844}} {
			width := size[0]
			shot := func(b *browser, p shotPage) {
				if !only.MatchString(p.name) {
					return
				}
				b.run(chromedp.Navigate(base+p.path), chromedp.WaitVisible(`main`, chromedp.ByQuery))
				if len(p.then) > 0 {
					b.run(p.then...)
				}
				var buf []byte
				b.run(chromedp.FullScreenshot(&buf, 100))
				if err := os.WriteFile(filepath.Join(out, fmt.Sprintf("%s-%s-%d.png", p.name, scheme, width)), buf, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			b := newBrowser(t)
			b.run(chromedp.ActionFunc(func(ctx context.Context) error {
				return emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}).Do(ctx)
			}), chromedp.EmulateViewport(size[0], size[1]))

			for _, p := range public {
				shot(b, p)
			}

			b.run(chromedp.Navigate(base+"/login"), chromedp.WaitVisible(`#login`, chromedp.ByQuery),
				chromedp.SendKeys(`#login`, demo.CustomerEmail, chromedp.ByQuery), chromedp.SendKeys(`#password`, demo.CustomerPassword, chromedp.ByQuery),
				chromedp.Click(`button[type=submit]`, chromedp.ByQuery), chromedp.WaitNotPresent(`#login`, chromedp.ByQuery))
			for _, p := range customer {
				shot(b, p)
			}
			// The first project and the first invoice, found from their lists.
			if ps := hrefs(b, base+"/projects", `.project-name a`); len(ps) > 0 {
				shot(b, shotPage{name: "project", path: ps[0]})
			}
			if is := hrefs(b, base+"/invoices", `a[href^="/invoices/"]`); len(is) > 0 {
				shot(b, shotPage{name: "invoice", path: is[0]})
			}

			b.run(chromedp.Navigate(base+"/admin/login"), chromedp.WaitVisible(`#login`, chromedp.ByQuery),
				chromedp.SendKeys(`#login`, demo.AdminUsername, chromedp.ByQuery), chromedp.SendKeys(`#password`, demo.AdminPassword, chromedp.ByQuery),
				chromedp.Click(`button[type=submit]`, chromedp.ByQuery), chromedp.WaitNotPresent(`#login`, chromedp.ByQuery))
			pages := append([]shotPage(nil), admin...)
			// Every account (active, all-customers, invited), and the first
			// customer, found from their lists.
			for i, href := range hrefs(b, base+"/admin/accounts", `a.account-name`) {
				pages = append(pages, shotPage{name: fmt.Sprintf("admin-account-%d", i+1), path: href})
			}
			if cs := hrefs(b, base+"/admin/customers", `td.who a[href^="/admin/customers/"]`); len(cs) > 0 {
				pages = append(pages, shotPage{name: "admin-customer", path: cs[0]},
					shotPage{name: "admin-customer-branding", path: cs[0] + "/branding"})
			}
			for _, p := range pages {
				shot(b, p)
			}
		}
	}
}

// hrefs opens url and returns the paths of the links sel matches.
func hrefs(b *browser, url, sel string) []string {
	var links []string
	b.run(chromedp.Navigate(url), chromedp.WaitVisible(`main`, chromedp.ByQuery),
		chromedp.Evaluate(fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).map(a => a.getAttribute("href"))`, sel), &links))
	var paths []string
	for _, l := range links {
		if strings.HasPrefix(l, "/") {
			paths = append(paths, l)
		}
	}
	return paths
}
