// Package brand is the portal's branding: the name, accent colour and logo
// the portal shows, set for the whole portal and optionally overridden per
// customer. It resolves the brand a person sees (customer override, then the
// portal's, then the configuration's default, field by field), derives the
// accent palettes for the light and dark themes with readable contrast,
// checks and re-encodes uploaded logos, and saves changes with their audit
// entry. Resolved rows are cached briefly so pages do not read the database
// on every request.
package brand

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/clock"
	"github.com/portico-dev/portico/internal/mail"
	"github.com/portico-dev/portico/internal/store"
)

// Brand is the branding one person sees, resolved.
type Brand struct {
	// Name is the business name; never empty.
	Name string
	// Accent is "#rrggbb", or "" for Portico's built-in teal.
	Accent string
	// LogoID is the id of the stored logo, or "" for the built-in mark.
	LogoID string
	// LogoWidth and LogoHeight are the logo's size in pixels.
	LogoWidth, LogoHeight int
	// LogoTone is ToneDark or ToneLight for a transparent logo that needs a
	// backing in one theme (see LogoTone), else "".
	LogoTone string
}

// LogoPath is the URL path of a stored logo.
func LogoPath(id string) string { return "/brand/logo/" + id + ".png" }

// AccentPath is the URL path of the stylesheet for an accent ("#rrggbb"),
// with the palette version so a new derivation is never hidden by a cache.
func AccentPath(accent string) string {
	return "/brand/accent/" + strings.TrimPrefix(accent, "#") + ".css?v=" + PaletteVersion
}

// InvalidError refuses an admin's input; Message is written for the admin
// and Field names the form field it is about.
type InvalidError struct {
	Field   string
	Message string
}

func (e *InvalidError) Error() string { return e.Message }

// MaxNameLength bounds the name in characters: it is a header, a title and
// an email subject.
const MaxNameLength = 100

// ParseName checks a business name typed by an admin: empty (inherit) or
// up to MaxNameLength characters without control characters (a line break
// would reach an email's Subject header). Spaces around it are dropped.
func ParseName(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case !utf8.ValidString(s):
		return "", &InvalidError{Field: "name", Message: "The name contains characters that are not text."}
	case utf8.RuneCountInString(s) > MaxNameLength:
		return "", &InvalidError{Field: "name", Message: fmt.Sprintf("The name is at most %d characters.", MaxNameLength)}
	}
	for _, c := range s {
		if unicode.IsControl(c) || c == '\u2028' || c == '\u2029' {
			return "", &InvalidError{Field: "name", Message: "The name must be one line of text, without tabs or line breaks."}
		}
	}
	return s, nil
}

// DefaultTTL is how long a branding row read from the database is used
// before it is read again: another instance's change shows within it.
const DefaultTTL = 5 * time.Second

// maxCached bounds the cache; past it, the cache starts again empty.
const maxCached = 10_000

// Service resolves, caches and saves branding.
type Service struct {
	Store *store.Store
	Clock clock.Clock
	Audit *audit.Recorder
	Log   *slog.Logger
	// Default is the configuration's brand: the name from
	// PORTICO_BUSINESS_NAME, the built-in accent and mark.
	Default Brand
	// BaseURL is the public URL, for the logo's address in emails.
	BaseURL string
	// TTL is how long rows are cached; zero means DefaultTTL.
	TTL time.Duration

	mu    sync.Mutex
	cache map[string]cachedRow
	tones map[string]string // logo id → LogoTone; a logo never changes
}

type cachedRow struct {
	row *store.Brand // nil: no row for this scope
	at  time.Time
}

