package app

import (
	"context"
	"time"

	"github.com/portico-dev/portico/internal/store"
)

// viewFlushEvery is how often the page views counted in memory are written
// to the portal database (see web.FlushSectionViews): the analytics page
// is at most this far behind for views served by other instances, and a
// crash loses at most this much.
const viewFlushEvery = 10 * time.Second

// sweep is the background housekeeping of one instance. Once a minute it
// removes ended sessions, old throttle counters and expired links, so the
// tables stay small; correctness never depends on it, since every check
// also looks at the times itself. Every viewFlushEvery it writes the page
// views counted in memory, and once more when the instance stops (after
// the server has let its last requests finish).
func (a *App) sweep(ctx context.Context) {
	sweepT := time.NewTicker(time.Minute)
	defer sweepT.Stop()
	flushT := time.NewTicker(viewFlushEvery)
	defer flushT.Stop()
	a.SweepOnce(ctx)
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			a.flushViews(final)
			cancel()
			return
		case <-sweepT.C:
			a.SweepOnce(ctx)
		case <-flushT.C:
			a.flushViews(ctx)
		}
	}
}

// SweepOnce does one pass of the sweeper. Sessions are ended by the idle
// timeouts in force (saved in the admin console, else configured), the
// same ones every request is checked against.
func (a *App) SweepOnce(ctx context.Context) {
	now := a.Clock.Now()
	customerIdle := a.Auth.IdleTimeout(ctx, store.KindCustomer)
	adminIdle := a.Auth.IdleTimeout(ctx, store.KindAdmin)
	if n, err := a.Store.DeleteStaleSessions(ctx, now, customerIdle, adminIdle); err != nil && ctx.Err() == nil {
		a.Log.Warn("session sweep failed", "err", err)
	} else if n > 0 {
		a.Log.Info("ended idle or expired sessions", "count", n,
			"customer_idle", customerIdle.String(), "admin_idle", adminIdle.String())
	}
	if err := a.Store.DeleteStaleThrottles(ctx, now, a.Config.LoginWindow); err != nil && ctx.Err() == nil {
		a.Log.Warn("throttle sweep failed", "err", err)
	}
	if err := a.Store.DeleteOldTokens(ctx, now.Add(-30*24*time.Hour)); err != nil && ctx.Err() == nil {
		a.Log.Warn("token sweep failed", "err", err)
	}
}

// flushViews writes the page views counted in memory; a failure keeps them
// for the next flush.
func (a *App) flushViews(ctx context.Context) {
	if err := a.Web.FlushSectionViews(ctx); err != nil && ctx.Err() == nil {
		a.Log.Warn("could not write page views; keeping them for the next try", "err", err)
	}
}
