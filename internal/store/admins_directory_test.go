package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

func upsertDirectory(t *testing.T, s *store.Store, id store.DirectoryIdentity) (*store.Admin, bool) {
	t.Helper()
	var a *store.Admin
	var created bool
	mustTx(t, s, func(tx *store.Tx) (err error) {
		a, created, err = tx.UpsertDirectoryAdmin(context.Background(), id, t0)
		return err
	})
	return a, created
}

func TestUpsertDirectoryAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		local := newAdmin(t, s, "ada", "ada@example.test")

		// A directory ada next to the local ada: a second admin, keyed by
		// the stable id, whose email (held by the local admin) stays empty.
		ada, created := upsertDirectory(t, s, store.DirectoryIdentity{ExternalID: "uuid-ada-1", Username: "Ada", Email: "ADA@example.test", DisplayName: "Ada Lovelace"})
		if !created || ada.ID == local.ID || ada.Source != store.SourceDirectory || ada.Username != "ada" || ada.Email != "" || !ada.Active {
			t.Fatalf("created %v: %+v", created, ada)
		}
		again, _ := s.AdminByID(ctx, local.ID)
		if again.Source != store.SourceLocal || again.Email != "ada@example.test" || again.ExternalID != "" {
			t.Errorf("the local admin changed: %+v", again)
		}

		// The same person again, renamed in the directory: the same row.
		renamed, created := upsertDirectory(t, s, store.DirectoryIdentity{ExternalID: "uuid-ada-1", Username: "ada.king", Email: "ada.king@example.test", DisplayName: "Ada King"})
		if created || renamed.ID != ada.ID || renamed.Username != "ada.king" || renamed.Email != "ada.king@example.test" || renamed.DisplayName != "Ada King" {
			t.Fatalf("renamed: created %v, %+v", created, renamed)
		}
		if got, err := s.DirectoryAdminByLogin(ctx, "ADA.KING@example.test"); err != nil || got.ID != ada.ID {
			t.Errorf("by email: %v %v", got, err)
		}
		if _, err := s.DirectoryAdminByLogin(ctx, "ada@example.test"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a local admin's email found a directory admin: %v", err)
		}

		// A new person given the old name while the renamed one still
		// holds it in Portico: kept apart, the name made unique.
		mustTx(t, s, func(tx *store.Tx) error {
			_, _, err := tx.UpsertDirectoryAdmin(ctx, store.DirectoryIdentity{ExternalID: "uuid-grace", Username: "grace"}, t0)
			return err
		})
		other, created := upsertDirectory(t, s, store.DirectoryIdentity{ExternalID: "abcdef0123456789", Username: "grace", Email: "ada.king@example.test"})
		if !created || other.Username != "grace-abcdef01" || other.Email != "" {
			t.Errorf("second grace: %+v", other)
		}

		// Deactivated in Portico: the next sign-in leaves it inactive.
		mustTx(t, s, func(tx *store.Tx) error { return tx.SetAdminActive(ctx, ada.ID, false, t0) })
		still, _ := upsertDirectory(t, s, store.DirectoryIdentity{ExternalID: "uuid-ada-1", Username: "ada.king", DisplayName: "Ada K."})
		if still.Active || still.DisplayName != "Ada K." {
			t.Errorf("after deactivation: %+v", still)
		}
		if _, _, err := func() (*store.Admin, bool, error) {
			var a *store.Admin
			var c bool
			err := s.InTx(ctx, func(tx *store.Tx) (err error) {
				a, c, err = tx.UpsertDirectoryAdmin(ctx, store.DirectoryIdentity{Username: "x"}, t0)
				return err
			})
			return a, c, err
		}(); err == nil {
			t.Error("a directory admin without a stable id was accepted")
		}
	})
}

func TestSessionCheckedAt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sess := &store.Session{TokenHash: "h1", Kind: store.KindAdmin, PrincipalID: 1, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		mustTx(t, s, func(tx *store.Tx) error { return tx.CreateSession(ctx, sess) })
		if at, err := s.SessionCheckedAt(ctx, sess.ID); err != nil || at != nil {
			t.Fatalf("new session: %v %v", at, err)
		}
		if err := s.MarkSessionChecked(ctx, sess.ID, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if at, err := s.SessionCheckedAt(ctx, sess.ID); err != nil || at == nil || !at.Equal(t0.Add(time.Minute)) {
			t.Fatalf("after marking: %v %v", at, err)
		}
		if _, err := s.SessionCheckedAt(ctx, 9999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown session: %v", err)
		}
	})
}
