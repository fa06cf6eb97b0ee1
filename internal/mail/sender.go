package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/portico-dev/portico/internal/clock"
	"github.com/portico-dev/portico/internal/store"
)

// Defaults for the Sender's zero fields (security bar §1, "SMTP sending").
const (
	DefaultMinBackoff  = time.Minute
	DefaultMaxBackoff  = time.Hour
	DefaultGiveUpAfter = 24 * time.Hour
	DefaultLease       = 2 * time.Minute
	DefaultBatch       = 10
	DefaultDialTimeout = 10 * time.Second
	DefaultSendTimeout = 30 * time.Second
	DefaultInterval    = 5 * time.Second
)

// Sender delivers the outbox. Requests only enqueue rows; the sender claims
// due rows, sends them, and records the outcome, so mail survives an SMTP
// outage and several instances can run senders against one database
// without sending a row twice.
type Sender struct {
	Store *store.Store
	Clock clock.Clock
	Log   *slog.Logger
	// Settings is called on every round, so saved settings apply without a
	// restart; usually a closure over LoadSettings.
	Settings func(ctx context.Context) (Settings, error)
	// Outbox opens sealed rows (bodies holding a temporary password); nil
	// means no row is sealed.
	Outbox *Outbox

	MinBackoff, MaxBackoff time.Duration
	GiveUpAfter            time.Duration
	Lease                  time.Duration
	Batch                  int
	DialTimeout            time.Duration
	SendTimeout            time.Duration
	Interval               time.Duration
	// TLSConfig overrides the TLS client settings (e.g. a private CA);
	// nil trusts the system roots.
	TLSConfig *tls.Config
	// Jitter returns a number in [0, 1); nil uses math/rand.
	Jitter func() float64
}

func orDur(v, def time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return def
}

