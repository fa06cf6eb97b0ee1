package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/auth/directory"
	"github.com/portico-dev/portico/internal/store"
)

// directoryTestTimeout bounds "test connection" and "test a user": a few
// round trips, each also bounded by the directory timeout setting.
const directoryTestTimeout = 30 * time.Second

// directorySettingsMaxLen caps every text field; real DNs and filters are
// far shorter.
const directorySettingsMaxLen = 1024

var directoryKinds = []emailSettingsOption{
	{"", "Choose…"},
	{directory.KindAD, "Active Directory"},
	{directory.KindOpenLDAP, "OpenLDAP"},
}

// directoryFieldNames maps directory.Config (and auth) field names to the
// form's input names.
var directoryFieldNames = map[string]string{
	"URL": "url", "StartTLS": "start_tls", "SkipVerify": "skip_verify", "CAFile": "ca_file",
	"BindDN": "bind_dn", "BindPassword": "bind_password", "BaseDN": "base_dn", "UserFilter": "user_filter",
	"Kind": "kind", "AdminGroupDN": "admin_group_dn", "Timeout": "timeout", "Recheck": "recheck", "Username": "username",
}

// directorySettingsView is the directory settings page. The bind password
// is never in it: only whether one is stored.
type directorySettingsView struct {
	Enabled                                                   bool
	URL, CAFile, BindDN, BaseDN, UserFilter, Kind, AdminGroup string
	Timeout, Recheck                                          string
	StartTLS, SkipVerify                                      bool
	Kinds                                                     []emailSettingsOption
	HasPassword                                               bool
	// PasswordRetype says a password was typed into a form that came
	// back: it is not sent back, so it must be typed again.
	PasswordRetype bool
	// Source is where the settings in force come from: database,
	// environment or none.
	Source string
	// Problem says why the settings in force cannot be used.
	Problem string
	Env     []emailEnvVar
	// DefaultAD and DefaultOpenLDAP are the default user filters.
	DefaultAD, DefaultOpenLDAP string
	DefaultTimeout, Recheck0   string
	// TestOK and TestError report "test connection"; UserOK, UserWarn and
	// UserError "test a user", for TestUsername.
	TestOK, TestError         string
	TestUsername              string
	UserOK, UserWarn, UserErr string
	// Inputs are the text fields, by name, built by renderDirectorySettings.
	Inputs map[string]emailInput
}

// renderDirectorySettings shows the page with field errors next to the
// fields.
func (s *Server) renderDirectorySettings(w http.ResponseWriter, r *http.Request, status int, v directorySettingsView, fields map[string]string, notice, problem string) {
	in := func(name, label, value, placeholder, hint string) emailInput {
		return emailInput{Name: name, Label: label, Value: value, Type: "text", Autocomplete: "off", Placeholder: placeholder, Hint: hint, Error: fields[name]}
	}
	v.Kinds = directoryKinds
	v.DefaultAD, v.DefaultOpenLDAP = directory.DefaultADFilter, directory.DefaultOpenLDAPFilter
	v.DefaultTimeout, v.Recheck0 = auth.FormatDuration(directory.DefaultTimeout), auth.FormatDuration(auth.DefaultDirectoryRecheck)
	v.Inputs = map[string]emailInput{
		"url": in("url", "Server URL", v.URL, "ldaps://dc1.corp.example:636",
			"ldaps:// is encrypted from the start (port 636); ldap:// (port 389) needs StartTLS unless the server is this machine."),
		"ca_file": in("ca_file", "CA file", v.CAFile, "/etc/portico/corp-ca.pem",
			"Optional: a PEM file on this server with the authority that issued the directory's certificate, for an internal CA."),
		"bind_dn": in("bind_dn", "Service account (bind DN)", v.BindDN, "CN=portal-reader,OU=Service Accounts,DC=corp,DC=example",
			"A read-only account that searches for users and groups."),
		"base_dn":        in("base_dn", "Base DN", v.BaseDN, "DC=corp,DC=example", "Where users are searched (and, for OpenLDAP, groups)."),
		"user_filter":    in("user_filter", "User filter", v.UserFilter, "", "Leave empty for the default of the kind chosen. {username} stands for the name typed, escaped."),
		"admin_group_dn": in("admin_group_dn", "Admin group", v.AdminGroup, "CN=Portal Admins,OU=Groups,DC=corp,DC=example", "Members of this group, directly or through nested groups, may sign in to the admin console."),
		"timeout":        in("timeout", "Timeout", v.Timeout, v.DefaultTimeout, "For the connection and each directory request, e.g. 5s (100ms to 1m)."),
		"recheck":        in("recheck", "Re-check membership every", v.Recheck, v.Recheck0, "A signed-in directory admin removed from the group is signed out within this time, e.g. 15m (1m to 24h)."),
		"username":       in("username", "Username", v.TestUsername, "jdoe", ""),
	}
	s.page(w, r, status, "admin_settings_directory", &view{Title: "Directory sign-in", Notice: notice, Error: problem, Fields: fields, Data: v})
}

