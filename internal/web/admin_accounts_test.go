package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/source"
	"github.com/portico-dev/portico/internal/source/sourcetest"
	"github.com/portico-dev/portico/internal/store"
)

// accountsSetup gives an App the customers A, B and C (known to the portal,
// since these Apps have no ERP) and a signed-in admin.
func accountsSetup(t *testing.T, in *apptest.Instance) *apptest.Client {
	t.Helper()
	ctx := context.Background()
	err := in.Store().InTx(ctx, func(tx *store.Tx) error {
		for _, k := range []string{"Acme", "Beta", "Corvid"} {
			if err := tx.UpsertCustomer(ctx, &store.Customer{Key: k, DisplayName: k + " Ltd", PortalEnabled: true, CreatedAt: in.Clock.Now()}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	in.CreateAdmin(t, "ops", goodPassword)
	admin := in.Client(t)
	if r := admin.AdminSignIn("ops", goodPassword); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin sign-in: %d", r.StatusCode)
	}
	return admin
}

// accountForm is a valid create form; edit changes it.
func accountForm(edit ...func(url.Values)) url.Values {
	f := url.Values{"first_name": {"Robin"}, "last_name": {"Quay"}, "email": {"Robin.Quay@Example.COM"},
		"scope": {"selected"}, "customer": {"Acme"}, "active": {"on"}}
	for _, e := range edit {
		e(f)
	}
	return f
}

// createViaForm posts the new-account form and returns the new account.
func createViaForm(t *testing.T, in *apptest.Instance, admin *apptest.Client, form url.Values) *store.Account {
	t.Helper()
	admin.Get("/admin/accounts/new")
	r := admin.Post("/admin/accounts", form)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d %s", r.StatusCode, errorText(r.Body))
	}
	a, err := in.Store().AccountByLogin(context.Background(), form.Get("email"))
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("/admin/accounts/%d?msg=created", a.ID); r.Header.Get("Location") != want && a.Active {
		t.Errorf("created: Location %q, want %q", r.Header.Get("Location"), want)
	}
	return a
}

// errorText pulls the field and form errors out of a page, for messages.
func errorText(body string) string {
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		return ""
	}
	var out []string
	doc.Find(".field-error, .alert-error, .error-message, main h1").Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.TrimSpace(s.Text()))
	})
	return strings.Join(out, " | ")
}

