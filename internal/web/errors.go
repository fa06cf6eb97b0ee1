package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/portico-dev/portico/internal/auth/password"
)

// errorTitles are the headings of the error page per status.
var errorTitles = map[int]string{
	http.StatusBadRequest:            "That request could not be understood",
	http.StatusForbidden:             "That is not allowed",
	http.StatusNotFound:              "Page not found",
	http.StatusMethodNotAllowed:      "That action is not available here",
	http.StatusRequestEntityTooLarge: "That was too much data",
	http.StatusTooManyRequests:       "Too many requests",
	http.StatusInternalServerError:   "Something went wrong on our side",
	http.StatusServiceUnavailable:    "Temporarily unavailable",
}

var errorMessages = map[int]string{
	http.StatusBadRequest:            "Check the address or the form and try again.",
	http.StatusNotFound:              "The page you asked for does not exist, or you do not have access to it.",
	http.StatusMethodNotAllowed:      "Use the buttons and links in the portal instead of typing this address.",
	http.StatusRequestEntityTooLarge: "The request was larger than the portal accepts.",
	http.StatusTooManyRequests:       "Wait a moment and try again.",
	http.StatusInternalServerError:   "The problem has been logged. Try again in a moment; if it keeps happening, tell us the reference below.",
	http.StatusServiceUnavailable:    "The portal is busy right now. Try again in a moment.",
}

type errorData struct {
	Status  int
	Heading string
	Message string
}

// errorPage renders the friendly error page. message replaces the default
// text for the status; it is always text we wrote, never an error's text.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, message string) {
	if message == "" {
		message = errorMessages[status]
	}
	heading := errorTitles[status]
	if heading == "" {
		heading = http.StatusText(status)
	}
	if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "5")
	}
	w.Header().Set("Cache-Control", "no-store")
	s.page(w, r, status, "error", &view{Title: heading, Data: errorData{status, heading, message}})
}

// serverError logs err with the request id and shows the generic 500 page;
// an overloaded password hasher or a cancelled request is a 503 instead.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, password.ErrBusy) {
		s.errorPage(w, r, http.StatusServiceUnavailable, "")
		return
	}
	if errors.Is(err, context.Canceled) {
		return // the client went away
	}
	s.Log.Error("request failed", "request_id", requestID(r), "path", r.URL.Path, "err", err)
	s.errorPage(w, r, http.StatusInternalServerError, "")
}

// muxErrors replaces the plain-text 404 and 405 answers of http.ServeMux
// with the friendly error page. Our own handlers never answer 404 or 405
// with text/plain, so only the mux's answers are caught.
func (s *Server) muxErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&muxErrorWriter{ResponseWriter: w, s: s, r: r}, r)
	})
}

type muxErrorWriter struct {
	http.ResponseWriter
	s        *Server
	r        *http.Request
	replaced bool
}

func (m *muxErrorWriter) WriteHeader(code int) {
	if (code == http.StatusNotFound || code == http.StatusMethodNotAllowed) &&
		strings.HasPrefix(m.Header().Get("Content-Type"), "text/plain") && !m.replaced {
		m.replaced = true
		m.Header().Del("Content-Type")
		m.s.errorPage(m.ResponseWriter, m.r, code, "")
		return
	}
	m.ResponseWriter.WriteHeader(code)
}

func (m *muxErrorWriter) Write(b []byte) (int, error) {
	if m.replaced {
		return len(b), nil
	}
	return m.ResponseWriter.Write(b)
}

func (m *muxErrorWriter) Unwrap() http.ResponseWriter { return m.ResponseWriter }
