package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

func TestImportedAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		created := time.Date(2023, 1, 10, 17, 0, 0, 0, time.UTC)
		lastLogin := time.Date(2024, 5, 1, 17, 0, 0, 0, time.UTC)
		now := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
		a := &store.Account{Email: " Alice@Example.COM ", Username: "Alice.A", FirstName: "Alice", PasswordHash: "pbkdf2:sha256:1$s$00",
			Active: true, MustChangePassword: true, Scope: []string{"B", " A", "B"}, CreatedAt: created, LastLoginAt: &lastLogin}
		err := s.InTx(ctx, func(tx *store.Tx) error { return tx.InsertImportedAccount(ctx, a, now) })
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.AccountByLogin(ctx, "ALICE.A")
		if err != nil {
			t.Fatal(err)
		}
		if got.Email != "alice@example.com" || got.PasswordHash != a.PasswordHash || !got.MustChangePassword || got.PasswordChangedAt != nil ||
			!got.CreatedAt.Equal(created) || !got.UpdatedAt.Equal(now) || got.LastLoginAt == nil || !got.LastLoginAt.Equal(lastLogin) ||
			!slices.Equal(got.Scope, []string{"A", "B"}) {
			t.Errorf("imported account: %+v", got)
		}
		// Taken email or username.
		for _, dup := range []*store.Account{{Email: "alice@example.com"}, {Email: "other@example.com", Username: "alice.a"}} {
			dup.CreatedAt = now
			err := s.InTx(ctx, func(tx *store.Tx) error { return tx.InsertImportedAccount(ctx, dup, now) })
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("duplicate %s/%s: %v", dup.Email, dup.Username, err)
			}
		}

		// Updating, then a carried-over password.
		later := now.Add(time.Hour)
		err = s.InTx(ctx, func(tx *store.Tx) error {
			got.FirstName, got.LastName, got.Username, got.Active, got.LastLoginAt = "Alicia", "Archer", "", false, nil
			if err := tx.UpdateImportedAccount(ctx, got, later); err != nil {
				return err
			}
			if err := tx.SetAccountPassword(ctx, got.ID, "$argon2id$x", false, true, later); err != nil {
				return err
			}
			return tx.SetImportedPassword(ctx, got.ID, "scrypt$s$00", false, later)
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err = s.AccountByLogin(ctx, "alice@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if got.FirstName != "Alicia" || got.LastName != "Archer" || got.Username != "" || got.Active || got.LastLoginAt != nil ||
			got.PasswordHash != "scrypt$s$00" || got.PasswordChangedAt != nil || got.MustChangePassword || !got.UpdatedAt.Equal(later) {
			t.Errorf("updated account: %+v", got)
		}

		list, err := func() (list []store.Account, err error) {
			err = s.InTx(ctx, func(tx *store.Tx) error {
				list, err = tx.AccountsWithScopes(ctx)
				return err
			})
			return
		}()
		if err != nil || len(list) != 1 || !slices.Equal(list[0].Scope, []string{"A", "B"}) {
			t.Errorf("accounts with scopes: %+v %v", list, err)
		}
	})
}

func TestImportedCustomersAndAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
		var first, second bool
		err := s.InTx(ctx, func(tx *store.Tx) error {
			var err error
			if first, err = tx.InsertCustomerIfMissing(ctx, &store.Customer{Key: "Acme", DisplayName: "Acme Corp", PortalEnabled: true, CreatedAt: now}); err != nil {
				return err
			}
			second, err = tx.InsertCustomerIfMissing(ctx, &store.Customer{Key: "Acme", DisplayName: "Renamed", PortalEnabled: true, CreatedAt: now.Add(time.Hour)})
			return err
		})
		if err != nil || !first || second {
			t.Fatalf("insert customer: %v %v %v", first, second, err)
		}
		if c, err := s.CustomerByKey(ctx, "Acme"); err != nil || c.DisplayName != "Acme Corp" || !c.UpdatedAt.Equal(now) {
			t.Errorf("an existing customer was changed: %+v %v", c, err)
		}

		at := time.Date(2024, 5, 2, 23, 45, 30, 0, time.UTC)
		err = s.InTx(ctx, func(tx *store.Tx) error {
			for _, d := range []string{
				`{"import_key":"AuditLog:1","imported_from":"wepackitall"}`,
				`{"import_key":"AuditLog:2","imported_from":"wepackitall"}`,
				`{"import_key":"clients:1","imported_from":"timetracker"}`,
			} {
				if err := tx.InsertImportedAudit(ctx, &store.AuditEntry{At: at, Action: "sign_in", ActorKind: "customer", Details: d}); err != nil {
					return err
				}
			}
			// Not imported, though its details look the part.
			return tx.InsertAudit(ctx, &store.AuditEntry{At: now, Action: "sign_in", ActorKind: "customer", Details: `{"import_key":"AuditLog:3","imported_from":"wepackitall"}`})
		})
		if err != nil {
			t.Fatal(err)
		}
		var keys map[string]bool
		err = s.InTx(ctx, func(tx *store.Tx) error {
			keys, err = tx.ImportedAuditKeys(ctx, "wepackitall")
			return err
		})
		if err != nil || len(keys) != 2 || !keys["AuditLog:1"] || !keys["AuditLog:2"] {
			t.Errorf("imported keys: %v %v", keys, err)
		}
		list, _, err := s.ListAudit(ctx, store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var imported int
		for _, e := range list {
			if e.Imported {
				imported++
				if !e.At.Equal(at) {
					t.Errorf("imported entry at %v, want its original time %v", e.At, at)
				}
			}
		}
		if imported != 3 {
			t.Errorf("%d entries marked imported, want 3", imported)
		}
	})
}
