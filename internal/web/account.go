package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/auth/totp"
	"github.com/portico-dev/portico/internal/store"
)

// self is the person on their own account page: a customer at /account or
// an admin at /admin/account. The screens and actions are the same for
// both, so every handler of the account page serves both areas; the route
// guard (requireCustomer or requireAdmin) decides who that is, and only
// the kind, the paths and the details shown differ.
type self struct {
	kind    string
	id      int64
	label   string // the email, or an admin's username: the audit label and the authenticator app's entry
	base    string // "/account" or "/admin/account"
	account *store.Account
	admin   *store.Admin
}

// selfOf is the signed-in person of the area the request is for. The
// guards run first, so exactly one of account and admin is set.
func selfOf(r *http.Request) self {
	st := stateOf(r)
	if st.admin {
		return self{kind: store.KindAdmin, id: st.adm.ID, label: st.adm.Username, base: "/admin/account", admin: st.adm}
	}
	return self{kind: store.KindCustomer, id: st.account.ID, label: st.account.Email, base: "/account", account: st.account}
}

// actor is the person acting on their own account, for the audit log.
func (me self) actor() audit.Actor { return audit.Actor{Kind: me.kind, ID: me.id, Label: me.label} }

// target is the person's own account, for the audit log.
func (me self) target() audit.Target {
	return audit.Target{Kind: me.kind, ID: strconv.FormatInt(me.id, 10), Label: me.label}
}

// ownAccountView is the account page: who the person is, their password,
// their two-step sign-in and their signed-in sessions.
type ownAccountView struct {
	Base      string
	AdminArea bool
	Name      string
	Email     string
	Username  string // a customer's optional second sign-in name, or the admin's username
	Directory bool   // an admin who signs in through the directory: no password here
	LastLogin *time.Time
	// PasswordChanged is when the password was last set; nil when never.
	PasswordChanged *time.Time
	PasswordHref    string
	TwoStep         twoStepStatus
	Regen, Off      codeField // the code fields of "new recovery codes" and "turn off"
	Sessions        []ownSessionRow
	Others          int // live sessions other than this one
}

// twoStepStatus is the state of the person's second factor.
type twoStepStatus struct {
	On         bool
	Since      time.Time
	CodesLeft  int
	CodesTotal int
	Required   bool // SecondFactorRequired: it cannot be turned off here
	Pending    bool // a setup was started and not confirmed yet
}

// codeField is one code field on the account page. The page has two
// (new recovery codes, turn off), so each has its own id and message.
type codeField struct {
	ID, Error string
	Open      bool // the form is shown unfolded: it has a message, or was just sent
}

// ownSessionRow is one of the person's live sessions.
type ownSessionRow struct {
	store.Session
	Browser string
	Current bool
}

// ownAccountNotices are the confirmations the account page shows after a
// redirect, by code; only these fixed texts can appear.
var ownAccountNotices = map[string]string{
	"two_factor_on":  "Two-step sign-in is on. From your next sign-in, the portal asks for a code from your app after your password.",
	"two_factor_off": "Two-step sign-in is off. Your password alone signs you in now.",
	"sessions_ended": "Your other sessions have been signed out. This one stays signed in.",
	"no_setup":       "There is no setup waiting for a code. Start it again below.",
}

// showOwnAccount renders the person's own account page.
func (s *Server) showOwnAccount(w http.ResponseWriter, r *http.Request) {
	s.renderOwnAccount(w, r, http.StatusOK, ownAccountNotices[r.URL.Query().Get("msg")], "", nil)
}

// renderOwnAccount draws the account page with status. problem is a
// message for the whole page; fields are the messages of the two code
// fields ("regen_code", "off_code"), and unfold the form they belong to.
func (s *Server) renderOwnAccount(w http.ResponseWriter, r *http.Request, status int, notice, problem string, fields map[string]string) {
	me := selfOf(r)
	v := ownAccountView{Base: me.base, AdminArea: me.kind == store.KindAdmin,
		Regen: codeField{ID: "regen-code", Error: fields["regen_code"]},
		Off:   codeField{ID: "off-code", Error: fields["off_code"]}}
	v.Regen.Open, v.Off.Open = v.Regen.Error != "", v.Off.Error != ""
	if a := me.account; a != nil {
		v.Name, v.Email, v.Username = a.Name(), a.Email, a.Username
		v.LastLogin, v.PasswordChanged, v.PasswordHref = a.LastLoginAt, a.PasswordChangedAt, "/password/change"
	} else {
		a := me.admin
		v.Name, v.Email, v.Username = a.Name(), a.Email, a.Username
		v.Directory = a.Source != "" && a.Source != "local"
		v.LastLogin, v.PasswordChanged, v.PasswordHref = a.LastLoginAt, a.PasswordChangedAt, "/admin/password"
	}

	var err error
	if v.TwoStep, err = s.twoStepOf(r, me); err != nil {
		s.serverError(w, r, err)
		return
	}
	if v.Sessions, err = s.ownSessions(r, me); err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, row := range v.Sessions {
		if !row.Current {
			v.Others++
		}
	}
	s.page(w, r, status, "account", &view{Title: "Your account", Notice: notice, Error: problem, Data: v})
}

// twoStepOf reads the person's second factor: on or off, since when, the
// recovery codes left, and whether it is required for them.
func (s *Server) twoStepOf(r *http.Request, me self) (twoStepStatus, error) {
	ctx := r.Context()
	t := twoStepStatus{CodesTotal: totp.RecoveryCodeCount}
	f, err := s.Store.SecondFactorOf(ctx, me.kind, me.id)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return t, err
	case f.Confirmed != nil:
		t.On, t.Since = true, *f.Confirmed
		if t.CodesLeft, err = s.Store.RecoveryCodesLeft(ctx, me.kind, me.id); err != nil {
			return t, err
		}
	default:
		t.Pending = true
	}
	t.Required, err = s.Auth.SecondFactorRequired(ctx, me.kind, me.account)
	return t, err
}

// ownSessions lists the person's live sessions, this one first: the same
// idle and absolute limits the session middleware enforces decide which
// still count, so a session shown here is one that would still be let in.
func (s *Server) ownSessions(r *http.Request, me self) ([]ownSessionRow, error) {
	ctx := r.Context()
	list, err := s.Store.ListSessions(ctx, me.kind, me.id)
	if err != nil {
		return nil, err
	}
	now, idle := s.Clock.Now(), s.Auth.IdleTimeout(ctx, me.kind)
	cur := stateOf(r).session
	var rows []ownSessionRow
	for _, l := range list {
		if !now.Before(l.ExpiresAt) || !now.Before(l.LastSeenAt.Add(idle)) {
			continue
		}
		rows = append(rows, ownSessionRow{Session: l, Browser: describeBrowser(l.UserAgent), Current: cur != nil && l.ID == cur.ID})
	}
	// This device first, then the most recently active.
	slices.SortStableFunc(rows, func(a, b ownSessionRow) int {
		switch {
		case a.Current == b.Current:
			return 0
		case a.Current:
			return -1
		}
		return 1
	})
	return rows, nil
}