// directoryView fills the page's fields from settings.
func directoryView(d auth.DirectorySettings) directorySettingsView {
	c := d.Config
	v := directorySettingsView{Enabled: d.Enabled, URL: c.URL, CAFile: c.CAFile, BindDN: c.BindDN, BaseDN: c.BaseDN,
		UserFilter: c.UserFilter, Kind: c.Kind, AdminGroup: c.AdminGroupDN, StartTLS: c.StartTLS, SkipVerify: c.SkipVerify}
	if c.Timeout > 0 {
		v.Timeout = auth.FormatDuration(c.Timeout)
	}
	if d.Recheck > 0 {
		v.Recheck = auth.FormatDuration(d.Recheck)
	}
	return v
}

// loadDirectoryView fills the page from the settings in force.
func (s *Server) loadDirectoryView(ctx context.Context) (directorySettingsView, error) {
	st, err := s.Auth.DirectoryStatus(ctx)
	if err != nil {
		return directorySettingsView{Source: auth.DirectoryFromDatabase}, err
	}
	v := directoryView(st.Settings)
	v.HasPassword, v.Source = st.HasPassword, st.Source
	s.addDirectoryStatus(&v, st)
	return v, nil
}

// addDirectoryStatus adds what does not come from the form: the problem
// with the settings in force and the environment's values.
func (s *Server) addDirectoryStatus(v *directorySettingsView, st auth.DirectoryStatus) {
	if st.Problem != nil && st.Settings.Enabled {
		var msgs []string
		for _, fe := range directory.FieldErrors(st.Problem) {
			msgs = append(msgs, directoryFieldLabel(fe.Field)+": "+fe.Message+".")
		}
		if len(msgs) == 0 {
			msgs = append(msgs, directorySentence(st.Problem.Error()))
		}
		v.Problem = strings.Join(msgs, " ")
	}
	if !st.Env.Enabled {
		return
	}
	e, c := st.Env, st.Env.Config
	password := ""
	if st.EnvHasPassword {
		password = "set (hidden)"
	}
	onOff := func(b bool) string { return strconv.FormatBool(b) }
	dur := func(d time.Duration) string {
		if d <= 0 {
			return ""
		}
		return auth.FormatDuration(d)
	}
	v.Env = []emailEnvVar{{"PORTICO_LDAP_URL", c.URL}, {"PORTICO_LDAP_START_TLS", onOff(c.StartTLS)},
		{"PORTICO_LDAP_SKIP_VERIFY", onOff(c.SkipVerify)}, {"PORTICO_LDAP_CA_FILE", c.CAFile},
		{"PORTICO_LDAP_BIND_DN", c.BindDN}, {"PORTICO_LDAP_BIND_PASSWORD", password}, {"PORTICO_LDAP_BASE_DN", c.BaseDN},
		{"PORTICO_LDAP_USER_FILTER", c.UserFilter}, {"PORTICO_LDAP_KIND", c.Kind}, {"PORTICO_LDAP_ADMIN_GROUP", c.AdminGroupDN},
		{"PORTICO_LDAP_TIMEOUT", dur(c.Timeout)}, {"PORTICO_LDAP_RECHECK", dur(e.Recheck)}}
}

