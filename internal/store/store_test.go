package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

var t0 = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)

func mustTx(t *testing.T, s *store.Store, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := s.InTx(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func newAccount(t *testing.T, s *store.Store, email string, scope ...string) *store.Account {
	t.Helper()
	a := &store.Account{Email: email, FirstName: "Ada", LastName: "Byron", PasswordHash: "$argon2id$x", Active: true, Scope: scope, CreatedAt: t0}
	mustTx(t, s, func(tx *store.Tx) error { return tx.CreateAccount(context.Background(), a) })
	return a
}

func TestMigrationsAreIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n, err := s.Migrate(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("second migrate ran %d migrations, want 0", n)
		}
		v, err := s.Version(context.Background())
		if err != nil || v < 1 {
			t.Errorf("version = %d, %v; want >= 1", v, err)
		}
	})
}

func TestAccounts(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a := newAccount(t, s, "  Buyer@Acme.Example ", "Acme", " Beta ", "Acme", "")
		t.Run("EmailStoredLowerCase", func(t *testing.T) {
			if a.Email != "buyer@acme.example" {
				t.Errorf("email = %q", a.Email)
			}
		})
		t.Run("FoundCaseInsensitively", func(t *testing.T) {
			got, err := s.AccountByLogin(ctx, "BUYER@acme.EXAMPLE")
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != a.ID || !got.Active || got.FirstName != "Ada" {
				t.Errorf("got %+v", got)
			}
			if want := []string{"Acme", "Beta"}; !reflect.DeepEqual(got.Scope, want) {
				t.Errorf("scope = %q, want %q", got.Scope, want)
			}
			if !got.CreatedAt.Equal(t0) || got.CreatedAt.Location() != time.UTC {
				t.Errorf("created = %v, want %v in UTC", got.CreatedAt, t0)
			}
		})
		t.Run("UnknownIsNotFound", func(t *testing.T) {
			if _, err := s.AccountByLogin(ctx, "nobody@acme.example"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("err = %v, want ErrNotFound", err)
			}
			if _, err := s.AccountByLogin(ctx, "  "); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("blank: err = %v, want ErrNotFound", err)
			}
			if _, err := s.AccountByID(ctx, 999999); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("by id: err = %v, want ErrNotFound", err)
			}
		})
		t.Run("DuplicateEmailConflicts", func(t *testing.T) {
			err := s.InTx(ctx, func(tx *store.Tx) error {
				return tx.CreateAccount(ctx, &store.Account{Email: "BUYER@acme.example", CreatedAt: t0})
			})
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("err = %v, want ErrConflict", err)
			}
		})
		t.Run("ScopeAllReplacesKeys", func(t *testing.T) {
			mustTx(t, s, func(tx *store.Tx) error { return tx.SetAccountScope(ctx, a.ID, true, []string{"X"}, t0) })
			got, _ := s.AccountByID(ctx, a.ID)
			if !got.AllCustomers || len(got.Scope) != 0 {
				t.Errorf("all=%v scope=%q, want all and no keys", got.AllCustomers, got.Scope)
			}
		})
		t.Run("PasswordAndFlags", func(t *testing.T) {
			later := t0.Add(time.Hour)
			mustTx(t, s, func(tx *store.Tx) error { return tx.SetAccountPassword(ctx, a.ID, "new-hash", true, true, later) })
			got, _ := s.AccountByID(ctx, a.ID)
			if got.PasswordHash != "new-hash" || !got.MustChangePassword || got.PasswordChangedAt == nil || !got.PasswordChangedAt.Equal(later) {
				t.Errorf("got hash %q must %v changed %v", got.PasswordHash, got.MustChangePassword, got.PasswordChangedAt)
			}
			if err := s.RehashAccountPassword(ctx, a.ID, "stale-hash", "other"); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.AccountByID(ctx, a.ID); got.PasswordHash != "new-hash" {
				t.Errorf("rehash with a stale old hash replaced the password: %q", got.PasswordHash)
			}
			mustTx(t, s, func(tx *store.Tx) error { return tx.SetAccountActive(ctx, a.ID, false, later) })
			if got, _ := s.AccountByID(ctx, a.ID); got.Active {
				t.Error("still active after SetAccountActive(false)")
			}
			err := s.InTx(ctx, func(tx *store.Tx) error { return tx.SetAccountActive(ctx, 424242, false, later) })
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("unknown id: err = %v, want ErrNotFound", err)
			}
		})
		t.Run("HostileValuesStoredVerbatim", func(t *testing.T) {
			evil := `Robert'); DROP TABLE accounts;-- <script>alert(1)</script>`
			b := &store.Account{Email: "evil@x.example", FirstName: evil, CreatedAt: t0, Scope: []string{evil}}
			mustTx(t, s, func(tx *store.Tx) error { return tx.CreateAccount(ctx, b) })
			got, err := s.AccountByLogin(ctx, "evil@x.example")
			if err != nil || got.FirstName != evil || got.Scope[0] != evil {
				t.Errorf("got %+v, %v", got, err)
			}
		})
	})
}

