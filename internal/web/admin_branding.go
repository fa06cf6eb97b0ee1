package web

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/brand"
	"github.com/portico-dev/portico/internal/store"
)

// brandingView is the branding form, for the whole portal or for one
// customer's override. The form's values are what the admin typed; the
// Inherited fields are what an empty field falls back to.
type brandingView struct {
	Customer            bool   // a customer's override, not the portal's branding
	Key, CustomerName   string // the customer, on its page
	Action, CustomerURL string

	Name, Accent string
	// Picker is the colour input's value (always a colour, since a colour
	// input cannot be empty); PickerWas and AccentWas are the values the
	// form was drawn with, so a change made only with the picker (without
	// JavaScript to copy it into the text field) is noticed.
	Picker, PickerWas, AccentWas string
	RemoveLogo                   bool
	// LogoRetype says a logo was chosen in a form that was refused: files
	// are not sent back, so it must be chosen again.
	LogoRetype bool
	// Logo is this scope's own stored logo.
	Logo *viewBrand

	// What empty fields inherit: the portal's (on a customer's page) or
	// the configuration's (on the portal's).
	InheritedName, InheritedAccent string
	InheritedFrom                  string
	Inherited                      viewBrand

	// Preview is the branding as saved (or as typed, on a refused form),
	// with the palettes drawn in the preview and a note when the accent is
	// drawn lighter or darker for readable text.
	Preview      viewBrand
	Light, Dark  brand.Palette
	ContrastNote string

	UpdatedBy string
	Updated   string
	// Accounts see a customer's override: scoped to exactly that customer.
	Accounts []store.Account
	// Overrides lists the customers with their own branding (portal page).
	Overrides []brandingOverride

	// Previews are the light and dark previews; PaletteURL is where the
	// script fetches the palettes of another colour (HEX replaced), and
	// InheritLight and InheritDark the palettes an empty field inherits,
	// each as "accent,strong,soft,contrast".
	Previews                  []brandPreview
	PaletteURL                string
	InheritLight, InheritDark string

	MaxLogoKB, MaxLogoBytes     int
	MaxNameLength               int
	LogoMaxWidth, LogoMaxHeight int

	row *store.Brand // what is stored for the scope
}

// brandPreview is one theme's preview of the branding.
type brandPreview struct {
	Theme   string // light or dark
	Palette string // accent,strong,soft,contrast
	Brand   viewBrand
}

func paletteList(p brand.Palette) string {
	return p.Accent + "," + p.Strong + "," + p.Soft + "," + p.Contrast
}

// brandingOverride is one customer with its own branding.
type brandingOverride struct {
	Name, Href, What string
}

// brandingScope is the scope a branding request is about: "" for the
// portal, or a customer key with the customer's name. ok is false (and the
// 404 page already sent) for an unknown customer.
func (s *Server) brandingScope(w http.ResponseWriter, r *http.Request) (scope, name string, ok bool) {
	if !strings.HasPrefix(r.URL.Path, "/admin/customers/") {
		return "", "", true
	}
	key := r.PathValue("key")
	if key == "" || len(key) > 400 {
		s.errorPage(w, r, http.StatusNotFound, "")
		return "", "", false
	}
	ctx := r.Context()
	name = key
	c, err := s.Store.CustomerByKey(ctx, key)
	switch {
	case err == nil:
		if c.DisplayName != "" {
			name = c.DisplayName
		}
		return key, name, true
	case !errors.Is(err, store.ErrNotFound):
		s.serverError(w, r, err)
		return "", "", false
	}
	// Not stored yet: a customer the ERP lists, or one that accounts name.
	if accts, err := s.Store.AccountsOfCustomer(ctx, key); err == nil && len(accts) > 0 {
		return key, name, true
	}
	list, _, _ := s.Data.ERPCustomers(ctx)
	for _, c := range list {
		if c.Key == key {
			if c.Name != "" {
				name = c.Name
			}
			return key, name, true
		}
	}
	s.errorPage(w, r, http.StatusNotFound, "")
	return "", "", false
}

