// Package apptest starts real Portico instances on 127.0.0.1:0 for tests,
// with a fake clock, a fresh portal database (SQLite, or PostgreSQL when
// configured) and an HTTP client that keeps cookies and form tokens the way
// a browser does.
package apptest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/auth/password"
	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/clock"
	"github.com/portico-dev/portico/internal/config"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

// Epoch is where every fake clock starts.
var Epoch = time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)

// FastHash are argon2id parameters cheap enough to sign in hundreds of times
// in a test; the production parameters are tested in the password package.
var FastHash = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// Instance is one running App.
type Instance struct {
	App   *app.App
	Clock *clock.Fake
	URL   string
	Logs  *strings.Builder
}

// Option changes the configuration before the App starts.
type Option func(*config.Config)

// Config returns a valid test configuration for a database target.
func Config(tb testing.TB, target storetest.Target) config.Config {
	tb.Helper()
	cfg, err := config.Parse(func(string) (string, bool) { return "", false })
	if err != nil {
		tb.Fatal(err)
	}
	cfg.Addr = "127.0.0.1:0"
	cfg.SecretKey = "test-secret-key-0123456789abcdefghijklmnop"
	cfg.DataDir = tb.TempDir()
	cfg.DatabaseURL = target.Options.URL
	if cfg.DatabaseURL == "" {
		cfg.DatabaseURL = "sqlite:" + target.Options.SQLitePath
	}
	cfg.BusinessName = "Acme Warehousing"
	// Tests that need a second factor turn it on in the portal settings.
	cfg.RequireAdminSecondFactor = false
	cfg.ShutdownTimeout = 5 * time.Second
	return cfg
}

// Start runs an App against target with a fake clock (shared when one is
// given, so two instances agree on the time).
func Start(tb testing.TB, target storetest.Target, fake *clock.Fake, opts ...Option) *Instance {
	tb.Helper()
	return start(tb, target, fake, nil, opts...)
}

// StartWithCatalog starts an App whose sources and datasets come from cat.
func StartWithCatalog(tb testing.TB, cat *catalog.Catalog, opts ...Option) *Instance {
	tb.Helper()
	return start(tb, storetest.SQLite(tb), nil, cat, opts...)
}

func start(tb testing.TB, target storetest.Target, fake *clock.Fake, cat *catalog.Catalog, opts ...Option) *Instance {
	tb.Helper()
	return startApp(tb, target, fake, app.Options{Catalog: cat}, opts...)
}

// startApp starts an App with o, filled in with the test clock, a logger
// that keeps the logs, and fast password hashing.
func startApp(tb testing.TB, target storetest.Target, fake *clock.Fake, o app.Options, opts ...Option) *Instance {
	tb.Helper()
	cfg := Config(tb, target)
	for _, opt := range opts {
		opt(&cfg)
	}
	if fake == nil {
		fake = clock.NewFake(Epoch)
	}
	logs := &strings.Builder{}
	params := FastHash
	o.Clock, o.HashParams = fake, &params
	o.Logger = slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := app.New(context.Background(), cfg, o)
	if err != nil {
		tb.Fatalf("start app: %v", err)
	}
	if err := a.Start(context.Background()); err != nil {
		tb.Fatalf("start app: %v", err)
	}
	tb.Cleanup(func() { a.Close() })
	return &Instance{App: a, Clock: fake, URL: a.URL(), Logs: logs}
}

// StartSQLite starts an App on a fresh SQLite database.
func StartSQLite(tb testing.TB, opts ...Option) *Instance {
	return Start(tb, storetest.SQLite(tb), nil, opts...)
}

// Store is the instance's portal database.
func (in *Instance) Store() *store.Store { return in.App.Store }

