package auth_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/auth/directory/slapdtest"
	"github.com/portico-dev/portico/internal/auth/password"
	"github.com/portico-dev/portico/internal/clock"
	"github.com/portico-dev/portico/internal/secretbox"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

// newDirectoryService builds the sign-in service on st with cheap hashing
// and directory sign-in from srv, as PORTICO_LDAP_* would set it.
func newDirectoryService(t *testing.T, st *store.Store, srv *slapdtest.Server, c clock.Clock) *auth.Service {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := &auth.Service{
		Store: st, Hasher: password.NewHasher(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 0, 0), Clock: c,
		Audit: &audit.Recorder{Log: log, Now: c.Now}, Log: log, Secret: []byte("directory-test"), Policy: password.DefaultPolicy(),
		Throttle:         auth.Throttle{MaxFailures: 100, Window: time.Minute, Lockout: time.Minute, MaxFailuresPerIP: 1000},
		CustomerSessions: auth.SessionPolicy{Idle: time.Hour, Absolute: time.Hour},
		AdminSessions:    auth.SessionPolicy{Idle: time.Hour, Absolute: 8 * time.Hour},
		Box:              secretbox.New("directory-test-secret-key-0123456789"),
		DirectoryEnv:     auth.DirectorySettings{Enabled: true, Config: srv.Config()},
	}
	return s
}

// TestDirectorySignInCostsOneHash: every directory attempt, successful or
// not, costs exactly one password hash, as a local attempt does, so the
// answer time does not tell the paths apart and the hasher's bound on
// concurrent attempts covers the directory too.
func TestDirectorySignInCostsOneHash(t *testing.T) {
	srv := slapdtest.Start(t)
	st := storetest.Open(t, storetest.SQLite(t))
	s := newDirectoryService(t, st, srv, clock.NewFake(time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)))
	ctx := context.Background()
	for _, tc := range []struct {
		name, login, pw string
		ok              bool
	}{
		{"Member", "ada", srv.Password("ada"), true},
		{"WrongPassword", "ada", "wrong", false},
		{"NotAMember", "linus", srv.Password("linus"), false},
		{"Unknown", "nobody", "whatever", false},
		{"BlankPassword", "ada", " ", false},
		{"Injection", "*)(uid=*))(|(uid=*", srv.Password("ada"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.Hasher.Calls()
			res, err := s.SignInAdmin(ctx, tc.login, tc.pw, "192.0.2.1", "test")
			if tc.ok != (err == nil) || (!tc.ok && !errors.Is(err, auth.ErrInvalidCredentials)) {
				t.Fatalf("err = %v", err)
			}
			if tc.ok && (res.Admin == nil || res.Admin.Source != store.SourceDirectory || res.Token == "") {
				t.Fatalf("result %+v", res)
			}
			if n := s.Hasher.Calls() - before; n != 1 {
				t.Errorf("%d hashes, want 1", n)
			}
		})
	}
	srv.Stop()
	before := s.Hasher.Calls()
	if _, err := s.SignInAdmin(ctx, "ada", srv.Password("ada"), "192.0.2.1", "test"); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Fatalf("directory down: %v", err)
	}
	if n := s.Hasher.Calls() - before; n != 1 {
		t.Errorf("directory down: %d hashes, want 1", n)
	}
}

// TestDirectorySettingsCache: a change saved through one service applies
// there at once, and on another service (another instance) once
// auth.DirectoryCacheFor has passed.
func TestDirectorySettingsCache(t *testing.T) {
	srv := slapdtest.Start(t)
	st := storetest.Open(t, storetest.SQLite(t))
	fake := clock.NewFake(time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC))
	a := newDirectoryService(t, st, srv, fake)
	b := newDirectoryService(t, st, srv, fake)
	ctx := context.Background()
	if !a.DirectoryEnabled(ctx) || !b.DirectoryEnabled(ctx) {
		t.Fatal("the environment's directory is not in use")
	}
	actor := audit.Actor{Kind: store.KindAdmin, ID: 1, Label: "ops"}
	off := auth.DirectorySettings{Enabled: false, Config: srv.Config()}
	off.Config.BindPassword = ""
	if changed, err := a.SaveDirectory(ctx, actor, off); err != nil || !changed {
		t.Fatalf("turn off: %v %v", changed, err)
	}
	if a.DirectoryEnabled(ctx) {
		t.Error("the saving instance still uses the old settings")
	}
	if !b.DirectoryEnabled(ctx) {
		t.Error("the other instance read the settings again before its cache ran out")
	}
	fake.Advance(auth.DirectoryCacheFor)
	if b.DirectoryEnabled(ctx) {
		t.Error("the other instance still uses the old settings after the cache time")
	}
	raw, _ := st.Setting(ctx, auth.SettingDirectory)
	if strings.Contains(raw, srv.BindPassword) || !strings.Contains(raw, `"bind_password_sealed":"v1:`) {
		t.Errorf("stored: %s", raw)
	}
}
