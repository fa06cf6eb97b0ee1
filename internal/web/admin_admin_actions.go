package web

import (
	"errors"
	"net/http"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/store"
)

// adminUsernameRe is what an admin's username may be: it is typed at every
// sign-in and shown in the audit log, so it stays short and plain.
var adminUsernameRe = regexp.MustCompile(`^[A-Za-z0-9._@-]{3,64}$`)

const maxAdminDisplayName = 100

// errAdminRefused stops the add transaction when a field is wrong or a
// name is in use; the field messages are already set.
var errAdminRefused = errors.New("web: admin form refused")

// createAdmin adds an active local admin without a password and, in the
// same transaction, mails them an invitation to choose one.
func (s *Server) createAdmin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	me := stateOf(r).adm
	values := map[string]string{
		"username":     strings.TrimSpace(r.PostForm.Get("username")),
		"display_name": strings.TrimSpace(r.PostForm.Get("display_name")),
		"email":        strings.TrimSpace(r.PostForm.Get("email")),
	}
	fields := map[string]string{}
	if msg := adminUsernameProblem(values["username"]); msg != "" {
		fields["username"] = msg
	}
	if msg := adminDisplayNameProblem(values["display_name"]); msg != "" {
		fields["display_name"] = msg
	}
	if msg := adminEmailProblem(values["email"]); msg != "" {
		fields["email"] = msg
	}
	refuse := func() {
		// Long junk is not worth echoing back into the form.
		for k, v := range values {
			if len(v) > 320 {
				values[k] = ""
			}
		}
		s.renderAdmins(w, r, http.StatusUnprocessableEntity, &view{
			Error: "The admin was not added. Correct the fields marked below.", Fields: fields, Values: values})
	}
	adm := &store.Admin{Username: values["username"], DisplayName: values["display_name"], Email: values["email"],
		Source: "local", Active: true, CreatedAt: s.Clock.Now()}
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		// Names already in use are reported along with any other
		// problem, so the form is corrected in one go.
		checkUser, checkEmail := adm.Username, adm.Email
		if fields["username"] != "" {
			checkUser = ""
		}
		if fields["email"] != "" {
			checkEmail = ""
		}
		userTaken, emailTaken, err := tx.AdminNameClash(ctx, checkUser, checkEmail)
		if err != nil {
			return err
		}
		if userTaken {
			fields["username"] = "Another admin already uses this username or has it as their email address."
		}
		if emailTaken {
			fields["email"] = "Another admin already has this email address or uses it as their username."
		}
		if len(fields) > 0 {
			return errAdminRefused
		}
		if err := tx.CreateAdmin(ctx, adm); err != nil {
			return err
		}
		actor := adminActor(me)
		if err := s.Auth.Audit.Record(ctx, tx, audit.AdminCreated, actor, adminTarget(adm),
			map[string]any{"username": adm.Username, "email": adm.Email, "display_name": adm.DisplayName}); err != nil {
			return err
		}
		return s.Auth.SendInvitation(ctx, tx, auth.AdminPerson(adm), actor, false)
	})
	switch {
	case err == nil:
		http.Redirect(w, r, "/admin/admins?msg=created", http.StatusSeeOther)
	case errors.Is(err, errAdminRefused):
		refuse()
	case errors.Is(err, store.ErrConflict):
		// Someone added the same name a moment ago, between the check and
		// the insert.
		fields["username"] = "Another admin already uses this username or email address."
		refuse()
	default:
		s.serverError(w, r, err)
	}
}

// inviteAdmin sends a new invitation to an admin who has no password yet;
// older links stop working.
func (s *Server) inviteAdmin(w http.ResponseWriter, r *http.Request) {
	s.mailAdminLink(w, r, true)
}

// resetAdmin mails another admin a link to choose a new password (admins
// have no forgot-password page). Their password keeps working until then.
func (s *Server) resetAdmin(w http.ResponseWriter, r *http.Request) {
	s.mailAdminLink(w, r, false)
}