// directorySettingsProblem is shown when the stored settings cannot be
// read at all.
const directorySettingsProblem = "The saved directory settings cannot be read. Enter them again and save."

// showDirectorySettings shows the directory settings form and the tests.
func (s *Server) showDirectorySettings(w http.ResponseWriter, r *http.Request) {
	v, err := s.loadDirectoryView(r.Context())
	problem := ""
	if err != nil {
		s.Log.Warn("directory settings unreadable", "request_id", requestID(r), "err", err)
		problem = directorySettingsProblem
	}
	notice := ""
	switch r.URL.Query().Get("msg") {
	case "saved":
		notice = "Directory settings saved. Directory admins can sign in with them now; other instances pick them up within 30 seconds."
	case "off":
		notice = "Directory sign-in is turned off. Only local admins can sign in; directory admins still signed in are signed out at their next membership re-check."
	case "unchanged":
		notice = "Nothing was changed."
	}
	s.renderDirectorySettings(w, r, http.StatusOK, v, nil, notice, problem)
}

// parseDirectoryForm reads the settings form. Problems the form itself can
// see (lengths, control characters, durations) come back as field errors;
// the settings' own rules are checked by the auth service.
func parseDirectoryForm(r *http.Request) (auth.DirectorySettings, directorySettingsView, map[string]string) {
	f := r.PostForm
	fields := map[string]string{}
	text := func(name, label string) string {
		v := strings.TrimSpace(f.Get(name))
		switch {
		case len(v) > directorySettingsMaxLen:
			fields[name] = label + " is at most " + strconv.Itoa(directorySettingsMaxLen) + " characters."
		case !plainText(v):
			fields[name] = label + " contains control characters (such as a line break); remove them."
		}
		return v
	}
	d := auth.DirectorySettings{Enabled: true}
	c := &d.Config
	c.URL = text("url", "The server URL")
	c.CAFile = text("ca_file", "The CA file")
	c.BindDN = text("bind_dn", "The bind DN")
	c.BaseDN = text("base_dn", "The base DN")
	c.UserFilter = text("user_filter", "The user filter")
	c.Kind = text("kind", "The kind")
	c.AdminGroupDN = text("admin_group_dn", "The admin group")
	c.StartTLS = f.Get("start_tls") == "on"
	c.SkipVerify = f.Get("skip_verify") == "on"
	// The password is taken as typed: spaces may be part of it.
	c.BindPassword = f.Get("bind_password")
	if len(c.BindPassword) > directorySettingsMaxLen || !utf8.ValidString(c.BindPassword) || strings.ContainsRune(c.BindPassword, 0) {
		fields["bind_password"] = "The password is longer than " + strconv.Itoa(directorySettingsMaxLen) + " characters or holds characters no password can have."
	}
	timeout, recheck := text("timeout", "The timeout"), text("recheck", "The re-check interval")
	parseDur := func(name, v, example string) time.Duration {
		if v == "" || fields[name] != "" {
			return 0
		}
		dur, err := time.ParseDuration(v)
		if err != nil || dur <= 0 {
			fields[name] = "Write a duration such as " + example + " (s for seconds, m for minutes, h for hours)."
			return 0
		}
		return dur
	}
	c.Timeout = parseDur("timeout", timeout, "5s")
	d.Recheck = parseDur("recheck", recheck, "15m")
	v := directorySettingsView{Enabled: true, URL: c.URL, CAFile: c.CAFile, BindDN: c.BindDN, BaseDN: c.BaseDN,
		UserFilter: c.UserFilter, Kind: c.Kind, AdminGroup: c.AdminGroupDN, StartTLS: c.StartTLS, SkipVerify: c.SkipVerify,
		Timeout: timeout, Recheck: recheck, PasswordRetype: c.BindPassword != ""}
	return d, v, fields
}