func auditOf(t *testing.T, in *apptest.Instance, action string) []store.AuditEntry {
	t.Helper()
	list, _, err := in.Store().ListAudit(context.Background(), store.AuditFilter{Action: action, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func countAccounts(t *testing.T, in *apptest.Instance) int {
	t.Helper()
	list, err := in.Store().ListAccounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

func validLink(t *testing.T, in *apptest.Instance, token, purpose string) bool {
	t.Helper()
	_, err := in.Store().ValidToken(context.Background(), auth.HashToken(token), purpose, in.Clock.Now())
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

func TestAccountCreate(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, in *apptest.Instance) {
		admin := accountsSetup(t, in)
		ctx := context.Background()
		if r := admin.Get("/admin/accounts/new"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "Beta Ltd") {
			t.Fatalf("new-account page: %d", r.StatusCode)
		}
		a := createViaForm(t, in, admin, accountForm())
		if a.Email != "robin.quay@example.com" || a.FirstName != "Robin" || !a.Active || a.PasswordHash != "" ||
			a.AllCustomers || !reflect.DeepEqual(a.Scope, []string{"Acme"}) {
			t.Errorf("stored: %+v", a)
		}
		page := admin.Get(fmt.Sprintf("/admin/accounts/%d?msg=created", a.ID))
		if !strings.Contains(page.Body, "Account created and invitation sent to robin.quay@example.com") {
			t.Errorf("no confirmation on the account page: %s", errorText(page.Body))
		}
		mails := mailsTo(t, in, "robin.quay@example.com")
		if len(mails) != 1 {
			t.Fatalf("%d emails to the stored (lower-cased) address, want 1", len(mails))
		}
		prefix := strings.TrimRight(in.App.Config.BaseURL.String(), "/") + "/password/set?token="
		if !strings.Contains(mails[0].BodyText, prefix) {
			t.Errorf("invitation has no link starting %q:\n%s", prefix, mails[0].BodyText)
		}
		tok := lastLink(t, in, "robin.quay@example.com")
		if !validLink(t, in, tok, auth.PurposeInvitation) {
			t.Error("the invitation link does not work")
		}
		if got := auditOf(t, in, "account_created"); len(got) != 1 || got[0].TargetID != strconv.FormatInt(a.ID, 10) || got[0].ActorLabel != "ops" {
			t.Errorf("account_created entries: %+v", got)
		}
		if got := auditOf(t, in, "invitation_sent"); len(got) != 1 {
			t.Errorf("%d invitation_sent entries, want 1", len(got))
		}
		if !strings.Contains(page.Body, "Invited") || !strings.Contains(page.Body, "invitation_sent") {
			t.Error("account page shows neither the invited state nor its audit entries")
		}

		t.Run("DuplicateEmailInAnotherCase", func(t *testing.T) {
			before, mailsBefore := countAccounts(t, in), len(outbox(t, in))
			admin.Get("/admin/accounts/new")
			r := admin.Post("/admin/accounts", accountForm(func(f url.Values) { f.Set("email", "ROBIN.quay@example.com"); f.Set("first_name", "Second") }))
			if r.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("duplicate: %d, want 422", r.StatusCode)
			}
			doc, _ := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
			if msg := doc.Find("#email-error").Text(); !strings.Contains(msg, "already uses this email") {
				t.Errorf("message next to the email field = %q", msg)
			}
			if v, _ := doc.Find("#first_name").Attr("value"); v != "Second" {
				t.Errorf("entered first name not kept: %q", v)
			}
			if countAccounts(t, in) != before || len(outbox(t, in)) != mailsBefore {
				t.Error("a refused form stored an account or queued an email")
			}
		})
		t.Run("InactiveGetsNoInvitation", func(t *testing.T) {
			admin.Get("/admin/accounts/new")
			r := admin.Post("/admin/accounts", accountForm(func(f url.Values) { f.Set("email", "later@example.com"); f.Del("active") }))
			if r.StatusCode != http.StatusSeeOther || !strings.HasSuffix(r.Header.Get("Location"), "?msg=created_inactive") {
				t.Fatalf("inactive create: %d %q", r.StatusCode, r.Header.Get("Location"))
			}
			if got, _ := in.Store().AccountByLogin(ctx, "later@example.com"); got == nil || got.Active {
				t.Errorf("stored: %+v", got)
			}
			if n := len(mailsTo(t, in, "later@example.com")); n != 0 {
				t.Errorf("%d emails to an inactive account", n)
			}
		})
		t.Run("AllWinsOverTickedCustomers", func(t *testing.T) {
			a := createViaForm(t, in, admin, accountForm(func(f url.Values) {
				f.Set("email", "everything@example.com")
				f.Set("scope", "all")
				f["customer"] = []string{"Acme", "Beta", "not-even-a-customer"}
			}))
			if !a.AllCustomers || len(a.Scope) != 0 {
				t.Errorf("stored all=%v scope=%v, want All only", a.AllCustomers, a.Scope)
			}
		})
	})
}

func TestAccountFormValidation(t *testing.T) {
	in := apptest.StartSQLite(t)
	admin := accountsSetup(t, in)
	long := strings.Repeat("é", 201)
	for _, tc := range []struct {
		name, field, want string
		edit              func(url.Values)
	}{
		{"FirstNameEmpty", "first_name", "Enter their first name", func(f url.Values) { f.Set("first_name", "   ") }},
		{"FirstNameTooLong", "first_name", "at most 200", func(f url.Values) { f.Set("first_name", long) }},
		{"FirstNameControl", "first_name", "letters, digits", func(f url.Values) { f.Set("first_name", "Robin\r\nBcc: x@evil.example") }},
		{"FirstNameBidiOverride", "first_name", "letters, digits", func(f url.Values) { f.Set("first_name", "Robin\u202e") }},
		{"LastNameTooLong", "last_name", "at most 200", func(f url.Values) { f.Set("last_name", long) }},
		{"LastNameControl", "last_name", "letters, digits", func(f url.Values) { f.Set("last_name", "Q\x00uay") }},
		{"EmailEmpty", "email", "Enter their email", func(f url.Values) { f.Set("email", "") }},
		{"EmailNotAnAddress", "email", "like name@example.com", func(f url.Values) { f.Set("email", "robin") }},
		{"EmailNoDomainDot", "email", "like name@example.com", func(f url.Values) { f.Set("email", "robin@localhost") }},
		{"EmailTwoAddresses", "email", "like name@example.com", func(f url.Values) { f.Set("email", "a@b.example, c@d.example") }},
		{"EmailWithName", "email", "like name@example.com", func(f url.Values) { f.Set("email", "Robin <robin@example.com>") }},
		{"EmailHeaderInjection", "email", "like name@example.com", func(f url.Values) { f.Set("email", "a@b.c\r\nBcc: x") }},
		{"EmailTooLong", "email", "too long", func(f url.Values) { f.Set("email", strings.Repeat("a", 250)+"@example.com") }},
		{"ScopeSelectedButNone", "scope", "at least one customer", func(f url.Values) { f.Del("customer") }},
		{"ScopeNothingChosen", "scope", "at least one customer", func(f url.Values) { f.Del("customer"); f.Del("scope") }},
		{"ScopeUnknownCustomer", "scope", "not one of the customers listed", func(f url.Values) { f["customer"] = []string{"Acme", "<b>Nope</b>"} }},
		{"ScopeBadMode", "scope", "Choose All customers or Selected", func(f url.Values) { f.Set("scope", "some") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, mails := countAccounts(t, in), len(outbox(t, in))
			admin.Get("/admin/accounts/new")
			r := admin.Post("/admin/accounts", accountForm(tc.edit))
			if r.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422 (%s)", r.StatusCode, errorText(r.Body))
			}
			doc, _ := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
			if msg := doc.Find("#" + tc.field + "-error").Text(); !strings.Contains(msg, tc.want) {
				t.Errorf("message next to %s = %q, want %q", tc.field, msg, tc.want)
			}
			if n := doc.Find(".field-error").Length(); n != 1 {
				t.Errorf("%d field errors, want just the one (%s)", n, errorText(r.Body))
			}
			if countAccounts(t, in) != before || len(outbox(t, in)) != mails {
				t.Error("a refused form stored an account or queued an email")
			}
			if strings.Contains(r.Body, "<b>Nope</b>") {
				t.Error("entered value echoed unescaped")
			}
		})
	}
	t.Run("LimitsAccepted", func(t *testing.T) {
		a := createViaForm(t, in, admin, accountForm(func(f url.Values) {
			f.Set("first_name", strings.Repeat("é", 200))
			f.Set("last_name", "")
			f.Set("email", "o'brien+portal@sub.example.co.uk")
		}))
		if a.LastName != "" || len([]rune(a.FirstName)) != 200 {
			t.Errorf("stored %q %q", a.FirstName, a.LastName)
		}
	})
	t.Run("ValuesKept", func(t *testing.T) {
		admin.Get("/admin/accounts/new")
		r := admin.Post("/admin/accounts", accountForm(func(f url.Values) {
			f.Set("email", "broken")
			f["customer"] = []string{"Beta", "Corvid"}
		}))
		doc, _ := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
		var ticked []string
		doc.Find(`input[name=customer]:checked`).Each(func(_ int, s *goquery.Selection) { ticked = append(ticked, s.AttrOr("value", "")) })
		if !reflect.DeepEqual(ticked, []string{"Beta", "Corvid"}) || doc.Find("#email").AttrOr("value", "") != "broken" ||
			doc.Find("#last_name").AttrOr("value", "") != "Quay" || doc.Find(`input[name=active]:checked`).Length() != 1 {
			t.Errorf("kept: ticked %v, email %q", ticked, doc.Find("#email").AttrOr("value", ""))
		}
	})
}

func TestAccountEdit(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, in *apptest.Instance) {
		admin := accountsSetup(t, in)
		ctx := context.Background()
		a := createViaForm(t, in, admin, accountForm())
		tok := lastLink(t, in, a.Email)
		page := fmt.Sprintf("/admin/accounts/%d", a.ID)
		save := func(t *testing.T, edit func(url.Values)) *apptest.Response {
			t.Helper()
			admin.Get(page)
			f := accountForm(func(f url.Values) { f.Set("email", a.Email) })
			edit(f)
			return admin.Post(page, f)
		}

		t.Run("PrefilledForm", func(t *testing.T) {
			doc, _ := goquery.NewDocumentFromReader(strings.NewReader(admin.Get(page).Body))
			if doc.Find("#first_name").AttrOr("value", "") != "Robin" || doc.Find("#email").AttrOr("value", "") != a.Email ||
				doc.Find(`input[name=customer][value=Acme]:checked`).Length() != 1 || doc.Find(`input[name=scope][value=selected]:checked`).Length() != 1 {
				t.Error("form not filled from the stored account")
			}
			if !strings.Contains(doc.Text(), "never deleted once they have audit history") {
				t.Error("no word on deleting")
			}
		})
		t.Run("UnchangedWritesNothing", func(t *testing.T) {
			before := len(auditOf(t, in, ""))
			r := save(t, func(url.Values) {})
			if !strings.HasSuffix(r.Header.Get("Location"), "?msg=unchanged") || len(auditOf(t, in, "")) != before {
				t.Errorf("unchanged save: %q, audit %d → %d", r.Header.Get("Location"), before, len(auditOf(t, in, "")))
			}
		})
		t.Run("NameChangeAuditsOnlyChangedFields", func(t *testing.T) {
			r := save(t, func(f url.Values) { f.Set("first_name", "Rob") })
			if r.StatusCode != http.StatusSeeOther || !strings.HasSuffix(r.Header.Get("Location"), "?msg=saved") {
				t.Fatalf("save: %d %q %s", r.StatusCode, r.Header.Get("Location"), errorText(r.Body))
			}
			got := auditOf(t, in, "account_updated")
			if len(got) != 1 {
				t.Fatalf("%d account_updated entries", len(got))
			}
			var d map[string]map[string]string
			json.Unmarshal([]byte(got[0].Details), &d)
			if !reflect.DeepEqual(d, map[string]map[string]string{"from": {"first_name": "Robin"}, "to": {"first_name": "Rob"}}) {
				t.Errorf("details = %s", got[0].Details)
			}
			if n := len(auditOf(t, in, "scope_changed")); n != 0 {
				t.Errorf("%d scope_changed entries for a name change", n)
			}
			if !validLink(t, in, tok, auth.PurposeInvitation) {
				t.Error("a name change revoked the invitation")
			}
		})
		t.Run("EmailChangeRevokesLinks", func(t *testing.T) {
			r := save(t, func(f url.Values) { f.Set("first_name", "Rob"); f.Set("email", "Robin@New.Example") })
			if !strings.Contains(r.Header.Get("Location"), "email=1") {
				t.Fatalf("save: %d %q", r.StatusCode, r.Header.Get("Location"))
			}
			if validLink(t, in, tok, auth.PurposeInvitation) {
				t.Error("the invitation sent to the old address still works")
			}
			got, _ := in.Store().AccountByID(ctx, a.ID)
			if got.Email != "robin@new.example" {
				t.Errorf("email = %q", got.Email)
			}
			if body := admin.Get(r.Header.Get("Location")).Body; !strings.Contains(body, "links sent before no longer work") {
				t.Error("the email change is not noted")
			}
			a.Email = got.Email
		})
		t.Run("TakenEmailRefused", func(t *testing.T) {
			in.CreateAccount(t, "taken@example.com", goodPassword)
			r := save(t, func(f url.Values) { f.Set("email", "TAKEN@example.com") })
			doc, _ := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(doc.Find("#email-error").Text(), "already uses") {
				t.Errorf("taken email: %d %s", r.StatusCode, errorText(r.Body))
			}
		})
		t.Run("ScopeChangeAudited", func(t *testing.T) {
			save(t, func(f url.Values) { f["customer"] = []string{"Acme", "Beta"} })
			got := auditOf(t, in, "scope_changed")
			if len(got) != 1 {
				t.Fatalf("%d scope_changed entries", len(got))
			}
			var d struct {
				From, To struct {
					All       bool
					Customers []string
				}
			}
			json.Unmarshal([]byte(got[0].Details), &d)
			if d.From.All || !reflect.DeepEqual(d.From.Customers, []string{"Acme"}) || !reflect.DeepEqual(d.To.Customers, []string{"Acme", "Beta"}) {
				t.Errorf("details = %s", got[0].Details)
			}
		})
		t.Run("UnknownAndMalformedIDs", func(t *testing.T) {
			adm, _ := in.Store().ListAdmins(ctx)
			for _, p := range []string{"/admin/accounts/999999", "/admin/accounts/abc", "/admin/accounts/-1", "/admin/accounts/+1",
				"/admin/accounts/0", "/admin/accounts/1e3", "/admin/accounts/99999999999999999999999", fmt.Sprintf("/admin/accounts/%d", adm[0].ID+1000)} {
				if r := admin.Get(p); r.StatusCode != http.StatusNotFound {
					t.Errorf("GET %s: %d, want 404", p, r.StatusCode)
				}
				for _, action := range []string{"", "/deactivate", "/reactivate", "/invite", "/reset"} {
					if r := admin.Post(p+action, accountForm()); r.StatusCode != http.StatusNotFound {
						t.Errorf("POST %s%s: %d, want 404", p, action, r.StatusCode)
					}
				}
			}
		})
	})
}