// New returns a service for a store; name is the configured business name.
func New(st *store.Store, clk clock.Clock, rec *audit.Recorder, log *slog.Logger, name, baseURL string) *Service {
	if clk == nil {
		clk = clock.System{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if strings.TrimSpace(name) == "" {
		name = "Portico"
	}
	return &Service{Store: st, Clock: clk, Audit: rec, Log: log, Default: Brand{Name: name}, BaseURL: strings.TrimRight(baseURL, "/")}
}

// CustomerOf returns the customer whose branding an account sees: the one
// customer of an account scoped to exactly one. Accounts with several
// customers or all customers see the portal's branding.
func CustomerOf(a *store.Account) (string, bool) {
	if a == nil || a.AllCustomers || len(a.Scope) != 1 {
		return "", false
	}
	return a.Scope[0], true
}

// row returns the cached row of scope, reading it when absent or older than
// the TTL.
func (s *Service) row(ctx context.Context, scope string) (*store.Brand, error) {
	ttl := s.TTL
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	now := s.Clock.Now()
	s.mu.Lock()
	c, ok := s.cache[scope]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < ttl && !now.Before(c.at) {
		return c.row, nil
	}
	b, err := s.Store.Brand(ctx, scope)
	if errors.Is(err, store.ErrNotFound) {
		b, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.cache == nil || len(s.cache) >= maxCached {
		s.cache = map[string]cachedRow{}
	}
	s.cache[scope] = cachedRow{row: b, at: now}
	s.mu.Unlock()
	return b, nil
}

// Invalidate drops the cached row of scope, so this instance reads it
// again at once.
func (s *Service) Invalidate(scope string) {
	s.mu.Lock()
	delete(s.cache, scope)
	s.mu.Unlock()
}

// Portal is the portal's brand (admin console, sign-in pages, staff email).
func (s *Service) Portal(ctx context.Context) (Brand, error) { return s.resolve(ctx, "") }

// ForCustomer is the brand an account scoped to exactly this customer sees.
func (s *Service) ForCustomer(ctx context.Context, key string) (Brand, error) {
	return s.resolve(ctx, key)
}

// ForAccount is the brand a customer account sees.
func (s *Service) ForAccount(ctx context.Context, a *store.Account) (Brand, error) {
	key, _ := CustomerOf(a)
	return s.resolve(ctx, key)
}

// resolve merges, field by field, the customer's row (when key is not
// empty), the portal's row and the default. On a database error it returns
// the default with the error, so a caller can still draw a page.
func (s *Service) resolve(ctx context.Context, key string) (Brand, error) {
	out := s.Default
	portal, err := s.row(ctx, "")
	if err != nil {
		return s.Default, fmt.Errorf("brand: read portal branding: %w", err)
	}
	rows := []*store.Brand{portal}
	if key != "" {
		cust, err := s.row(ctx, key)
		if err != nil {
			return s.Default, fmt.Errorf("brand: read branding of customer %q: %w", key, err)
		}
		rows = append([]*store.Brand{cust}, rows...)
	}
	name, accent, logo := false, false, false
	for _, r := range rows {
		if r == nil {
			continue
		}
		if !name && r.Name != "" {
			out.Name, name = r.Name, true
		}
		if !accent && ValidAccent(r.Accent) {
			out.Accent, accent = r.Accent, true
		}
		if !logo && ValidLogoID(r.LogoID) {
			out.LogoID, out.LogoWidth, out.LogoHeight, logo = r.LogoID, r.LogoWidth, r.LogoHeight, true
		}
	}
	if out.LogoID != "" {
		out.LogoTone = s.logoTone(ctx, out.LogoID)
	}
	return out, nil
}

// LogoToneOf is LogoTone of a stored logo, worked out once per instance
// (a logo's bytes never change under its id); "" when it cannot be read.
func (s *Service) LogoToneOf(ctx context.Context, id string) string { return s.logoTone(ctx, id) }

func (s *Service) logoTone(ctx context.Context, id string) string {
	s.mu.Lock()
	tone, ok := s.tones[id]
	s.mu.Unlock()
	if ok {
		return tone
	}
	l, err := s.Store.BrandLogo(ctx, id)
	if err != nil {
		s.Log.Warn("brand: logo unreadable", "logo", id, "err", err)
		return ""
	}
	tone = LogoTone(l.PNG)
	s.mu.Lock()
	if s.tones == nil || len(s.tones) >= maxCached {
		s.tones = map[string]string{}
	}
	s.tones[id] = tone
	s.mu.Unlock()
	return tone
}

// Change is an admin's save of one branding form. Name and Accent are
// stored as given after ParseName and ParseAccent; an empty one inherits.
type Change struct {
	// Scope is "" for the portal, else the customer key.
	Scope string
	// Label names the scope in the audit log (the customer's name).
	Label        string
	Name, Accent string
	// Logo is a new logo (from PrepareLogo) to use, or nil to keep the
	// current one unless RemoveLogo.
	Logo       *Logo
	RemoveLogo bool
	// Reset empties every field: the scope inherits everything again.
	Reset bool
	Actor audit.Actor
}

// Save stores a change of branding and its audit entry (branding_changed,
// with "from" and "to" holding only the fields that changed) in one
// transaction, and drops this instance's cached row so the change shows
// at once here; other instances see it within the TTL. It reports whether
// anything changed; nothing is written when nothing did.
func (s *Service) Save(ctx context.Context, c Change) (bool, error) {
	name, err := ParseName(c.Name)
	if err != nil {
		return false, err
	}
	accent, err := ParseAccent(c.Accent)
	if err != nil {
		return false, err
	}
	if c.Reset {
		name, accent = "", ""
	}
	now := s.Clock.Now()
	changed := false
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		old, err := tx.LockBrand(ctx, c.Scope)
		if errors.Is(err, store.ErrNotFound) {
			old, err = &store.Brand{Scope: c.Scope}, nil
		}
		if err != nil {
			return err
		}
		next := store.Brand{Scope: c.Scope, Name: name, Accent: accent, LogoID: old.LogoID, UpdatedAt: now, UpdatedBy: c.Actor.Label}
		switch {
		case c.Reset || c.RemoveLogo:
			next.LogoID = ""
		case c.Logo != nil:
			if err := tx.SaveBrandLogo(ctx, &store.BrandLogo{ID: c.Logo.ID, PNG: c.Logo.PNG, Width: c.Logo.Width, Height: c.Logo.Height, CreatedAt: now}); err != nil {
				return err
			}
			next.LogoID = c.Logo.ID
		}
		from, to := map[string]any{}, map[string]any{}
		for _, f := range []struct{ field, old, new string }{
			{"name", old.Name, next.Name}, {"accent", old.Accent, next.Accent}, {"logo_id", old.LogoID, next.LogoID},
		} {
			if f.old != f.new {
				from[f.field], to[f.field] = f.old, f.new
			}
		}
		if len(to) == 0 {
			return nil
		}
		changed = true
		if err := tx.UpsertBrand(ctx, &next); err != nil {
			return err
		}
		target := audit.Target{Kind: "branding", ID: "portal", Label: "Portal"}
		if c.Scope != "" {
			label := c.Label
			if label == "" {
				label = c.Scope
			}
			target = audit.Target{Kind: "customer", ID: c.Scope, Label: label}
		}
		details := map[string]any{"scope": scopeName(c.Scope), "from": from, "to": to}
		if c.Reset {
			details["reset"] = true
		}
		return s.Audit.Record(ctx, tx, audit.BrandingChanged, c.Actor, target, details)
	})
	if err != nil {
		return false, err
	}
	s.Invalidate(c.Scope)
	return changed, nil
}

func scopeName(scope string) string {
	if scope == "" {
		return "portal"
	}
	return "customer"
}

// Logo returns a stored logo by id (ErrNotFound when there is none or the
// id is not one).
func (s *Service) Logo(ctx context.Context, id string) (*store.BrandLogo, error) {
	if !ValidLogoID(id) {
		return nil, store.ErrNotFound
	}
	return s.Store.BrandLogo(ctx, id)
}

// EmailLook is the branding of an email to the customer account accountID
// (0: to staff or anyone else, who get the portal's): its name, the button
// in the brand's accent with black or white text for contrast, links and
// the top rule dark enough to read on white, and the logo's absolute URL.
// The account is read through tx, so one created in the same transaction
// (an invitation) is found. Without an accent the email keeps its built-in
// colours.
func (s *Service) EmailLook(ctx context.Context, tx *store.Tx, accountID int64) (mail.Look, error) {
	key := ""
	if accountID != 0 {
		a, err := tx.AccountByID(ctx, accountID)
		switch {
		case err == nil:
			key, _ = CustomerOf(a)
		case !errors.Is(err, store.ErrNotFound):
			return mail.Look{}, err
		}
	}
	b, err := s.resolve(ctx, key)
	if err != nil {
		return mail.Look{}, err
	}
	l := mail.Look{Business: b.Name}
	if b.Accent != "" {
		l.Accent, l.AccentText, l.Link = b.Accent, ButtonText(b.Accent), OnWhite(b.Accent)
	}
	// A pale logo would vanish on the email's white card: the name shows.
	if b.LogoID != "" && s.BaseURL != "" && b.LogoTone != ToneLight {
		l.LogoURL = s.BaseURL + LogoPath(b.LogoID)
		l.LogoWidth, l.LogoHeight = DisplaySize(b.LogoWidth, b.LogoHeight, 200, 48)
	}
	return l, nil
}

// DisplaySize is the size to draw a logo of w × h pixels at so that it fits
// maxW × maxH, never larger than it is.
func DisplaySize(w, h, maxW, maxH int) (int, int) {
	if w <= 0 || h <= 0 {
		return maxH, maxH
	}
	return fit(w, h, maxW, maxH)
}
