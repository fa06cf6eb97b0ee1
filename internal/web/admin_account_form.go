package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/store"
)

const (
	maxAccountName   = 200 // runes, each of first and last name
	maxAccountEmail  = 254 // the longest address SMTP carries
	maxScopeKeys     = 10000
	scopeAll         = "all"
	scopeSelected    = "selected"
	accountAuditShow = 12
)

// errAccountEmailTaken stops a save whose email another account uses; the
// field message is already set.
var errAccountEmailTaken = errors.New("web: account email taken")

// accountForm is what the account form holds: as submitted, or as stored.
type accountForm struct {
	FirstName, LastName, Email string
	Scope                      string // scopeAll or scopeSelected
	Keys                       []string
	Active                     bool
}

// customerChoice is one customer of the scope checklist.
type customerChoice struct {
	Key, Name string
	Checked   bool
	// Missing marks a customer the account's stored scope names but the
	// ERP no longer lists; it stays until it is unticked.
	Missing bool
}

// customerChoices are the customers an account's scope may name: the ERP's
// customers read live, plus the account's stored scope. When the ERP cannot
// be read, the customers the portal already knows stand in for its list.
type customerChoices struct {
	List    []customerChoice
	allowed map[string]string // key → name
	fromERP bool              // names came from the ERP (and are worth storing)
	Problem string            // why the ERP's list is not shown, in words
}

// customerChoices builds the checklist for an account whose stored scope
// is stored (nil for a new account).
func (s *Server) customerChoices(r *http.Request, stored []string) (*customerChoices, error) {
	ctx := r.Context()
	c := &customerChoices{allowed: map[string]string{}}
	erp, configured, err := s.Data.ERPCustomers(ctx)
	switch {
	case !configured:
		c.Problem = "No data source has a customers query (customers_sql), so the list holds only the customers the portal already knows."
	case err != nil:
		s.Log.Warn("account form: ERP customers unavailable", "err", err, "request_id", requestID(r))
		c.Problem = "The ERP could not be reached, so its list of customers cannot be shown. The account's current customers are kept and shown below " +
			"with the customers the portal already knows; you can untick customers or choose All customers, and add others once the ERP answers again."
	default:
		c.fromERP = true
		for _, e := range erp {
			name := e.Name
			if name == "" {
				name = e.Key
			}
			c.allowed[e.Key] = name
		}
	}
	if !c.fromERP {
		known, err := s.Store.ListCustomers(ctx)
		if err != nil {
			return nil, err
		}
		for _, k := range known {
			name := k.DisplayName
			if name == "" {
				name = k.Key
			}
			c.allowed[k.Key] = name
		}
	}
	missing := map[string]bool{}
	for _, k := range stored {
		if _, ok := c.allowed[k]; !ok {
			c.allowed[k] = k
			missing[k] = c.fromERP
		}
	}
	if len(missing) > 0 && !c.fromERP {
		// The stored keys' names, where the portal knows them.
		names, _, err := s.knownCustomerNames(r)
		if err != nil {
			return nil, err
		}
		for k := range missing {
			if n := names[k]; n != "" {
				c.allowed[k] = n
			}
		}
	}
	for k, name := range c.allowed {
		c.List = append(c.List, customerChoice{Key: k, Name: name, Missing: missing[k]})
	}
	sort.Slice(c.List, func(i, j int) bool {
		a, b := strings.ToLower(c.List[i].Name), strings.ToLower(c.List[j].Name)
		if a != b {
			return a < b
		}
		return c.List[i].Key < c.List[j].Key
	})
	return c, nil
}

// tick marks the chosen keys and moves them to the top, so the current
// scope is seen first even among hundreds of customers.
func (c *customerChoices) tick(keys []string) {
	chosen := map[string]bool{}
	for _, k := range keys {
		chosen[k] = true
	}
	for i := range c.List {
		c.List[i].Checked = chosen[c.List[i].Key]
	}
	sort.SliceStable(c.List, func(i, j int) bool { return c.List[i].Checked && !c.List[j].Checked })
}

// accountDetails is what the account page shows beside the form.
type accountDetails struct {
	Name                         string
	State, StateLabel, StatePill string
	Invitation                   string
	Password                     string
	LiveSessions                 int
	Audit                        []store.AuditEntry
	AuditHref                    string
	CanInvite, Reinvite          bool
	CanResetLink, CanTemporary   bool
	CanDeactivate, CanReactivate bool
	// SecondFactor describes the account's two-step sign-in ("On since
	// …", "Off"); CanResetSecondFactor offers the reset.
	SecondFactor         string
	CanResetSecondFactor bool
}

