package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/auth/totp"
)

// ownSecondFactorView is the two-step page of the account: setting up a
// second factor (the key as a QR code and as text, and the code field),
// or the recovery codes, shown once.
type ownSecondFactorView struct {
	Base      string
	AdminArea bool
	Enroll    *enrollView
	Codes     []string
	Replaced  bool   // the codes replace earlier ones
	Continue  string // where to go once the codes are saved
}

// Messages of the code fields. A wrong code and a throttled person get
// the same one, as at sign-in.
const (
	codeMsgMalformed = "A code is six digits from your app, or a recovery code such as k7fq-2mxp-9r4t."
	codeMsgEmpty     = "Enter the six-digit code your authenticator app shows now."
	codeMsgWrong     = "That code did not work. Type the code your app shows now (codes change every 30 seconds). After several wrong codes, wait 15 minutes before trying again."
)

// readCode reads the code field of a form. Anything longer than 64
// characters or with control characters is not something a person typed
// from an app or a sheet of codes (400); an empty field is 422. msg is
// empty when the code can be checked.
func readCode(r *http.Request) (code string, status int, msg string) {
	code = r.PostForm.Get("code")
	if len(code) > 64 || !plainText(code) {
		return "", http.StatusBadRequest, codeMsgMalformed
	}
	if strings.TrimSpace(code) == "" {
		return "", http.StatusUnprocessableEntity, codeMsgEmpty
	}
	return code, 0, ""
}

// startOwnSecondFactor begins setting up two-step sign-in: a new key is
// stored, unconfirmed (it changes nothing at sign-in until a code proves
// it), and the person is sent to the page that shows it. A reload of that
// page shows the same key; pressing "Set up" again makes a new one.
func (s *Server) startOwnSecondFactor(w http.ResponseWriter, r *http.Request) {
	me := selfOf(r)
	_, err := s.Auth.BeginEnrollment(r.Context(), me.kind, me.id, s.portalName(r), me.label)
	switch {
	case errors.Is(err, auth.ErrAlreadyEnrolled):
		s.renderOwnAccount(w, r, http.StatusConflict, "", "Two-step sign-in is already on for your account.", nil)
	case err != nil:
		s.serverError(w, r, err)
	default:
		http.Redirect(w, r, me.base+"/two-factor", http.StatusSeeOther)
	}
}

// showOwnSecondFactor shows the key being set up; with none waiting it
// goes back to the account page, which offers to start.
func (s *Server) showOwnSecondFactor(w http.ResponseWriter, r *http.Request) {
	me := selfOf(r)
	enroll, err := s.ownEnrollment(r, me)
	switch {
	case errors.Is(err, auth.ErrNotEnrolling):
		http.Redirect(w, r, me.base+"?msg=no_setup", http.StatusSeeOther)
	case errors.Is(err, auth.ErrAlreadyEnrolled):
		http.Redirect(w, r, me.base, http.StatusSeeOther)
	case err != nil:
		s.serverError(w, r, err)
	default:
		s.renderOwnSecondFactor(w, r, http.StatusOK, ownSecondFactorView{Enroll: enroll}, "")
	}
}

// confirmOwnSecondFactor checks the first code from the app against the
// key being set up; when it matches, two-step sign-in is on and the
// recovery codes are shown, once (the page is not stored, and only their
// hashes are kept).
func (s *Server) confirmOwnSecondFactor(w http.ResponseWriter, r *http.Request) {
	me := selfOf(r)
	ctx := r.Context()
	again := func(status int, msg string) {
		enroll, err := s.ownEnrollment(r, me)
		if err != nil {
			s.setupGone(w, r, err)
			return
		}
		s.renderOwnSecondFactor(w, r, status, ownSecondFactorView{Enroll: enroll}, msg)
	}
	code, status, msg := readCode(r)
	if msg != "" {
		again(status, msg)
		return
	}
	codes, err := s.Auth.ConfirmEnrollment(ctx, me.kind, me.id, code, me.actor())
	switch {
	case errors.Is(err, auth.ErrInvalidCode):
		again(http.StatusUnprocessableEntity, codeMsgWrong)
	case err != nil:
		s.setupGone(w, r, err)
	default:
		s.renderOwnSecondFactor(w, r, http.StatusOK, ownSecondFactorView{Codes: codes, Continue: me.base + "?msg=two_factor_on"}, "")
	}
}

// setupGone answers a confirmation whose setup is no longer there: it was
// confirmed or restarted in another tab, or two-step sign-in is on.
func (s *Server) setupGone(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, auth.ErrAlreadyEnrolled):
		s.renderOwnAccount(w, r, http.StatusConflict, "", "Two-step sign-in is already on for your account.", nil)
	case errors.Is(err, auth.ErrNotEnrolling):
		s.renderOwnAccount(w, r, http.StatusConflict, "", "There is no setup waiting for a code: it was finished or cancelled elsewhere. Start it again below.", nil)
	default:
		s.serverError(w, r, err)
	}
}

