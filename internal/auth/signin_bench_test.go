package auth_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/auth/password"
	"github.com/portico-dev/portico/internal/clock"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

// newService builds the sign-in service on a fresh SQLite database with the
// production argon2id parameters, and one account.
func newService(b *testing.B) *auth.Service {
	b.Helper()
	st := storetest.Open(b, storetest.SQLite(b))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := clock.System{}
	s := &auth.Service{
		Store: st, Hasher: password.NewHasher(password.DefaultParams, 0, 0), Clock: c,
		Audit: &audit.Recorder{Log: log, Now: c.Now}, Log: log, Secret: []byte("bench"), Policy: password.DefaultPolicy(),
		Throttle:         auth.Throttle{MaxFailures: 1 << 30, Window: time.Minute, Lockout: time.Minute, MaxFailuresPerIP: 1 << 30},
		CustomerSessions: auth.SessionPolicy{Idle: time.Hour, Absolute: time.Hour},
		AdminSessions:    auth.SessionPolicy{Idle: time.Hour, Absolute: time.Hour},
	}
	ctx := context.Background()
	h, _ := s.Hasher.Hash(ctx, "river stone lantern morning")
	err := st.InTx(ctx, func(tx *store.Tx) error {
		return tx.CreateAccount(ctx, &store.Account{Email: "bench@acme.example", PasswordHash: h, Active: true, CreatedAt: c.Now()})
	})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkSignIn measures a whole successful customer sign-in: throttle
// bookkeeping, one argon2id verification (m=19 MiB, t=2, p=1), the session
// insert and the audit entry.
func BenchmarkSignIn(b *testing.B) {
	s := newService(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := s.SignInCustomer(ctx, "bench@acme.example", "river stone lantern morning", "192.0.2.1", "bench"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignInUnknownUser measures a failure for an email that does not
// exist; it should cost the same as a success (one hash).
func BenchmarkSignInUnknownUser(b *testing.B) {
	s := newService(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := s.SignInCustomer(ctx, "ghost@acme.example", "river stone lantern morning", "192.0.2.1", "bench"); !errors.Is(err, auth.ErrInvalidCredentials) {
			b.Fatal(err)
		}
	}
}