// accountPageView is the new-account page and an account's page.
type accountPageView struct {
	New           bool
	ID            int64
	Action        string
	Form          accountForm
	Choices       []customerChoice
	Selected      int
	ChoiceProblem string
	InvitationTTL string
	Details       *accountDetails
	Account       *store.Account
}

// showNewAccount shows the empty account form.
func (s *Server) showNewAccount(w http.ResponseWriter, r *http.Request) {
	choices, err := s.customerChoices(r, nil)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.renderAccountForm(w, r, http.StatusOK, &view{}, accountForm{Scope: scopeSelected, Active: true}, choices, nil)
}

// renderAccountForm renders the new-account page (acct nil) or an
// account's page, keeping v's Error, Notice and Fields.
func (s *Server) renderAccountForm(w http.ResponseWriter, r *http.Request, status int, v *view, f accountForm, choices *customerChoices, acct *store.Account) {
	choices.tick(f.Keys)
	d := accountPageView{New: acct == nil, Action: "/admin/accounts", Form: f, Choices: choices.List,
		ChoiceProblem: choices.Problem, InvitationTTL: humanTTL(s.Auth.InvitationTTL), Account: acct}
	for _, c := range choices.List {
		if c.Checked {
			d.Selected++
		}
	}
	v.Title = "New account"
	if acct != nil {
		d.ID = acct.ID
		d.Action = "/admin/accounts/" + strconv.FormatInt(acct.ID, 10)
		det, err := s.accountDetails(r, acct)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		d.Details = det
		v.Title = det.Name
	}
	v.Data = d
	s.page(w, r, status, "admin_account", v)
}