// loadBrandingView fills the page for scope from what is stored.
func (s *Server) loadBrandingView(r *http.Request, scope, customerName string) (brandingView, error) {
	ctx := r.Context()
	v := brandingView{Customer: scope != "", Key: scope, CustomerName: customerName, Action: "/admin/settings/branding",
		MaxLogoKB: brand.MaxLogoBytes >> 10, MaxLogoBytes: brand.MaxLogoBytes, MaxNameLength: brand.MaxNameLength,
		LogoMaxWidth: brand.LogoMaxWidth, LogoMaxHeight: brand.LogoMaxHeight, PaletteURL: brand.AccentPath("#HEX")}
	if v.Customer {
		v.CustomerURL = "/admin/customers/" + url.PathEscape(scope)
		v.Action = v.CustomerURL + "/branding"
	}
	row, err := s.Store.Brand(ctx, scope)
	switch {
	case errors.Is(err, store.ErrNotFound):
		row = &store.Brand{Scope: scope}
	case err != nil:
		return v, err
	}
	v.row = row
	v.Name, v.Accent = row.Name, row.Accent
	if row.LogoID != "" {
		lb := makeViewBrand(brand.Brand{Name: row.Name, LogoID: row.LogoID, LogoWidth: row.LogoWidth, LogoHeight: row.LogoHeight,
			LogoTone: s.Brand.LogoToneOf(ctx, row.LogoID)})
		v.Logo = &lb
	}
	if row.UpdatedBy != "" {
		v.UpdatedBy, v.Updated = row.UpdatedBy, row.UpdatedAt.In(s.Config.Location).Format("2 Jan 2006, 15:04 MST")
	}
	if err := s.fillBrandingInherited(r, &v); err != nil {
		return v, err
	}
	if v.Customer {
		if v.Accounts, err = s.Store.AccountsScopedToOnly(ctx, scope); err != nil {
			return v, err
		}
	} else if v.Overrides, err = s.brandingOverrides(r); err != nil {
		return v, err
	}
	return v, nil
}

// fillBrandingInherited sets what the form's empty fields fall back to,
// and the preview of the values in the form.
func (s *Server) fillBrandingInherited(r *http.Request, v *brandingView) error {
	inherited := s.Brand.Default
	v.InheritedFrom = "the configuration (PORTICO_BUSINESS_NAME)"
	if v.Customer {
		p, err := s.Brand.Portal(r.Context())
		if err != nil {
			return err
		}
		inherited = p
		v.InheritedFrom = "the portal's branding"
	}
	v.InheritedName, v.InheritedAccent = inherited.Name, inherited.Accent
	v.Inherited = makeViewBrand(inherited)
	il, id := brand.BuiltInLight, brand.BuiltInDark
	if inherited.Accent != "" {
		il, id, _ = brand.Derive(inherited.Accent)
	}
	v.InheritLight, v.InheritDark = paletteList(il), paletteList(id)

	shown := inherited
	if v.Name != "" {
		shown.Name = v.Name
	}
	a, err := brand.ParseAccent(v.Accent)
	if err != nil && v.row != nil {
		a = v.row.Accent // a refused colour: preview the saved one
	}
	if a != "" {
		shown.Accent = a
	}
	if v.row != nil && v.row.LogoID != "" && !v.RemoveLogo {
		shown.LogoID, shown.LogoWidth, shown.LogoHeight = v.row.LogoID, v.row.LogoWidth, v.row.LogoHeight
		shown.LogoTone = s.Brand.LogoToneOf(r.Context(), v.row.LogoID)
	}
	v.ContrastNote = ""
	v.Preview = makeViewBrand(shown)
	v.Light, v.Dark = brand.BuiltInLight, brand.BuiltInDark
	v.Picker = brand.DefaultAccent
	if shown.Accent != "" {
		v.Picker = shown.Accent
		v.Light, v.Dark, _ = brand.Derive(shown.Accent)
		switch {
		case v.Light.Accent != shown.Accent && v.Dark.Accent != shown.Accent:
			v.ContrastNote = "So that links and button text stay readable, the accent is drawn a little darker in the light theme (" + v.Light.Accent + ") and lighter in the dark theme (" + v.Dark.Accent + ")."
		case v.Light.Accent != shown.Accent:
			v.ContrastNote = "So that links and button text stay readable, the accent is drawn a little darker in the light theme (" + v.Light.Accent + ")."
		case v.Dark.Accent != shown.Accent:
			v.ContrastNote = "So that links stay readable, the accent is drawn lighter in the dark theme (" + v.Dark.Accent + ")."
		}
	}
	if v.PickerWas == "" {
		v.PickerWas, v.AccentWas = v.Picker, v.Accent
	}
	v.Previews = []brandPreview{{"light", paletteList(v.Light), v.Preview}, {"dark", paletteList(v.Dark), v.Preview}}
	return nil
}

