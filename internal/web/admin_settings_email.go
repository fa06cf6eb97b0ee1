package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/mail"
	"github.com/portico-dev/portico/internal/store"
)

// emailTestTimeout bounds "send test email": long enough for a slow
// server's greeting and TLS handshake, short enough to answer the admin.
const emailTestTimeout = 20 * time.Second

// emailSettingsMaxLen caps every text field; real values are far shorter.
const emailSettingsMaxLen = 320

// emailSettingsOption is one choice of the security select.
type emailSettingsOption struct{ Value, Label string }

var emailSecurityOptions = []emailSettingsOption{
	{mail.SecurityStartTLS, "STARTTLS (usually port 587)"},
	{mail.SecurityTLS, "Implicit TLS (usually port 465)"},
	{mail.SecurityNone, "None — unencrypted, for a local relay only"},
}

// emailEnvVar is one PORTICO_SMTP_* variable as the server read it.
type emailEnvVar struct{ Name, Value string }

// emailSettingsView is the email settings page. The password is never in
// it: only whether one is stored.
type emailSettingsView struct {
	Host, Port, Security, Username string
	From, ReplyTo, BCC             string
	Securities                     []emailSettingsOption
	HasPassword                    bool
	RemovePassword                 bool
	// PasswordRetype says a password was typed into a form that was
	// refused: it is not sent back, so it must be typed again.
	PasswordRetype bool
	// Source is where the settings in force come from: database,
	// environment or none.
	Source     string
	Env        []emailEnvVar
	Configured bool
	Recipient  string
	// TestOK and TestError report "send test email".
	TestOK, TestError string
	// Inputs are the text fields, by name, built by renderEmailSettings.
	Inputs map[string]emailInput
}

// emailInput is one text field of the page.
type emailInput struct {
	Name, Label, Value, Type, Autocomplete, Placeholder, Hint, Error string
}

// renderEmailSettings shows the page with field errors next to the fields.
func (s *Server) renderEmailSettings(w http.ResponseWriter, r *http.Request, status int, v emailSettingsView, fields map[string]string, notice, problem string) {
	in := func(name, label, value, typ, autocomplete, placeholder, hint string) emailInput {
		return emailInput{Name: name, Label: label, Value: value, Type: typ, Autocomplete: autocomplete, Placeholder: placeholder, Hint: hint, Error: fields[name]}
	}
	v.Inputs = map[string]emailInput{
		"host":     in("host", "Host", v.Host, "text", "off", "smtp.example.com", "The mail server's name, without port or scheme. Leave empty to send nothing."),
		"port":     in("port", "Port", v.Port, "text", "off", "587", ""),
		"username": in("username", "Username", v.Username, "text", "off", "", "Leave empty if the server needs no sign-in."),
		"from":     in("from", "From", v.From, "text", "off", "Acme Portal <portal@acme.example>", "The sender of every email. Your provider must allow the account to send as this address."),
		"reply_to": in("reply_to", "Reply-To", v.ReplyTo, "text", "off", "", "Optional: where replies go, such as your support address."),
		"bcc":      in("bcc", "BCC", v.BCC, "text", "off", "", "Optional: an address that gets a hidden copy of every email, for an archive."),
		"to":       in("to", "Send to", v.Recipient, "email", "email", "you@example.com", ""),
	}
	s.page(w, r, status, "admin_settings_email", &view{Title: "Email settings", Notice: notice, Error: problem, Fields: fields, Data: v})
}

