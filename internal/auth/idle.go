package auth

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/store"
)

// Settings keys of the idle timeouts an admin sets on the Sessions page.
// The value is a Go duration ("10m0s"); no row, or an empty value, means
// the configured default (PORTICO_SESSION_IDLE, PORTICO_ADMIN_SESSION_IDLE)
// applies.
const (
	SettingCustomerIdle = "sessions.customer_idle"
	SettingAdminIdle    = "sessions.admin_idle"
)

// IdleCacheFor is how long an instance keeps the saved idle timeouts before
// reading them again. Resolving a session would otherwise cost a settings
// query on every request; this bounds how long another instance can go on
// applying an old timeout after a change (the instance that saved the
// change applies it at once).
const IdleCacheFor = 30 * time.Second

// Bounds of the idle timeout an admin may choose. Shorter than five minutes
// signs people out while they read a page; longer than a week (customers)
// or a day (admins, whose sessions can do more harm) keeps forgotten
// browsers signed in. The absolute lifetime still ends every session.
const (
	MinIdle         = 5 * time.Minute
	MaxCustomerIdle = 7 * 24 * time.Hour
	MaxAdminIdle    = 24 * time.Hour
)

// IdleBounds returns the shortest and longest idle timeout an admin may set
// for a kind of session.
func IdleBounds(kind string) (lo, hi time.Duration) {
	if kind == store.KindAdmin {
		return MinIdle, MaxAdminIdle
	}
	return MinIdle, MaxCustomerIdle
}

// ErrIdleOutOfRange is returned for an idle timeout outside IdleBounds; the
// web layer checks the bounds first and explains them.
var ErrIdleOutOfRange = errors.New("auth: idle timeout out of range")

// IdleSetting is one kind's idle timeout as the settings page shows it.
type IdleSetting struct {
	Kind      string
	Effective time.Duration // what applies now
	Default   time.Duration // the configured value, which applies when none is saved
	Saved     bool          // Effective was saved in the admin console
	EnvVar    string        // where Default comes from
}

// IdleChange asks for a new idle timeout for one kind of session; an Idle
// of 0 returns that kind to the configured default.
type IdleChange struct {
	Kind string
	Idle time.Duration
}

// idleCache holds one instance's copy of the saved idle timeouts.
type idleCache struct {
	mu       sync.Mutex
	loaded   bool
	loadedAt time.Time
	saved    map[string]time.Duration // kind → saved timeout; absent: the default applies
}

// IdleTimeout is the idle timeout in force for a kind of session: the one
// saved in the admin console, or else the configured one. It reads the
// settings at most once per IdleCacheFor on this instance and never fails:
// when the settings cannot be read it keeps what it had (or the configured
// value) and logs a warning.
func (s *Service) IdleTimeout(ctx context.Context, kind string) time.Duration {
	if d, ok := s.cachedIdle(ctx, kind); ok {
		return d
	}
	return s.policy(kind).Idle
}

func (s *Service) cachedIdle(ctx context.Context, kind string) (time.Duration, bool) {
	c := &s.idle
	c.mu.Lock()
	defer c.mu.Unlock()
	now := s.Clock.Now()
	// A clock that went backwards (a corrected system clock) also reloads.
	if !c.loaded || now.Sub(c.loadedAt) >= IdleCacheFor || now.Before(c.loadedAt) {
		saved, err := s.loadIdle(ctx)
		if err != nil {
			// Keep what was loaded before and try again after the window,
			// rather than putting a failing query on every request.
			s.Log.Warn("could not read the idle-timeout settings; keeping the previous values", "err", err)
		} else {
			c.saved = saved
		}
		c.loaded, c.loadedAt = true, now
	}
	d, ok := c.saved[kind]
	return d, ok
}

// forgetIdle makes the next IdleTimeout read the settings again.
func (s *Service) forgetIdle() {
	c := &s.idle
	c.mu.Lock()
	c.loaded = false
	c.mu.Unlock()
}

// loadIdle reads the saved idle timeouts. A value that is not a duration
// within the bounds (written by hand, or by an older release) is ignored
// with a warning, so the configured default applies instead.
func (s *Service) loadIdle(ctx context.Context) (map[string]time.Duration, error) {
	saved := map[string]time.Duration{}
	for _, kind := range []string{store.KindCustomer, store.KindAdmin} {
		d, ok, err := s.savedIdle(ctx, kind)
		if err != nil {
			return nil, err
		}
		if ok {
			saved[kind] = d
		}
	}
	return saved, nil
}