func TestAdmins(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a := &store.Admin{Username: "Root", Email: "Ops@Example.com", PasswordHash: "h", Active: true, CreatedAt: t0}
		mustTx(t, s, func(tx *store.Tx) error { return tx.CreateAdmin(ctx, a) })
		for _, login := range []string{"root", "ROOT", "ops@example.com"} {
			got, err := s.LocalAdminByLogin(ctx, login)
			if err != nil || got.ID != a.ID {
				t.Errorf("LocalAdminByLogin(%q) = %v, %v", login, got, err)
			}
		}
		err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.CreateAdmin(ctx, &store.Admin{Username: "root", CreatedAt: t0})
		})
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate username: err = %v, want ErrConflict", err)
		}
		// A directory admin with the same name is a different person.
		mustTx(t, s, func(tx *store.Tx) error {
			return tx.CreateAdmin(ctx, &store.Admin{Username: "root", Source: "ldap", ExternalID: "guid-1", CreatedAt: t0})
		})
		list, err := s.ListAdmins(ctx)
		if err != nil || len(list) != 2 {
			t.Errorf("ListAdmins = %d admins, %v; want 2", len(list), err)
		}
		if got, _ := s.LocalAdminByLogin(ctx, "root"); got.Source != "local" {
			t.Errorf("local lookup returned a %s admin", got.Source)
		}
	})
}

func TestSessions(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		mk := func(hash, kind string, principal int64) *store.Session {
			ss := &store.Session{TokenHash: hash, Kind: kind, PrincipalID: principal, ClientIP: "192.0.2.1", UserAgent: "UA", CreatedAt: t0, ExpiresAt: t0.Add(8 * time.Hour)}
			mustTx(t, s, func(tx *store.Tx) error { return tx.CreateSession(ctx, ss) })
			return ss
		}
		a := mk("hash-a", store.KindCustomer, 1)
		b := mk("hash-b", store.KindCustomer, 1)
		mk("hash-c", store.KindAdmin, 1)
		got, err := s.SessionByTokenHash(ctx, store.KindCustomer, "hash-a")
		if err != nil || got.ID != a.ID || !got.LastSeenAt.Equal(t0) {
			t.Fatalf("got %+v, %v", got, err)
		}
		if _, err := s.SessionByTokenHash(ctx, store.KindAdmin, "hash-a"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("customer token accepted as admin: %v", err)
		}
		if err := s.TouchSession(ctx, a.ID, t0.Add(time.Minute), "198.51.100.7", "UA2"); err != nil {
			t.Fatal(err)
		}
		got, _ = s.SessionByTokenHash(ctx, store.KindCustomer, "hash-a")
		if !got.LastSeenAt.Equal(t0.Add(time.Minute)) || got.ClientIP != "198.51.100.7" {
			t.Errorf("after touch: %+v", got)
		}
		var n int64
		mustTx(t, s, func(tx *store.Tx) (err error) { n, err = tx.DeleteSessionsOf(ctx, store.KindCustomer, 1, b.ID); return })
		if n != 1 {
			t.Errorf("deleted %d sessions, want 1 (keeping b)", n)
		}
		if _, err := s.SessionByTokenHash(ctx, store.KindCustomer, "hash-b"); err != nil {
			t.Errorf("kept session gone: %v", err)
		}
		if _, err := s.SessionByTokenHash(ctx, store.KindAdmin, "hash-c"); err != nil {
			t.Errorf("admin session of the same id ended with the customer's: %v", err)
		}
		// Idle and absolute ends.
		stale, err := s.DeleteStaleSessions(ctx, t0.Add(31*time.Minute), 30*time.Minute, time.Hour)
		if err != nil || stale != 1 {
			t.Errorf("stale = %d, %v; want 1 (the idle customer session)", stale, err)
		}
		stale, _ = s.DeleteStaleSessions(ctx, t0.Add(9*time.Hour), 24*time.Hour, 24*time.Hour)
		if stale != 1 {
			t.Errorf("stale after absolute end = %d, want 1", stale)
		}
		c2 := mk("hash-d", store.KindAdmin, 7)
		if err := s.DeleteSession(ctx, c2.ID); err != nil {
			t.Fatal(err)
		}
		if list, _ := s.ListSessions(ctx, store.KindAdmin, 7); len(list) != 0 {
			t.Errorf("sessions left: %d", len(list))
		}
	})
}

