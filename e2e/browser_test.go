//go:build e2e

// Package e2e drives the real App in headless Chromium (Debian's chromium,
// found on PATH) to test what only a browser shows: the sign-in journeys,
// the theme toggle, and that no page logs a console error or breaks its
// Content-Security-Policy. Run with: go test -tags e2e ./e2e/
package e2e

import (
	"context"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/store"
)

const pw = "river stone lantern morning"

// browser is one headless Chromium tab that records every console error,
// uncaught exception and CSP violation on the pages it visits.
type browser struct {
	t      *testing.T
	ctx    context.Context
	mu     sync.Mutex
	issues []string
}

func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := findChromium()
	if path == "" {
		t.Skip("browser suite skipped: no chromium on PATH (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Headless,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		// No UserDataDir: chromedp makes a temporary profile and removes it
		// after the browser has exited, which t.TempDir cannot wait for.
		chromedp.Flag("no-first-run", true), chromedp.WindowSize(1280, 900))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	b := &browser{t: t, ctx: ctx}
	chromedp.ListenTarget(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.APITypeError || e.Type == runtime.APITypeWarning {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value))
				}
				// htmx reports a request it cancelled because a newer one
				// replaced it (fast clicks, the back button) as an error;
				// that is the intended behaviour, not a page fault. Real
				// failures still show as htmx:responseError.
				if len(parts) > 0 && (strings.Contains(parts[0], "htmx:sendAbort") || strings.Contains(parts[0], "htmx:afterRequest")) {
					return
				}
				b.record("console " + string(e.Type) + ": " + strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			b.record("exception: " + e.ExceptionDetails.Text)
		case *log.EventEntryAdded:
			// A failed sign-in (password or code) answers 401 by design; the
			// browser logs that status for the document itself, which is
			// not a page error.
			if e.Entry.Source == log.SourceNetwork && (strings.HasSuffix(e.Entry.URL, "/login") || strings.HasSuffix(e.Entry.URL, "/login/verify")) &&
				strings.Contains(e.Entry.Text, "status of 401") {
				return
			}
			if e.Entry.Level == log.LevelError || e.Entry.Source == log.SourceSecurity {
				b.record("log " + string(e.Entry.Source) + ": " + e.Entry.Text + " " + e.Entry.URL)
			}
		}
	})
	err := chromedp.Run(ctx, runtime.Enable(), log.Enable(), chromedp.ActionFunc(func(ctx context.Context) error {
		// Count CSP violations from the page's own point of view too.
		_, err := page.AddScriptToEvaluateOnNewDocument(`window.__csp = [];
document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));`).Do(ctx)
		return err
	}))
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

func (b *browser) record(s string) {
	b.mu.Lock()
	b.issues = append(b.issues, s)
	b.mu.Unlock()
}