func TestAccountScopeNarrowingEndsSessions(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, in *apptest.Instance) {
		admin := accountsSetup(t, in)
		a := in.CreateAccount(t, "buyer@example.com", goodPassword, func(a *store.Account) { a.Scope = []string{"Acme", "Beta"} })
		page := fmt.Sprintf("/admin/accounts/%d", a.ID)
		customer := in.Client(t)
		if r := customer.SignIn("buyer@example.com", goodPassword); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-in: %d", r.StatusCode)
		}
		save := func(scope string, keys ...string) *apptest.Response {
			admin.Get(page)
			return admin.Post(page, url.Values{"first_name": {"Test"}, "last_name": {"Customer"}, "email": {"buyer@example.com"},
				"scope": {scope}, "customer": keys, "active": {"on"}})
		}
		for _, step := range []struct {
			name      string
			scope     string
			keys      []string
			signedOut bool
		}{
			{"WidenByACustomer", "selected", []string{"Acme", "Beta", "Corvid"}, false},
			{"WidenToAll", "all", nil, false},
			{"AllToSelectedNarrows", "selected", []string{"Acme", "Beta", "Corvid"}, true},
			{"RemoveOneNarrows", "selected", []string{"Acme", "Corvid"}, true},
			{"SwapNarrows", "selected", []string{"Beta", "Corvid"}, true},
		} {
			t.Run(step.name, func(t *testing.T) {
				r := save(step.scope, step.keys...)
				if r.StatusCode != http.StatusSeeOther {
					t.Fatalf("save: %d %s", r.StatusCode, errorText(r.Body))
				}
				got := customer.Get("/")
				if step.signedOut {
					if got.StatusCode != http.StatusSeeOther || !strings.HasPrefix(got.Header.Get("Location"), "/login") {
						t.Errorf("after narrowing the customer got %d %q, want a redirect to /login", got.StatusCode, got.Header.Get("Location"))
					}
					if !strings.Contains(r.Header.Get("Location"), "narrowed=1&ended=1") {
						t.Errorf("Location %q does not report the ended session", r.Header.Get("Location"))
					}
					customer.SignIn("buyer@example.com", goodPassword)
				} else if got.StatusCode != http.StatusOK {
					t.Errorf("widening ended the session: %d", got.StatusCode)
				}
			})
		}
		entries := auditOf(t, in, "scope_changed")
		if len(entries) != 5 || !strings.Contains(entries[0].Details, `"sessions_ended":1`) || strings.Contains(entries[4].Details, "sessions_ended") {
			t.Errorf("scope_changed entries: %d", len(entries))
		}
	})
}

