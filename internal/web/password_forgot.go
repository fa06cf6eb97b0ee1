package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// forgotForm is the data of the forgot-password page.
type forgotForm struct {
	Email string
	Sent  bool
}

// forgotAnswer is the one answer to every well-formed request, whether or
// not the address belongs to an account.
const forgotAnswer = "If an active account uses that address, we have sent it an email with a link to choose a new password. The link works once and expires in "

// showForgotPassword renders the forgot-password form.
func (s *Server) showForgotPassword(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	csrf := s.ensurePreSession(w, r)
	s.page(w, r, http.StatusOK, "password_forgot", &view{Title: "Forgot your password?", CSRF: csrf, Data: forgotForm{}})
}

// submitForgotPassword queues a reset link for an active account with that
// stored address and answers the same whatever the address: the page
// neither tells whether an account exists nor waits for SMTP.
func (s *Server) submitForgotPassword(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	email := strings.TrimSpace(r.PostForm.Get("email"))
	form := forgotForm{Email: email}
	fail := func(msg string) {
		s.page(w, r, http.StatusUnprocessableEntity, "password_forgot", &view{Title: "Forgot your password?", CSRF: s.ensurePreSession(w, r),
			Error: "No email was sent.", Fields: map[string]string{"email": msg}, Data: form})
	}
	switch {
	case email == "":
		fail("Enter the email address you sign in with.")
		return
	case len(email) > 254 || !plainText(email) || !strings.Contains(email, "@"):
		fail("Enter an email address like name@example.com.")
		return
	}
	if err := s.Auth.RequestPasswordReset(r.Context(), email, clientIP(r)); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.page(w, r, http.StatusOK, "password_forgot", &view{Title: "Check your email", CSRF: s.ensurePreSession(w, r),
		Notice: forgotAnswer + humanTTL(s.Auth.ForgotTTL) + ".", Data: forgotForm{Sent: true}})
}

// humanTTL says a link lifetime in words ("30 minutes", "24 hours").
func humanTTL(d time.Duration) string {
	m := int(d.Minutes())
	switch {
	case m%(24*60) == 0 && m >= 48*60:
		return strconv.Itoa(m/(24*60)) + " days"
	case m%60 == 0 && m >= 120:
		return strconv.Itoa(m/60) + " hours"
	case m == 60:
		return "1 hour"
	case m == 1:
		return "1 minute"
	}
	return strconv.Itoa(m) + " minutes"
}
