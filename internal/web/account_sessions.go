package web

import (
	"net/http"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/store"
)

// endOwnOtherSessions signs the person out everywhere but here: for a
// phone left signed in somewhere, or a browser they do not recognise in
// the list. This session stays, so they can carry on (and change their
// password next, if they fear it is known). The ending is audited as the
// person's own act.
func (s *Server) endOwnOtherSessions(w http.ResponseWriter, r *http.Request) {
	me := selfOf(r)
	ctx := r.Context()
	cur := stateOf(r).session
	var n int64
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if n, err = s.Auth.EndSessionsOf(ctx, tx, me.kind, me.id, cur.ID); err != nil || n == 0 {
			return err
		}
		return s.Auth.Audit.Record(ctx, tx, audit.SessionEnded, me.actor(), me.target(),
			map[string]any{"others": true, "ended": n, "kept": cur.ID})
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, me.base+"?msg=sessions_ended", http.StatusSeeOther)
}
