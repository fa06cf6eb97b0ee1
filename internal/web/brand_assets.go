package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/portico-dev/portico/internal/brand"
	"github.com/portico-dev/portico/internal/store"
)

// viewBrand is the branding a page draws: the name, the logo (its URL and
// the size to draw it at) and the accent stylesheet to link after
// portico.css. Empty URLs mean the built-in mark and colours.
type viewBrand struct {
	Name                  string
	LogoURL               string
	LogoWidth, LogoHeight int
	// LogoWithName shows the name beside the logo: the logo is about
	// square (an emblem rather than a wordmark), so it does not say the
	// name itself.
	LogoWithName bool
	// LogoTone is brand.ToneDark or brand.ToneLight when the logo needs a
	// backing in one theme; brand-logo.css draws it.
	LogoTone  string
	AccentCSS string
}

// Logo display box in the header: wide wordmarks up to 200 pixels, never
// taller than the built-in mark's row.
const headerLogoMaxWidth, headerLogoMaxHeight = 200, 36

// brandFor resolves the branding of a request: a signed-in customer sees
// the override of their customer when their scope is exactly that one
// customer; everyone else (admin console, sign-in and password pages) the
// portal's. A database failure is logged and the page shows the
// configured defaults rather than failing.
func (s *Server) brandFor(r *http.Request, st *state) viewBrand {
	var b brand.Brand
	var err error
	switch {
	case s.Brand == nil:
		return viewBrand{Name: s.Config.BusinessName}
	case !st.admin && st.account != nil:
		b, err = s.Brand.ForAccount(r.Context(), st.account)
	default:
		b, err = s.Brand.Portal(r.Context())
	}
	if err != nil {
		s.Log.Warn("branding unavailable; showing the defaults", "request_id", requestID(r), "err", err)
	}
	return makeViewBrand(b)
}

func makeViewBrand(b brand.Brand) viewBrand {
	v := viewBrand{Name: b.Name}
	if b.Accent != "" {
		v.AccentCSS = brand.AccentPath(b.Accent)
	}
	if b.LogoID != "" {
		v.LogoURL = brand.LogoPath(b.LogoID)
		v.LogoWidth, v.LogoHeight = brand.DisplaySize(b.LogoWidth, b.LogoHeight, headerLogoMaxWidth, headerLogoMaxHeight)
		v.LogoWithName = b.LogoWidth < 2*b.LogoHeight
		v.LogoTone = b.LogoTone
	}
	return v
}

// portalName is the portal's business name, for texts outside a page
// (sign-in subheadings, the test email).
func (s *Server) portalName(r *http.Request) string {
	if s.Brand == nil {
		return s.Config.BusinessName
	}
	b, err := s.Brand.Portal(r.Context())
	if err != nil {
		s.Log.Warn("branding unavailable; using the configured name", "request_id", requestID(r), "err", err)
	}
	return b.Name
}

// immutable marks a response whose URL names its content: cached for a
// year by browsers and proxies.
func immutable(h http.Header) {
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
}

// serveBrandLogo answers GET /brand/logo/{id}.png: a logo the portal
// re-encoded itself, as PNG, to anyone (the sign-in page and emails show
// it). Its id is the hash of its bytes, so it can be cached for ever; an id
// that is not 64 hex digits never reaches the database.
func (s *Server) serveBrandLogo(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutSuffix(r.PathValue("file"), ".png")
	if !ok || !brand.ValidLogoID(id) {
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	logo, err := s.Brand.Logo(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(logo.PNG)))
	// Mail clients show it from other origins.
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	immutable(h)
	w.Write(logo.PNG)
}

// serveAccentCSS answers GET /brand/accent/{rrggbb}.css: the accent
// variables for that colour in the light and dark themes. The colour is
// the whole input, so the answer never changes and is cached for a year.
func (s *Server) serveAccentCSS(w http.ResponseWriter, r *http.Request) {
	hex, ok := strings.CutSuffix(r.PathValue("file"), ".css")
	if !ok || !brand.ValidAccent("#"+hex) {
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	css, err := brand.CSS("#" + hex)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	immutable(h)
	w.Write(css)
}
