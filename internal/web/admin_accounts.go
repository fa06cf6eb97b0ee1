package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/store"
)

const (
	accountsPageSize = 50
	// accountsMaxPage bounds ?page=: far beyond any real list, and small
	// enough that the offset never overflows.
	accountsMaxPage = 1_000_000
	maxSearchRunes  = 200
	maxCustomerKey  = 400
)

// Account states shown in the list and on the account page, most pressing
// first. The list's status filter uses the store's four; locked and
// must-change are active accounts with a password.
const (
	acctStateInactive      = "inactive"
	acctStateInvited       = "invited"
	acctStateInviteExpired = "invitation-expired"
	acctStateLocked        = "locked"
	acctStateMustChange    = "must-change"
	acctStateActive        = "active"
)

// accountState is what the console says about an account; inviteOpen says
// whether an invitation link still works.
func accountState(a *store.Account, inviteOpen bool) string {
	switch {
	case !a.Active:
		return acctStateInactive
	case a.PasswordHash == "" && inviteOpen:
		return acctStateInvited
	case a.PasswordHash == "":
		return acctStateInviteExpired
	case a.FailedStreak >= store.MaxFailedStreak:
		return acctStateLocked
	case a.MustChangePassword:
		return acctStateMustChange
	}
	return acctStateActive
}

// accountStateText gives the badge text and pill class of a state.
func accountStateText(state string) (label, pill string) {
	switch state {
	case acctStateInactive:
		return "Inactive", "pill-off"
	case acctStateInvited:
		return "Invited", "pill-wait"
	case acctStateInviteExpired:
		return "Invitation expired", "pill-off"
	case acctStateLocked:
		return "Locked", "pill-off"
	case acctStateMustChange:
		return "Must change password", "pill-wait"
	}
	return "Active", "pill-on"
}

// untilText says how far off t is from now, the way people say it:
// "in 23 hours", "in 5 minutes", "in 2 days".
func untilText(now, t time.Time) string {
	d := t.Sub(now)
	plural := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.FormatInt(n, 10) + " " + one + "s"
	}
	switch {
	case d <= time.Minute:
		return "in under a minute"
	case d < 2*time.Hour:
		return "in " + plural(int64(d/time.Minute), "minute")
	case d < 48*time.Hour:
		return "in " + plural(int64(d/time.Hour), "hour")
	}
	return "in " + plural(int64(d/(24*time.Hour)), "day")
}

// accountRow is one account in the admin list.
type accountRow struct {
	ID                int64
	Name, Email       string
	Scope             string // "All customers", or up to two names and "and N more"
	ScopeTitle        string // every name, for the tooltip
	State, StateLabel string
	StatePill         string
	StateNote         string
	LastLoginAt       *time.Time
	CreatedAt         time.Time
}

// sortColumn is one sortable column header.
type sortColumn struct {
	Label, Href string
	Sort        string // "ascending", "descending" or "" (aria-sort)
	Mark        string
	Class       string
}

// filterOption is one choice of a filter select.
type filterOption struct {
	Value, Label string
	Selected     bool
}

// accountsView is the accounts list page.
type accountsView struct {
	Rows                []accountRow
	Search, Status      string
	Customer            string
	Statuses, Customers []filterOption
	Columns             []sortColumn
	Total, Page, Pages  int
	First, Last         int
	PrevHref, NextHref  string
	FirstHref           string
	SortKey, Dir        string // kept as hidden fields when filtering
	Filtered            bool
	PastEnd             bool
	InvitationTTL       string
}

var accountStatuses = []filterOption{
	{Value: "all", Label: "All accounts"},
	{Value: store.AccountActive, Label: "Active (has a password)"},
	{Value: store.AccountInvited, Label: "Invited, waiting"},
	{Value: store.AccountExpired, Label: "Invitation expired"},
	{Value: store.AccountInactive, Label: "Inactive"},
}

var accountSorts = []struct{ key, label, class string }{
	{store.AccountSortName, "Name", ""},
	{store.AccountSortEmail, "Email", "hide-sm"},
	{store.AccountSortLastLogin, "Last sign-in", "hide-sm"},
	{store.AccountSortCreated, "Created", "hide-md"},
}

// accountListParams is the list's query string, checked.
type accountListParams struct {
	Search, Status, Customer, Sort string
	Desc                           bool
	Page                           int
}