// addDirectoryFieldErrors puts the settings' own problems next to their fields.
func addDirectoryFieldErrors(fields map[string]string, err error) bool {
	fes := directory.FieldErrors(err)
	for _, fe := range fes {
		name := directoryFieldNames[fe.Field]
		msg := directorySentence(fe.Message)
		if fields[name] != "" {
			msg = fields[name] + " " + msg
		}
		fields[name] = msg
	}
	return len(fes) > 0
}

// directoryFormView is the page as the form was sent, for answering it: the
// values typed, plus the status of the settings in force.
func (s *Server) directoryFormView(ctx context.Context, v directorySettingsView) directorySettingsView {
	v.Source = auth.DirectoryFromDatabase
	if st, err := s.Auth.DirectoryStatus(ctx); err == nil {
		v.Source, v.HasPassword = st.Source, st.HasPassword
		v.Enabled = st.Settings.Enabled
		s.addDirectoryStatus(&v, st)
	}
	return v
}

// saveDirectorySettings stores the settings (turning directory sign-in
// on), or turns it off; either is audited with the password masked.
func (s *Server) saveDirectorySettings(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	adm := stateOf(r).adm
	actor := audit.Actor{Kind: store.KindAdmin, ID: adm.ID, Label: adm.Username}
	if r.PostForm.Get("action") == "off" {
		// Turning off keeps the settings in force (whatever the form says),
		// so turning it on again needs nothing retyped.
		st, err := s.Auth.DirectoryStatus(ctx)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		d := st.Settings
		d.Enabled = false
		changed, err := s.Auth.SaveDirectory(ctx, actor, d)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		msg := "off"
		if !changed {
			msg = "unchanged"
		}
		http.Redirect(w, r, "/admin/settings/directory?msg="+msg, http.StatusSeeOther)
		return
	}
	d, v, fields := parseDirectoryForm(r)
	changed := false
	if len(fields) == 0 {
		var err error
		changed, err = s.Auth.SaveDirectory(ctx, actor, d)
		if err != nil && !addDirectoryFieldErrors(fields, err) {
			s.serverError(w, r, err)
			return
		}
	}
	if len(fields) > 0 {
		s.renderDirectorySettings(w, r, http.StatusUnprocessableEntity, s.directoryFormView(ctx, v), fields, "",
			"The settings were not saved. Check the fields marked below.")
		return
	}
	msg := "saved"
	if !changed {
		msg = "unchanged"
	}
	http.Redirect(w, r, "/admin/settings/directory?msg="+msg, http.StatusSeeOther)
}

// testDirectoryConnection checks the settings in the form (an empty
// password standing for the stored one) against the directory, step by
// step, without saving them, and says what to fix.
func (s *Server) testDirectoryConnection(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d, v, fields := parseDirectoryForm(r)
	v = s.directoryFormView(ctx, v)
	var client *directory.Client
	if len(fields) == 0 {
		var err error
		client, err = s.Auth.DirectoryClientFor(ctx, d)
		if err != nil && !addDirectoryFieldErrors(fields, err) {
			s.serverError(w, r, err)
			return
		}
	}
	if len(fields) > 0 {
		s.renderDirectorySettings(w, r, http.StatusUnprocessableEntity, v, fields, "",
			"The connection was not tested: the settings are not complete. Check the fields marked below.")
		return
	}
	tctx, cancel := context.WithTimeout(ctx, directoryTestTimeout)
	defer cancel()
	err := client.TestConnection(tctx)
	var ce *directory.CheckError
	switch {
	case err == nil:
		v.TestOK = "Connected to " + d.Config.URL + ": the service account signed in, and the base DN and the admin group were found."
	case errors.As(err, &ce):
		v.TestError = directorySentence(ce.Message)
	default:
		s.Log.Warn("directory connection test failed", "request_id", requestID(r), "err", err)
		v.TestError = "The test failed. The details are in the server log under reference " + requestID(r) + "."
	}
	s.auditDirectoryTest(r, map[string]any{"test": "connection", "url": d.Config.URL, "ok": err == nil})
	s.renderDirectorySettings(w, r, http.StatusOK, v, nil, "", "")
}