// savedIdle reads one kind's saved idle timeout from the database.
func (s *Service) savedIdle(ctx context.Context, kind string) (time.Duration, bool, error) {
	key := idleKey(kind)
	v, err := s.Store.Setting(ctx, key)
	if errors.Is(err, store.ErrNotFound) || (err == nil && v == "") {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	d, perr := time.ParseDuration(v)
	lo, hi := IdleBounds(kind)
	if perr != nil || d < lo || d > hi {
		s.Log.Warn("ignoring a saved idle timeout that is not a duration within bounds; the configured default applies",
			"setting", key, "value", strconv.Quote(v), "min", lo.String(), "max", hi.String())
		return 0, false, nil
	}
	return d, true, nil
}

// IdleSettings reads both kinds' idle timeouts straight from the database
// (no cache), for the settings page.
func (s *Service) IdleSettings(ctx context.Context) (customer, admin IdleSetting, err error) {
	get := func(kind, env string) (IdleSetting, error) {
		set := IdleSetting{Kind: kind, Default: s.policy(kind).Idle, EnvVar: env}
		d, ok, err := s.savedIdle(ctx, kind)
		if err != nil {
			return set, err
		}
		set.Effective, set.Saved = set.Default, ok
		if ok {
			set.Effective = d
		}
		return set, nil
	}
	if customer, err = get(store.KindCustomer, "PORTICO_SESSION_IDLE"); err != nil {
		return
	}
	admin, err = get(store.KindAdmin, "PORTICO_ADMIN_SESSION_IDLE")
	return
}

// SetIdleTimeouts saves new idle timeouts in one transaction, each change
// audited as settings_changed with the timeout in force before and after.
// A change that alters nothing (the same value, or the default asked for
// while the default applies) is skipped: it neither writes nor audits. It
// reports how many settings changed. This instance applies the new values
// at its next request; other instances within IdleCacheFor.
func (s *Service) SetIdleTimeouts(ctx context.Context, actor audit.Actor, changes ...IdleChange) (int, error) {
	for _, c := range changes {
		if c.Kind != store.KindCustomer && c.Kind != store.KindAdmin {
			return 0, fmt.Errorf("auth: idle timeout for unknown session kind %q", c.Kind)
		}
		if lo, hi := IdleBounds(c.Kind); c.Idle != 0 && (c.Idle < lo || c.Idle > hi) {
			return 0, fmt.Errorf("%w: %s sessions, %s", ErrIdleOutOfRange, c.Kind, c.Idle)
		}
	}
	customer, admin, err := s.IdleSettings(ctx)
	if err != nil {
		return 0, err
	}
	current := map[string]IdleSetting{store.KindCustomer: customer, store.KindAdmin: admin}
	now := s.Clock.Now()
	changed := 0
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		changed = 0
		for _, c := range changes {
			cur := current[c.Kind]
			value, to := c.Idle.String(), c.Idle
			if c.Idle == 0 {
				value, to = "", cur.Default
			}
			switch {
			case c.Idle == 0 && !cur.Saved:
				continue // the default applies already
			case c.Idle != 0 && c.Idle == cur.Effective:
				continue // the same value; keep it as it is (saved, or the default)
			}
			if err := tx.SetSetting(ctx, idleKey(c.Kind), value, actor.Label, now); err != nil {
				return err
			}
			details := map[string]any{"setting": idleKey(c.Kind), "from": cur.Effective.String(), "to": to.String()}
			if c.Idle == 0 {
				details["to_default"] = cur.EnvVar
			}
			if !cur.Saved {
				details["from_default"] = cur.EnvVar
			}
			target := audit.Target{Kind: "setting", ID: idleKey(c.Kind), Label: idleLabel(c.Kind)}
			if err := s.Audit.Record(ctx, tx, audit.SettingsChanged, actor, target, details); err != nil {
				return err
			}
			changed++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if changed > 0 {
		s.forgetIdle()
	}
	return changed, nil
}

func idleKey(kind string) string {
	if kind == store.KindAdmin {
		return SettingAdminIdle
	}
	return SettingCustomerIdle
}

func idleLabel(kind string) string {
	if kind == store.KindAdmin {
		return "Admin session idle timeout"
	}
	return "Customer session idle timeout"
}
