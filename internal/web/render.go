package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/store"
)

//go:embed templates
var templateFS embed.FS

// renderer holds one parsed template set per page: the layouts and partials
// plus that page, parsed once at start.
type renderer struct {
	pages map[string]*template.Template
}

func newRenderer(a *assets, loc *time.Location) (*renderer, error) {
	if loc == nil {
		loc = time.UTC
	}
	funcs := template.FuncMap{
		"asset": a.URL,
		"datetime": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.In(loc).Format("2 Jan 2006, 15:04 MST")
		},
		"isoTime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"deref": func(t *time.Time) time.Time {
			if t == nil {
				return time.Time{}
			}
			return *t
		},
		"initials":    initials,
		"hasPrefix":   strings.HasPrefix,
		"formatCount": formatCount,
		"clock":       func(t time.Time) string { return t.In(loc).Format("15:04:05 MST") },
		"year":        func() int { return time.Now().Year() },
	}
	base, err := template.New("base").Funcs(funcs).ParseFS(templateFS, "templates/layout/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layouts: %w", err)
	}
	r := &renderer{pages: map[string]*template.Template{}}
	names, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range names {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, p)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", p, err)
		}
		r.pages[strings.TrimSuffix(path.Base(p), ".html")] = t
	}
	return r, nil
}

// initials gives the letters shown in the avatar circle.
func initials(name string) string {
	var out []rune
	for _, f := range strings.Fields(name) {
		for _, c := range f {
			out = append(out, c)
			break
		}
		if len(out) == 2 {
			break
		}
	}
	return strings.ToUpper(string(out))
}

// view is the data every page template receives.
type view struct {
	Title     string
	Business  string
	TimeZone  string // the display time zone's name, for pages that say it
	CSRF      string
	Account   *store.Account
	Admin     *store.Admin
	Notice    string // a confirmation ("You have been signed out.")
	Error     string // a problem with the whole form
	Fields    map[string]string
	Values    map[string]string
	RequestID string
	Demo      bool
	Version   string
	Path      string
	AdminArea bool // the page belongs to the admin console
	Data      any
	Nav       []navItem // the customer's sections
	Brand     viewBrand // the branding the page shows, set by page()
}

// navItem is one entry of the customer navigation.
type navItem struct {
	Label, Href string
	Current     bool
}

// page renders a full page with status into a buffer first, so a template
// error becomes a clean 500 instead of half a page.
func (s *Server) page(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	t, ok := s.render.pages[name]
	if !ok {
		s.serverError(w, r, fmt.Errorf("web: no page template %q", name))
		return
	}
	st := stateOf(r)
	v.Brand = s.brandFor(r, st)
	v.Business = v.Brand.Name
	v.TimeZone = s.Config.TimeZone
	v.RequestID = requestID(r)
	v.Demo = s.Config.Demo
	v.Version = s.Version
	v.Path = r.URL.Path
	v.AdminArea = st.admin
	if v.Account == nil && !st.admin {
		v.Account = st.account
	}
	if v.Admin == nil && st.admin {
		v.Admin = st.adm
	}
	if !st.admin && v.Account != nil {
		v.Nav = s.customerNav(r)
	}
	if v.CSRF == "" {
		v.CSRF = s.Auth.FormToken(formBinding(st))
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name+".html", v); err != nil {
		s.Log.Error("render", "page", name, "request_id", requestID(r), "err", err)
		if name != "error" {
			s.errorPage(w, r, http.StatusInternalServerError, "")
		} else {
			http.Error(w, "Internal error", http.StatusInternalServerError)
		}
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fragment renders one named block of a page (the part htmx swaps).
func (s *Server) fragment(w http.ResponseWriter, r *http.Request, status int, pageName, block string, v *view) {
	t, ok := s.render.pages[pageName]
	if !ok {
		s.serverError(w, r, fmt.Errorf("web: no page template %q", pageName))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, v.Data); err != nil {
		s.Log.Error("render fragment", "page", pageName, "block", block, "request_id", requestID(r), "err", err)
		s.errorPage(w, r, http.StatusInternalServerError, "")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// customerNav lists Overview and the sections the signed-in customer has.
func (s *Server) customerNav(r *http.Request) []navItem {
	path := r.URL.Path
	nav := []navItem{{Label: "Overview", Href: "/", Current: path == "/"}}
	for _, sec := range s.sections(r) {
		nav = append(nav, navItem{Label: sec.Title, Href: sec.Href, Current: path == sec.Href || strings.HasPrefix(path, sec.Href+"/")})
	}
	return nav
}
