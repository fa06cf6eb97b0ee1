package web

import (
	"context"
	"net/http"
	"time"
)

// healthz answers as long as the process serves requests.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("ok\n"))
}

// readyz answers 200 when the portal database answers. It deliberately
// ignores the ERP: a dead ERP must not take the whole portal out of a load
// balancer, since sign-in and the admin console still work without it.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.Store.Ping(ctx); err != nil {
		s.Log.Warn("readiness check failed", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("portal database unreachable\n"))
		return
	}
	w.Write([]byte("ready\n"))
}

// favicon serves the mark for browsers that ask for /favicon.ico directly.
func (s *Server) favicon(w http.ResponseWriter, r *http.Request) {
	u, err := s.assets.URL("img/mark.svg")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	http.Redirect(w, r, u, http.StatusMovedPermanently)
}