func TestThrottle(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		window := 15 * time.Minute
		for i := 1; i <= 3; i++ {
			n, locked, err := s.ThrottleHit(ctx, "acct:a", t0, window)
			if err != nil || n != i || locked != nil {
				t.Fatalf("hit %d = %d, %v, %v", i, n, locked, err)
			}
		}
		if err := s.ThrottleForgive(ctx, "acct:a"); err != nil {
			t.Fatal(err)
		}
		if n, _, _ := s.ThrottleState(ctx, "acct:a"); n != 2 {
			t.Errorf("after forgive = %d, want 2", n)
		}
		t.Run("WindowRestarts", func(t *testing.T) {
			n, _, _ := s.ThrottleHit(ctx, "acct:a", t0.Add(window+time.Second), window)
			if n != 1 {
				t.Errorf("count after window = %d, want 1", n)
			}
		})
		t.Run("LockHoldsThenEnds", func(t *testing.T) {
			if err := s.ThrottleLock(ctx, "acct:a", t0.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			_, locked, _ := s.ThrottleHit(ctx, "acct:a", t0.Add(30*time.Minute), window)
			if locked == nil || !locked.Equal(t0.Add(time.Hour)) {
				t.Errorf("locked = %v, want %v", locked, t0.Add(time.Hour))
			}
			n, locked, _ := s.ThrottleHit(ctx, "acct:a", t0.Add(time.Hour), window)
			if locked != nil || n != 1 {
				t.Errorf("after lock end: n=%d locked=%v, want 1 and none", n, locked)
			}
		})
		t.Run("ConcurrentHitsAllCounted", func(t *testing.T) {
			var wg sync.WaitGroup
			for range 20 {
				wg.Go(func() {
					if _, _, err := s.ThrottleHit(ctx, "ip:1", t0, window); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if n, _, _ := s.ThrottleState(ctx, "ip:1"); n != 20 {
				t.Errorf("count = %d, want 20", n)
			}
		})
		if err := s.ThrottleReset(ctx, "acct:a"); err != nil {
			t.Fatal(err)
		}
		if n, l, _ := s.ThrottleState(ctx, "acct:a"); n != 0 || l != nil {
			t.Errorf("after reset = %d, %v", n, l)
		}
	})
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		mk := func(hash, purpose string) {
			mustTx(t, s, func(tx *store.Tx) error {
				return tx.CreateToken(ctx, &store.Token{TokenHash: hash, Purpose: purpose, PrincipalKind: store.KindCustomer, PrincipalID: 5, CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)})
			})
		}
		mk("tok-1", "invite")
		if _, err := s.ValidToken(ctx, "tok-1", "invite", t0); err != nil {
			t.Fatalf("fresh token invalid: %v", err)
		}
		if _, err := s.ValidToken(ctx, "tok-1", "reset", t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("wrong purpose accepted: %v", err)
		}
		if _, err := s.ValidToken(ctx, "tok-1", "invite", t0.Add(24*time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired token accepted: %v", err)
		}
		t.Run("RaceHasOneWinner", func(t *testing.T) {
			var wins atomic.Int32
			var wg sync.WaitGroup
			for range 20 {
				wg.Go(func() {
					err := s.InTx(ctx, func(tx *store.Tx) error {
						_, err := tx.ConsumeToken(ctx, "tok-1", "invite", t0.Add(time.Minute))
						return err
					})
					if err == nil {
						wins.Add(1)
					} else if !errors.Is(err, store.ErrNotFound) {
						t.Errorf("unexpected error: %v", err)
					}
				})
			}
			wg.Wait()
			if wins.Load() != 1 {
				t.Errorf("%d consumers won, want exactly 1", wins.Load())
			}
		})
		mk("tok-2", "reset")
		mk("tok-3", "invite")
		mustTx(t, s, func(tx *store.Tx) error { return tx.RevokeTokens(ctx, store.KindCustomer, 5, t0, "reset") })
		if _, err := s.ValidToken(ctx, "tok-2", "reset", t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoked token still valid: %v", err)
		}
		if _, err := s.ValidToken(ctx, "tok-3", "invite", t0); err != nil {
			t.Errorf("token of another purpose revoked: %v", err)
		}
	})
}

func TestAuditIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		for i := range 3 {
			e := &store.AuditEntry{At: t0.Add(time.Duration(i) * time.Minute), Action: "sign_in", ActorKind: "customer", ActorID: int64(i + 1),
				TargetID: fmt.Sprint(i), ClientIP: "192.0.2.1", Details: `{"k":"v"}`}
			if err := s.InsertAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		list, total, err := s.ListAudit(ctx, store.AuditFilter{Action: "sign_in", Limit: 2})
		if err != nil || total != 3 || len(list) != 2 || list[0].ActorID != 3 {
			t.Fatalf("list = %+v total %d err %v", list, total, err)
		}
		if list[0].At.Location() != time.UTC {
			t.Errorf("time not UTC: %v", list[0].At)
		}
		if _, total, _ := s.ListAudit(ctx, store.AuditFilter{Target: "1", From: t0, To: t0.Add(time.Hour)}); total != 1 {
			t.Errorf("target filter total = %d, want 1", total)
		}
		if _, err := s.DB().Exec(`UPDATE audit_log SET action = 'x'`); err == nil {
			t.Error("UPDATE on audit_log succeeded")
		}
		if _, err := s.DB().Exec(`DELETE FROM audit_log`); err == nil {
			t.Error("DELETE on audit_log succeeded")
		}
		if _, total, _ := s.ListAudit(ctx, store.AuditFilter{}); total != 3 {
			t.Errorf("entries after tampering = %d, want 3", total)
		}
	})
}

func TestTxRollsBackEverything(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		boom := errors.New("boom")
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateAccount(ctx, &store.Account{Email: "x@y.example", CreatedAt: t0}); err != nil {
				return err
			}
			if err := tx.InsertAudit(ctx, &store.AuditEntry{At: t0, Action: "account_created", ActorKind: "system"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		if _, err := s.AccountByLogin(ctx, "x@y.example"); !errors.Is(err, store.ErrNotFound) {
			t.Error("account survived the rollback")
		}
		if _, total, _ := s.ListAudit(ctx, store.AuditFilter{}); total != 0 {
			t.Error("audit row survived the rollback")
		}
	})
}

func TestSettingsCustomersOutbox(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		if _, err := s.Setting(ctx, "k"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unset setting: %v", err)
		}
		mustTx(t, s, func(tx *store.Tx) error { return tx.SetSetting(ctx, "k", "1", "admin", t0) })
		mustTx(t, s, func(tx *store.Tx) error { return tx.SetSetting(ctx, "k", "2", "admin", t0) })
		if v, _ := s.Setting(ctx, "k"); v != "2" {
			t.Errorf("setting = %q, want 2", v)
		}

		mustTx(t, s, func(tx *store.Tx) error {
			return tx.UpsertCustomer(ctx, &store.Customer{Key: "ACME", DisplayName: "Acme", PortalEnabled: true, CreatedAt: t0})
		})
		mustTx(t, s, func(tx *store.Tx) error { return tx.SetCustomerPortalEnabled(ctx, "ACME", false, t0) })
		mustTx(t, s, func(tx *store.Tx) error {
			return tx.UpsertCustomer(ctx, &store.Customer{Key: "ACME", DisplayName: "Acme Corp", PortalEnabled: true, CreatedAt: t0})
		})
		c, err := s.CustomerByKey(ctx, "ACME")
		if err != nil || c.DisplayName != "Acme Corp" || c.PortalEnabled {
			t.Errorf("customer = %+v, %v; want renamed and still disabled", c, err)
		}

		for i := range 3 {
			mustTx(t, s, func(tx *store.Tx) error {
				return tx.EnqueueEmail(ctx, &store.Email{To: fmt.Sprintf("u%d@x.example", i), Subject: "s", BodyText: "b", CreatedAt: t0})
			})
		}
		first, err := s.ClaimDueEmails(ctx, t0, 2, time.Minute)
		if err != nil || len(first) != 2 {
			t.Fatalf("claimed %d, %v; want 2", len(first), err)
		}
		second, _ := s.ClaimDueEmails(ctx, t0, 10, time.Minute)
		if len(second) != 1 || second[0].ID == first[0].ID || second[0].ID == first[1].ID {
			t.Errorf("second claim = %+v; want only the unclaimed message", second)
		}
		if err := s.MarkEmailSent(ctx, first[0].ID, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkEmailRetry(ctx, first[1].ID, t0.Add(time.Minute), "451 try later"); err != nil {
			t.Fatal(err)
		}
		if again, _ := s.ClaimDueEmails(ctx, t0.Add(2*time.Minute), 10, time.Minute); len(again) != 2 {
			t.Errorf("after lease and retry time, claimable = %d, want 2 (retry + expired lease)", len(again))
		}
	})
}