// accountDetails gathers the account's state, invitation, sessions and
// recent audit entries.
func (s *Server) accountDetails(r *http.Request, a *store.Account) (*accountDetails, error) {
	ctx := r.Context()
	now := s.Clock.Now()
	d := &accountDetails{Name: a.Name()}
	inv, err := s.Store.LatestInvitation(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	if d.SecondFactor, d.CanResetSecondFactor, err = s.secondFactorStatus(r, store.KindCustomer, a.ID); err != nil {
		return nil, err
	}
	d.State = accountState(a, inv.Open(now))
	d.StateLabel, d.StatePill = accountStateText(d.State)
	switch {
	case inv == nil && a.PasswordHash == "":
		d.Invitation = "None sent yet."
	case inv == nil:
		d.Invitation = "None: the password was set another way."
	case a.PasswordHash != "":
		d.Invitation = "Sent " + s.when(inv.SentAt) + "; a password has been set since."
	case inv.Open(now):
		d.Invitation = "Sent " + s.when(inv.SentAt) + "; the link expires " + untilText(now, inv.ExpiresAt) + " (" + s.when(inv.ExpiresAt) + ")."
	case inv.Closed != nil && inv.Closed.Before(inv.ExpiresAt):
		d.Invitation = "Sent " + s.when(inv.SentAt) + "; the link was withdrawn " + s.when(*inv.Closed) + " and no longer works."
	default:
		d.Invitation = "Sent " + s.when(inv.SentAt) + "; the link expired " + s.when(inv.ExpiresAt) + " unused."
	}
	switch {
	case a.PasswordHash == "":
		d.Password = "Not set yet."
	case a.MustChangePassword && a.PasswordExpiresAt != nil:
		d.Password = "Temporary password, sent " + s.whenPtr(a.PasswordChangedAt)
		if a.PasswordExpiresAt.After(now) {
			d.Password += "; works once until " + s.when(*a.PasswordExpiresAt) + ", then must be changed."
		} else {
			d.Password += "; it has expired or been used, and must be changed."
		}
	case a.MustChangePassword:
		d.Password = "Set; must be changed at the next sign-in."
	case a.PasswordChangedAt != nil:
		d.Password = "Set; last changed " + s.when(*a.PasswordChangedAt) + "."
	default:
		d.Password = "Set."
	}
	sessions, err := s.Store.ListSessions(ctx, store.KindCustomer, a.ID)
	if err != nil {
		return nil, err
	}
	idle := s.Auth.IdleTimeout(ctx, store.KindCustomer)
	for _, ss := range sessions {
		if ss.ExpiresAt.After(now) && ss.LastSeenAt.After(now.Add(-idle)) {
			d.LiveSessions++
		}
	}
	if d.Audit, err = s.accountAudit(r, a); err != nil {
		return nil, err
	}
	d.AuditHref = "/admin/audit?target_kind=customer&target=" + strconv.FormatInt(a.ID, 10)
	d.CanInvite = a.Active && a.PasswordHash == ""
	d.Reinvite = inv != nil
	d.CanResetLink = a.Active && a.PasswordHash != ""
	d.CanTemporary = a.Active
	d.CanDeactivate, d.CanReactivate = a.Active, !a.Active
	return d, nil
}

// when writes a time in the display time zone, as the pages do.
func (s *Server) when(t time.Time) string {
	loc := s.Config.Location
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2 Jan 2006, 15:04 MST")
}

func (s *Server) whenPtr(t *time.Time) string {
	if t == nil {
		return "at an unknown time"
	}
	return s.when(*t)
}

// accountAudit returns the newest audit entries about an account: those
// naming it by id, and failed sign-ins typed with its current email (which
// name no id). Entries about an admin with the same id are left out.
func (s *Server) accountAudit(r *http.Request, a *store.Account) ([]store.AuditEntry, error) {
	ctx := r.Context()
	seen := map[int64]bool{}
	var out []store.AuditEntry
	for _, target := range []string{strconv.FormatInt(a.ID, 10), a.Email} {
		list, _, err := s.Store.ListAudit(ctx, store.AuditFilter{Target: target, TargetKind: store.KindCustomer, Limit: 100})
		if err != nil {
			return nil, err
		}
		for _, e := range list {
			if e.TargetKind == store.KindCustomer && !seen[e.ID] &&
				(e.TargetID == strconv.FormatInt(a.ID, 10) || e.TargetID == "") {
				seen[e.ID] = true
				out = append(out, e)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.After(out[j].At)
		}
		return out[i].ID > out[j].ID
	})
	if len(out) > accountAuditShow {
		out = out[:accountAuditShow]
	}
	return out, nil
}

// parseAccountForm reads the submitted form.
func parseAccountForm(r *http.Request) accountForm {
	f := accountForm{
		FirstName: strings.TrimSpace(r.PostForm.Get("first_name")),
		LastName:  strings.TrimSpace(r.PostForm.Get("last_name")),
		Email:     strings.TrimSpace(r.PostForm.Get("email")),
		Scope:     r.PostForm.Get("scope"),
		Active:    r.PostForm.Get("active") == "on",
	}
	if f.Scope == "" && len(r.PostForm["customer"]) > 0 {
		f.Scope = scopeSelected
	}
	f.Keys = store.NormalizeKeys(r.PostForm["customer"])
	return f
}

// validate checks every field and returns a message per field in trouble.
// All customers wins over any ticked customer: the keys are then dropped.
func (f *accountForm) validate(choices *customerChoices) map[string]string {
	fields := map[string]string{}
	if msg := accountNameProblem(f.FirstName, true); msg != "" {
		fields["first_name"] = msg
	}
	if msg := accountNameProblem(f.LastName, false); msg != "" {
		fields["last_name"] = msg
	}
	if msg := accountEmailProblem(f.Email); msg != "" {
		fields["email"] = msg
	} else {
		f.Email = strings.ToLower(f.Email)
	}
	switch f.Scope {
	case scopeAll:
		f.Keys = nil
	case scopeSelected, "":
		f.Scope = scopeSelected
		switch {
		case len(f.Keys) == 0:
			fields["scope"] = "Tick at least one customer, or choose All customers."
		case len(f.Keys) > maxScopeKeys:
			fields["scope"] = "That is more customers than the portal accepts at once; choose All customers instead."
		default:
			for _, k := range f.Keys {
				if _, ok := choices.allowed[k]; !ok {
					fields["scope"] = "“" + clipRunes(k, 60) + "” is not one of the customers listed. Reload the page and tick customers from the list."
					break
				}
			}
		}
	default:
		fields["scope"] = "Choose All customers or Selected customers."
		f.Scope = scopeSelected
	}
	return fields
}

// accountNameProblem checks a first or last name.
func accountNameProblem(n string, required bool) string {
	switch {
	case n == "" && required:
		return "Enter their first name."
	case n == "":
		return ""
	case !utf8.ValidString(n):
		return "Use letters, digits, spaces and punctuation only."
	case utf8.RuneCountInString(n) > maxAccountName:
		return fmt.Sprintf("Use at most %d characters.", maxAccountName)
	}
	for _, c := range n {
		// Control characters would break email headers; direction
		// overrides can make a name read as another.
		if unicode.IsControl(c) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200f || c == 0x200e {
			return "Use letters, digits, spaces and punctuation only."
		}
	}
	return ""
}

// accountEmailProblem checks an email address: one plain address, as the
// invitation goes there and it is the sign-in name.
func accountEmailProblem(e string) string {
	if e == "" {
		return "Enter their email address: the invitation goes there, and it is how they sign in."
	}
	if len(e) > maxAccountEmail {
		return fmt.Sprintf("That email address is too long (at most %d characters).", maxAccountEmail)
	}
	at := strings.LastIndexByte(e, '@')
	if strings.ContainsAny(e, " <>\"(),;:\\[]\r\n\t") || at < 1 || at == len(e)-1 {
		return "Enter one email address like name@example.com."
	}
	a, err := mail.ParseAddress(e)
	domain := e[at+1:]
	if err != nil || a.Address != e || !utf8.ValidString(e) || !strings.Contains(domain, ".") ||
		strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "Enter one email address like name@example.com."
	}
	for _, c := range e {
		if unicode.IsControl(c) || unicode.IsSpace(c) {
			return "Enter one email address like name@example.com."
		}
	}
	return ""
}