// replaceOwnRecoveryCodes makes ten new recovery codes, shown once; the old
// ones stop working. It needs a current code from the app, so a session
// left open on someone else's screen cannot read out a fresh set.
func (s *Server) replaceOwnRecoveryCodes(w http.ResponseWriter, r *http.Request) {
	me := selfOf(r)
	ctx := r.Context()
	st, err := s.twoStepOf(r, me)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !st.On {
		s.renderOwnAccount(w, r, http.StatusConflict, "", "Two-step sign-in is off, so there are no recovery codes to replace.", nil)
		return
	}
	fail := func(status int, msg string) {
		s.renderOwnAccount(w, r, status, "", "", map[string]string{"regen_code": msg})
	}
	code, status, msg := readCode(r)
	if msg != "" {
		fail(status, msg)
		return
	}
	if totp.LooksLikeRecoveryCode(code) {
		fail(http.StatusUnprocessableEntity, "Type the six-digit code from your authenticator app here, not a recovery code.")
		return
	}
	if _, err := s.Auth.VerifySecondFactor(ctx, me.kind, me.id, code); errors.Is(err, auth.ErrInvalidCode) {
		fail(http.StatusUnprocessableEntity, codeMsgWrong)
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	codes, err := s.Auth.NewRecoveryCodes(ctx, me.kind, me.id, me.actor())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.renderOwnSecondFactor(w, r, http.StatusOK, ownSecondFactorView{Codes: codes, Replaced: true, Continue: me.base}, "")
}

// turnOffOwnSecondFactor removes the person's second factor and recovery
// codes, with a code from the app or a recovery code as proof. Someone
// who must use two-step sign-in (SecondFactorRequired) is refused before
// any code is spent: they would only be made to set it up again at their
// next sign-in, and an admin can reset it for someone who lost the phone.
func (s *Server) turnOffOwnSecondFactor(w http.ResponseWriter, r *http.Request) {
	me := selfOf(r)
	ctx := r.Context()
	st, err := s.twoStepOf(r, me)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	switch {
	case !st.On:
		s.renderOwnAccount(w, r, http.StatusConflict, "", "Two-step sign-in is already off for your account.", nil)
		return
	case st.Required:
		s.renderOwnAccount(w, r, http.StatusForbidden, "", requiredMessage(me, s.portalName(r)), nil)
		return
	}
	fail := func(status int, msg string) {
		s.renderOwnAccount(w, r, status, "", "", map[string]string{"off_code": msg})
	}
	code, status, msg := readCode(r)
	if msg != "" {
		fail(status, msg)
		return
	}
	if _, err := s.Auth.VerifySecondFactor(ctx, me.kind, me.id, code); errors.Is(err, auth.ErrInvalidCode) {
		fail(http.StatusUnprocessableEntity, codeMsgWrong+" A recovery code you have not used works too.")
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	if _, err := s.Auth.ResetSecondFactor(ctx, me.kind, me.id, me.actor(), me.target()); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, me.base+"?msg=two_factor_off", http.StatusSeeOther)
}

// requiredMessage says why two-step sign-in cannot be turned off.
func requiredMessage(me self, business string) string {
	if me.admin != nil {
		return "Two-step sign-in is required for admins, so it cannot be turned off. Lost your phone? Another admin can reset it for you."
	}
	return "Two-step sign-in is required for your account, so it cannot be turned off. Lost your phone? Contact your " + business + " representative to reset it."
}

// ownEnrollment is the key waiting for its first code, drawn for the page.
func (s *Server) ownEnrollment(r *http.Request, me self) (*enrollView, error) {
	e, err := s.Auth.PendingEnrollment(r.Context(), me.kind, me.id, s.portalName(r), me.label)
	if err != nil {
		return nil, err
	}
	return newEnrollView(e, me.label)
}

// renderOwnSecondFactor draws the two-step page; codeMsg goes next to the
// code field. Recovery codes are on it only in this one answer, which no
// browser or proxy may keep.
func (s *Server) renderOwnSecondFactor(w http.ResponseWriter, r *http.Request, status int, v ownSecondFactorView, codeMsg string) {
	noStore(w)
	me := selfOf(r)
	v.Base, v.AdminArea = me.base, me.admin != nil
	title := "Set up two-step sign-in"
	if v.Codes != nil {
		title = "Your recovery codes"
	}
	var fields map[string]string
	if codeMsg != "" {
		fields = map[string]string{"code": codeMsg}
	}
	s.page(w, r, status, "account_second_factor", &view{Title: title, Fields: fields, Data: v})
}