// loadEmailSettingsView fills the page from the settings in force.
func (s *Server) loadEmailSettingsView(ctx context.Context) (emailSettingsView, error) {
	v := emailSettingsView{Securities: emailSecurityOptions, Source: "none"}
	disp, hasPassword, err := mail.SettingsForDisplay(ctx, s.Store, s.Box, s.MailEnv)
	if err != nil {
		return v, err
	}
	_, err = s.Store.Setting(ctx, mail.SettingKey)
	switch {
	case err == nil:
		v.Source = "database"
	case !errors.Is(err, store.ErrNotFound):
		return v, err
	case s.MailEnv.Configured():
		v.Source = "environment"
	}
	v.Host, v.Security, v.Username = disp.Host, disp.Security, disp.Username
	v.From, v.ReplyTo, v.BCC = disp.From, disp.ReplyTo, disp.BCC
	if disp.Port > 0 {
		v.Port = strconv.Itoa(disp.Port)
	}
	if v.Port == "" && v.Host == "" {
		v.Port = "587"
	}
	if v.Security == "" {
		v.Security = mail.SecurityStartTLS
	}
	v.HasPassword, v.Configured = hasPassword, disp.Configured()
	env := s.MailEnv
	if !env.Configured() {
		// Port and security have defaults, but without a host the
		// environment sets no server; listing the defaults would mislead.
		return v, nil
	}
	envPassword := ""
	if env.Password != "" {
		envPassword = "set (hidden)"
	}
	port := ""
	if env.Port > 0 {
		port = strconv.Itoa(env.Port)
	}
	v.Env = []emailEnvVar{{mail.EnvHost, env.Host}, {mail.EnvPort, port}, {mail.EnvSecurity, env.Security},
		{mail.EnvUsername, env.Username}, {mail.EnvPassword, envPassword}, {mail.EnvFrom, env.From},
		{mail.EnvReplyTo, env.ReplyTo}, {mail.EnvBCC, env.BCC}}
	return v, nil
}

// emailSettingsProblem is shown, instead of the form, when the stored
// settings cannot be read at all.
const emailSettingsProblem = "The saved email settings cannot be read. If the secret key was changed, the stored SMTP password cannot be decrypted: enter the settings and the password again and save."

// showEmailSettings shows the SMTP settings form and the test email form.
func (s *Server) showEmailSettings(w http.ResponseWriter, r *http.Request) {
	v, err := s.loadEmailSettingsView(r.Context())
	problem := ""
	if err != nil {
		s.Log.Warn("email settings unreadable", "request_id", requestID(r), "err", err)
		problem = emailSettingsProblem
		v = emailSettingsView{Securities: emailSecurityOptions, Security: mail.SecurityStartTLS, Source: "database"}
	}
	v.Recipient = stateOf(r).adm.Email
	notice := ""
	switch r.URL.Query().Get("msg") {
	case "saved":
		notice = "Email settings saved. They apply to the next email sent, on every instance."
	case "unchanged":
		notice = "Nothing was changed."
	}
	s.renderEmailSettings(w, r, http.StatusOK, v, nil, notice, problem)
}

// emailSettingsField maps a message of Settings.Validate to the form field
// it is about, by the words it starts with.
func emailSettingsField(msg string) string {
	for _, p := range []struct{ prefix, field string }{
		{"Host", "host"}, {"Port", "port"}, {"Security", "security"},
		{"A username and password need an encrypted connection", "security"},
		{"A password was given without a username", "username"}, {"Username and password", "username"},
		{"From", "from"}, {"Reply-To", "reply_to"}, {"BCC", "bcc"},
	} {
		if strings.HasPrefix(msg, p.prefix) {
			return p.field
		}
	}
	return ""
}

// emailSettingsErrors flattens an errors.Join into its messages.
func emailSettingsErrors(err error) []string {
	var j interface{ Unwrap() []error }
	if errors.As(err, &j) {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, emailSettingsErrors(e)...)
		}
		return out
	}
	if err == nil {
		return nil
	}
	return []string{err.Error()}
}