func TestAccountActions(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, in *apptest.Instance) {
		admin := accountsSetup(t, in)
		ctx := context.Background()
		invited := createViaForm(t, in, admin, accountForm())
		buyer := in.CreateAccount(t, "buyer@example.com", goodPassword)
		post := func(id int64, action string, form url.Values) *apptest.Response {
			admin.Get(fmt.Sprintf("/admin/accounts/%d", id))
			return admin.Post(fmt.Sprintf("/admin/accounts/%d/%s", id, action), form)
		}

		t.Run("ResendRevokesTheOlderLink", func(t *testing.T) {
			first := lastLink(t, in, invited.Email)
			r := post(invited.ID, "invite", nil)
			if r.StatusCode != http.StatusSeeOther || !strings.HasSuffix(r.Header.Get("Location"), "?msg=invited") {
				t.Fatalf("resend: %d %q", r.StatusCode, r.Header.Get("Location"))
			}
			second := lastLink(t, in, invited.Email)
			if second == first || validLink(t, in, first, auth.PurposeInvitation) || !validLink(t, in, second, auth.PurposeInvitation) {
				t.Error("after a resend the old link works or the new one does not")
			}
			if n := len(auditOf(t, in, "invitation_resent")); n != 1 {
				t.Errorf("%d invitation_resent entries", n)
			}
		})
		t.Run("InviteRefusedWithAPassword", func(t *testing.T) {
			r := post(buyer.ID, "invite", nil)
			if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "already has a password") {
				t.Errorf("invite with a password: %d %s", r.StatusCode, errorText(r.Body))
			}
		})
		t.Run("ResetLinkIsTheDefault", func(t *testing.T) {
			mails := len(mailsTo(t, in, "buyer@example.com"))
			r := post(buyer.ID, "reset", nil)
			if r.StatusCode != http.StatusSeeOther || !strings.HasSuffix(r.Header.Get("Location"), "?msg=reset_link") {
				t.Fatalf("reset: %d %q", r.StatusCode, r.Header.Get("Location"))
			}
			if len(mailsTo(t, in, "buyer@example.com")) != mails+1 || !validLink(t, in, lastLink(t, in, "buyer@example.com"), auth.PurposeReset) {
				t.Error("no working reset link mailed")
			}
			if n := len(auditOf(t, in, "reset_link_sent")); n != 1 {
				t.Errorf("%d reset_link_sent entries", n)
			}
		})
		t.Run("ResetLinkRefusedWithoutAPassword", func(t *testing.T) {
			r := post(invited.ID, "reset", url.Values{"method": {"link"}})
			if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "no password yet") {
				t.Errorf("reset without a password: %d", r.StatusCode)
			}
		})
		t.Run("UnknownMethod", func(t *testing.T) {
			if r := post(buyer.ID, "reset", url.Values{"method": {"sms"}}); r.StatusCode != http.StatusBadRequest {
				t.Errorf("method=sms: %d", r.StatusCode)
			}
		})
		t.Run("DeactivateEndsSessionsAndLinks", func(t *testing.T) {
			customer := in.Client(t)
			customer.SignIn("buyer@example.com", goodPassword)
			if r := customer.Get("/"); r.StatusCode != http.StatusOK {
				t.Fatalf("customer not signed in: %d", r.StatusCode)
			}
			link := lastLink(t, in, invited.Email)
			for _, id := range []int64{buyer.ID, invited.ID} {
				r := post(id, "deactivate", nil)
				if r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "?msg=deactivated") {
					t.Fatalf("deactivate: %d %q", r.StatusCode, r.Header.Get("Location"))
				}
			}
			if r := customer.Get("/"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
				t.Errorf("deactivated customer still served: %d", r.StatusCode)
			}
			if validLink(t, in, link, auth.PurposeInvitation) {
				t.Error("the invitation link survived deactivation")
			}
			if r := in.Client(t).SignIn("buyer@example.com", goodPassword); r.StatusCode == http.StatusSeeOther {
				t.Error("a deactivated account signed in")
			}
			got := auditOf(t, in, "account_deactivated")
			if len(got) != 2 || !strings.Contains(got[1].Details, `"sessions_ended":1`) {
				t.Errorf("account_deactivated entries: %+v", got)
			}
			if r := post(buyer.ID, "deactivate", nil); !strings.HasSuffix(r.Header.Get("Location"), "?msg=already_inactive") || len(auditOf(t, in, "account_deactivated")) != 2 {
				t.Errorf("second deactivation: %q", r.Header.Get("Location"))
			}
		})
		t.Run("InactiveAccountsGetNothing", func(t *testing.T) {
			mails := len(outbox(t, in))
			for _, c := range []struct {
				id     int64
				action string
				form   url.Values
			}{{invited.ID, "invite", nil}, {buyer.ID, "reset", nil}, {buyer.ID, "reset", url.Values{"method": {"temporary"}}}} {
				r := post(c.id, c.action, c.form)
				if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "inactive") {
					t.Errorf("%s %v on an inactive account: %d", c.action, c.form, r.StatusCode)
				}
			}
			if len(outbox(t, in)) != mails {
				t.Error("an email was queued for an inactive account")
			}
		})
		t.Run("Reactivate", func(t *testing.T) {
			r := post(buyer.ID, "reactivate", nil)
			if r.StatusCode != http.StatusSeeOther || !strings.HasSuffix(r.Header.Get("Location"), "?msg=reactivated") {
				t.Fatalf("reactivate: %d %q", r.StatusCode, r.Header.Get("Location"))
			}
			if r := in.Client(t).SignIn("buyer@example.com", goodPassword); r.StatusCode != http.StatusSeeOther {
				t.Errorf("reactivated account cannot sign in: %d", r.StatusCode)
			}
			if n := len(auditOf(t, in, "account_reactivated")); n != 1 {
				t.Errorf("%d account_reactivated entries", n)
			}
			got, _ := in.Store().AccountByID(ctx, buyer.ID)
			if !got.Active {
				t.Error("not active")
			}
		})
	})
}

