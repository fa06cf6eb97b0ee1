package app

import (
	"context"
	"time"
)

// sweep removes ended sessions, old throttle counters and expired links
// once a minute, so the tables stay small; correctness never depends on it,
// since every check also looks at the times itself.
func (a *App) sweep(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		now := a.Clock.Now()
		if n, err := a.Store.DeleteStaleSessions(ctx, now, a.Config.SessionIdle, a.Config.AdminSessionIdle); err != nil && ctx.Err() == nil {
			a.Log.Warn("session sweep failed", "err", err)
		} else if n > 0 {
			a.Log.Info("ended idle or expired sessions", "count", n)
		}
		if err := a.Store.DeleteStaleThrottles(ctx, now, a.Config.LoginWindow); err != nil && ctx.Err() == nil {
			a.Log.Warn("throttle sweep failed", "err", err)
		}
		if err := a.Store.DeleteOldTokens(ctx, now.Add(-30*24*time.Hour)); err != nil && ctx.Err() == nil {
			a.Log.Warn("token sweep failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
