package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/store"
)

// Admin states shown in the list, most pressing first.
const (
	adminStateInactive       = "inactive"
	adminStateInvited        = "invited"            // no password yet, invitation link open
	adminStateInviteExpired  = "invitation-expired" // no password yet, no open link
	adminStateLocked         = "locked"             // too many failed sign-ins: only a new password unlocks
	adminStateMustChange     = "must-change"        // signed in with a temporary password
	adminStateActive         = "active"
	adminStateDirectoryAdmin = "directory"
)

// adminRow is one admin in the list, with what may be done to them.
type adminRow struct {
	ID                  int64
	Username            string
	Name                string // the display name; may be empty
	Label               string // the display name, or the username
	Email               string
	Directory           bool // signs in through the directory (LDAP)
	State, StateLabel   string
	InviteExpires       time.Time
	LastLoginAt         *time.Time
	CreatedAt           time.Time
	Added               string // the day CreatedAt falls on
	You                 bool   // the signed-in admin
	Bootstrap           bool   // named by PORTICO_ADMIN_USERNAME: re-set at every start
	CanInvite, CanReset bool
	CanDeactivate       bool
	// SecondFactor is "On since …" or "Off"; CanResetSecondFactor offers
	// the reset (never for yourself: that is done on your account page).
	SecondFactor         string
	CanResetSecondFactor bool
	CanReactivate        bool
	StatePill, StateNote string
}

// adminsView is the admins page: the list and the add form.
type adminsView struct {
	Rows          []adminRow
	Active        int
	InvitationTTL string
	FormOpen      bool // the add form holds an error and is scrolled to
}

// showAdmins lists the admins and offers the add form.
func (s *Server) showAdmins(w http.ResponseWriter, r *http.Request) {
	s.renderAdmins(w, r, http.StatusOK, &view{Notice: adminsNotice(r)})
}

// renderAdmins renders the admins page with status, keeping the Error,
// Fields and Values of v (a refused action or a refused add form).
func (s *Server) renderAdmins(w http.ResponseWriter, r *http.Request, status int, v *view) {
	ctx := r.Context()
	list, err := s.Store.ListAdmins(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	now := s.Clock.Now()
	open, err := s.Store.OpenInvitations(ctx, store.KindAdmin, now)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	me := stateOf(r).adm
	d := adminsView{InvitationTTL: adminTTLText(s.Auth.InvitationTTL), FormOpen: len(v.Fields) > 0}
	for i := range list {
		a := &list[i]
		row := adminRow{
			ID: a.ID, Username: a.Username, Name: a.DisplayName, Label: a.Name(), Email: a.Email, Directory: a.Source != "" && a.Source != "local",
			LastLoginAt: a.LastLoginAt, CreatedAt: a.CreatedAt, Added: a.CreatedAt.UTC().Format("2 Jan 2006"), You: me != nil && me.ID == a.ID,
			Bootstrap: s.Config.AdminUsername != "" && a.Source == "local" && strings.EqualFold(a.Username, s.Config.AdminUsername),
		}
		if exp, ok := open[a.ID]; ok {
			row.InviteExpires = exp
		}
		row.State = adminState(a, !row.InviteExpires.IsZero())
		row.StateLabel, row.StatePill = adminStateText(row.State)
		switch row.State {
		case adminStateInvited:
			row.StateNote = "link valid until " + row.InviteExpires.UTC().Format("2 Jan, 15:04 UTC")
		case adminStateInviteExpired:
			row.StateNote = "no password yet"
		case adminStateLocked:
			row.StateNote = "needs a new password"
		}
		if a.Active {
			d.Active++
		}
		local := !row.Directory
		row.CanInvite = a.Active && local && a.PasswordHash == "" && a.Email != ""
		row.CanReset = a.Active && local && a.PasswordHash != "" && a.Email != "" && !row.You
		row.CanDeactivate = a.Active && !row.You
		row.CanReactivate = !a.Active
		var enrolled bool
		if row.SecondFactor, enrolled, err = s.secondFactorStatus(r, store.KindAdmin, a.ID); err != nil {
			s.serverError(w, r, err)
			return
		}
		row.CanResetSecondFactor = enrolled && !row.You
		d.Rows = append(d.Rows, row)
	}
	v.Title = "Admins"
	v.Data = d
	s.page(w, r, status, "admin_admins", v)
}

// adminState is what the list says about an admin.
func adminState(a *store.Admin, inviteOpen bool) string {
	switch {
	case !a.Active:
		return adminStateInactive
	case a.Source != "" && a.Source != "local":
		return adminStateDirectoryAdmin
	case a.PasswordHash == "" && inviteOpen:
		return adminStateInvited
	case a.PasswordHash == "":
		return adminStateInviteExpired
	case a.FailedStreak >= store.MaxFailedStreak:
		return adminStateLocked
	case a.MustChangePassword:
		return adminStateMustChange
	}
	return adminStateActive
}

// adminStateText gives the label and the pill class of a state.
func adminStateText(state string) (label, pill string) {
	switch state {
	case adminStateInactive:
		return "Inactive", "pill-off"
	case adminStateInvited:
		return "Invited", "pill-wait"
	case adminStateInviteExpired:
		return "Invitation expired", "pill-off"
	case adminStateLocked:
		return "Locked", "pill-off"
	case adminStateMustChange:
		return "Must change password", "pill-wait"
	}
	return "Active", "pill-on"
}

// adminsNotice turns the msg code of a redirect into a fixed confirmation.
func adminsNotice(r *http.Request) string {
	switch r.URL.Query().Get("msg") {
	case "created":
		return "Admin added. An invitation to choose a password is in the outbox, on its way to their email address."
	case "invited":
		return "Invitation sent again. Earlier links no longer work."
	case "reset":
		return "Reset link sent. Their current password keeps working until they choose a new one."
	case "second_factor_reset":
		return "Two-step sign-in was reset. They set it up again at their next sign-in if it is required."
	case "second_factor_none":
		return "That admin had no two-step sign-in to reset."
	case "deactivated":
		return "Admin deactivated. Their sessions have ended and their emailed links no longer work."
	case "already_inactive":
		return "That admin was already inactive."
	case "reactivated":
		return "Admin reactivated. They can sign in again."
	case "already_active":
		return "That admin was already active."
	}
	return ""
}

// adminTTLText says how long a link lasts, the way people say it.
func adminTTLText(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d%(24*time.Hour) == 0 && d >= 48*time.Hour:
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	case d%time.Hour == 0 && d > time.Hour:
		return fmt.Sprintf("%d hours", d/time.Hour)
	case d == time.Hour:
		return "1 hour"
	}
	return fmt.Sprintf("%d minutes", d/time.Minute)
}
