package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/mail"
	"github.com/portico-dev/portico/internal/secretbox"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

const esPassword = "Sup3r-Secret-SMTP-Pa55word"

// esForm is a complete, valid settings form; edit changes fields.
func esForm(edit ...func(url.Values)) url.Values {
	f := url.Values{"host": {"smtp.example.com"}, "port": {"587"}, "security": {"starttls"}, "username": {"portal@acme.example"},
		"password": {esPassword}, "from": {"Acme Portal <portal@acme.example>"}, "reply_to": {"Support <support@acme.example>"},
		"bcc": {"archive@acme.example"}}
	for _, e := range edit {
		e(f)
	}
	return f
}

// esLoad returns the settings the sender would use.
func esLoad(t *testing.T, in *apptest.Instance) mail.Settings {
	t.Helper()
	s, err := mail.LoadSettings(context.Background(), in.Store(), secretbox.New(in.App.Config.SecretKey), in.App.MailEnv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// esAudit returns the details of the settings_changed entries, newest first.
func esAudit(t *testing.T, in *apptest.Instance, action string) []map[string]any {
	t.Helper()
	entries, _, err := in.Store().ListAudit(context.Background(), store.AuditFilter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, e := range entries {
		d := map[string]any{}
		if e.Details != "" {
			if err := json.Unmarshal([]byte(e.Details), &d); err != nil {
				t.Fatalf("details %q: %v", e.Details, err)
			}
		}
		out = append(out, d)
	}
	return out
}

func TestEmailSettings(t *testing.T) {
	in := apptest.StartWithMail(t, storetest.SQLite(t), nil, apptest.MailOptions{})
	ctx := context.Background()
	admin := obSignedIn(t, in)
	var bodies []string
	keep := func(r *apptest.Response) *apptest.Response { bodies = append(bodies, r.Body); return r }
	get := func() *apptest.Response { return keep(admin.Get("/admin/settings/email")) }
	post := func(f url.Values) *apptest.Response { get(); return keep(admin.Post("/admin/settings/email", f)) }

	t.Run("Empty", func(t *testing.T) {
		r := get()
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "No SMTP server is set") || strings.Contains(r.Body, "remove_password") {
			t.Fatalf("empty settings page: %d", r.StatusCode)
		}
		if !strings.Contains(r.Body, "PORTICO_SMTP_HOST") {
			t.Error("the environment variables are not named")
		}
		if strings.Contains(r.Body, "stored — leave empty to keep") {
			t.Error("says a password is stored when none is")
		}
	})
	t.Run("SaveAndReadBack", func(t *testing.T) {
		r := post(esForm())
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/settings/email?msg=saved" {
			t.Fatalf("save: %d %q\n%s", r.StatusCode, r.Header.Get("Location"), r.Body)
		}
		got := esLoad(t, in)
		want := mail.Settings{Host: "smtp.example.com", Port: 587, Security: "starttls", Username: "portal@acme.example", Password: esPassword,
			From: "Acme Portal <portal@acme.example>", ReplyTo: "Support <support@acme.example>", BCC: "archive@acme.example"}
		if got != want {
			t.Errorf("stored settings = %v, want %v", got, want)
		}
		page := keep(admin.Get("/admin/settings/email?msg=saved"))
		doc := obDoc(t, page.Body)
		pw := doc.Find("input#password")
		if v, _ := pw.Attr("value"); v != "" || pw.AttrOr("type", "") != "password" || pw.AttrOr("autocomplete", "") != "new-password" {
			t.Errorf("password input: value %q type %q", v, pw.AttrOr("type", ""))
		}
		if pw.AttrOr("placeholder", "") != "stored — leave empty to keep" || doc.Find(`input[name="remove_password"]`).Length() != 1 {
			t.Error("the form does not say a password is stored, or offers no way to remove it")
		}
		for name, want := range map[string]string{"host": "smtp.example.com", "port": "587", "username": "portal@acme.example", "from": "Acme Portal <portal@acme.example>", "bcc": "archive@acme.example"} {
			if v := doc.Find("input#"+name).AttrOr("value", ""); v != want {
				t.Errorf("%s = %q, want %q", name, v, want)
			}
		}
		if sel := doc.Find("select#security option[selected]").AttrOr("value", ""); sel != "starttls" {
			t.Errorf("security selected = %q", sel)
		}
		if !strings.Contains(page.Body, "Email settings saved") || !strings.Contains(page.Body, "saved in the portal database") {
			t.Error("no confirmation, or the source is not stated")
		}
		for _, key := range []string{mail.SettingKey, mail.PasswordKey} {
			v, err := in.Store().Setting(ctx, key)
			if err != nil || strings.Contains(v, esPassword) || strings.Contains(v, "Pa55word") {
				t.Errorf("setting %s holds the password in clear text (%v)", key, err)
			}
		}
		audits := esAudit(t, in, "settings_changed")
		if len(audits) != 1 || audits[0]["password"] != "set" || audits[0]["host"] == nil {
			t.Errorf("audit = %v", audits)
		}
	})
	t.Run("KeepPasswordWhenLeftEmpty", func(t *testing.T) {
		r := post(esForm(func(f url.Values) { f.Set("password", ""); f.Set("host", "mail.example.net") }))
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d", r.StatusCode)
		}
		if got := esLoad(t, in); got.Password != esPassword || got.Host != "mail.example.net" {
			t.Errorf("after saving with the password left empty: host %q, password kept %v", got.Host, got.Password == esPassword)
		}
		a := esAudit(t, in, "settings_changed")[0]
		if _, ok := a["password"]; ok || fmt.Sprint(a["host"]) != "map[from:smtp.example.com to:mail.example.net]" {
			t.Errorf("audit = %v; want the host change and nothing about the password", a)
		}
	})
	t.Run("ChangePassword", func(t *testing.T) {
		post(esForm(func(f url.Values) { f.Set("host", "mail.example.net"); f.Set("password", "another-"+esPassword) }))
		if got := esLoad(t, in); got.Password != "another-"+esPassword {
			t.Error("password not replaced")
		}
		if a := esAudit(t, in, "settings_changed")[0]; a["password"] != "changed" || len(a) != 1 {
			t.Errorf("audit = %v; want only password: changed", a)
		}
	})
	t.Run("Unchanged", func(t *testing.T) {
		n := len(esAudit(t, in, "settings_changed"))
		r := post(esForm(func(f url.Values) { f.Set("host", "mail.example.net"); f.Set("password", "") }))
		if r.Header.Get("Location") != "/admin/settings/email?msg=unchanged" || len(esAudit(t, in, "settings_changed")) != n {
			t.Errorf("saving the same values: %q, audited anyway: %v", r.Header.Get("Location"), len(esAudit(t, in, "settings_changed")) != n)
		}
	})
	t.Run("RemovePassword", func(t *testing.T) {
		r := post(esForm(func(f url.Values) { f.Set("password", ""); f.Set("remove_password", "on"); f.Set("username", "") }))
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("remove: %d %s", r.StatusCode, r.Body)
		}
		if got := esLoad(t, in); got.Password != "" || got.Username != "" {
			t.Errorf("password %v, username %q after removal", got.Password != "", got.Username)
		}
		if a := esAudit(t, in, "settings_changed")[0]; a["password"] != "removed" {
			t.Errorf("audit = %v", a)
		}
		if strings.Contains(get().Body, "stored — leave empty to keep") {
			t.Error("the form still says a password is stored")
		}
	})
	t.Run("ValidationErrors", func(t *testing.T) {
		before := esLoad(t, in)
		for _, c := range []struct {
			name  string
			edit  func(url.Values)
			field string
			want  string
		}{
			{"HostWithPort", func(f url.Values) { f.Set("host", "smtp.example.com:587") }, "host", "Host must be a plain host name"},
			{"HostWithScheme", func(f url.Values) { f.Set("host", "smtp://smtp.example.com") }, "host", "Host must be a plain host name"},
			{"PortNotANumber", func(f url.Values) { f.Set("port", "five") }, "port", "Port must be a whole number"},
			{"PortOutOfRange", func(f url.Values) { f.Set("port", "70000") }, "port", "Port must be between 1 and 65535"},
			{"NoPort", func(f url.Values) { f.Set("port", "") }, "port", "Port must be between 1 and 65535"},
			{"UnknownSecurity", func(f url.Values) { f.Set("security", "ssl3") }, "security", "Security must be one of"},
			{"PasswordInClear", func(f url.Values) { f.Set("security", "none") }, "security", "need an encrypted connection"},
			{"PasswordWithoutUsername", func(f url.Values) { f.Set("username", "") }, "username", "A password was given without a username"},
			{"NoFrom", func(f url.Values) { f.Set("from", "") }, "from", "From is required"},
			{"BadFrom", func(f url.Values) { f.Set("from", "not an address") }, "from", "is not a valid email address"},
			{"BadReplyTo", func(f url.Values) { f.Set("reply_to", "support@") }, "reply_to", "Reply-To:"},
			{"BadBCC", func(f url.Values) { f.Set("bcc", "a@b.example, c@d.example") }, "bcc", "BCC:"},
			{"TooLong", func(f url.Values) { f.Set("host", strings.Repeat("a", 400)+".example") }, "host", "at most 320 characters"},
			{"RemoveAndNew", func(f url.Values) { f.Set("remove_password", "on") }, "password", "not both"},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := post(esForm(c.edit))
				if r.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("%d, want 422", r.StatusCode)
				}
				doc := obDoc(t, r.Body)
				if msg := doc.Find("#" + c.field + "-error").Text(); !strings.Contains(msg, c.want) {
					t.Errorf("error next to %s = %q, want %q", c.field, msg, c.want)
				}
				if doc.Find("#"+c.field).AttrOr("aria-invalid", "") != "true" {
					t.Errorf("%s not marked invalid", c.field)
				}
				if !strings.Contains(r.Body, "The settings were not saved") {
					t.Error("no summary at the top")
				}
				if strings.Contains(r.Body, esPassword) {
					t.Fatal("the refused form sent the password back")
				}
				if c.field != "password" && !strings.Contains(r.Body, "Type the password again") {
					t.Error("the form does not say the typed password must be typed again")
				}
				if c.field == "host" && c.name == "HostWithPort" && doc.Find("input#host").AttrOr("value", "") != "smtp.example.com:587" {
					t.Error("the entered value was not kept")
				}
			})
		}
		if after := esLoad(t, in); after != before {
			t.Errorf("refused forms changed the settings: %v", after)
		}
	})
	t.Run("HostileValuesAreEscaped", func(t *testing.T) {
		r := post(esForm(func(f url.Values) { f.Set("host", "<script>alert(1)</script>") }))
		if r.StatusCode != http.StatusUnprocessableEntity || strings.Contains(r.Body, "<script>alert(1)") {
			t.Errorf("hostile host: %d, rendered unescaped", r.StatusCode)
		}
		r = post(esForm(func(f url.Values) {
			f.Set("from", `"<script>alert(2)</script>" <portal@acme.example>`)
			f.Set("reply_to", `"<img src=x onerror=alert(3)>" <help@acme.example>`)
		}))
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("quoted display names are valid addresses: %d %s", r.StatusCode, r.Body)
		}
		page := get()
		if strings.Contains(page.Body, "<script>alert(2)") || strings.Contains(page.Body, "<img src=x") {
			t.Error("saved hostile values rendered unescaped")
		}
		if v := obDoc(t, page.Body).Find("input#from").AttrOr("value", ""); v != `"<script>alert(2)</script>" <portal@acme.example>` {
			t.Errorf("from = %q", v)
		}
	})
	t.Run("FormTokenRequired", func(t *testing.T) {
		before := esLoad(t, in)
		r := admin.PostRaw("/admin/settings/email", esForm(func(f url.Values) { f.Set("host", "evil.example") }), map[string]string{"Sec-Fetch-Site": "same-origin"})
		if r.StatusCode != http.StatusForbidden {
			t.Errorf("save without a form token: %d", r.StatusCode)
		}
		r = admin.PostRaw("/admin/settings/email", esForm(func(f url.Values) { f.Set("host", "evil.example"); f.Set("csrf_token", admin.LastCSRF) }),
			map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
		if r.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site save: %d", r.StatusCode)
		}
		if r := admin.PostRaw("/admin/settings/email/test", url.Values{"to": {"x@acme.example"}}, map[string]string{"Sec-Fetch-Site": "same-origin"}); r.StatusCode != http.StatusForbidden {
			t.Errorf("test email without a form token: %d", r.StatusCode)
		}
		if after := esLoad(t, in); after != before {
			t.Error("a refused request changed the settings")
		}
	})
	t.Run("OnlyAdmins", func(t *testing.T) {
		in.CreateAccount(t, "buyer@acme.example", goodPassword)
		customer := in.Client(t)
		customer.SignIn("buyer@acme.example", goodPassword)
		before := esLoad(t, in)
		for name, c := range map[string]*apptest.Client{"anonymous": in.Client(t), "customer": customer} {
			r := c.Get("/admin/settings/email")
			if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/login?next="+url.QueryEscape("/admin/settings/email") {
				t.Errorf("%s GET: %d %q", name, r.StatusCode, r.Header.Get("Location"))
			}
			for _, p := range []string{"/admin/settings/email", "/admin/settings/email/test"} {
				r := c.Post(p, esForm(func(f url.Values) { f.Set("host", "evil.example"); f.Set("to", "x@evil.example") }))
				if r.StatusCode != http.StatusForbidden && (r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/admin/login")) {
					t.Errorf("%s POST %s: %d", name, p, r.StatusCode)
				}
			}
		}
		if after := esLoad(t, in); after != before {
			t.Error("a non-admin changed the settings")
		}
	})
	for _, b := range bodies {
		if strings.Contains(b, esPassword) || strings.Contains(b, "Pa55word") {
			t.Fatal("a response showed the SMTP password")
		}
	}
	for _, a := range esAudit(t, in, "settings_changed") {
		if strings.Contains(fmt.Sprint(a), "Pa55word") {
			t.Fatal("the audit log holds the SMTP password")
		}
	}
}