// testDirectoryUser looks a username up with the settings in force, the
// way a sign-in would (without a password), and reports what it found.
func (s *Server) testDirectoryUser(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, err := s.loadDirectoryView(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	name := strings.TrimSpace(r.PostForm.Get("username"))
	v.TestUsername = name
	if name == "" || len(name) > 256 {
		s.renderDirectorySettings(w, r, http.StatusUnprocessableEntity, v,
			map[string]string{"username": "Enter the username someone signs in with, such as jdoe or jdoe@corp.example."}, "", "")
		return
	}
	st, err := s.Auth.DirectoryStatus(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !st.Settings.Enabled {
		v.UserErr = "Directory sign-in is not on: save the settings first (use “Test connection” to try them before saving)."
		s.renderDirectorySettings(w, r, http.StatusOK, v, nil, "", "")
		return
	}
	client, err := s.Auth.DirectoryClientFor(ctx, st.Settings)
	if err != nil {
		v.UserErr = "The saved settings cannot be used: " + v.Problem
		if v.Problem == "" {
			v.UserErr = "The saved settings cannot be used: " + directorySentence(err.Error())
		}
		s.renderDirectorySettings(w, r, http.StatusOK, v, nil, "", "")
		return
	}
	tctx, cancel := context.WithTimeout(ctx, directoryTestTimeout)
	defer cancel()
	rep, err := client.TestUser(tctx, name)
	var ce *directory.CheckError
	var fe *directory.FieldError
	switch {
	case errors.As(err, &fe):
		s.renderDirectorySettings(w, r, http.StatusUnprocessableEntity, v,
			map[string]string{"username": directorySentence(fe.Message)}, "", "")
		return
	case errors.As(err, &ce):
		v.UserErr = directorySentence(ce.Message)
	case err != nil:
		s.Log.Warn("directory user test failed", "request_id", requestID(r), "err", err)
		v.UserErr = "The test failed. The details are in the server log under reference " + requestID(r) + "."
	case rep.Matches == 1 && rep.Member && !rep.Disabled:
		v.UserOK = rep.Summary() + " This person can sign in to the admin console."
	default:
		v.UserWarn = rep.Summary()
	}
	s.auditDirectoryTest(r, map[string]any{"test": "user", "username": name, "found": err == nil && rep.Matches == 1, "member": err == nil && rep.Member})
	s.renderDirectorySettings(w, r, http.StatusOK, v, nil, "", "")
}

// directoryFieldLabel names a settings field the way the form does.
func directoryFieldLabel(field string) string {
	switch field {
	case "URL":
		return "Server URL"
	case "StartTLS":
		return "StartTLS"
	case "SkipVerify":
		return "Certificate verification"
	case "CAFile":
		return "CA file"
	case "BindDN":
		return "Bind DN"
	case "BindPassword":
		return "Bind password"
	case "BaseDN":
		return "Base DN"
	case "UserFilter":
		return "User filter"
	case "Kind":
		return "Kind"
	case "AdminGroupDN":
		return "Admin group"
	case "Timeout":
		return "Timeout"
	case "Recheck":
		return "Re-check interval"
	}
	return field
}

// directorySentence starts a message with a capital letter and ends it with a full
// stop, as the page's other messages are written.
func directorySentence(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return msg
	}
	r, n := utf8.DecodeRuneInString(msg)
	msg = string(unicode.ToUpper(r)) + msg[n:]
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "?") {
		msg += "."
	}
	return msg
}

// auditDirectoryTest records a test run from the settings page: it reaches
// out to a server the admin named, with the stored service password, so it
// belongs in the audit log, not only in the server log.
func (s *Server) auditDirectoryTest(r *http.Request, details map[string]any) {
	adm := stateOf(r).adm
	if err := s.Auth.Audit.Record(r.Context(), s.Store, audit.DirectoryTested, audit.Actor{Kind: store.KindAdmin, ID: adm.ID, Label: adm.Username},
		audit.Target{Kind: "setting", ID: "directory.settings"}, details); err != nil {
		s.Log.Warn("audit directory test", "request_id", requestID(r), "err", err)
	}
}
