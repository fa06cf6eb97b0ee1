package apptest

import (
	"crypto/tls"
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
	env := m.Env
	return startApp(tb, target, fake, app.Options{MailEnv: &env, MailTLS: m.TLS}, opts...)
}