// RunOnce claims up to Batch due rows and tries each once. sent and failed
// count rows delivered and rows marked failed for good; rows scheduled for
// a retry count as neither.
//
// When no SMTP server is configured (demo mode), RunOnce claims nothing, so
// the rows stay queued with no attempt counted and can be read in the
// admin console; they go out once a server is configured.
func (s *Sender) RunOnce(ctx context.Context) (sent, failed int, err error) {
	settings, err := s.Settings(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("mail: load SMTP settings: %w", err)
	}
	if !settings.Configured() {
		return 0, 0, nil
	}
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	lease := orDur(s.Lease, DefaultLease)
	batch := s.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	t := &transport{settings: settings, tlsConfig: s.TLSConfig, dialTimeout: orDur(s.DialTimeout, DefaultDialTimeout), sendTimeout: orDur(s.SendTimeout, DefaultSendTimeout)}
	now := s.Clock.Now()
	if vErr := settings.Validate(); vErr != nil {
		// Bad settings are the admin's to fix; leave the mail queued
		// rather than burn attempts on it.
		return 0, 0, fmt.Errorf("mail: SMTP settings are not valid, mail stays queued: %w", vErr)
	}
	rows, err := s.Store.ClaimDueEmails(ctx, now, batch, lease)
	if err != nil {
		return 0, 0, err
	}
	// The lease is measured on the wall clock as well: a row whose lease
	// may run out before its send finishes is handed back, since another
	// instance could then claim it and send it a second time.
	started := time.Now()
	for i, e := range rows {
		if time.Since(started)+t.sendTimeout >= lease || ctx.Err() != nil {
			for _, r := range rows[i:] {
				// Hand back unsent rows, due at once, with their previous
				// error; the claim counted an attempt that never happened.
				if err := s.Store.MarkEmailRetry(context.WithoutCancel(ctx), r.ID, now, r.LastError); err != nil {
					log.Error("outbox: release claim", "email", r.ID, "err", err)
				}
			}
			break
		}
		if e.Sealed {
			opened, err := s.openSealed(e)
			if err != nil {
				// The key changed since the row was queued: it can never be
				// opened, so retrying is pointless.
				if err := s.Store.MarkEmailRetry(context.WithoutCancel(ctx), e.ID, time.Time{}, "The message was encrypted with a different secret key and cannot be opened; send it again."); err != nil {
					log.Error("outbox: record failure", "email", e.ID, "err", err)
				}
				failed++
				continue
			}
			e = opened
		}
		m := message{
			id:      fmt.Sprintf("outbox-%d@%s", e.ID, fromDomain(settings.From)),
			to:      e.To,
			subject: e.Subject,
			text:    e.BodyText,
			html:    e.BodyHTML,
			date:    s.Clock.Now(),
		}
		sendErr := t.send(ctx, m)
		// Record the outcome even if ctx was cancelled mid-send, so the row
		// is not left claimed without a record of what happened.
		wctx := context.WithoutCancel(ctx)
		at := s.Clock.Now()
		if sendErr == nil {
			if err := s.Store.MarkEmailSent(wctx, e.ID, at); err != nil {
				log.Error("outbox: email sent but not marked; it may be sent again", "email", e.ID, "err", err)
				continue
			}
			log.Info("outbox: email sent", "email", e.ID, "attempt", e.Attempts)
			sent++
			continue
		}
		f := classify(sendErr, settings)
		next := time.Time{}
		reason := f.Message
		if f.Temporary {
			giveUp := orDur(s.GiveUpAfter, DefaultGiveUpAfter)
			deadline := e.CreatedAt.Add(giveUp)
			if !at.Before(deadline) {
				reason = "Gave up after " + humanDuration(giveUp) + " of retries. Last error: " + f.Message
			} else {
				// The last retry falls on the deadline, so a message is
				// tried for the whole period and not given up early.
				next = at.Add(s.backoff(e.Attempts))
				if next.After(deadline) {
					next = deadline
				}
				if !next.After(at) {
					next = at.Add(time.Second)
				}
			}
		}
		if err := s.Store.MarkEmailRetry(wctx, e.ID, next, reason); err != nil {
			log.Error("outbox: record failure", "email", e.ID, "err", err)
			continue
		}
		if next.IsZero() {
			failed++
			log.Warn("outbox: email failed", "email", e.ID, "attempt", e.Attempts, "reason", reason, "err", sendErr)
		} else {
			log.Info("outbox: email will be retried", "email", e.ID, "attempt", e.Attempts, "next", next, "reason", reason)
		}
	}
	return sent, failed, nil
}

func (s *Sender) openSealed(e store.Email) (store.Email, error) {
	if s.Outbox == nil {
		return e, fmt.Errorf("mail: email %d is sealed and the sender has no outbox key", e.ID)
	}
	return s.Outbox.Open(e)
}

// backoff is the wait before the next attempt after attempt number
// attempts (1 for the first): MinBackoff doubled per attempt, capped at
// MaxBackoff, then spread ±20% so many rows failing together (an outage)
// do not all retry in the same second.
func (s *Sender) backoff(attempts int) time.Duration {
	lo, hi := orDur(s.MinBackoff, DefaultMinBackoff), orDur(s.MaxBackoff, DefaultMaxBackoff)
	d := lo
	for i := 1; i < attempts && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	j := s.Jitter
	if j == nil {
		j = rand.Float64
	}
	return time.Duration(float64(d) * (0.8 + 0.4*j()))
}

// Run calls RunOnce every Interval until ctx is done, and at once again
// after a full batch, so a backlog drains quickly.
func (s *Sender) Run(ctx context.Context) {
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	batch := s.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	tick := time.NewTicker(orDur(s.Interval, DefaultInterval))
	defer tick.Stop()
	for {
		sent, failed, err := s.RunOnce(ctx)
		if err != nil && !errors.Is(err, context.Canceled) {
			log.Error("outbox: sender round failed", "err", err)
		}
		if err == nil && sent+failed >= batch {
			if ctx.Err() != nil {
				return
			}
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
