package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/clock"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

var epoch = time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)

var opsAdmin = audit.Actor{Kind: store.KindAdmin, ID: 1, Label: "ops"}

// idleService builds a session service on st with the configured idle
// timeouts of the defaults (30 minutes for customers, 15 for admins).
func idleService(st *store.Store, c *clock.Fake, logs io.Writer) *auth.Service {
	if logs == nil {
		logs = io.Discard
	}
	log := slog.New(slog.NewTextHandler(logs, nil))
	return &auth.Service{
		Store: st, Clock: c, Log: log, Audit: &audit.Recorder{Log: log, Now: c.Now}, Secret: []byte("test"),
		CustomerSessions: auth.SessionPolicy{Idle: 30 * time.Minute, Absolute: 8 * time.Hour},
		AdminSessions:    auth.SessionPolicy{Idle: 15 * time.Minute, Absolute: 8 * time.Hour},
	}
}

func settingChanges(t *testing.T, st *store.Store) []map[string]any {
	t.Helper()
	entries, _, err := st.ListAudit(context.Background(), store.AuditFilter{Action: string(audit.SettingsChanged)})
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, e := range entries {
		var d map[string]any
		if err := json.Unmarshal([]byte(e.Details), &d); err != nil {
			t.Fatalf("details %q: %v", e.Details, err)
		}
		d["actor"], d["target"] = e.ActorLabel, e.TargetID
		out = append(out, d)
	}
	return out
}

func TestIdleTimeoutSetting(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		c := clock.NewFake(epoch)
		s := idleService(st, c, nil)
		other := idleService(st, c, nil) // a second instance on the same database

		if got := s.IdleTimeout(ctx, store.KindCustomer); got != 30*time.Minute {
			t.Fatalf("default customer idle = %s, want the configured 30m", got)
		}
		if got := other.IdleTimeout(ctx, store.KindAdmin); got != 15*time.Minute {
			t.Fatalf("default admin idle = %s, want the configured 15m", got)
		}

		n, err := s.SetIdleTimeouts(ctx, opsAdmin, auth.IdleChange{Kind: store.KindCustomer, Idle: 10 * time.Minute})
		if err != nil || n != 1 {
			t.Fatalf("set = %d, %v", n, err)
		}
		t.Run("TheSavingInstanceAppliesItAtOnce", func(t *testing.T) {
			if got := s.IdleTimeout(ctx, store.KindCustomer); got != 10*time.Minute {
				t.Errorf("customer idle = %s, want 10m", got)
			}
			if got := s.IdleTimeout(ctx, store.KindAdmin); got != 15*time.Minute {
				t.Errorf("admin idle changed with the customer's: %s", got)
			}
		})
		t.Run("AnotherInstanceWithinTheCacheWindow", func(t *testing.T) {
			c.Advance(auth.IdleCacheFor - time.Second)
			if got := other.IdleTimeout(ctx, store.KindCustomer); got != 30*time.Minute {
				t.Errorf("other instance = %s inside its cache window; the cache is not used", got)
			}
			c.Advance(time.Second)
			if got := other.IdleTimeout(ctx, store.KindCustomer); got != 10*time.Minute {
				t.Errorf("other instance = %s after the cache window, want 10m", got)
			}
		})
		t.Run("Audited", func(t *testing.T) {
			got := settingChanges(t, st)
			if len(got) != 1 || got[0]["from"] != "30m0s" || got[0]["to"] != "10m0s" || got[0]["actor"] != "ops" ||
				got[0]["target"] != auth.SettingCustomerIdle || got[0]["from_default"] != "PORTICO_SESSION_IDLE" {
				t.Errorf("audit = %v", got)
			}
		})
		t.Run("NoChangeNoAudit", func(t *testing.T) {
			n, err := s.SetIdleTimeouts(ctx, opsAdmin, auth.IdleChange{Kind: store.KindCustomer, Idle: 10 * time.Minute},
				auth.IdleChange{Kind: store.KindAdmin, Idle: 15 * time.Minute}, // the default, left unsaved
				auth.IdleChange{Kind: store.KindAdmin, Idle: 0})
			if err != nil || n != 0 {
				t.Errorf("unchanged values: %d changes, %v", n, err)
			}
			if got := settingChanges(t, st); len(got) != 1 {
				t.Errorf("%d audit entries, want still 1", len(got))
			}
			if _, err := st.Setting(ctx, auth.SettingAdminIdle); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("the admin default was pinned as a setting: %v", err)
			}
		})
		t.Run("OutOfRangeStoresNothing", func(t *testing.T) {
			for _, ch := range []auth.IdleChange{
				{store.KindCustomer, -time.Minute}, {store.KindCustomer, 4 * time.Minute}, {store.KindCustomer, 8 * 24 * time.Hour},
				{store.KindAdmin, 25 * time.Hour}, {"root", time.Hour},
			} {
				// The valid change beside it must not be saved either.
				_, err := s.SetIdleTimeouts(ctx, opsAdmin, auth.IdleChange{Kind: store.KindAdmin, Idle: time.Hour}, ch)
				if err == nil {
					t.Errorf("%+v accepted", ch)
				}
			}
			if got := s.IdleTimeout(ctx, store.KindAdmin); got != 15*time.Minute {
				t.Errorf("admin idle = %s after refused changes", got)
			}
			if got := settingChanges(t, st); len(got) != 1 {
				t.Errorf("%d audit entries after refused changes, want 1", len(got))
			}
		})
		t.Run("BackToTheDefault", func(t *testing.T) {
			n, err := s.SetIdleTimeouts(ctx, opsAdmin, auth.IdleChange{Kind: store.KindCustomer})
			if err != nil || n != 1 {
				t.Fatalf("reset = %d, %v", n, err)
			}
			if got := s.IdleTimeout(ctx, store.KindCustomer); got != 30*time.Minute {
				t.Errorf("after reset = %s, want the configured 30m", got)
			}
			cust, _, err := s.IdleSettings(ctx)
			if err != nil || cust.Saved || cust.Effective != 30*time.Minute || cust.EnvVar != "PORTICO_SESSION_IDLE" {
				t.Errorf("settings after reset = %+v, %v", cust, err)
			}
			got := settingChanges(t, st)
			if len(got) != 2 || got[0]["from"] != "10m0s" || got[0]["to"] != "30m0s" || got[0]["to_default"] != "PORTICO_SESSION_IDLE" {
				t.Errorf("audit = %v", got)
			}
		})
	})
}