// TestAccountTemporaryPassword: the admin asks for a temporary password;
// no admin page and no audit entry holds any piece of it, and the person
// can sign in with it once, straight into choosing a new password.
func TestAccountTemporaryPassword(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, in *apptest.Instance) {
		admin := accountsSetup(t, in)
		ctx := context.Background()
		a := in.CreateAccount(t, "temp@example.com", goodPassword)
		customer := in.Client(t)
		customer.SignIn("temp@example.com", goodPassword)
		var bodies []string
		keep := func(r *apptest.Response) *apptest.Response {
			bodies = append(bodies, r.Body, fmt.Sprint(r.Header))
			return r
		}
		page := fmt.Sprintf("/admin/accounts/%d", a.ID)
		keep(admin.Get(page))
		r := keep(admin.Post(page+"/reset", url.Values{"method": {"temporary"}}))
		if r.StatusCode != http.StatusSeeOther || !strings.HasSuffix(r.Header.Get("Location"), "?msg=temporary") {
			t.Fatalf("temporary password: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		keep(admin.Get(r.Header.Get("Location")))
		keep(admin.Get("/admin/accounts"))
		keep(admin.Get("/admin/audit"))
		mails := mailsTo(t, in, "temp@example.com")
		temp := regexp.MustCompile(`[a-z0-9]{5}(?:-[a-z0-9]{5}){3,}`).FindString(mails[0].BodyText)
		if len(temp) < 20 {
			t.Fatalf("no temporary password in the email: %q", mails[0].BodyText)
		}
		entries, _, _ := in.Store().ListAudit(ctx, store.AuditFilter{Limit: 1000})
		for _, e := range entries {
			bodies = append(bodies, fmt.Sprintf("%+v", e))
		}
		for i := 0; i+8 <= len(temp); i++ {
			piece := temp[i : i+8]
			for _, b := range bodies {
				if strings.Contains(b, piece) {
					t.Fatalf("an admin response or audit entry holds %q of the temporary password", piece)
				}
			}
		}
		if n := len(auditOf(t, in, "temporary_password_sent")); n != 1 {
			t.Errorf("%d temporary_password_sent entries", n)
		}
		if r := customer.Get("/"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("the old session survived: %d", r.StatusCode)
		}
		c := in.Client(t)
		if r := c.SignIn("temp@example.com", temp); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/password/change" {
			t.Fatalf("sign-in with the temporary password: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		if r := c.Get("/"); r.Header.Get("Location") != "/password/change" {
			t.Errorf("not forced to change the password: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		if r := in.Client(t).SignIn("temp@example.com", temp); r.StatusCode == http.StatusSeeOther {
			t.Error("the temporary password worked twice")
		}
	})
}

func TestAccountsOnlyForAdmins(t *testing.T) {
	in := apptest.StartSQLite(t)
	admin := accountsSetup(t, in)
	a := in.CreateAccount(t, "buyer@example.com", goodPassword)
	customer := in.Client(t)
	customer.SignIn("buyer@example.com", goodPassword)
	id := strconv.FormatInt(a.ID, 10)
	gets := []string{"/admin/accounts", "/admin/accounts/new", "/admin/accounts/" + id}
	posts := []string{"/admin/accounts", "/admin/accounts/" + id, "/admin/accounts/" + id + "/deactivate", "/admin/accounts/" + id + "/reactivate",
		"/admin/accounts/" + id + "/invite", "/admin/accounts/" + id + "/reset"}
	for name, c := range map[string]*apptest.Client{"anonymous": in.Client(t), "customer": customer} {
		for _, p := range gets {
			if r := c.Get(p); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/admin/login") {
				t.Errorf("%s GET %s: %d %q", name, p, r.StatusCode, r.Header.Get("Location"))
			}
		}
		c.Get("/admin/login") // a form token bound to the pre-session
		for _, p := range posts {
			r := c.Post(p, accountForm())
			if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/admin/login") {
				t.Errorf("%s POST %s: %d %q", name, p, r.StatusCode, r.Header.Get("Location"))
			}
		}
	}
	admin.Get("/admin/accounts")
	for _, p := range posts {
		for name, token := range map[string][]string{"missing": nil, "wrong": {"not-the-token"}, "customer's": {customer.LastCSRF}} {
			f := accountForm()
			if token != nil {
				f["csrf_token"] = token
			}
			r := admin.PostRaw(p, f, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": in.URL})
			if r.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with a %s form token: %d, want 403", p, name, r.StatusCode)
			}
		}
	}
	if got, _ := in.Store().AccountByID(context.Background(), a.ID); !got.Active || countAccounts(t, in) != 1 {
		t.Error("a refused request changed something")
	}
}