func (s *Server) mailAdminLink(w http.ResponseWriter, r *http.Request, invitation bool) {
	ctx := r.Context()
	me := stateOf(r).adm
	id, ok := adminIDFrom(r)
	if !ok {
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	var problem string
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		a, err := tx.AdminByID(ctx, id)
		if err != nil {
			return err
		}
		switch {
		case !a.Active:
			problem = "That admin is inactive. Reactivate them first."
		case a.Source != "" && a.Source != "local":
			problem = "That admin signs in through the directory, which manages their password."
		case a.Email == "":
			problem = "That admin has no email address to send a link to."
		case invitation && a.PasswordHash != "":
			problem = "That admin has already chosen a password. Send a reset link instead."
		case !invitation && a.PasswordHash == "":
			problem = "That admin has no password yet. Send the invitation again instead."
		case !invitation && a.ID == me.ID:
			problem = "To change your own password, use Change password in your menu."
		}
		if problem != "" {
			return nil
		}
		if invitation {
			return s.Auth.SendInvitation(ctx, tx, auth.AdminPerson(a), adminActor(me), true)
		}
		return s.Auth.SendResetLink(ctx, tx, auth.AdminPerson(a), adminActor(me))
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.errorPage(w, r, http.StatusNotFound, "")
	case err != nil:
		s.serverError(w, r, err)
	case problem != "":
		s.renderAdmins(w, r, http.StatusConflict, &view{Error: problem})
	case invitation:
		http.Redirect(w, r, "/admin/admins?msg=invited", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/admin/admins?msg=reset", http.StatusSeeOther)
	}
}

// deactivateAdmin deactivates another admin: their sessions end and their
// links stop working in the same transaction. The last active admin cannot
// be deactivated, and nobody can deactivate themselves.
func (s *Server) deactivateAdmin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	me := stateOf(r).adm
	id, ok := adminIDFrom(r)
	if !ok {
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	if id == me.ID {
		s.renderAdmins(w, r, http.StatusForbidden, &view{
			Error: "You cannot deactivate yourself. Ask another admin to do it, so that someone can always sign in."})
		return
	}
	now := s.Clock.Now()
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		a, err := tx.AdminByID(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.DeactivateAdmin(ctx, id, me.ID, now); err != nil {
			return err
		}
		ended, err := s.Auth.EndSessionsOf(ctx, tx, store.KindAdmin, id, 0)
		if err != nil {
			return err
		}
		if err := tx.RevokeTokens(ctx, store.KindAdmin, id, now); err != nil {
			return err
		}
		return s.Auth.Audit.Record(ctx, tx, audit.AdminDeactivated, adminActor(me), adminTarget(a),
			map[string]any{"sessions_ended": ended})
	})
	switch {
	case err == nil:
		http.Redirect(w, r, "/admin/admins?msg=deactivated", http.StatusSeeOther)
	case errors.Is(err, store.ErrNotFound):
		s.errorPage(w, r, http.StatusNotFound, "")
	case errors.Is(err, store.ErrAlreadyInactive):
		http.Redirect(w, r, "/admin/admins?msg=already_inactive", http.StatusSeeOther)
	case errors.Is(err, store.ErrLastActiveAdmin):
		s.renderAdmins(w, r, http.StatusConflict, &view{
			Error: "That is the last active admin. Add or reactivate another admin first, so that someone can always sign in."})
	case errors.Is(err, store.ErrActorInactive):
		s.errorPage(w, r, http.StatusForbidden, "Your admin access was withdrawn a moment ago, so nothing was changed.")
	default:
		s.serverError(w, r, err)
	}
}

// reactivateAdmin lets an inactive admin sign in again (with the password
// they had, or after a new invitation).
func (s *Server) reactivateAdmin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	me := stateOf(r).adm
	id, ok := adminIDFrom(r)
	if !ok {
		s.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	already := false
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		a, err := tx.AdminByID(ctx, id)
		if err != nil {
			return err
		}
		if a.Active {
			already = true
			return nil
		}
		if err := tx.SetAdminActive(ctx, id, true, s.Clock.Now()); err != nil {
			return err
		}
		return s.Auth.Audit.Record(ctx, tx, audit.AdminReactivated, adminActor(me), adminTarget(a), nil)
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.errorPage(w, r, http.StatusNotFound, "")
	case err != nil:
		s.serverError(w, r, err)
	case already:
		http.Redirect(w, r, "/admin/admins?msg=already_active", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/admin/admins?msg=reactivated", http.StatusSeeOther)
	}
}

// adminIDFrom reads the {id} of the path; anything but a positive number
// is a page that does not exist.
func adminIDFrom(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

func adminActor(a *store.Admin) audit.Actor {
	return audit.Actor{Kind: store.KindAdmin, ID: a.ID, Label: a.Username}
}

func adminTarget(a *store.Admin) audit.Target {
	return audit.Target{Kind: store.KindAdmin, ID: strconv.FormatInt(a.ID, 10), Label: a.Username}
}

func adminUsernameProblem(u string) string {
	switch {
	case u == "":
		return "Enter a username."
	case !adminUsernameRe.MatchString(u):
		return "Use 3 to 64 characters: letters, digits and . _ - @ (no spaces)."
	}
	return ""
}

func adminDisplayNameProblem(n string) string {
	if n == "" {
		return "" // the username is shown instead
	}
	if !utf8.ValidString(n) || utf8.RuneCountInString(n) > maxAdminDisplayName {
		return "Use at most 100 characters."
	}
	for _, c := range n {
		// Control characters would break email headers; direction
		// overrides can make a name read as another.
		if unicode.IsControl(c) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) {
			return "Use letters, digits, spaces and punctuation only."
		}
	}
	return ""
}

func adminEmailProblem(e string) string {
	if e == "" {
		return "Enter their email address: the invitation goes there."
	}
	if len(e) > 254 {
		return "That email address is too long."
	}
	a, err := mail.ParseAddress(e)
	at := strings.LastIndexByte(e, '@')
	if err != nil || a.Address != e || at < 1 || strings.ContainsAny(e, " <>\"") ||
		!strings.Contains(e[at+1:], ".") || strings.HasPrefix(e[at+1:], ".") || strings.HasSuffix(e, ".") {
		return "Enter an email address like name@example.com."
	}
	return ""
}
