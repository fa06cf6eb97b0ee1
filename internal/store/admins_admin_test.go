package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

func newAdmin(t *testing.T, s *store.Store, username, email string) *store.Admin {
	t.Helper()
	a := &store.Admin{Username: username, Email: email, PasswordHash: "$argon2id$x", Active: true, CreatedAt: t0}
	mustTx(t, s, func(tx *store.Tx) error { return tx.CreateAdmin(context.Background(), a) })
	return a
}

func activeAdmins(t *testing.T, s *store.Store) int {
	t.Helper()
	list, err := s.ListAdmins(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range list {
		if a.Active {
			n++
		}
	}
	return n
}

func TestDeactivateAdminRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := newAdmin(t, s, "ada", "ada@acme.example")
		b := newAdmin(t, s, "bo", "")
		deactivate := func(id, by int64) error {
			return s.InTx(ctx, func(tx *store.Tx) error { return tx.DeactivateAdmin(ctx, id, by, t0) })
		}
		if err := deactivate(999, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown admin: %v", err)
		}
		if err := deactivate(b.ID, a.ID); err != nil {
			t.Fatalf("deactivate bo: %v", err)
		}
		if err := deactivate(b.ID, a.ID); !errors.Is(err, store.ErrAlreadyInactive) {
			t.Errorf("twice: %v", err)
		}
		if err := deactivate(a.ID, b.ID); !errors.Is(err, store.ErrActorInactive) {
			t.Errorf("by an inactive admin: %v", err)
		}
		if err := deactivate(a.ID, 0); !errors.Is(err, store.ErrLastActiveAdmin) {
			t.Errorf("the last active admin: %v", err)
		}
		if n := activeAdmins(t, s); n != 1 {
			t.Errorf("%d active admins, want 1", n)
		}
	})
}

// TestDeactivateAdminRace holds one deactivation open while a second one,
// by the admin being deactivated, tries to deactivate the first: the second
// must wait and then see that its actor is gone. Without the row lock on
// PostgreSQL both would count two active admins and both would succeed.
func TestDeactivateAdminRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := newAdmin(t, s, "ada", "ada@acme.example")
		b := newAdmin(t, s, "bo", "bo@acme.example")
		second := make(chan error, 1)
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.DeactivateAdmin(ctx, b.ID, a.ID, t0); err != nil {
				return err
			}
			go func() {
				second <- s.InTx(ctx, func(tx *store.Tx) error { return tx.DeactivateAdmin(ctx, a.ID, b.ID, t0) })
			}()
			// Give the second transaction time to reach the lock.
			time.Sleep(300 * time.Millisecond)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := <-second; !errors.Is(err, store.ErrActorInactive) {
			t.Errorf("the overlapping deactivation: %v, want ErrActorInactive", err)
		}
		if n := activeAdmins(t, s); n != 1 {
			t.Errorf("%d active admins after the race, want 1", n)
		}
	})
}

func TestAdminNameClash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		newAdmin(t, s, "ada", "ada@acme.example")
		newAdmin(t, s, "lead@acme.example", "")
		cases := []struct {
			name, username, email string
			user, mail            bool
		}{
			{"Free", "bo", "bo@acme.example", false, false},
			{"Username", "ADA", "bo@acme.example", true, false},
			{"Email", "bo", "Ada@Acme.example", false, true},
			{"UsernameIsAnEmail", "ada@acme.example", "bo@acme.example", true, false},
			{"EmailIsAUsername", "bo", "lead@acme.example", false, true},
			{"Both", "ada", "ada@acme.example", true, true},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				mustTx(t, s, func(tx *store.Tx) error {
					u, m, err := tx.AdminNameClash(ctx, tc.username, tc.email)
					if err != nil {
						return err
					}
					if u != tc.user || m != tc.mail {
						t.Errorf("clash = %v, %v; want %v, %v", u, m, tc.user, tc.mail)
					}
					return nil
				})
			})
		}
	})
}

func TestOpenInvitations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := newAdmin(t, s, "ada", "ada@acme.example")
		b := newAdmin(t, s, "bo", "bo@acme.example")
		mustTx(t, s, func(tx *store.Tx) error {
			for i, tok := range []*store.Token{
				{TokenHash: "h1", Purpose: "invitation", PrincipalKind: store.KindAdmin, PrincipalID: a.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)},
				{TokenHash: "h2", Purpose: "invitation", PrincipalKind: store.KindAdmin, PrincipalID: a.ID, CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)},
				{TokenHash: "h3", Purpose: "invitation", PrincipalKind: store.KindAdmin, PrincipalID: b.ID, CreatedAt: t0, ExpiresAt: t0.Add(-time.Minute)},
				{TokenHash: "h4", Purpose: "reset", PrincipalKind: store.KindAdmin, PrincipalID: b.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)},
				{TokenHash: "h5", Purpose: "invitation", PrincipalKind: store.KindCustomer, PrincipalID: b.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)},
			} {
				if err := tx.CreateToken(ctx, tok); err != nil {
					t.Fatalf("token %d: %v", i, err)
				}
			}
			return nil
		})
		open, err := s.OpenInvitations(ctx, store.KindAdmin, t0)
		if err != nil {
			t.Fatal(err)
		}
		if len(open) != 1 || !open[a.ID].Equal(t0.Add(24*time.Hour)) {
			t.Errorf("open invitations = %v", open)
		}
	})
}