func TestAccountsList(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, in *apptest.Instance) {
		admin := accountsSetup(t, in)
		for i := range 60 {
			in.CreateAccount(t, fmt.Sprintf("user%02d@example.com", i), goodPassword, func(a *store.Account) {
				a.FirstName, a.LastName = fmt.Sprintf("User%02d", i), "Zed"
				if i%2 == 1 {
					a.Scope = []string{"Beta", "Corvid", "Acme"}
				}
				if i == 7 {
					a.Active = false
				}
			})
		}
		in.CreateAccount(t, "hostile@example.com", goodPassword, func(a *store.Account) {
			a.FirstName, a.LastName = `<script>alert(1)</script>`, `"><img src=x onerror=alert(2)>`
			a.Scope = []string{"Acme"}
		})
		createViaForm(t, in, admin, accountForm(func(f url.Values) { f.Set("email", "pending@example.com"); f.Set("first_name", "Pending") }))
		rows := func(t *testing.T, r *apptest.Response) []string {
			t.Helper()
			doc, _ := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
			var out []string
			doc.Find(".accounts-table tbody tr td.hide-sm:nth-child(2)").Each(func(_ int, s *goquery.Selection) { out = append(out, strings.TrimSpace(s.Text())) })
			return out
		}

		r := admin.Get("/admin/accounts")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "Showing 1–50 of 62 accounts") || len(rows(t, r)) != 50 {
			t.Fatalf("first page: %d, %d rows", r.StatusCode, len(rows(t, r)))
		}
		if strings.Contains(r.Body, "<script>alert(1)") || strings.Contains(r.Body, "<img src=x") {
			t.Error("hostile names rendered unescaped in the list")
		}
		if !strings.Contains(r.Body, `aria-sort="ascending"`) || !strings.Contains(r.Body, "Acme Ltd, Beta Ltd and 1 more") {
			t.Error("no aria-sort on the sorted column, or no scope summary")
		}
		if r := admin.Get("/admin/accounts?page=2"); !strings.Contains(r.Body, "Showing 51–62 of 62 accounts") || len(rows(t, r)) != 12 {
			t.Errorf("second page: %d rows", len(rows(t, r)))
		}
		for _, tc := range []struct {
			query string
			want  []string // first rows, by email
			total string
		}{
			{"sort=email&dir=desc", []string{"user59@example.com", "user58@example.com"}, "of 62 accounts"},
			{"q=USER0&sort=email", []string{"user00@example.com", "user01@example.com"}, "of 10 accounts"},
			{"status=inactive", []string{"user07@example.com"}, "of 1 account"},
			{"status=invited", []string{"pending@example.com"}, "of 1 account"},
			{"status=expired", nil, "No accounts match"},
			{"customer=Beta&sort=email", []string{"user01@example.com", "user03@example.com"}, "of 30 accounts"},
			{"q=" + url.QueryEscape(`%' OR 1=1 --`), nil, "No accounts match"},
			{"q=" + url.QueryEscape("_"), nil, "No accounts match"},
			{"q=" + url.QueryEscape("<script>"), []string{"hostile@example.com"}, "of 1 account"},
			{"page=999999", nil, "There is no page 999,999"},
			{"customer=" + url.QueryEscape("' OR '1'='1"), nil, "No accounts match"},
		} {
			r := admin.Get("/admin/accounts?" + tc.query)
			got := rows(t, r)
			if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, tc.total) || (len(tc.want) > 0 && (len(got) < len(tc.want) || !reflect.DeepEqual(got[:len(tc.want)], tc.want))) {
				t.Errorf("%s: %d, rows %v, want %v and %q", tc.query, r.StatusCode, got, tc.want, tc.total)
			}
			if strings.Contains(r.Body, "<script>alert(1)") {
				t.Errorf("%s: unescaped", tc.query)
			}
		}
		for _, q := range []string{"sort=email;DROP", "sort=email%3BDROP", "sort=password_hash", "status=deleted", "dir=sideways", "page=-1", "page=0", "page=abc",
			"page=99999999999999999999", "page=1.5", "q=" + strings.Repeat("x", 201), "customer=" + strings.Repeat("k", 401), "q=%ff%fe"} {
			r := admin.Get("/admin/accounts?" + q)
			if r.StatusCode != http.StatusBadRequest {
				t.Errorf("%s: %d, want 400", q, r.StatusCode)
			}
			for _, leak := range []string{"SQL", "syntax", "sqlite", "pq:", "SQLSTATE"} {
				if strings.Contains(r.Body, leak) {
					t.Errorf("%s: the page mentions %q", q, leak)
				}
			}
		}
		if r := admin.Get("/admin/accounts?sort=email%3BDROP"); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "cannot be sorted by") {
			t.Error("the 400 page does not say what is wrong")
		}
		t.Run("LockedAndMustChangeShown", func(t *testing.T) {
			db := in.Store().DB()
			if _, err := db.Exec(`UPDATE accounts SET failed_streak = $1 WHERE email = 'user00@example.com'`, store.MaxFailedStreak); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(`UPDATE accounts SET must_change_password = TRUE WHERE email = 'user02@example.com'`); err != nil {
				t.Fatal(err)
			}
			for q, want := range map[string]string{"user00@": ">Locked<", "user02@": ">Must change password<", "user04@": ">Active<", "user07@": ">Inactive<", "pending@": "expires in 24 hours"} {
				if r := admin.Get("/admin/accounts?q=" + url.QueryEscape(q)); !strings.Contains(r.Body, want) {
					t.Errorf("%s: no %q", q, want)
				}
			}
		})
		if got := countAccounts(t, in); got != 62 {
			t.Errorf("%d accounts after the hostile queries", got)
		}
	})
}