// brandingOverrides lists the customers with their own branding.
func (s *Server) brandingOverrides(r *http.Request) ([]brandingOverride, error) {
	ctx := r.Context()
	rows, err := s.Store.BrandOverrides(ctx)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	names := map[string]string{}
	if known, err := s.Store.ListCustomers(ctx); err == nil {
		for _, c := range known {
			names[c.Key] = c.DisplayName
		}
	}
	var out []brandingOverride
	for _, b := range rows {
		name := names[b.Scope]
		if name == "" {
			name = b.Scope
		}
		var what []string
		if b.Name != "" {
			what = append(what, "name")
		}
		if b.Accent != "" {
			what = append(what, "accent")
		}
		if b.LogoID != "" {
			what = append(what, "logo")
		}
		out = append(out, brandingOverride{Name: name, Href: "/admin/customers/" + url.PathEscape(b.Scope) + "/branding", What: strings.Join(what, ", ")})
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out, nil
}

func (s *Server) renderBranding(w http.ResponseWriter, r *http.Request, status int, v brandingView, fields map[string]string, notice, problem string) {
	title := "Branding"
	if v.Customer {
		title = "Branding for " + v.CustomerName
	}
	s.page(w, r, status, "admin_branding", &view{Title: title, Notice: notice, Error: problem, Fields: fields, Data: v})
}

// showBranding shows the branding form of the portal or of one customer.
func (s *Server) showBranding(w http.ResponseWriter, r *http.Request) {
	scope, name, ok := s.brandingScope(w, r)
	if !ok {
		return
	}
	v, err := s.loadBrandingView(r, scope, name)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	notice := ""
	switch r.URL.Query().Get("msg") {
	case "saved":
		notice = "Branding saved. It shows at once here and within 5 seconds on every other instance of the portal."
	case "reset":
		notice = "Branding reset: every field is inherited again."
		if !v.Customer {
			notice = "Branding reset to the defaults from the configuration."
		}
	case "unchanged":
		notice = "Nothing was changed."
	}
	s.renderBranding(w, r, http.StatusOK, v, nil, notice, "")
}

// saveBranding saves the branding form: name, accent and logo (upload,
// keep or remove), or resets every field. A refused form comes back with
// 422 (413 for a logo over the size limit), the message next to its field
// and the typed values kept; nothing is stored.
func (s *Server) saveBranding(w http.ResponseWriter, r *http.Request) {
	scope, customerName, ok := s.brandingScope(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	adm := stateOf(r).adm
	change := brand.Change{Scope: scope, Label: customerName, Actor: audit.Actor{Kind: store.KindAdmin, ID: adm.ID, Label: adm.Username}}
	back := "/admin/settings/branding"
	if scope != "" {
		back = "/admin/customers/" + url.PathEscape(scope) + "/branding"
	}
	f := r.PostForm
	if f.Get("action") == "reset" {
		change.Reset = true
		changed, err := s.Brand.Save(ctx, change)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		msg := "reset"
		if !changed {
			msg = "unchanged"
		}
		http.Redirect(w, r, back+"?msg="+msg, http.StatusSeeOther)
		return
	}

	accent := strings.TrimSpace(f.Get("accent"))
	picker := strings.ToLower(strings.TrimSpace(f.Get("accent_picker")))
	// Without JavaScript the picker does not fill in the text field: a
	// colour changed only with the picker is the one meant.
	if accent == strings.TrimSpace(f.Get("accent_was")) && picker != strings.ToLower(strings.TrimSpace(f.Get("picker_was"))) && brand.ValidAccent(picker) {
		accent = picker
	}
	change.Name, change.Accent = f.Get("name"), accent
	change.RemoveLogo = f.Get("remove_logo") == "on"
	fields := map[string]string{}
	status := http.StatusUnprocessableEntity
	if _, err := brand.ParseName(change.Name); err != nil {
		fields["name"] = err.Error()
	}
	if _, err := brand.ParseAccent(change.Accent); err != nil {
		fields["accent"] = err.Error()
	}
	chosen := false
	if fh := logoUpload(r); fh != nil {
		chosen = true
		logo, err := readLogo(fh)
		switch {
		case errors.Is(err, brand.ErrLogoTooLarge):
			status = http.StatusRequestEntityTooLarge
			fields["logo"] = brand.ErrLogoTooLarge.Message
		case err != nil:
			var invalid *brand.InvalidError
			if !errors.As(err, &invalid) {
				s.serverError(w, r, err)
				return
			}
			fields["logo"] = invalid.Message
		case change.RemoveLogo:
			fields["logo"] = "Choose a new logo or tick “Remove the logo”, not both."
		default:
			change.Logo = logo
		}
	}
	if len(fields) > 0 {
		v, err := s.loadBrandingView(r, scope, customerName)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		v.Name, v.Accent, v.RemoveLogo, v.LogoRetype = strings.TrimSpace(change.Name), accent, change.RemoveLogo, chosen
		v.PickerWas, v.AccentWas = "", ""
		if err := s.fillBrandingInherited(r, &v); err != nil {
			s.serverError(w, r, err)
			return
		}
		s.renderBranding(w, r, status, v, fields, "", "The branding was not saved. Check the fields marked below.")
		return
	}
	changed, err := s.Brand.Save(ctx, change)
	if err != nil {
		var invalid *brand.InvalidError
		if errors.As(err, &invalid) { // Save checks again what was checked above
			s.errorPage(w, r, http.StatusUnprocessableEntity, invalid.Message)
			return
		}
		s.serverError(w, r, err)
		return
	}
	msg := "saved"
	if !changed {
		msg = "unchanged"
	}
	http.Redirect(w, r, back+"?msg="+msg, http.StatusSeeOther)
}

// logoUpload returns the uploaded logo file, or nil when the form has
// none (no file chosen sends an empty part without a name).
func logoUpload(r *http.Request) *multipart.FileHeader {
	if r.MultipartForm == nil {
		return nil
	}
	files := r.MultipartForm.File["logo"]
	if len(files) == 0 || (files[0].Filename == "" && files[0].Size == 0) {
		return nil
	}
	return files[0]
}

// readLogo reads an uploaded logo (never more than the limit) and checks
// it with brand.PrepareLogo.
func readLogo(fh *multipart.FileHeader) (*brand.Logo, error) {
	if fh.Size > brand.MaxLogoBytes {
		return nil, brand.ErrLogoTooLarge
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, brand.MaxLogoBytes+1))
	if err != nil {
		return nil, err
	}
	return brand.PrepareLogo(b)
}
