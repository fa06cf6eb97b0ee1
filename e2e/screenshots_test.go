//go:build e2e && shots

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/portico-dev/portico/internal/demo"
)

// TestScreenshots signs in to a running demo (SHOTS_URL, e.g. the output of
// `portico demo`) as the demo customer and admin, and saves full-page PNGs
// of every page in light and dark, at desktop and phone widths, into
// SHOTS_DIR. It is a tool for looking at pages, not a check:
//
//	SHOTS_URL=http://127.0.0.1:5001 SHOTS_DIR=/tmp/shots go test -tags 'e2e shots' -run Screenshots ./e2e/
func TestScreenshots(t *testing.T) {
	base, out := os.Getenv("SHOTS_URL"), os.Getenv("SHOTS_DIR")
	if base == "" || out == "" {
		t.Skip("set SHOTS_URL and SHOTS_DIR")
	}
	pages := map[string]string{"admin-customers": "/admin/customers", "admin-analytics": "/admin/analytics", "admin-audit": "/admin/audit", "admin-sessions": "/admin/sessions", "dashboard": "/", "inventory": "/inventory", "inventory-sorted": "/inventory?q=a&f.status=Available&sort=-on_hand_qty&page=2", "password-change": "/password/change", "admin-home": "/admin", "not-found": "/no-such-page"}
	for _, scheme := range []string{"light", "dark"} {
		for _, width := range []int64{1280, 390} {
			b := newBrowser(t)
			b.run(chromedp.ActionFunc(func(ctx context.Context) error {
				return emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}).Do(ctx)
			}), chromedp.EmulateViewport(width, 900))
			shot := func(name string) {
				var buf []byte
				b.run(chromedp.FullScreenshot(&buf, 100))
				os.WriteFile(filepath.Join(out, fmt.Sprintf("%s-%s-%d.png", name, scheme, width)), buf, 0o644)
			}
			b.run(chromedp.Navigate(base+"/login"), chromedp.WaitVisible(`#login`, chromedp.ByQuery))
			shot("login")
			b.run(chromedp.SendKeys(`#login`, demo.CustomerEmail, chromedp.ByQuery), chromedp.SendKeys(`#password`, demo.CustomerPassword, chromedp.ByQuery),
				chromedp.Click(`button[type=submit]`, chromedp.ByQuery), chromedp.WaitNotPresent(`#login`, chromedp.ByQuery))
			b.run(chromedp.Navigate(base+"/admin/login"), chromedp.WaitVisible(`#login`, chromedp.ByQuery))
			shot("admin-login")
			b.run(chromedp.SendKeys(`#login`, demo.AdminUsername, chromedp.ByQuery), chromedp.SendKeys(`#password`, demo.AdminPassword, chromedp.ByQuery),
				chromedp.Click(`button[type=submit]`, chromedp.ByQuery), chromedp.WaitNotPresent(`#login`, chromedp.ByQuery))
			for name, path := range pages {
				b.run(chromedp.Navigate(base+path), chromedp.WaitVisible(`main`, chromedp.ByQuery))
				shot(name)
			}
		}
	}
}