// refuseAccountForm re-renders the form with 422, the entered values kept
// (long junk is cut rather than echoed whole).
func (s *Server) refuseAccountForm(w http.ResponseWriter, r *http.Request, f accountForm, fields map[string]string, choices *customerChoices, acct *store.Account) {
	f.FirstName, f.LastName, f.Email = clipRunes(f.FirstName, 300), clipRunes(f.LastName, 300), clipRunes(f.Email, 300)
	what := "The account was not created."
	if acct != nil {
		what = "Nothing was saved."
	}
	s.renderAccountForm(w, r, http.StatusUnprocessableEntity, &view{Error: what + " Correct the fields marked below.", Fields: fields}, f, choices, acct)
}

// scopeDetails is how audit entries write a scope.
func scopeDetails(all bool, keys []string) map[string]any {
	if keys == nil {
		keys = []string{}
	}
	return map[string]any{"all": all, "customers": keys}
}

// storeCustomerNames records the names the ERP gave for the customers of a
// scope, so lists can name them while the ERP is down.
func (s *Server) storeCustomerNames(r *http.Request, tx *store.Tx, choices *customerChoices, keys []string) error {
	if !choices.fromERP {
		return nil
	}
	for _, k := range keys {
		name, ok := choices.allowed[k]
		if !ok || name == "" {
			continue
		}
		if err := tx.UpsertCustomer(r.Context(), &store.Customer{Key: k, DisplayName: name, PortalEnabled: true, CreatedAt: s.Clock.Now()}); err != nil {
			return err
		}
	}
	return nil
}

// createAccount adds an account and, in the same transaction, sends its
// invitation (an inactive account gets none until it is reactivated).
func (s *Server) createAccount(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	choices, err := s.customerChoices(r, nil)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	f := parseAccountForm(r)
	fields := f.validate(choices)
	if len(fields) > 0 {
		s.refuseAccountForm(w, r, f, fields, choices, nil)
		return
	}
	now := s.Clock.Now()
	a := &store.Account{Email: f.Email, FirstName: f.FirstName, LastName: f.LastName, Active: f.Active,
		AllCustomers: f.Scope == scopeAll, Scope: f.Keys, CreatedAt: now}
	actor := accountsActor(r)
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		taken, err := tx.AccountEmailTaken(ctx, a.Email, 0)
		if err != nil {
			return err
		}
		if taken {
			return errAccountEmailTaken
		}
		if err := tx.CreateAccount(ctx, a); err != nil {
			return err
		}
		if err := s.storeCustomerNames(r, tx, choices, a.Scope); err != nil {
			return err
		}
		if err := s.Auth.Audit.Record(ctx, tx, audit.AccountCreated, actor, accountTarget(a), map[string]any{
			"email": a.Email, "first_name": a.FirstName, "last_name": a.LastName, "active": a.Active,
			"scope": scopeDetails(a.AllCustomers, a.Scope),
		}); err != nil {
			return err
		}
		if !a.Active {
			return nil
		}
		return s.Auth.SendInvitation(ctx, tx, auth.CustomerPerson(a), actor, false)
	})
	switch {
	case err == nil:
		msg := "created"
		if !a.Active {
			msg = "created_inactive"
		}
		http.Redirect(w, r, "/admin/accounts/"+strconv.FormatInt(a.ID, 10)+"?msg="+msg, http.StatusSeeOther)
	case errors.Is(err, errAccountEmailTaken), errors.Is(err, store.ErrConflict):
		fields["email"] = "Another account already uses this email address (capital letters do not make a different address)."
		s.refuseAccountForm(w, r, f, fields, choices, nil)
	default:
		s.serverError(w, r, err)
	}
}