func TestResolveSessionUsesTheSavedIdleTimeout(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		c := clock.NewFake(epoch)
		s := idleService(st, c, nil)
		start := func(kind string) string {
			t.Helper()
			var token string
			err := st.InTx(ctx, func(tx *store.Tx) (err error) {
				token, _, err = s.StartSession(ctx, tx, kind, 1, "192.0.2.1", "test")
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return token
		}
		idle11, idle9, admin := start(store.KindCustomer), start(store.KindCustomer), start(store.KindAdmin)
		if _, err := s.SetIdleTimeouts(ctx, opsAdmin, auth.IdleChange{Kind: store.KindCustomer, Idle: 10 * time.Minute}); err != nil {
			t.Fatal(err)
		}
		c.Advance(2 * time.Minute)
		if _, err := s.ResolveSession(ctx, store.KindCustomer, idle9, "192.0.2.1", "test"); err != nil {
			t.Fatalf("active session refused: %v", err)
		}
		c.Advance(9 * time.Minute) // idle11 has been idle 11 minutes, idle9 9 minutes
		if _, err := s.ResolveSession(ctx, store.KindCustomer, idle11, "192.0.2.1", "test"); !errors.Is(err, auth.ErrNoSession) {
			t.Errorf("session idle 11 minutes accepted under a 10-minute timeout (configured 30m): %v", err)
		}
		if _, err := s.ResolveSession(ctx, store.KindCustomer, idle9, "192.0.2.1", "test"); err != nil {
			t.Errorf("session idle 9 minutes refused: %v", err)
		}
		if _, err := s.ResolveSession(ctx, store.KindAdmin, admin, "192.0.2.1", "test"); err != nil {
			t.Errorf("admin session idle 11 minutes refused under the admin's configured 15m: %v", err)
		}
	})
}

func TestUnreadableIdleSettingFallsBackToTheDefault(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, storetest.SQLite(t))
	c := clock.NewFake(epoch)
	for _, bad := range []string{"abc", "1ns", "-10m", "9999h", "10m'; DROP TABLE sessions; --"} {
		err := st.InTx(ctx, func(tx *store.Tx) error { return tx.SetSetting(ctx, auth.SettingCustomerIdle, bad, "hand", epoch) })
		if err != nil {
			t.Fatal(err)
		}
		var logs strings.Builder
		s := idleService(st, c, &logs)
		if got := s.IdleTimeout(ctx, store.KindCustomer); got != 30*time.Minute {
			t.Errorf("stored %q: idle = %s, want the configured 30m", bad, got)
		}
		if !strings.Contains(logs.String(), "ignoring a saved idle timeout") {
			t.Errorf("stored %q: no warning logged", bad)
		}
	}
}
