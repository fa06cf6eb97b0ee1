package directory

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"math"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Client talks to one directory with one Config. It holds no connection,
// so it is safe for concurrent use and cheap to replace when the settings
// change.
type Client struct {
	cfg     Config
	url     *url.URL
	addr    string // host:port to dial
	ldaps   bool
	tls     *tls.Config
	profile profile
}

// New checks c (see Config.Validate), applies the defaults and loads the CA
// file. It does not connect; TestConnection does.
func New(c Config) (*Client, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.withDefaults()
	u, _ := parseURL(c.URL) // Validate accepted it

	roots, err := x509.SystemCertPool()
	if err != nil {
		// Some systems have no readable pool; the CA file alone can still
		// make verification succeed, and without it verification fails
		// closed.
		roots = x509.NewCertPool()
	}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, &FieldError{Field: "CAFile", Message: fmt.Sprintf("cannot read the CA file: %v", err)}
		}
		if !roots.AppendCertsFromPEM(pem) {
			return nil, &FieldError{Field: "CAFile", Message: fmt.Sprintf("%s holds no PEM certificate", c.CAFile)}
		}
	}

	return &Client{
		cfg:   c,
		url:   u,
		addr:  hostPort(u),
		ldaps: u.Scheme == "ldaps",
		tls: &tls.Config{
			ServerName:         u.Hostname(),
			RootCAs:            roots,
			MinVersion:         tls.VersionTLS12,
			InsecureSkipVerify: c.SkipVerify, //nolint:gosec // documented, admin-chosen, off by default
		},
		profile: profileFor(c.Kind),
	}, nil
}

// Config returns the configuration in use, with defaults applied.
func (c *Client) Config() Config { return c.cfg }

// session is one connection, bound as the service account.
type session struct {
	c    *Client
	ctx  context.Context
	conn *ldap.Conn
	stop func() bool // stops the context watcher
}

// open dials, sets up TLS and binds as the service account. Failures are
// *CheckError values for the stage that failed.
//
// go-ldap has no context support, so the context is applied underneath it:
// its deadline becomes the socket's deadline and its cancellation closes the
// socket, which fails whatever operation is waiting. Each operation is also
// bounded by Config.Timeout through go-ldap's own request timeout.
func (c *Client) open(ctx context.Context) (*session, *CheckError) {
	if err := ctx.Err(); err != nil {
		return nil, connectError(ctx, c.addr, err)
	}
	dialer := net.Dialer{Timeout: c.cfg.Timeout}
	raw, err := dialer.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return nil, connectError(ctx, c.addr, err)
	}
	ctxDeadline, _ := ctx.Deadline() // zero when there is none: no deadline
	_ = raw.SetDeadline(ctxDeadline)

	var nc net.Conn = raw
	if c.ldaps {
		tc := tls.Client(raw, c.tls)
		hctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			_ = raw.Close()
			if ctxDone(ctx) != nil {
				return nil, connectError(ctx, c.addr, err)
			}
			return nil, tlsError(c.addr, c.cfg.CAFile, err)
		}
		nc = tc
	}

	conn := ldap.NewConn(nc, c.ldaps)
	conn.Start()
	conn.SetTimeout(c.cfg.Timeout)
	s := &session{c: c, ctx: ctx, conn: conn, stop: context.AfterFunc(ctx, func() { _ = raw.Close() })}

	if c.cfg.StartTLS {
		// go-ldap's StartTLS does the handshake without a deadline of its
		// own; bound it here, then go back to the caller's deadline.
		_ = raw.SetDeadline(earliest(time.Now().Add(c.cfg.Timeout), ctxDeadline))
		err := conn.StartTLS(c.tls)
		_ = raw.SetDeadline(ctxDeadline)
		if err != nil {
			s.close()
			if ctxDone(ctx) != nil {
				return nil, s.fail(StageTLS, "URL", "starting TLS", err)
			}
			if hasCode(err, ldap.ErrorNetwork) {
				return nil, tlsError(c.addr, c.cfg.CAFile, err)
			}
			return nil, &CheckError{Stage: StageTLS, Field: "StartTLS", Err: err,
				Message: fmt.Sprintf("%s refused StartTLS (%v) — set up TLS on the directory, or use an ldaps:// URL", c.addr, err)}
		}
	}

	if err := s.bindService(); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// bindService binds (again) as the service account.
func (s *session) bindService() *CheckError {
	err := s.conn.Bind(s.c.cfg.BindDN, s.c.cfg.BindPassword)
	switch {
	case err == nil:
		return nil
	case ctxDone(s.ctx) != nil:
		return s.fail(StageServiceBind, "URL", "binding as the service account", err)
	case hasCode(err, ldap.LDAPResultInvalidCredentials):
		return &CheckError{Stage: StageServiceBind, Field: "BindPassword", Err: err,
			Message: "service account bind rejected — check the bind DN and password"}
	case isNetwork(err) && !isTimeout(err):
		// Typically ldap:// sent to an ldaps port: the server waits for a
		// TLS handshake, gets a bind request and hangs up.
		return &CheckError{Stage: StageConnect, Field: "URL", Err: err,
			Message: fmt.Sprintf("%s closed the connection at the service bind — if it is an ldaps port (usually 636), use an ldaps:// URL", s.c.addr)}
	case hasCode(err, ldap.LDAPResultUnwillingToPerform, ldap.LDAPResultInappropriateAuthentication):
		return &CheckError{Stage: StageServiceBind, Field: "BindDN", Err: err,
			Message: fmt.Sprintf("the directory will not let the service account bind (%v) — is the account disabled or locked, or does the server forbid simple binds?", err)}
	default:
		return opError(StageServiceBind, "BindDN", "binding as the service account", err)
	}
}

// fail describes a failed operation. When the caller's context has ended,
// that is what went wrong (the closed socket is only its consequence), and
// the error matches context.DeadlineExceeded or context.Canceled.
func (s *session) fail(stage Stage, field, what string, err error) *CheckError {
	if ctxErr := ctxDone(s.ctx); ctxErr != nil {
		return &CheckError{Stage: stage, Err: fmt.Errorf("%w (%w)", ctxErr, err),
			Message: fmt.Sprintf("stopped waiting for the directory while %s: %v", what, ctxErr)}
	}
	return opError(stage, field, what, err)
}

func (s *session) close() {
	s.stop()
	_ = s.conn.Close()
}

// search runs one search under the client's limits. sizeLimit 0 means no
// limit of our own; paged asks for results in pages, for searches that may
// return many entries.
func (s *session) search(base string, scope int, filter string, attrs []string, sizeLimit int, paged bool) (*ldap.SearchResult, error) {
	req := ldap.NewSearchRequest(base, scope, ldap.NeverDerefAliases, sizeLimit,
		timeLimitSeconds(s.c.cfg.Timeout), false, filter, attrs, nil)
	if paged {
		return s.conn.SearchWithPaging(req, 500)
	}
	return s.conn.Search(req)
}

// timeLimitSeconds is the server-side time limit for a search, in whole
// seconds, rounded up so it never becomes 0 (which means "no limit").
func timeLimitSeconds(d time.Duration) int {
	return int(math.Ceil(d.Seconds()))
}

// ctxDone is ctx.Err(), but also reports DeadlineExceeded as soon as the
// deadline has passed: the socket's deadline, set from the same time, can
// fire a moment before the context's own timer does.
func ctxDone(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return nil
}

func earliest(a, b time.Time) time.Time {
	if b.IsZero() || a.Before(b) {
		return a
	}
	return b
}
