package web

import "net/http"

// notices are the confirmations a redirect can ask a page to show, by code.
// Only these fixed texts can appear, so a link cannot inject a message.
var notices = map[string]string{
	"signed_out":         "You have been signed out.",
	"password_changed":   "Your password has been changed. Other devices have been signed out.",
	"session_ended":      "Your session has ended. Please sign in again.",
	"password_set":       "Your password is set. Sign in with it now.",
	"again":              "Your sign-in was not finished in time. Please sign in again.",
	"security_saved":     "Security settings saved. They apply at each person's next sign-in.",
	"security_unchanged": "Nothing was changed.",
}

func noticeFrom(r *http.Request) string { return notices[r.URL.Query().Get("msg")] }
