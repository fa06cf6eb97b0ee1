package auth

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/auth/directory"
	"github.com/portico-dev/portico/internal/store"
)

// Reasons recorded when a directory admin's sessions end at a re-check.
const (
	reasonRemovedFromGroup = "removed from the directory group"
	reasonDirectoryOff     = "directory sign-in turned off"
)

// directoryRetryAfter is how long re-checks wait after the directory failed
// to answer one, on this instance.
const directoryRetryAfter = time.Minute

// directoryRecheckTimeout bounds one re-check, which runs inside a page
// request: a few round trips, each also bounded by the directory timeout.
const directoryRecheckTimeout = 15 * time.Second

// CheckDirectorySession re-checks, once per re-check interval, that the
// directory admin behind a session is still in the admin group (ASVS
// V8.3.2: a removal applies within the interval, not when the session
// ends). It reports whether the session may go on; when not, every
// session of that admin has been ended and audited as session_ended.
//
// The user is found again by the stable id, so a rename or move in the
// directory does not end the session. The session ends when the account
// is gone, disabled or out of the group, and when directory sign-in has
// been turned off.
//
// When the directory cannot answer, the session goes on: the check fails
// open, is logged as a warning and is tried again at a request a minute or
// more later (on this instance), until the directory answers. An outage of
// the directory should not sign out every admin who is dealing with it,
// and the session's idle and absolute timeouts still bound how long it can
// last. Local admins are never checked.
//
// Only database errors are returned.
func (s *Service) CheckDirectorySession(ctx context.Context, sess *store.Session, adm *store.Admin) (bool, error) {
	if adm.Source != store.SourceDirectory {
		return true, nil
	}
	st := s.dirState(ctx)
	now := s.Clock.Now()
	last := sess.CreatedAt // the sign-in checked membership
	if now.Sub(last) < st.recheck && !now.Before(last) {
		return true, nil // young enough that no check can be due
	}
	checked, err := s.Store.SessionCheckedAt(ctx, sess.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false, nil // ended a moment ago
	case err != nil:
		return false, err
	case checked != nil && checked.After(last):
		last = *checked
	}
	if now.Sub(last) < st.recheck && !now.Before(last) {
		return true, nil
	}
	if !st.configured {
		return false, s.endDirectorySessions(ctx, adm, reasonDirectoryOff)
	}
	if st.client == nil {
		s.Log.Warn("cannot re-check a directory admin's membership: the directory settings cannot be used; the session goes on",
			"admin_id", adm.ID, "problem", errText(st.problem))
		return true, nil
	}
	if s.directoryDown(now) {
		return true, nil
	}
	cctx, cancel := context.WithTimeout(ctx, directoryRecheckTimeout)
	defer cancel()
	member, err := st.client.StillMember(cctx, &directory.User{ID: adm.ExternalID})
	if err != nil {
		if ctx.Err() != nil {
			return true, nil // the request went away; the next one checks
		}
		s.Log.Warn("could not re-check a directory admin's membership; the session goes on and the check is tried again later",
			"admin_id", adm.ID, "username", adm.Username, "err", err.Error())
		s.markDirectoryDown(now)
		return true, nil
	}
	if !member {
		return false, s.endDirectorySessions(ctx, adm, reasonRemovedFromGroup)
	}
	return true, s.Store.MarkSessionChecked(ctx, sess.ID, now)
}

// endDirectorySessions ends every session of a directory admin, audited.
func (s *Service) endDirectorySessions(ctx context.Context, adm *store.Admin, reason string) error {
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		n, err := tx.DeleteSessionsOf(ctx, store.KindAdmin, adm.ID, 0)
		if err != nil || n == 0 {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.SessionEnded, audit.System,
			audit.Target{Kind: store.KindAdmin, ID: strconv.FormatInt(adm.ID, 10), Label: adm.Username},
			map[string]any{"reason": reason, "ended": n})
	})
}

func (s *Service) directoryDown(now time.Time) bool {
	c := &s.dir
	c.mu.Lock()
	defer c.mu.Unlock()
	return now.Before(c.downUntil)
}

func (s *Service) markDirectoryDown(now time.Time) {
	c := &s.dir
	c.mu.Lock()
	c.downUntil = now.Add(directoryRetryAfter)
	c.mu.Unlock()
}
