package brand_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/brand"
	"github.com/portico-dev/portico/internal/clock"
	"github.com/portico-dev/portico/internal/mail"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

var epoch = time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)

var admin = audit.Actor{Kind: store.KindAdmin, ID: 1, Label: "ops"}

func newService(t *testing.T, st *store.Store) (*brand.Service, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(epoch)
	rec := &audit.Recorder{Log: slog.New(slog.DiscardHandler), Now: clk.Now}
	return brand.New(st, clk, rec, nil, "Acme Warehousing", "https://portal.acme.example/"), clk
}

func logo(t *testing.T, w, h int) *brand.Logo {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
		if i%4 == 3 {
			img.Pix[i] = 255 // opaque: it brings its own background
		}
	}
	img.SetNRGBA(0, 0, color.NRGBA{R: uint8(w), G: uint8(h), A: 255})
	var b bytes.Buffer
	png.Encode(&b, img)
	l, err := brand.PrepareLogo(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func save(t *testing.T, s *brand.Service, c brand.Change) bool {
	t.Helper()
	c.Actor = admin
	changed, err := s.Save(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return changed
}

func account(t *testing.T, st *store.Store, email string, all bool, keys ...string) *store.Account {
	t.Helper()
	ctx := context.Background()
	a := &store.Account{Email: email, FirstName: "Test", Active: true, AllCustomers: all, Scope: keys, CreatedAt: epoch}
	if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.CreateAccount(ctx, a) }); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestResolution(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		s, _ := newService(t, st)
		only := account(t, st, "only@x.example", false, "CUST-A")
		two := account(t, st, "two@x.example", false, "CUST-A", "CUST-B")
		all := account(t, st, "all@x.example", true)
		get := func(a *store.Account) brand.Brand {
			t.Helper()
			b, err := s.ForAccount(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		if b := get(only); !reflect.DeepEqual(b, brand.Brand{Name: "Acme Warehousing"}) {
			t.Errorf("with nothing saved: %+v, want the configuration's name and built-in accent and mark", b)
		}

		portalLogo, custLogo := logo(t, 400, 100), logo(t, 64, 64)
		save(t, s, brand.Change{Name: "Acme Portal", Accent: "#1D4ED8", Logo: portalLogo})
		save(t, s, brand.Change{Scope: "CUST-A", Label: "Customer A", Accent: "#c2185b", Logo: custLogo})

		wantPortal := brand.Brand{Name: "Acme Portal", Accent: "#1d4ed8", LogoID: portalLogo.ID, LogoWidth: 400, LogoHeight: 100}
		wantA := brand.Brand{Name: "Acme Portal", Accent: "#c2185b", LogoID: custLogo.ID, LogoWidth: 64, LogoHeight: 64} // the name is inherited
		for _, tt := range []struct {
			name string
			got  brand.Brand
			want brand.Brand
		}{
			{"scoped to exactly the customer: its override, field by field", get(only), wantA},
			{"two customers: the portal's", get(two), wantPortal},
			{"all customers: the portal's", get(all), wantPortal},
			{"no account (sign-in pages): the portal's", get(nil), wantPortal},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if !reflect.DeepEqual(tt.got, tt.want) {
					t.Errorf("got %+v\nwant %+v", tt.got, tt.want)
				}
			})
		}
		if b, _ := s.ForCustomer(ctx, "CUST-B"); !reflect.DeepEqual(b, wantPortal) {
			t.Errorf("a customer without an override: %+v", b)
		}

		// Removing the customer's logo inherits the portal's; a reset
		// inherits everything.
		save(t, s, brand.Change{Scope: "CUST-A", Accent: "#c2185b", RemoveLogo: true})
		if b := get(only); b.LogoID != portalLogo.ID || b.Accent != "#c2185b" {
			t.Errorf("after removing the customer's logo: %+v", b)
		}
		save(t, s, brand.Change{Scope: "CUST-A", Reset: true})
		if b := get(only); !reflect.DeepEqual(b, wantPortal) {
			t.Errorf("after a reset: %+v", b)
		}
		save(t, s, brand.Change{Reset: true})
		if b := get(only); !reflect.DeepEqual(b, brand.Brand{Name: "Acme Warehousing"}) {
			t.Errorf("after resetting the portal too: %+v", b)
		}
	})
}