// showAccount shows an account: the form to edit it, its state, sessions,
// invitation and recent audit entries.
func (s *Server) showAccount(w http.ResponseWriter, r *http.Request) {
	a, ok := s.accountFromPath(w, r)
	if !ok {
		return
	}
	choices, err := s.customerChoices(r, a.Scope)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.renderAccountForm(w, r, http.StatusOK, &view{Notice: s.accountNotice(r, a)}, formOf(a), choices, a)
}

// formOf is the form as the stored account fills it.
func formOf(a *store.Account) accountForm {
	f := accountForm{FirstName: a.FirstName, LastName: a.LastName, Email: a.Email, Scope: scopeSelected, Keys: a.Scope, Active: a.Active}
	if a.AllCustomers {
		f.Scope = scopeAll
	}
	return f
}

// accountFromPath reads the account named by {id}, answering 404 itself
// when there is none.
func (s *Server) accountFromPath(w http.ResponseWriter, r *http.Request) (*store.Account, bool) {
	id, ok := accountIDFrom(r)
	if !ok {
		s.errorPage(w, r, http.StatusNotFound, "")
		return nil, false
	}
	a, err := s.Store.AccountByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.errorPage(w, r, http.StatusNotFound, "")
		return nil, false
	}
	if err != nil {
		s.serverError(w, r, err)
		return nil, false
	}
	return a, true
}

// accountNotice turns the msg code of a redirect into a fixed confirmation;
// the only variable parts are the stored email and a count.
func (s *Server) accountNotice(r *http.Request, a *store.Account) string {
	q := r.URL.Query()
	ended, _ := strconv.Atoi(q.Get("ended"))
	if ended < 0 || ended > 1_000_000 {
		ended = 0
	}
	sessions := fmt.Sprintf("%d session%s", ended, map[bool]string{true: "", false: "s"}[ended == 1])
	switch q.Get("msg") {
	case "created":
		return "Account created and invitation sent to " + a.Email + "."
	case "second_factor_reset":
		return "Two-step sign-in was reset: " + a.Email + " sets it up again at their next sign-in if it is required."
	case "second_factor_none":
		return "This account had no two-step sign-in to reset."
	case "created_inactive":
		return "Account created as inactive, so no invitation was sent. Reactivate it, then send the invitation."
	case "saved":
		msg := "Changes saved."
		if q.Get("email") == "1" {
			msg += " The email address changed: links sent before no longer work."
			if a.PasswordHash == "" && a.Active {
				msg += " Send the invitation again so it reaches the new address."
			}
		}
		if q.Get("narrowed") == "1" {
			if ended > 0 {
				msg += " The scope was narrowed, so their " + sessions + " ended at once."
			} else {
				msg += " The scope was narrowed; they were not signed in, so no session had to end."
			}
		}
		return msg
	case "unchanged":
		return "Nothing changed."
	case "deactivated":
		msg := "Account deactivated: it cannot sign in, and its emailed links no longer work."
		if ended > 0 {
			msg += " Their " + sessions + " ended at once."
		}
		return msg
	case "already_inactive":
		return "That account was already inactive."
	case "reactivated":
		msg := "Account reactivated."
		if a.PasswordHash == "" {
			msg += " They have no password yet: send the invitation so they can choose one."
		} else {
			msg += " They can sign in again with their password."
		}
		return msg
	case "already_active":
		return "That account was already active."
	case "invited":
		return "Invitation sent to " + a.Email + ". Earlier links no longer work."
	case "reset_link":
		return "Reset link sent to " + a.Email + ". Their current password keeps working until they choose a new one."
	case "temporary":
		return "A temporary password was emailed to " + a.Email + ". It works for one sign-in within " + humanTTL(auth.TemporaryPasswordTTL) +
			", then they must choose a new one. Their sessions were ended and earlier links no longer work."
	}
	return ""
}