// saveEmailSettings stores the SMTP settings (the password sealed) and
// audits which fields changed, the password masked.
func (s *Server) saveEmailSettings(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := r.PostForm
	set := mail.Settings{
		Host: strings.TrimSpace(f.Get("host")), Security: strings.TrimSpace(f.Get("security")),
		Username: strings.TrimSpace(f.Get("username")), Password: f.Get("password"),
		From: strings.TrimSpace(f.Get("from")), ReplyTo: strings.TrimSpace(f.Get("reply_to")), BCC: strings.TrimSpace(f.Get("bcc")),
	}
	remove := f.Get("remove_password") == "on"
	portText := strings.TrimSpace(f.Get("port"))
	fields := map[string]string{}
	addField := func(name, msg string) {
		if fields[name] != "" {
			msg = fields[name] + " " + msg
		}
		fields[name] = msg
	}
	for _, c := range []struct{ name, label, v string }{
		{"host", "Host", set.Host}, {"username", "Username", set.Username}, {"password", "Password", set.Password},
		{"from", "From", set.From}, {"reply_to", "Reply-To", set.ReplyTo}, {"bcc", "BCC", set.BCC},
	} {
		if len(c.v) > emailSettingsMaxLen {
			addField(c.name, c.label+" is at most "+strconv.Itoa(emailSettingsMaxLen)+" characters.")
		}
	}
	if portText != "" {
		p, err := strconv.Atoi(portText)
		if err != nil || len(portText) > 5 {
			addField("port", "Port must be a whole number, such as 587 or 465.")
		} else {
			set.Port = p
		}
	}
	if remove && set.Password != "" {
		addField("password", "Type a new password or tick “remove the stored password”, not both.")
	}
	// Without a username there is no sign-in, so no password is kept.
	keep := !remove && set.Username != ""
	if len(fields) == 0 {
		check := set
		if keep && check.Password == "" {
			check.Password = "kept" // as SaveSettings counts a kept password
		}
		for _, msg := range emailSettingsErrors(check.Validate()) {
			if name := emailSettingsField(msg); name != "" {
				addField(name, msg)
			} else {
				addField("", msg)
			}
		}
	}
	prev, hadPassword, prevErr := mail.SettingsForDisplay(ctx, s.Store, s.Box, s.MailEnv)
	if prevErr != nil && keep && set.Password == "" && len(fields) == 0 {
		addField("password", "The stored password cannot be decrypted (was the secret key changed?): enter it again.")
	}
	if len(fields) > 0 {
		v := emailSettingsView{Host: set.Host, Port: portText, Security: set.Security, Username: set.Username, From: set.From,
			ReplyTo: set.ReplyTo, BCC: set.BCC, Securities: emailSecurityOptions, HasPassword: prevErr == nil && hadPassword,
			RemovePassword: remove, PasswordRetype: set.Password != "", Recipient: stateOf(r).adm.Email}
		if cur, err := s.loadEmailSettingsView(ctx); err == nil {
			v.Source, v.Env, v.Configured = cur.Source, cur.Env, cur.Configured
		}
		problem := "The settings were not saved. Check the fields marked below."
		if msg := fields[""]; msg != "" {
			problem = "The settings were not saved: " + msg
		}
		s.renderEmailSettings(w, r, http.StatusUnprocessableEntity, v, fields, "", problem)
		return
	}
	if prevErr != nil {
		// Unreadable (e.g. the secret key changed): saving replaces them.
		s.Log.Warn("email settings unreadable before save", "request_id", requestID(r), "err", prevErr)
		prev, hadPassword = mail.Settings{}, false
	}
	_, stored := s.Store.Setting(ctx, mail.SettingKey)
	fromDatabase := stored == nil
	changes := audit.Changes{}
	diff := changes.Add
	diff("host", prev.Host, set.Host)
	diff("port", prev.Port, set.Port)
	diff("security", prev.Security, set.Security)
	diff("username", prev.Username, set.Username)
	diff("from", prev.From, set.From)
	diff("reply_to", prev.ReplyTo, set.ReplyTo)
	diff("bcc", prev.BCC, set.BCC)
	switch {
	case set.Password != "" && hadPassword:
		changes["password"] = "changed"
	case set.Password != "":
		changes["password"] = "set"
	case !keep && hadPassword:
		changes["password"] = "removed"
	}
	if !fromDatabase {
		changes["source"] = map[string]any{"from": "environment", "to": "database"}
	}
	if len(changes) == 0 && prevErr == nil {
		http.Redirect(w, r, "/admin/settings/email?msg=unchanged", http.StatusSeeOther)
		return
	}
	adm := stateOf(r).adm
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := mail.SaveSettings(ctx, tx, s.Box, set, keep, adm.Username, s.Clock.Now()); err != nil {
			return err
		}
		return s.Auth.Audit.Record(ctx, tx, audit.SettingsChanged, audit.Actor{Kind: store.KindAdmin, ID: adm.ID, Label: adm.Username},
			audit.Target{Kind: "settings", ID: mail.SettingKey, Label: "Email (SMTP)"}, changes)
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/settings/email?msg=saved", http.StatusSeeOther)
}

