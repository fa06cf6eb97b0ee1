//go:build e2e

package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/erpdemo"
)

// acceptDialogs answers every confirm() in the tab with OK, as an admin who
// means it would.
func (b *browser) acceptDialogs() {
	chromedp.ListenTarget(b.ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			go chromedp.Run(b.ctx, page.HandleJavaScriptDialog(true))
		}
	})
}

// TestAccountInvitationJourney follows an account from the admin's form to
// the customer's first sign-in and back: the admin creates the account, the
// invitation waits in the outbox (no SMTP server here), the customer opens
// its link, chooses a password, signs in, and the admin ends that session.
func TestAccountInvitationJourney(t *testing.T) {
	erp := filepath.Join(t.TempDir(), "erp.db")
	if _, err := erpdemo.CreateSQLite(context.Background(), erp, erpdemo.Options{InventoryRows: 500}); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Preset("demo", catalog.PresetOptions{DemoERPPath: erp})
	if err != nil {
		t.Fatal(err)
	}
	in := apptest.StartWithCatalog(t, cat)
	in.CreateAdmin(t, "ops", pw)

	admin := newBrowser(t)
	admin.acceptDialogs()
	signIn(admin, in.URL, "/admin/login", "username", "ops")
	admin.run(chromedp.Navigate(in.URL+"/admin/accounts/new"), chromedp.WaitVisible(`#first_name`, chromedp.ByQuery))
	admin.checkPage("new account")
	admin.run(
		chromedp.SendKeys(`#first_name`, "Robin", chromedp.ByQuery),
		chromedp.SendKeys(`#last_name`, "Quay", chromedp.ByQuery),
		chromedp.SendKeys(`#email`, "Robin.Quay@Alderfinch.example", chromedp.ByQuery),
		chromedp.Click(`input[name=scope][value=selected]`, chromedp.ByQuery),
		chromedp.Click(`input[name=customer]`, chromedp.ByQuery),
		chromedp.Click(`form button.button-primary[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.alert-success`, chromedp.ByQuery),
	)
	if s := admin.text(`.alert-success`); !strings.Contains(s, "robin.quay@alderfinch.example") {
		t.Errorf("notice after creating the account: %q", s)
	}
	admin.checkPage("account created")

	// The invitation is in the outbox; its page lists the link.
	admin.run(chromedp.Navigate(in.URL+"/admin/outbox"), chromedp.WaitVisible(`.outbox-table`, chromedp.ByQuery))
	admin.checkPage("outbox")
	admin.run(chromedp.Click(`.outbox-table td.who a`, chromedp.ByQuery),
		chromedp.WaitVisible(`a[href*="/password/set?token="]`, chromedp.ByQuery))
	admin.checkPage("invitation email")
	var link string
	var ok bool
	admin.run(chromedp.AttributeValue(`a[href*="/password/set?token="]`, "href", &link, &ok, chromedp.ByQuery))
	if !ok || !strings.HasPrefix(link, in.App.Config.BaseURL.String()+"/password/set?token=") {
		t.Fatalf("invitation link %q", link)
	}
	// The public URL of the test server is the configured one; the browser
	// reaches the same server on its real port.
	link = in.URL + strings.TrimPrefix(link, in.App.Config.BaseURL.String())

	customer := newBrowser(t)
	customer.run(chromedp.Navigate(link), chromedp.WaitVisible(`#new_password`, chromedp.ByQuery))
	if loc := customer.location(); loc != in.URL+"/password/set" {
		t.Errorf("the token stayed in the address bar: %s", loc)
	}
	customer.checkPage("set password")
	newPw := "harbour lantern quiet morning"
	customer.run(
		chromedp.SendKeys(`#new_password`, newPw, chromedp.ByQuery),
		chromedp.SendKeys(`#confirm_password`, newPw, chromedp.ByQuery),
		chromedp.Click(`form[action="/password/set"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.alert-success`, chromedp.ByQuery),
	)
	if s := customer.text(`.alert-success`); !strings.Contains(s, "password is set") {
		t.Errorf("notice after setting the password: %q", s)
	}
	customer.checkPage("password set")
	customer.run(
		chromedp.SendKeys(`#login`, "robin.quay@alderfinch.example", chromedp.ByQuery),
		chromedp.SendKeys(`#password`, newPw, chromedp.ByQuery),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`#login`, chromedp.ByQuery),
		chromedp.WaitVisible(`h1`, chromedp.ByQuery),
	)
	if loc := customer.location(); loc != in.URL+"/" {
		t.Fatalf("after the first sign-in at %s", loc)
	}
	customer.checkPage("first sign-in")

	// The admin sees the session and ends it.
	admin.run(chromedp.Navigate(in.URL+"/admin/sessions"), chromedp.WaitVisible(`table`, chromedp.ByQuery))
	admin.checkPage("sessions")
	var clicked bool
	admin.run(chromedp.Evaluate(`(() => {
		const row = [...document.querySelectorAll("tbody tr")].find(tr => tr.textContent.includes("Robin") || tr.textContent.includes("robin.quay"));
		const button = row && row.querySelector('form[action$="/end"] button');
		if (button) button.click();
		return !!button;
	})()`, &clicked))
	if !clicked {
		t.Fatal("no session of the new account on the sessions page")
	}
	admin.run(chromedp.WaitVisible(`.alert-success`, chromedp.ByQuery))
	admin.checkPage("session ended")

	customer.run(chromedp.Navigate(in.URL+"/"), chromedp.WaitVisible(`#login`, chromedp.ByQuery))
	if loc := customer.location(); !strings.HasPrefix(loc, in.URL+"/login") {
		t.Errorf("after the admin ended the session the customer is at %s", loc)
	}
}