// parseAccountList reads the list's query string. Anything it cannot use
// gives a message for a 400 page: a hand-edited address should say what is
// wrong, not show a different list.
func parseAccountList(q url.Values) (accountListParams, string) {
	p := accountListParams{Search: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Customer: q.Get("customer"),
		Sort: q.Get("sort"), Page: 1}
	if !utf8.ValidString(p.Search) || utf8.RuneCountInString(p.Search) > maxSearchRunes {
		return p, fmt.Sprintf("Search for at most %d characters of a name or email address.", maxSearchRunes)
	}
	switch p.Status {
	case "", "all":
		p.Status = ""
	case store.AccountActive, store.AccountInactive, store.AccountInvited, store.AccountExpired:
	default:
		return p, "There is no account status called " + strconv.Quote(clipRunes(p.Status, 40)) + ". Choose one from the Status list."
	}
	if len(p.Customer) > maxCustomerKey || !utf8.ValidString(p.Customer) {
		return p, "That customer filter is too long. Choose a customer from the list."
	}
	switch p.Sort {
	case "", store.AccountSortName, store.AccountSortEmail, store.AccountSortLastLogin, store.AccountSortCreated:
	default:
		return p, "The list cannot be sorted by " + strconv.Quote(clipRunes(p.Sort, 40)) + ". Use the column headings to sort."
	}
	switch q.Get("dir") {
	case "", "asc":
	case "desc":
		p.Desc = true
	default:
		return p, "Sort direction must be asc or desc."
	}
	if raw := q.Get("page"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > accountsMaxPage || len(raw) > 7 {
			return p, fmt.Sprintf("Page must be a whole number from 1 to %d.", accountsMaxPage)
		}
		p.Page = n
	}
	return p, ""
}

// href is the list's address with these parameters and one change.
func (p accountListParams) href(change func(*accountListParams)) string {
	c := p
	if change != nil {
		change(&c)
	}
	v := url.Values{}
	if c.Search != "" {
		v.Set("q", c.Search)
	}
	if c.Status != "" {
		v.Set("status", c.Status)
	}
	if c.Customer != "" {
		v.Set("customer", c.Customer)
	}
	if c.Sort != "" && c.Sort != store.AccountSortName {
		v.Set("sort", c.Sort)
	}
	if c.Desc {
		v.Set("dir", "desc")
	}
	if c.Page > 1 {
		v.Set("page", strconv.Itoa(c.Page))
	}
	if len(v) == 0 {
		return "/admin/accounts"
	}
	return "/admin/accounts?" + v.Encode()
}

