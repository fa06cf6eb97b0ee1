package apptest

import (
	"context"
	"crypto/tls"
	"log/slog"
	"strings"
	"testing"

	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/clock"
	"github.com/portico-dev/portico/internal/mail"
	"github.com/portico-dev/portico/internal/store/storetest"
)

// MailOptions are the email settings of an App started by StartWithMail.
type MailOptions struct {
	// Env stands in for the PORTICO_SMTP_* environment variables (tests
	// point it at an in-process SMTP server); the zero value means no SMTP
	// server is configured, whatever the test process's environment says.
	Env mail.Settings
	// TLS is the sender's TLS client configuration (a test trusts its own
	// certificate); nil trusts the system roots.
	TLS *tls.Config
}

// StartWithMail is Start with the App's SMTP environment and TLS settings
// given by m instead of read from the process environment.
func StartWithMail(tb testing.TB, target storetest.Target, fake *clock.Fake, m MailOptions, opts ...Option) *Instance {
	tb.Helper()
	cfg := Config(tb, target)
	for _, o := range opts {
		o(&cfg)
	}
	if fake == nil {
		fake = clock.NewFake(Epoch)
	}
	logs := &strings.Builder{}
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	params := FastHash
	env := m.Env
	a, err := app.New(context.Background(), cfg, app.Options{Clock: fake, Logger: logger, HashParams: &params, MailEnv: &env, MailTLS: m.TLS})
	if err != nil {
		tb.Fatalf("start app: %v", err)
	}
	if err := a.Start(context.Background()); err != nil {
		tb.Fatalf("start app: %v", err)
	}
	tb.Cleanup(func() { a.Close() })
	return &Instance{App: a, Clock: fake, URL: a.URL(), Logs: logs}
}