// sendTestEmail sends the test email with the saved settings, directly (not
// through the outbox), and shows what happened in words an admin can act on.
func (s *Server) sendTestEmail(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	to := strings.TrimSpace(r.PostForm.Get("to"))
	v, err := s.loadEmailSettingsView(ctx)
	if err != nil {
		s.Log.Warn("email settings unreadable", "request_id", requestID(r), "err", err)
		v = emailSettingsView{Securities: emailSecurityOptions, Security: mail.SecurityStartTLS, Source: "database", Recipient: to}
		s.renderEmailSettings(w, r, http.StatusUnprocessableEntity, v, nil, "", emailSettingsProblem)
		return
	}
	v.Recipient = to
	if a, err := netmail.ParseAddress(to); to == "" || len(to) > emailSettingsMaxLen || strings.ContainsAny(to, "\r\n") || err != nil || a.Address == "" {
		s.renderEmailSettings(w, r, http.StatusUnprocessableEntity, v,
			map[string]string{"to": "Enter the address to send the test email to, such as you@example.com."}, "", "")
		return
	}
	set, err := mail.LoadSettings(ctx, s.Store, s.Box, s.MailEnv)
	switch {
	case err != nil:
		s.Log.Warn("email settings unreadable", "request_id", requestID(r), "err", err)
		v.TestError = emailSettingsProblem
	case !set.Configured():
		v.TestError = "No SMTP server is set yet: enter the host and the other settings above, save them, then send the test email."
	case set.Validate() != nil:
		v.TestError = "The saved settings are not complete: " + strings.Join(emailSettingsErrors(set.Validate()), " ")
	}
	if v.TestError != "" {
		s.renderEmailSettings(w, r, http.StatusUnprocessableEntity, v, nil, "", "")
		return
	}
	tctx, cancel := context.WithTimeout(ctx, emailTestTimeout)
	defer cancel()
	server := net.JoinHostPort(set.Host, strconv.Itoa(set.Port))
	details := map[string]any{"to": to, "server": server}
	err = mail.TestConnection(tctx, set, to, s.Sender.TLSConfig, s.portalName(r))
	var failure *mail.Failure
	switch {
	case err == nil:
		v.TestOK = "Test email accepted by " + set.Host + " for " + to + ". If it does not arrive within a few minutes, look in the spam folder."
		details["outcome"] = "accepted"
	case errors.As(err, &failure):
		v.TestError = failure.Message
		details["outcome"], details["reason"] = "failed", failure.Message
	default:
		s.Log.Warn("test email failed", "request_id", requestID(r), "err", err)
		v.TestError = "The test email could not be sent. The details are in the server log under reference " + requestID(r) + "."
		details["outcome"] = "failed"
	}
	adm := stateOf(r).adm
	s.Auth.Audit.Record(ctx, s.Store, audit.TestEmailSent, audit.Actor{Kind: store.KindAdmin, ID: adm.ID, Label: adm.Username},
		audit.Target{Kind: "settings", ID: mail.SettingKey, Label: "Email (SMTP)"}, details)
	s.renderEmailSettings(w, r, http.StatusOK, v, nil, "", "")
}