// erpApp starts an App whose ERP lists customers with hostile keys and names.
func erpApp(t *testing.T) (*apptest.Instance, []string) {
	t.Helper()
	db := sourcetest.SQLite(t)
	keys := []string{`K<script>alert(1)</script>`, `"><img src=x onerror=alert(2)>`, "Plain & Simple Ltd", "O'Brien's"}
	db.Exec(t, `CREATE TABLE customers (code TEXT, name TEXT)`)
	for i, k := range keys {
		if _, err := db.Writer.Exec(`INSERT INTO customers (code, name) VALUES (?, ?)`, k, fmt.Sprintf("Name %d <b>bold</b>", i)); err != nil {
			t.Fatal(err)
		}
	}
	cfg := db.Config
	cfg.CustomersSQL = "SELECT code, name FROM customers"
	return apptest.StartWithCatalog(t, &catalog.Catalog{Sources: []source.Config{cfg}}), keys
}

func TestAccountHostileERPValuesEscaped(t *testing.T) {
	in, keys := erpApp(t)
	admin := accountsSetup(t, in)
	a := createViaForm(t, in, admin, accountForm(func(f url.Values) {
		f.Set("first_name", `<script>alert(1)</script>`)
		f.Set("last_name", `"><svg onload=alert(3)>`)
		f["customer"] = keys
	}))
	if !reflect.DeepEqual(a.Scope, store.NormalizeKeys(keys)) {
		t.Errorf("scope = %q", a.Scope)
	}
	for _, p := range []string{"/admin/accounts", fmt.Sprintf("/admin/accounts/%d", a.ID), "/admin/accounts/new", "/admin/accounts?customer=" + url.QueryEscape(keys[0])} {
		r := admin.Get(p)
		if r.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", p, r.StatusCode)
		}
		for _, bad := range []string{"<script>alert(1)", "<img src=x", "<svg onload", "<b>bold</b>"} {
			if strings.Contains(r.Body, bad) {
				t.Errorf("%s renders %q unescaped", p, bad)
			}
		}
	}
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(admin.Get(fmt.Sprintf("/admin/accounts/%d", a.ID)).Body))
	var ticked []string
	doc.Find(`input[name=customer]:checked`).Each(func(_ int, s *goquery.Selection) { ticked = append(ticked, s.AttrOr("value", "")) })
	if !reflect.DeepEqual(store.NormalizeKeys(ticked), store.NormalizeKeys(keys)) {
		t.Errorf("ticked %q, want the hostile keys back intact", ticked)
	}
	// A key the ERP does not list cannot be slipped in.
	admin.Get("/admin/accounts/new")
	r := admin.Post("/admin/accounts", accountForm(func(f url.Values) { f.Set("email", "x@example.com"); f["customer"] = []string{"Acme"} }))
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a key the ERP does not list: %d", r.StatusCode)
	}
	// Names the ERP gave are kept for when it is down.
	c, err := in.Store().CustomerByKey(context.Background(), keys[2])
	if err != nil || c.DisplayName != "Name 2 <b>bold</b>" {
		t.Errorf("stored customer name: %+v %v", c, err)
	}
}

