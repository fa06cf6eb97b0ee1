package store_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

func TestBranding(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		inTx := func(fn func(tx *store.Tx) error) {
			t.Helper()
			if err := s.InTx(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		t.Run("AbsentIsNotFound", func(t *testing.T) {
			if _, err := s.Brand(ctx, ""); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("portal brand before any save: %v, want ErrNotFound", err)
			}
			if _, err := s.BrandLogo(ctx, "00"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("unknown logo: %v, want ErrNotFound", err)
			}
		})

		logo := &store.BrandLogo{ID: "ab12", PNG: []byte("\x89PNG\r\n\x1a\n\x00binary\xff"), Width: 320, Height: 80, CreatedAt: t0}
		t.Run("LogoSavedOnceAndReadBack", func(t *testing.T) {
			inTx(func(tx *store.Tx) error { return tx.SaveBrandLogo(ctx, logo) })
			again := *logo
			again.CreatedAt = t0.Add(time.Hour)
			inTx(func(tx *store.Tx) error { return tx.SaveBrandLogo(ctx, &again) }) // idempotent: no conflict error
			got, err := s.BrandLogo(ctx, logo.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.PNG, logo.PNG) || got.Width != 320 || got.Height != 80 || !got.CreatedAt.Equal(t0) {
				t.Errorf("logo read back as %+v", got)
			}
		})

		t.Run("UpsertReplacesAndJoinsLogoSize", func(t *testing.T) {
			inTx(func(tx *store.Tx) error {
				return tx.UpsertBrand(ctx, &store.Brand{Scope: "", Name: "Acme", Accent: "#112233", UpdatedAt: t0, UpdatedBy: "ops"})
			})
			inTx(func(tx *store.Tx) error {
				old, err := tx.LockBrand(ctx, "")
				if err != nil {
					return err
				}
				if old.Name != "Acme" {
					t.Errorf("locked read %+v", old)
				}
				return tx.UpsertBrand(ctx, &store.Brand{Scope: "", Name: "Acme Ltd", LogoID: logo.ID, UpdatedAt: t0.Add(time.Minute), UpdatedBy: "ops2"})
			})
			got, err := s.Brand(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			want := store.Brand{Scope: "", Name: "Acme Ltd", LogoID: logo.ID, LogoWidth: 320, LogoHeight: 80, UpdatedAt: t0.Add(time.Minute), UpdatedBy: "ops2"}
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("portal brand\n got %+v\nwant %+v", *got, want)
			}
		})

		t.Run("OverridesAndWhoSeesThem", func(t *testing.T) {
			inTx(func(tx *store.Tx) error {
				for _, b := range []store.Brand{
					{Scope: "B", Accent: "#aabbcc"},
					{Scope: "A", Name: "A's portal"},
					{Scope: "C"}, // reset: inherits everything, so not an override
				} {
					b.UpdatedAt = t0
					if err := tx.UpsertBrand(ctx, &b); err != nil {
						return err
					}
				}
				if _, err := tx.LockBrand(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("locking an absent brand: %v, want ErrNotFound", err)
				}
				return nil
			})
			list, err := s.BrandOverrides(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var scopes []string
			for _, b := range list {
				scopes = append(scopes, b.Scope)
			}
			if !reflect.DeepEqual(scopes, []string{"A", "B"}) {
				t.Errorf("overrides %v, want [A B]", scopes)
			}
			mk := func(email string, all bool, keys ...string) {
				t.Helper()
				inTx(func(tx *store.Tx) error {
					return tx.CreateAccount(ctx, &store.Account{Email: email, FirstName: "X", Active: true, AllCustomers: all, Scope: keys, CreatedAt: t0})
				})
			}
			mk("only-a@x.example", false, "A")
			mk("a-and-b@x.example", false, "A", "B")
			mk("all@x.example", true)
			mk("only-b@x.example", false, "B")
			accts, err := s.AccountsScopedToOnly(ctx, "A")
			if err != nil {
				t.Fatal(err)
			}
			if len(accts) != 1 || accts[0].Email != "only-a@x.example" || !reflect.DeepEqual(accts[0].Scope, []string{"A"}) {
				t.Errorf("accounts scoped to only A: %+v", accts)
			}
		})
	})
}
