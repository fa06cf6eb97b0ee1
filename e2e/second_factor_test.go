//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/auth/totp"
	"github.com/portico-dev/portico/internal/store"
)

// TestTwoStepSignInJourney sets up two-step sign-in the way a customer
// does when their account requires it: the code comes from the key the
// page shows, computed here as an authenticator app would; then signs out
// and back in with the password and a fresh code.
func TestTwoStepSignInJourney(t *testing.T) {
	in := apptest.StartSQLite(t)
	in.CreateAccount(t, "sam@acme.example", pw, func(a *store.Account) { a.FirstName = "Sam" })
	ctx := context.Background()
	if err := in.Store().InTx(ctx, func(tx *store.Tx) error {
		return tx.SetSetting(ctx, auth.SettingRequireCustomers, "on", "test", in.Clock.Now())
	}); err != nil {
		t.Fatal(err)
	}
	code := func(secret string) string {
		c, err := totp.Code(secret, in.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	b := newBrowser(t)
	signIn(b, in.URL, "/login", "email", "sam@acme.example")
	b.run(chromedp.WaitVisible(`.enroll-secret`, chromedp.ByQuery), chromedp.WaitVisible(`img.enroll-qr`, chromedp.ByQuery))
	b.checkPage("enrollment")
	secret := strings.ReplaceAll(b.text(`.enroll-secret`), " ", "")
	if len(secret) != 32 {
		t.Fatalf("key shown: %q", secret)
	}
	var qrWidth int
	b.poll(`document.querySelector("img.enroll-qr").naturalWidth`, &qrWidth)
	if qrWidth == 0 {
		t.Error("the QR code image did not load")
	}

	// A wrong code is explained next to the field.
	b.run(chromedp.SendKeys(`#code`, "000000", chromedp.ByQuery), chromedp.Click(`form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#code-error`, chromedp.ByQuery), chromedp.WaitVisible(`.enroll-secret`, chromedp.ByQuery))
	if s := b.text(`#code-error`); !strings.Contains(s, "did not work") {
		t.Errorf("wrong code message %q", s)
	}
	b.run(chromedp.WaitVisible(`.enroll-secret`, chromedp.ByQuery))
	if again := strings.ReplaceAll(b.text(`.enroll-secret`), " ", ""); again != secret {
		t.Errorf("the key changed after a wrong code: %q then %q", secret, again)
	}

	b.run(chromedp.SetValue(`#code`, code(secret), chromedp.ByQuery), chromedp.Click(`form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.recovery-codes`, chromedp.ByQuery))
	b.checkPage("recovery codes")
	var n int
	b.poll(`document.querySelectorAll(".recovery-codes li").length`, &n)
	if n != totp.RecoveryCodeCount {
		t.Errorf("%d recovery codes shown", n)
	}
	b.run(chromedp.Click(`a.button-primary`, chromedp.ByQuery), chromedp.WaitNotPresent(`.recovery-codes`, chromedp.ByQuery),
		chromedp.WaitVisible(`h1`, chromedp.ByQuery))
	if h := b.text(`h1`); h != "Welcome, Sam" {
		t.Fatalf("after enrolling: %q at %s", h, b.location())
	}

	// Sign out, and back in with the password and a code.
	b.run(
		chromedp.Click(`details.usermenu summary`, chromedp.ByQuery),
		chromedp.WaitVisible(`.usermenu-panel button[type=submit]`, chromedp.ByQuery),
		chromedp.Click(`.usermenu-panel button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.alert-success`, chromedp.ByQuery),
	)
	signIn(b, in.URL, "/login", "email", "sam@acme.example")
	b.run(chromedp.WaitVisible(`#code`, chromedp.ByQuery))
	b.checkPage("code")
	if strings.Contains(b.location(), "token") {
		t.Errorf("second step address %s", b.location())
	}
	in.Clock.Advance(30 * time.Second)
	b.run(chromedp.SendKeys(`#code`, code(secret), chromedp.ByQuery), chromedp.Click(`form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`#code`, chromedp.ByQuery), chromedp.WaitVisible(`h1`, chromedp.ByQuery))
	if h := b.text(`h1`); h != "Welcome, Sam" {
		t.Errorf("after signing in with a code: %q at %s", h, b.location())
	}
}