func TestAccountFormWhenTheERPIsDown(t *testing.T) {
	cat := &catalog.Catalog{Sources: []source.Config{{Name: "erp", Driver: "postgres",
		DSN: "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1", CustomersSQL: "SELECT code, name FROM customers"}}}
	in := apptest.StartWithCatalog(t, cat)
	admin := accountsSetup(t, in)
	a := in.CreateAccount(t, "buyer@example.com", goodPassword, func(a *store.Account) { a.Scope = []string{"Gone Customer", "Beta"} })
	page := fmt.Sprintf("/admin/accounts/%d", a.ID)
	r := admin.Get(page)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "ERP could not be reached") {
		t.Fatalf("account page while the ERP is down: %d %s", r.StatusCode, errorText(r.Body))
	}
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	var ticked []string
	doc.Find(`input[name=customer]:checked`).Each(func(_ int, s *goquery.Selection) { ticked = append(ticked, s.AttrOr("value", "")) })
	if !reflect.DeepEqual(ticked, []string{"Beta", "Gone Customer"}) {
		t.Errorf("stored scope shown as %q", ticked)
	}
	if r := admin.Get("/admin/accounts/new"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "ERP could not be reached") {
		t.Errorf("new-account page while the ERP is down: %d", r.StatusCode)
	}
	if r := admin.Get("/admin/accounts"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "buyer@example.com") {
		t.Errorf("list while the ERP is down: %d", r.StatusCode)
	}
	// Narrowing to a stored key still works.
	r = admin.Post(page, url.Values{"first_name": {"Test"}, "email": {"buyer@example.com"}, "scope": {"selected"}, "customer": {"Gone Customer"}, "active": {"on"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Errorf("saving while the ERP is down: %d %s", r.StatusCode, errorText(r.Body))
	}
	if got, _ := in.Store().AccountByID(context.Background(), a.ID); !reflect.DeepEqual(got.Scope, []string{"Gone Customer"}) {
		t.Errorf("scope = %v", got.Scope)
	}
}

func TestAccountFormMarksCustomersTheERPNoLongerLists(t *testing.T) {
	in, keys := erpApp(t)
	admin := accountsSetup(t, in)
	a := in.CreateAccount(t, "buyer@example.com", goodPassword, func(a *store.Account) { a.Scope = []string{keys[2], "Retired Co"} })
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(admin.Get(fmt.Sprintf("/admin/accounts/%d", a.ID)).Body))
	retired := doc.Find(`input[name=customer][value="Retired Co"]`)
	if retired.Length() != 1 || !retired.Is(":checked") || !strings.Contains(retired.Parent().Text(), "no longer in the ERP") {
		t.Errorf("a stored customer the ERP no longer lists is not shown ticked and marked")
	}
	if strings.Contains(doc.Find(`input[name=customer][value="Plain & Simple Ltd"]`).Parent().Text(), "no longer") {
		t.Error("a listed customer is marked as missing")
	}
}