// CreateAccount adds an active customer account with a password.
func (in *Instance) CreateAccount(tb testing.TB, email, pw string, edit ...func(*store.Account)) *store.Account {
	tb.Helper()
	ctx := context.Background()
	h, err := in.App.Auth.Hasher.Hash(ctx, pw)
	if err != nil {
		tb.Fatal(err)
	}
	a := &store.Account{Email: email, FirstName: "Test", LastName: "Customer", PasswordHash: h, Active: true,
		Scope: []string{"Acme"}, CreatedAt: in.Clock.Now()}
	for _, e := range edit {
		e(a)
	}
	if err := in.Store().InTx(ctx, func(tx *store.Tx) error { return tx.CreateAccount(ctx, a) }); err != nil {
		tb.Fatal(err)
	}
	return a
}

// CreateAdmin adds an active local admin.
func (in *Instance) CreateAdmin(tb testing.TB, username, pw string) *store.Admin {
	tb.Helper()
	ctx := context.Background()
	h, err := in.App.Auth.Hasher.Hash(ctx, pw)
	if err != nil {
		tb.Fatal(err)
	}
	a := &store.Admin{Username: username, PasswordHash: h, Active: true, CreatedAt: in.Clock.Now()}
	if err := in.Store().InTx(ctx, func(tx *store.Tx) error { return tx.CreateAdmin(ctx, a) }); err != nil {
		tb.Fatal(err)
	}
	return a
}

// Client is a browser-like HTTP client: it keeps cookies, does not follow
// redirects (tests look at them), and sends the headers a browser sends on
// a same-origin form post.
type Client struct {
	tb   testing.TB
	base string
	HTTP *http.Client
	// LastCSRF is the form token of the last page fetched.
	LastCSRF string
}

// Response is a finished response with its body read.
type Response struct {
	*http.Response
	Body string
}

// NewClient returns a client for base with an empty cookie jar.
func NewClient(tb testing.TB, base string) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{tb: tb, base: base, HTTP: &http.Client{
		Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Client returns a new browser-like client for this instance.
func (in *Instance) Client(tb testing.TB) *Client { return NewClient(tb, in.URL) }

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// Do sends a request and reads the whole response.
func (c *Client) Do(req *http.Request) *Response {
	c.tb.Helper()
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.tb.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := &Response{Response: resp, Body: string(b)}
	if m := csrfRe.FindStringSubmatch(out.Body); m != nil {
		c.LastCSRF = m[1]
	}
	return out
}

// Get fetches a path.
func (c *Client) Get(path string) *Response {
	c.tb.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.Do(req)
}

// Post sends a form as a same-origin browser would, adding the form token
// of the last page fetched unless the form has one.
func (c *Client) Post(path string, form url.Values) *Response {
	c.tb.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf_token"]; !ok && c.LastCSRF != "" {
		form.Set("csrf_token", c.LastCSRF)
	}
	return c.PostRaw(path, form, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": c.base})
}

// PostRaw sends a form with exactly the given extra headers.
func (c *Client) PostRaw(path string, form url.Values, headers map[string]string) *Response {
	c.tb.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return c.Do(req)
}

// SignIn signs a customer in through the sign-in form and returns the answer.
func (c *Client) SignIn(email, pw string) *Response {
	c.tb.Helper()
	c.Get("/login")
	return c.Post("/login", url.Values{"email": {email}, "password": {pw}})
}

// AdminSignIn signs an admin in through the admin sign-in form.
func (c *Client) AdminSignIn(username, pw string) *Response {
	c.tb.Helper()
	c.Get("/admin/login")
	return c.Post("/admin/login", url.Values{"username": {username}, "password": {pw}})
}

// Cookie returns the value of a cookie the client holds for the base URL.
func (c *Client) Cookie(name string) string {
	u, _ := url.Parse(c.base)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// SetCookie plants a cookie, as an attacker or a stale browser would.
func (c *Client) SetCookie(name, value string) {
	u, _ := url.Parse(c.base)
	c.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// lockedWriter lets the server's goroutines log into one buffer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