func TestEmailSettingsTestEmail(t *testing.T) {
	sink := newMailSink(t)
	in := apptest.StartWithMail(t, storetest.SQLite(t), nil, apptest.MailOptions{})
	ctx := context.Background()
	h, err := in.App.Auth.Hasher.Hash(ctx, goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	err = in.Store().InTx(ctx, func(tx *store.Tx) error {
		return tx.CreateAdmin(ctx, &store.Admin{Username: "ops", Email: "ops@acme.example", PasswordHash: h, Active: true, CreatedAt: in.Clock.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	admin := in.Client(t)
	admin.AdminSignIn("ops", goodPassword)
	test := func(to string) *apptest.Response {
		t.Helper()
		admin.Get("/admin/settings/email")
		return admin.Post("/admin/settings/email/test", url.Values{"to": {to}})
	}
	save := func(host string, port int) {
		t.Helper()
		admin.Get("/admin/settings/email")
		r := admin.Post("/admin/settings/email", url.Values{"host": {host}, "port": {fmt.Sprint(port)}, "security": {"none"}, "from": {"Acme Portal <portal@acme.example>"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d %s", r.StatusCode, r.Body)
		}
	}

	t.Run("NoServerYet", func(t *testing.T) {
		r := test("ops@acme.example")
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "No SMTP server is set yet") {
			t.Errorf("test without a server: %d", r.StatusCode)
		}
	})
	t.Run("RecipientDefaultsToTheAdmin", func(t *testing.T) {
		if v := obDoc(t, admin.Get("/admin/settings/email").Body).Find("input#to").AttrOr("value", ""); v != "ops@acme.example" {
			t.Errorf("recipient = %q", v)
		}
	})
	t.Run("BadRecipient", func(t *testing.T) {
		save(sink.settings().Host, sink.port())
		for _, to := range []string{"", "not-an-address", "a@b.example\r\nBcc: x@evil.example", strings.Repeat("a", 400) + "@acme.example"} {
			r := test(to)
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(obDoc(t, r.Body).Find("#to-error").Text(), "Enter the address") {
				t.Errorf("%q: %d", to, r.StatusCode)
			}
		}
		if n := len(sink.messages()); n != 0 {
			t.Errorf("%d messages sent to bad recipients", n)
		}
	})
	t.Run("Accepted", func(t *testing.T) {
		r := test("ops@acme.example")
		want := "Test email accepted by 127.0.0.1 for ops@acme.example"
		if r.StatusCode != http.StatusOK || !strings.Contains(obDoc(t, r.Body).Find(".alert-success").Text(), want) {
			t.Fatalf("test email: %d, no %q", r.StatusCode, want)
		}
		msgs := sink.messages()
		if len(msgs) != 1 || strings.Join(msgs[0].To, ",") != "ops@acme.example" || !strings.Contains(msgs[0].Data, "Subject: Test email") {
			t.Fatalf("sink got %+v", msgs)
		}
		if a := esAudit(t, in, "test_email_sent"); len(a) != 1 || a[0]["outcome"] != "accepted" || a[0]["to"] != "ops@acme.example" {
			t.Errorf("audit = %v", a)
		}
	})
	t.Run("RecipientRefused", func(t *testing.T) {
		sink.setRefuse(true)
		defer sink.setRefuse(false)
		r := test("ops@acme.example")
		alert := obDoc(t, r.Body).Find("#test .alert-error").Text()
		if !strings.Contains(alert, "refused the recipient address (SMTP 550)") || strings.Contains(r.Body, "internal detail") {
			t.Errorf("refusal shown as %q", alert)
		}
	})
	t.Run("ConnectionRefused", func(t *testing.T) {
		port := mailSinkClosedPort(t)
		save("127.0.0.1", port)
		start := time.Now()
		r := test("ops@acme.example")
		alert := obDoc(t, r.Body).Find("#test .alert-error").Text()
		if r.StatusCode != http.StatusOK || !strings.Contains(alert, fmt.Sprintf("Connection refused by 127.0.0.1:%d", port)) {
			t.Errorf("closed port: %d, alert %q", r.StatusCode, alert)
		}
		if strings.Contains(r.Body, "dial tcp") || strings.Contains(r.Body, "connect:") {
			t.Error("the raw Go error reached the page")
		}
		if time.Since(start) > 10*time.Second {
			t.Errorf("a refused connection took %v to report", time.Since(start))
		}
		if a := esAudit(t, in, "test_email_sent")[0]; a["outcome"] != "failed" || !strings.Contains(fmt.Sprint(a["reason"]), "Connection refused") {
			t.Errorf("audit = %v", a)
		}
	})
}

// TestEmailSettingsFromEnvironment checks that PORTICO_SMTP_* settings are
// shown as the source while nothing is saved, and that mail goes out with
// them.
func TestEmailSettingsFromEnvironment(t *testing.T) {
	sink := newMailSink(t)
	env := sink.settings()
	in := apptest.StartWithMail(t, storetest.SQLite(t), nil, apptest.MailOptions{Env: env})
	admin := obSignedIn(t, in)
	r := admin.Get("/admin/settings/email")
	doc := obDoc(t, r.Body)
	if !strings.Contains(r.Body, "come from the <code>PORTICO_SMTP_*</code> environment variables") || doc.Find("input#host").AttrOr("value", "") != "127.0.0.1" {
		t.Errorf("the environment is not shown as the source")
	}
	if !strings.Contains(doc.Find(".facts-compact").Text(), fmt.Sprint(sink.port())) {
		t.Error("the environment values are not listed")
	}
	e := obEnqueue(t, in, mail.PasswordChanged, "buyer@acme.example", mail.Data{Name: "Ada"})
	if _, _, err := in.App.Sender.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The background sender may hold the row for a moment.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && obEmail(t, in, e.ID).Status != store.EmailSent; {
		time.Sleep(20 * time.Millisecond)
	}
	if got := obEmail(t, in, e.ID); got.Status != store.EmailSent {
		t.Fatalf("with environment settings the email is %s: %s", got.Status, got.LastError)
	}
	if page := admin.Get("/admin/outbox"); strings.Contains(page.Body, "No SMTP server is set") || !strings.Contains(page.Body, `pill pill-on">Sent<`) {
		t.Error("the outbox does not show the email as sent, or claims no server is set")
	}
	if n := len(sink.messages()); n != 1 {
		t.Errorf("sink received %d messages", n)
	}
}
