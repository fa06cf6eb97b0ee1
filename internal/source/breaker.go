package source

import (
	"fmt"
	"sync"
	"time"
)

// Breaker states as BreakerState reports them.
const (
	// StateClosed means queries go to the ERP.
	StateClosed = "closed"
	// StateOpen means queries fail at once, without reaching the ERP,
	// until the cooldown ends.
	StateOpen = "open"
	// StateHalfOpen means the cooldown is over: the next query is a probe,
	// and others fail at once while it runs.
	StateHalfOpen = "half-open"
)

// outcome is how a request that went through the breaker ended.
type outcome int

const (
	success outcome = iota // the ERP answered
	failure                // the ERP could not be reached or failed the query
	neutral                // says nothing about the ERP (the caller went away)
)

// breaker stops sending requests to an ERP that keeps failing, so a dead
// ERP costs callers nothing but an immediate "unavailable" and is not piled
// up on with connection attempts. After threshold consecutive failures it
// opens for cooldown; then it lets one probe through (half-open): a success
// closes it, a failure opens it again.
type breaker struct {
	name      string
	threshold int
	cooldown  time.Duration
	// now is the clock; tests replace it to pass the cooldown without
	// sleeping.
	now func() time.Time

	mu       sync.Mutex
	state    string
	failures int // consecutive, while closed
	until    time.Time
	probing  bool // a half-open probe is in flight
}

func newBreaker(name string, threshold int, cooldown time.Duration) *breaker {
	return &breaker{name: name, threshold: threshold, cooldown: cooldown, now: time.Now, state: StateClosed}
}

// allow lets a request through or refuses it at once. probe reports that
// the request is the half-open probe, whose outcome decides the state.
func (b *breaker) allow() (probe bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case StateOpen:
		if b.now().Before(b.until) {
			return false, unavailable(fmt.Sprintf("source %q unavailable: after repeated failures it is not tried again until %s",
				b.name, b.until.UTC().Format("15:04:05 UTC")), ErrBreakerOpen)
		}
		b.state = StateHalfOpen
		b.probing = true
		return true, nil
	case StateHalfOpen:
		if b.probing {
			return false, unavailable(fmt.Sprintf("source %q unavailable: checking whether it is back (a probe query is running)", b.name), ErrBreakerOpen)
		}
		b.probing = true
		return true, nil
	}
	return false, nil
}

// done records how a request that allow let through ended.
func (b *breaker) done(probe bool, o outcome) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe {
		b.probing = false
		switch o {
		case success:
			b.state, b.failures = StateClosed, 0
		case failure:
			b.state, b.until = StateOpen, b.now().Add(b.cooldown)
		}
		return
	}
	// Requests that started before the breaker opened say nothing new
	// once it is open; only the probe decides.
	if b.state != StateClosed {
		return
	}
	switch o {
	case success:
		b.failures = 0
	case failure:
		b.failures++
		if b.failures >= b.threshold {
			b.state, b.until = StateOpen, b.now().Add(b.cooldown)
		}
	}
}

// snapshot reports the state; an open breaker whose cooldown has passed
// reads as half-open, since the next request will be its probe.
func (b *breaker) snapshot() (string, time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == StateOpen {
		if b.now().Before(b.until) {
			return StateOpen, b.until
		}
		return StateHalfOpen, time.Time{}
	}
	return b.state, time.Time{}
}