// saveAccount stores the edited account. Each kind of change is audited
// on its own (profile fields, scope, active), all in one transaction with
// the change; narrowing the scope or deactivating ends the sessions at once.
func (s *Server) saveAccount(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, ok := s.accountFromPath(w, r)
	if !ok {
		return
	}
	choices, err := s.customerChoices(r, a.Scope)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	f := parseAccountForm(r)
	fields := f.validate(choices)
	if len(fields) > 0 {
		s.refuseAccountForm(w, r, f, fields, choices, a)
		return
	}
	now := s.Clock.Now()
	actor := accountsActor(r)
	var changed, emailChanged, narrowed bool
	var ended int64
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		old, err := tx.LockAccount(ctx, a.ID)
		if err != nil {
			return err
		}
		from, to := map[string]any{}, map[string]any{}
		for _, c := range []struct {
			name     string
			old, new string
		}{{"first_name", old.FirstName, f.FirstName}, {"last_name", old.LastName, f.LastName}, {"email", old.Email, f.Email}} {
			if c.old != c.new {
				from[c.name], to[c.name] = c.old, c.new
			}
		}
		emailChanged = old.Email != f.Email
		if len(to) > 0 {
			if emailChanged {
				taken, err := tx.AccountEmailTaken(ctx, f.Email, old.ID)
				if err != nil {
					return err
				}
				if taken {
					return errAccountEmailTaken
				}
			}
			if err := tx.UpdateAccountProfile(ctx, old.ID, f.FirstName, f.LastName, f.Email, now); err != nil {
				return err
			}
			if emailChanged {
				// Links went to the old address: none may work any more.
				if err := tx.RevokeTokens(ctx, store.KindCustomer, old.ID, now); err != nil {
					return err
				}
			}
			updated := *old
			updated.Email = f.Email
			if err := s.Auth.Audit.Record(ctx, tx, audit.AccountUpdated, actor, accountTarget(&updated),
				map[string]any{"from": from, "to": to}); err != nil {
				return err
			}
			changed = true
		}
		target := accountTarget(&store.Account{ID: old.ID, Email: f.Email})
		all := f.Scope == scopeAll
		if all != old.AllCustomers || (!all && !slices.Equal(f.Keys, store.NormalizeKeys(old.Scope))) {
			narrowed = old.AllCustomers && !all
			for _, k := range old.Scope {
				narrowed = narrowed || (!all && !slices.Contains(f.Keys, k))
			}
			if err := tx.SetAccountScope(ctx, old.ID, all, f.Keys, now); err != nil {
				return err
			}
			if err := s.storeCustomerNames(r, tx, choices, f.Keys); err != nil {
				return err
			}
			details := map[string]any{"from": scopeDetails(old.AllCustomers, old.Scope), "to": scopeDetails(all, f.Keys)}
			if narrowed && old.Active && f.Active {
				if ended, err = s.Auth.EndSessionsOf(ctx, tx, store.KindCustomer, old.ID, 0); err != nil {
					return err
				}
				details["sessions_ended"] = ended
			}
			if err := s.Auth.Audit.Record(ctx, tx, audit.ScopeChanged, actor, target, details); err != nil {
				return err
			}
			changed = true
		}
		if f.Active != old.Active {
			changed = true
			if f.Active {
				return s.reactivateInTx(r, tx, old.ID, target)
			}
			n, err := s.deactivateInTx(r, tx, old.ID, target)
			ended += n
			return err
		}
		return nil
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	case errors.Is(err, errAccountEmailTaken), errors.Is(err, store.ErrConflict):
		fields["email"] = "Another account already uses this email address (capital letters do not make a different address)."
		s.refuseAccountForm(w, r, f, fields, choices, a)
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	back := "/admin/accounts/" + strconv.FormatInt(a.ID, 10)
	switch {
	case !changed:
		back += "?msg=unchanged"
	case a.Active && !f.Active:
		back += "?msg=deactivated&ended=" + strconv.FormatInt(ended, 10)
	case !a.Active && f.Active:
		back += "?msg=reactivated"
	default:
		back += "?msg=saved"
		if emailChanged {
			back += "&email=1"
		}
		if narrowed && f.Active {
			back += "&narrowed=1&ended=" + strconv.FormatInt(ended, 10)
		}
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