// showAccounts lists the customer accounts: search, filters, sortable
// columns and pages, all applied in SQL.
func (s *Server) showAccounts(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	// Parsed strictly: r.URL.Query() silently drops what it cannot read
	// (such as "sort=email;DROP"), which would show a list nobody asked for.
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "The address of this list is malformed. Use the filters and column headings to change it.")
		return
	}
	p, problem := parseAccountList(query)
	if problem != "" {
		s.errorPage(w, r, http.StatusBadRequest, problem)
		return
	}
	now := s.Clock.Now()
	rows, total, err := s.Store.ListAccountsPage(ctx, store.AccountQuery{
		Search: p.Search, Status: p.Status, Customer: p.Customer, Sort: p.Sort, Desc: p.Desc,
		Limit: accountsPageSize, Offset: (p.Page - 1) * accountsPageSize, Now: now,
	})
	if errors.Is(err, store.ErrBadQuery) {
		s.errorPage(w, r, http.StatusBadRequest, "")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	names, keys, err := s.knownCustomerNames(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := accountsView{Search: p.Search, Status: p.Status, Customer: p.Customer, Total: total, Page: p.Page,
		Filtered: p.Search != "" || p.Status != "" || p.Customer != "", InvitationTTL: humanTTL(s.Auth.InvitationTTL)}
	v.Pages = max(1, (total+accountsPageSize-1)/accountsPageSize)
	if p.Sort != "" && p.Sort != store.AccountSortName {
		v.SortKey = p.Sort
	}
	if p.Desc {
		v.Dir = "desc"
	}
	for _, o := range accountStatuses {
		o.Selected = o.Value == p.Status || (o.Value == "all" && p.Status == "")
		v.Statuses = append(v.Statuses, o)
	}
	v.Customers = append(v.Customers, filterOption{Value: "", Label: "Any customer", Selected: p.Customer == ""},
		filterOption{Value: store.AllCustomersFilter, Label: "Only accounts that see all customers", Selected: p.Customer == store.AllCustomersFilter})
	if p.Customer != "" && p.Customer != store.AllCustomersFilter && names[p.Customer] == "" {
		keys = append(keys, p.Customer)
		names[p.Customer] = p.Customer
	}
	sort.SliceStable(keys, func(i, j int) bool { return strings.ToLower(names[keys[i]]) < strings.ToLower(names[keys[j]]) })
	for _, k := range keys {
		label := names[k]
		if label != k {
			label += " (" + k + ")"
		}
		v.Customers = append(v.Customers, filterOption{Value: k, Label: label, Selected: k == p.Customer})
	}
	current := p.Sort
	if current == "" {
		current = store.AccountSortName
	}
	for _, c := range accountSorts {
		col := sortColumn{Label: c.label, Class: c.class}
		// Times sort newest first on the first click; names A to Z.
		firstDesc := c.key == store.AccountSortLastLogin || c.key == store.AccountSortCreated
		desc := firstDesc
		if current == c.key {
			desc = !p.Desc
			col.Sort, col.Mark = "ascending", "▲"
			if p.Desc {
				col.Sort, col.Mark = "descending", "▼"
			}
		}
		key := c.key
		col.Href = p.href(func(q *accountListParams) { q.Sort, q.Desc, q.Page = key, desc, 1 })
		v.Columns = append(v.Columns, col)
	}
	if total > 0 && len(rows) == 0 {
		v.PastEnd = true
		v.FirstHref = p.href(func(q *accountListParams) { q.Page = 1 })
	}
	if len(rows) > 0 {
		v.First = (p.Page-1)*accountsPageSize + 1
		v.Last = v.First + len(rows) - 1
	}
	if p.Page > 1 && !v.PastEnd {
		v.PrevHref = p.href(func(q *accountListParams) { q.Page-- })
	}
	if p.Page < v.Pages {
		v.NextHref = p.href(func(q *accountListParams) { q.Page++ })
	}
	for i := range rows {
		v.Rows = append(v.Rows, newAccountRow(&rows[i], names, now))
	}
	s.page(w, r, http.StatusOK, "admin_accounts", &view{Title: "Accounts", Data: v})
}

func newAccountRow(a *store.AccountRow, names map[string]string, now time.Time) accountRow {
	row := accountRow{ID: a.ID, Name: a.Name(), Email: a.Email, LastLoginAt: a.LastLoginAt, CreatedAt: a.CreatedAt}
	row.Scope, row.ScopeTitle = scopeSummary(a.AllCustomers, a.Scope, names)
	row.State = accountState(&a.Account, a.InvitationExpiresAt != nil)
	row.StateLabel, row.StatePill = accountStateText(row.State)
	switch row.State {
	case acctStateInvited:
		row.StateNote = "expires " + untilText(now, *a.InvitationExpiresAt)
	case acctStateLocked:
		row.StateNote = "needs a new password"
	case acctStateMustChange:
		if a.PasswordExpiresAt != nil && a.PasswordExpiresAt.After(now) {
			row.StateNote = "temporary password, expires " + untilText(now, *a.PasswordExpiresAt)
		}
	}
	return row
}

// scopeSummary writes a scope for the list: "All customers", or the first
// two names (sorted) and "and N more"; the second value names them all.
func scopeSummary(all bool, keys []string, names map[string]string) (string, string) {
	if all {
		return "All customers", ""
	}
	if len(keys) == 0 {
		return "No customers", ""
	}
	shown := make([]string, len(keys))
	for i, k := range keys {
		shown[i] = k
		if n := names[k]; n != "" {
			shown[i] = n
		}
	}
	sort.Slice(shown, func(i, j int) bool { return strings.ToLower(shown[i]) < strings.ToLower(shown[j]) })
	every := strings.Join(shown, ", ")
	if len(shown) <= 2 {
		return every, every
	}
	return fmt.Sprintf("%s, %s and %d more", shown[0], shown[1], len(shown)-2), every
}

// knownCustomerNames maps every customer key the portal knows (its own
// customer records and every key an account's scope names) to a name, and
// lists the keys. The list page does not ask the ERP: it must work, and
// answer fast, while the ERP is down. Names the ERP gave are stored when an
// account is saved.
func (s *Server) knownCustomerNames(r *http.Request) (map[string]string, []string, error) {
	names := map[string]string{}
	var keys []string
	known, err := s.Store.ListCustomers(r.Context())
	if err != nil {
		return nil, nil, err
	}
	for _, c := range known {
		name := c.DisplayName
		if name == "" {
			name = c.Key
		}
		names[c.Key] = name
		keys = append(keys, c.Key)
	}
	inUse, err := s.Store.ScopeKeysInUse(r.Context())
	if err != nil {
		return nil, nil, err
	}
	for _, k := range inUse {
		if _, ok := names[k]; !ok {
			names[k] = k
			keys = append(keys, k)
		}
	}
	return names, keys, nil
}

// accountsActor is the signed-in admin as the actor of an audit entry.
func accountsActor(r *http.Request) audit.Actor {
	adm := stateOf(r).adm
	return audit.Actor{Kind: store.KindAdmin, ID: adm.ID, Label: adm.Username}
}

// accountTarget is an account as the target of an audit entry: its id and
// its email at the time.
func accountTarget(a *store.Account) audit.Target {
	return audit.Target{Kind: store.KindCustomer, ID: strconv.FormatInt(a.ID, 10), Label: a.Email}
}

// clipRunes shortens s to at most n runes, for echoing input in a message.
func clipRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i] + "…"
		}
		n--
	}
	return s
}

// accountIDFrom reads the {id} of the path: digits only, so "+5", "05x"
// and "-1" are pages that do not exist rather than another account.
func accountIDFrom(r *http.Request) (int64, bool) {
	raw := r.PathValue("id")
	if raw == "" || len(raw) > 18 {
		return 0, false
	}
	for _, c := range raw {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	return id, err == nil && id > 0
}
