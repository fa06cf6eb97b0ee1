package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

// TestLiveSessionsFollowTheIdleTimeout checks that counting, listing and
// sweeping agree on which sessions are live for a given idle timeout, so a
// shortened timeout shows at once in the admin console.
func TestLiveSessionsFollowTheIdleTimeout(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		mk := func(hash, kind string, lastSeen time.Time) {
			ss := &store.Session{TokenHash: hash, Kind: kind, PrincipalID: 1, CreatedAt: t0, ExpiresAt: t0.Add(8 * time.Hour)}
			mustTx(t, s, func(tx *store.Tx) error { return tx.CreateSession(ctx, ss) })
			if err := s.TouchSession(ctx, ss.ID, lastSeen, "", ""); err != nil {
				t.Fatal(err)
			}
		}
		now := t0.Add(time.Hour)
		mk("fresh", store.KindCustomer, now.Add(-2*time.Minute))
		mk("idle-11m", store.KindCustomer, now.Add(-11*time.Minute))
		mk("admin-fresh", store.KindAdmin, now.Add(-time.Minute))
		mk("admin-idle-20m", store.KindAdmin, now.Add(-20*time.Minute))

		for _, tc := range []struct {
			name                   string
			customerIdle, adminIdl time.Duration
			customers, admins      int
		}{
			{"long timeouts count every session", 30 * time.Minute, 30 * time.Minute, 2, 2},
			{"ten minutes leaves the 11-minute session out", 10 * time.Minute, 30 * time.Minute, 1, 2},
			{"admin timeout applies to admins only", 30 * time.Minute, 15 * time.Minute, 2, 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c, err := s.CountLiveSessions(ctx, store.KindCustomer, now, tc.customerIdle)
				if err != nil || c != tc.customers {
					t.Errorf("customers = %d, %v; want %d", c, err, tc.customers)
				}
				a, err := s.CountLiveSessions(ctx, store.KindAdmin, now, tc.adminIdl)
				if err != nil || a != tc.admins {
					t.Errorf("admins = %d, %v; want %d", a, err, tc.admins)
				}
				list, err := s.ListLiveSessions(ctx, now, tc.customerIdle, tc.adminIdl, 100)
				if err != nil || len(list) != tc.customers+tc.admins {
					t.Errorf("listed %d, %v; want %d", len(list), err, tc.customers+tc.admins)
				}
			})
		}
		if n, err := s.CountLiveSessions(ctx, store.KindCustomer, t0.Add(9*time.Hour), 24*time.Hour); err != nil || n != 0 {
			t.Errorf("sessions past their absolute end counted: %d, %v", n, err)
		}
		n, err := s.DeleteStaleSessions(ctx, now, 10*time.Minute, 30*time.Minute)
		if err != nil || n != 1 {
			t.Errorf("swept %d, %v; want 1 (the customer idle 11 minutes)", n, err)
		}
		if _, err := s.SessionByTokenHash(ctx, store.KindCustomer, "fresh"); err != nil {
			t.Errorf("fresh session swept: %v", err)
		}
	})
}