func TestSaveAudits(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		s, _ := newService(t, st)
		entries := func() []store.AuditEntry {
			t.Helper()
			e, _, err := st.ListAudit(ctx, store.AuditFilter{Action: string(audit.BrandingChanged)})
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		details := func(e store.AuditEntry) map[string]any {
			var d map[string]any
			json.Unmarshal([]byte(e.Details), &d)
			return d
		}
		l := logo(t, 300, 90)
		if !save(t, s, brand.Change{Name: "Acme", Accent: "#aabbcc", Logo: l}) {
			t.Fatal("first save reported no change")
		}
		if save(t, s, brand.Change{Name: " Acme ", Accent: "#AABBCC"}) {
			t.Error("saving the same values (in other spelling) reported a change")
		}
		if n := len(entries()); n != 1 {
			t.Fatalf("%d entries after a save and an unchanged save, want 1", n)
		}
		save(t, s, brand.Change{Name: "Acme Ltd", Accent: "#aabbcc"})
		e := entries()[0]
		want := map[string]any{"scope": "portal", "from": map[string]any{"name": "Acme"}, "to": map[string]any{"name": "Acme Ltd"}}
		if got := details(e); !reflect.DeepEqual(got, want) {
			t.Errorf("details %v, want only the changed name: %v", got, want)
		}
		if e.ActorLabel != "ops" || e.TargetKind != "branding" || e.TargetID != "portal" {
			t.Errorf("entry %+v", e)
		}
		save(t, s, brand.Change{Scope: "K-1", Label: "Kestrel & Co", Name: "Kestrel"})
		e = entries()[0]
		if e.TargetKind != "customer" || e.TargetID != "K-1" || e.TargetLabel != "Kestrel & Co" || details(e)["scope"] != "customer" {
			t.Errorf("customer entry %+v %s", e, e.Details)
		}
		save(t, s, brand.Change{Reset: true})
		d := details(entries()[0])
		if d["reset"] != true || !reflect.DeepEqual(d["to"], map[string]any{"name": "", "accent": "", "logo_id": ""}) ||
			!reflect.DeepEqual(d["from"], map[string]any{"name": "Acme Ltd", "accent": "#aabbcc", "logo_id": l.ID}) {
			t.Errorf("reset details %v", d)
		}
	})
}

func TestSaveRefusesBadInput(t *testing.T) {
	st := storetest.Open(t, storetest.SQLite(t))
	s, _ := newService(t, st)
	for _, c := range []brand.Change{
		{Name: "Acme\r\nBcc: x@evil.example"},
		{Name: "Tab\there"},
		{Name: strings.Repeat("n", brand.MaxNameLength+1)},
		{Name: "bad \xff utf-8"},
		{Accent: "red"},
		{Accent: "#12345"},
	} {
		c.Actor = admin
		_, err := s.Save(context.Background(), c)
		var invalid *brand.InvalidError
		if !errors.As(err, &invalid) || invalid.Message == "" {
			t.Errorf("%+v: %v, want a message for the admin", c, err)
		}
	}
	if _, err := st.Brand(context.Background(), ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused change was stored: %v", err)
	}
	if n, err := brand.ParseName(strings.Repeat("é", brand.MaxNameLength)); err != nil || n == "" {
		t.Errorf("a name of %d accented letters refused: %v", brand.MaxNameLength, err)
	}
}