// run performs actions and fails the test on any error.
func (b *browser) run(actions ...chromedp.Action) {
	b.t.Helper()
	if err := chromedp.Run(b.ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// checkPage fails the test if the current page logged errors or broke its CSP.
func (b *browser) checkPage(name string) {
	b.t.Helper()
	var csp []string
	b.run(chromedp.Evaluate(`window.__csp || []`, &csp))
	b.mu.Lock()
	issues := append([]string(nil), b.issues...)
	b.issues = nil
	b.mu.Unlock()
	for _, v := range csp {
		b.t.Errorf("%s: CSP violation: %s", name, v)
	}
	for _, i := range issues {
		b.t.Errorf("%s: %s", name, i)
	}
}

// navigatedAway reports the errors chromedp gives when the page it was
// evaluating in was replaced by a navigation.
func navigatedAway(err error) bool {
	return strings.Contains(err.Error(), "Cannot find context") || strings.Contains(err.Error(), "Inspected target navigated or closed")
}

// poll waits for expr to be truthy. A navigation while polling destroys
// the page's JavaScript context, which chromedp reports as an error rather
// than polling on in the new page; poll starts again on the new page then.
func (b *browser) poll(expr string, res any) {
	b.t.Helper()
	var err error
	for range 5 {
		if err = chromedp.Run(b.ctx, chromedp.Poll(expr, res)); err == nil || !navigatedAway(err) {
			break
		}
	}
	if err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

func (b *browser) location() string {
	var loc string
	b.run(chromedp.Location(&loc))
	return loc
}

func (b *browser) text(sel string) string {
	var s string
	b.run(chromedp.Text(sel, &s, chromedp.ByQuery))
	return s
}

func signIn(b *browser, base, path, loginField, login string) {
	b.run(chromedp.Navigate(base+path), chromedp.WaitVisible(`#login`, chromedp.ByQuery))
	b.checkPage(path)
	b.run(
		chromedp.SendKeys(`#login`, login, chromedp.ByQuery),
		chromedp.SendKeys(`#password`, pw, chromedp.ByQuery),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		// The sign-in page has gone once the browser has followed the redirect.
		chromedp.WaitNotPresent(`#login`, chromedp.ByQuery),
	)
}

func TestCustomerSignInAndOut(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "buyer@acme.example", pw, func(a *store.Account) { a.FirstName = "Dana" })
	b := newBrowser(t)
	signIn(b, in.URL, "/login", "email", "buyer@acme.example")
	b.run(chromedp.WaitVisible(`h1`, chromedp.ByQuery))
	if loc := b.location(); loc != in.URL+"/" {
		t.Fatalf("after sign-in at %s", loc)
	}
	if h := b.text(`h1`); h != "Welcome, Dana" {
		t.Errorf("heading %q", h)
	}
	b.checkPage("dashboard")
	b.run(
		chromedp.Click(`details.usermenu summary`, chromedp.ByQuery),
		chromedp.WaitVisible(`.usermenu-panel button[type=submit]`, chromedp.ByQuery),
		chromedp.Click(`.usermenu-panel button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.alert-success`, chromedp.ByQuery),
	)
	if loc := b.location(); !strings.HasPrefix(loc, in.URL+"/login") {
		t.Errorf("after sign-out at %s", loc)
	}
	if s := b.text(`.alert-success`); !strings.Contains(s, "signed out") {
		t.Errorf("sign-out notice %q", s)
	}
	b.checkPage("signed out")
	// The back button must not show the dashboard again from the session.
	b.run(chromedp.Navigate(in.URL+"/"), chromedp.WaitVisible(`#login`, chromedp.ByQuery))
}

func TestWrongPasswordShowsGenericError(t *testing.T) {
	in := apptest.StartSQLite(t)
	b := newBrowser(t)
	b.run(chromedp.Navigate(in.URL+"/login"), chromedp.WaitVisible(`#login`, chromedp.ByQuery),
		chromedp.SendKeys(`#login`, "nobody@acme.example", chromedp.ByQuery),
		chromedp.SendKeys(`#password`, "some wrong password", chromedp.ByQuery),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.alert-error`, chromedp.ByQuery))
	if s := b.text(`.alert-error`); !strings.Contains(s, "did not match an active account") {
		t.Errorf("error %q", s)
	}
	b.checkPage("failed sign-in")
}

func TestForcedPasswordChange(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "temp@acme.example", pw, func(a *store.Account) { a.MustChangePassword = true })
	b := newBrowser(t)
	signIn(b, in.URL, "/login", "email", "temp@acme.example")
	b.run(chromedp.WaitVisible(`#new_password`, chromedp.ByQuery))
	if loc := b.location(); loc != in.URL+"/password/change" {
		t.Fatalf("after sign-in at %s, want the change page", loc)
	}
	b.checkPage("forced change")
	newPw := "quiet harbour violet lantern"
	b.run(
		chromedp.SendKeys(`#new_password`, newPw, chromedp.ByQuery),
		chromedp.SendKeys(`#confirm_password`, newPw, chromedp.ByQuery),
		chromedp.Click(`form[action="/password/change"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.alert-success`, chromedp.ByQuery),
	)
	if s := b.text(`.alert-success`); !strings.Contains(s, "password has been changed") {
		t.Errorf("notice %q", s)
	}
	b.checkPage("after change")
}

func TestAdminSignIn(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAdmin(t, "ops", pw)
	b := newBrowser(t)
	signIn(b, in.URL, "/admin/login", "username", "ops")
	b.run(chromedp.WaitVisible(`.stats`, chromedp.ByQuery))
	if loc := b.location(); loc != in.URL+"/admin" {
		t.Fatalf("after admin sign-in at %s", loc)
	}
	if s := b.text(`.event-sign_in`); s != "sign_in" {
		t.Errorf("recent activity does not show the sign-in: %q", s)
	}
	b.checkPage("admin home")
}

func TestThemeToggleIsRemembered(t *testing.T) {
	in := apptest.StartSQLite(t)
	b := newBrowser(t)
	var theme, stored, pressed string
	b.run(
		chromedp.Navigate(in.URL+"/login"), chromedp.WaitVisible(`[data-theme-toggle]`, chromedp.ByQuery),
		chromedp.Evaluate(`document.documentElement.getAttribute("data-theme") || ""`, &theme),
	)
	if theme != "" {
		t.Fatalf("initial data-theme %q, want none (follow the system)", theme)
	}
	b.run(
		chromedp.Click(`[data-theme-toggle]`, chromedp.ByQuery),
		chromedp.Evaluate(`document.documentElement.getAttribute("data-theme")`, &theme),
		chromedp.Evaluate(`localStorage.getItem("portico-theme")`, &stored),
		chromedp.AttributeValue(`[data-theme-toggle]`, "aria-pressed", &pressed, nil, chromedp.ByQuery),
	)
	if theme != "dark" || stored != "dark" || pressed != "true" {
		t.Errorf("after toggle: data-theme %q, stored %q, aria-pressed %q", theme, stored, pressed)
	}
	var bg string
	b.run(chromedp.Reload(), chromedp.WaitVisible(`[data-theme-toggle]`, chromedp.ByQuery),
		chromedp.Evaluate(`document.documentElement.getAttribute("data-theme")`, &theme),
		chromedp.Evaluate(`getComputedStyle(document.body).backgroundColor`, &bg))
	if theme != "dark" || bg != "rgb(15, 20, 19)" {
		t.Errorf("after reload: data-theme %q, background %q; want the dark theme kept", theme, bg)
	}
	b.run(chromedp.Click(`[data-theme-toggle]`, chromedp.ByQuery),
		chromedp.Evaluate(`getComputedStyle(document.body).backgroundColor`, &bg))
	if bg != "rgb(245, 246, 244)" {
		t.Errorf("toggled back: background %q, want the light theme", bg)
	}
	b.checkPage("theme toggle")
}
