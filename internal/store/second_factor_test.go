package store_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

func TestSecondFactor(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a := newAccount(t, s, "mfa@x.example")
		kind := store.KindCustomer
		if _, err := s.SecondFactorOf(ctx, kind, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("nothing enrolled: %v", err)
		}
		mustTx(t, s, func(tx *store.Tx) error { return tx.StartEnrollment(ctx, kind, a.ID, "sealed-1", t0) })
		// Starting again before confirming replaces the pending secret.
		mustTx(t, s, func(tx *store.Tx) error { return tx.StartEnrollment(ctx, kind, a.ID, "sealed-2", t0) })
		f, err := s.SecondFactorOf(ctx, kind, a.ID)
		if err != nil || f.Sealed != "sealed-2" || f.Confirmed != nil {
			t.Fatalf("pending = %+v, %v", f, err)
		}
		// No code step can be used before confirmation.
		mustTx(t, s, func(tx *store.Tx) error {
			if ok, err := tx.UseStep(ctx, kind, a.ID, 100); ok || err != nil {
				t.Errorf("UseStep on an unconfirmed enrollment: %v, %v", ok, err)
			}
			return nil
		})
		mustTx(t, s, func(tx *store.Tx) error {
			return tx.ConfirmEnrollment(ctx, kind, a.ID, 100, []string{"h1", "h2", "h3"}, t0)
		})
		if f, _ = s.SecondFactorOf(ctx, kind, a.ID); f.Confirmed == nil || f.LastStep != 100 {
			t.Fatalf("confirmed = %+v", f)
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.StartEnrollment(ctx, kind, a.ID, "sealed-3", t0) }); !errors.Is(err, store.ErrConflict) {
			t.Errorf("re-enrolling over a confirmed factor: %v, want ErrConflict", err)
		}
		if f, _ = s.SecondFactorOf(ctx, kind, a.ID); f.Sealed != "sealed-2" {
			t.Errorf("a refused enrollment replaced the secret: %+v", f)
		}

		// Twenty racing uses of one step: exactly one wins; older steps lose.
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				s.InTx(ctx, func(tx *store.Tx) error {
					ok, err := tx.UseStep(ctx, kind, a.ID, 101)
					if ok && err == nil {
						wins.Add(1)
					}
					return err
				})
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Errorf("%d racing uses of one step won, want 1", wins.Load())
		}
		mustTx(t, s, func(tx *store.Tx) error {
			if ok, _ := tx.UseStep(ctx, kind, a.ID, 100); ok {
				t.Error("an older step was accepted")
			}
			return nil
		})

		mustTx(t, s, func(tx *store.Tx) error {
			if ok, err := tx.UseRecoveryCode(ctx, kind, a.ID, "h2", t0); !ok || err != nil {
				t.Errorf("first use of a recovery code: %v, %v", ok, err)
			}
			if ok, _ := tx.UseRecoveryCode(ctx, kind, a.ID, "h2", t0); ok {
				t.Error("a recovery code worked twice")
			}
			if ok, _ := tx.UseRecoveryCode(ctx, kind, a.ID, "nope", t0); ok {
				t.Error("an unknown recovery code worked")
			}
			return nil
		})
		if n, err := s.RecoveryCodesLeft(ctx, kind, a.ID); n != 2 || err != nil {
			t.Errorf("codes left = %d, %v; want 2", n, err)
		}
		// Another person's codes are theirs alone.
		other := newAccount(t, s, "other@x.example")
		mustTx(t, s, func(tx *store.Tx) error {
			if ok, _ := tx.UseRecoveryCode(ctx, kind, other.ID, "h1", t0); ok {
				t.Error("a recovery code worked for another person")
			}
			if ok, _ := tx.UseRecoveryCode(ctx, store.KindAdmin, a.ID, "h1", t0); ok {
				t.Error("a customer's recovery code worked for the admin with the same id")
			}
			return nil
		})

		var had bool
		mustTx(t, s, func(tx *store.Tx) (err error) { had, err = tx.RemoveSecondFactor(ctx, kind, a.ID); return err })
		if !had {
			t.Error("RemoveSecondFactor did not report the confirmed factor")
		}
		if _, err := s.SecondFactorOf(ctx, kind, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("after removal: %v", err)
		}
		if n, _ := s.RecoveryCodesLeft(ctx, kind, a.ID); n != 0 {
			t.Errorf("recovery codes left after removal: %d", n)
		}

		mustTx(t, s, func(tx *store.Tx) error {
			for _, k := range []string{"ACME", "BETA"} {
				if err := tx.UpsertCustomer(ctx, &store.Customer{Key: k, DisplayName: k, PortalEnabled: true, CreatedAt: t0}); err != nil {
					return err
				}
			}
			return tx.SetCustomerRequiresSecondFactor(ctx, "BETA", true, t0)
		})
		if got, err := s.CustomersRequiringSecondFactor(ctx, []string{"ACME", "BETA", "GAMMA"}); err != nil || len(got) != 1 || !got["BETA"] {
			t.Errorf("requiring = %v, %v", got, err)
		}
	})
}