// The instance that saves sees the change at once; another instance (a
// second service over the same database) within the TTL.
func TestCache(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		here, clk := newService(t, st)
		there := brand.New(st, clk, here.Audit, nil, "Acme Warehousing", "")
		name := func(s *brand.Service) string {
			t.Helper()
			b, err := s.Portal(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return b.Name
		}
		if name(here) != "Acme Warehousing" || name(there) != "Acme Warehousing" {
			t.Fatal("defaults")
		}
		save(t, here, brand.Change{Name: "Renamed"})
		if got := name(here); got != "Renamed" {
			t.Errorf("the saving instance shows %q", got)
		}
		if got := name(there); got != "Acme Warehousing" {
			t.Errorf("the other instance read the database again within the TTL: %q", got)
		}
		clk.Advance(brand.DefaultTTL - time.Millisecond)
		if got := name(there); got != "Acme Warehousing" {
			t.Errorf("just before the TTL: %q", got)
		}
		clk.Advance(time.Millisecond)
		if got := name(there); got != "Renamed" {
			t.Errorf("the other instance still shows %q after %v", got, brand.DefaultTTL)
		}
	})
}

func TestEmailLook(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		s, _ := newService(t, st)
		l := logo(t, 800, 200)
		save(t, s, brand.Change{Name: "Acme Portal", Accent: "#ffcc00", Logo: l})
		save(t, s, brand.Change{Scope: "CUST-A", Name: "Alder Portal"})
		staff := account(t, st, "two@x.example", false, "CUST-A", "CUST-B")
		var looks []mail.Look
		err := st.InTx(ctx, func(tx *store.Tx) error {
			// Created in this transaction, not committed: the look is read
			// through tx.
			a := &store.Account{Email: "new@x.example", FirstName: "N", Active: true, Scope: []string{"CUST-A"}, CreatedAt: epoch}
			if err := tx.CreateAccount(ctx, a); err != nil {
				return err
			}
			for _, id := range []int64{a.ID, staff.ID, 0, 999999} {
				look, err := s.EmailLook(ctx, tx, id)
				if err != nil {
					return err
				}
				looks = append(looks, look)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		check := func(i int, business string) {
			t.Helper()
			m := looks[i]
			if m.Business != business || m.Accent != "#ffcc00" || m.AccentText != "#000000" ||
				brand.Contrast(m.Link, "#ffffff") < brand.MinContrast ||
				m.LogoURL != "https://portal.acme.example/brand/logo/"+l.ID+".png" || m.LogoWidth != 192 || m.LogoHeight != 48 {
				t.Errorf("look %d: %+v", i, m)
			}
		}
		check(0, "Alder Portal")
		check(1, "Acme Portal")
		check(2, "Acme Portal")
		check(3, "Acme Portal")
	})
}

// A pale logo on a transparent background would vanish on an email's
// white card: the email shows the name instead.
func TestEmailLookLeavesOutAPaleLogo(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, storetest.SQLite(t))
	s, _ := newService(t, st)
	img := image.NewNRGBA(image.Rect(0, 0, 300, 100))
	for y := 30; y < 70; y++ {
		for x := 20; x < 280; x++ {
			img.SetNRGBA(x, y, color.NRGBA{R: 250, G: 250, B: 245, A: 255})
		}
	}
	img.SetNRGBA(0, 0, color.NRGBA{R: 250, G: 250, B: 245, A: 255}) // keep the margins: the corners stay transparent
	img.SetNRGBA(299, 99, color.NRGBA{R: 250, G: 250, B: 245, A: 255})
	var b bytes.Buffer
	png.Encode(&b, img)
	l, err := brand.PrepareLogo(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	save(t, s, brand.Change{Name: "Pale", Logo: l})
	if p, _ := s.Portal(ctx); p.LogoTone != brand.ToneLight {
		t.Fatalf("tone %q, want light", p.LogoTone)
	}
	err = st.InTx(ctx, func(tx *store.Tx) error {
		look, err := s.EmailLook(ctx, tx, 0)
		if err == nil && (look.LogoURL != "" || look.Business != "Pale") {
			t.Errorf("look %+v", look)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
