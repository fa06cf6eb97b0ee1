package source

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newTestBreaker(threshold int) (*breaker, *fakeClock) {
	clock := &fakeClock{t: time.Date(2026, 7, 1, 14, 0, 0, 0, time.UTC)}
	b := newBreaker("erp", threshold, 30*time.Second)
	b.now = clock.now
	return b, clock
}

// request runs one request through the breaker: it reports whether the
// breaker let it through, and records o when it did.
func request(b *breaker, o outcome) bool {
	probe, err := b.allow()
	if err != nil {
		return false
	}
	b.done(probe, o)
	return true
}

func TestBreakerOpensAfterConsecutiveFailures(t *testing.T) {
	tests := []struct {
		name      string
		outcomes  []outcome
		wantState string
	}{
		{"stays closed below the threshold", []outcome{failure, failure}, StateClosed},
		{"a success resets the count", []outcome{failure, failure, success, failure, failure}, StateClosed},
		{"caller cancellations do not count", []outcome{failure, neutral, neutral, failure}, StateClosed},
		{"opens at the threshold", []outcome{failure, failure, failure}, StateOpen},
		{"opens after a success then threshold failures", []outcome{success, failure, failure, failure}, StateOpen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := newTestBreaker(3)
			for _, o := range tt.outcomes {
				request(b, o)
			}
			if got, _ := b.snapshot(); got != tt.wantState {
				t.Errorf("state = %s, want %s", got, tt.wantState)
			}
		})
	}
}

func TestBreakerOpenRefusesUntilCooldown(t *testing.T) {
	b, clock := newTestBreaker(2)
	request(b, failure)
	request(b, failure)
	state, until := b.snapshot()
	if state != StateOpen || !until.Equal(clock.now().Add(30*time.Second)) {
		t.Fatalf("state = %s until %v, want open until now+30s", state, until)
	}
	_, err := b.allow()
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, ErrBreakerOpen) {
		t.Fatalf("allow while open = %v, want ErrBreakerOpen and ErrUnavailable", err)
	}
	if !strings.Contains(err.Error(), `source "erp"`) || !strings.Contains(err.Error(), "14:00:30 UTC") {
		t.Errorf("error %q should name the source and when it is tried again", err)
	}
	clock.advance(29 * time.Second)
	if request(b, success) {
		t.Fatal("a request went through before the cooldown ended")
	}
	clock.advance(time.Second)
	if state, _ := b.snapshot(); state != StateHalfOpen {
		t.Errorf("after the cooldown state = %s, want half-open", state)
	}
}

func TestBreakerProbe(t *testing.T) {
	tests := []struct {
		name      string
		probe     outcome
		wantState string
	}{
		{"a successful probe closes it", success, StateClosed},
		{"a failed probe opens it again", failure, StateOpen},
		{"an abandoned probe leaves it half-open for the next one", neutral, StateHalfOpen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, clock := newTestBreaker(1)
			request(b, failure)
			clock.advance(30 * time.Second)
			probe, err := b.allow()
			if err != nil || !probe {
				t.Fatalf("after the cooldown allow = %v, %v; want the probe", probe, err)
			}
			// While the probe is in flight everyone else is refused at once.
			if _, err := b.allow(); !errors.Is(err, ErrBreakerOpen) {
				t.Fatalf("second caller while probing: err = %v, want ErrBreakerOpen", err)
			}
			b.done(probe, tt.probe)
			state, until := b.snapshot()
			if state != tt.wantState {
				t.Fatalf("state = %s, want %s", state, tt.wantState)
			}
			if tt.wantState == StateOpen && !until.Equal(clock.now().Add(30*time.Second)) {
				t.Errorf("reopened until %v, want a new cooldown from now", until)
			}
			if tt.wantState == StateHalfOpen {
				if probe, err := b.allow(); err != nil || !probe {
					t.Errorf("next caller after an abandoned probe: %v, %v; want it to probe", probe, err)
				}
			}
		})
	}
}

func TestBreakerIgnoresLateResultsWhileOpen(t *testing.T) {
	b, clock := newTestBreaker(1)
	early, _ := b.allow() // started while closed, finishes after the breaker opened
	request(b, failure)
	b.done(early, success)
	if state, _ := b.snapshot(); state != StateOpen {
		t.Fatalf("a late success changed the state to %s; only the probe decides", state)
	}
	clock.advance(time.Hour)
	if !request(b, success) {
		t.Fatal("probe refused after the cooldown")
	}
	if state, _ := b.snapshot(); state != StateClosed {
		t.Fatalf("state = %s after a good probe, want closed", state)
	}
}

func TestBreakerConcurrentCallersGetOneProbe(t *testing.T) {
	b, clock := newTestBreaker(1)
	request(b, failure)
	clock.advance(time.Minute)
	var wg sync.WaitGroup
	var mu sync.Mutex
	probes := 0
	for range 50 {
		wg.Go(func() {
			if probe, err := b.allow(); err == nil && probe {
				mu.Lock()
				probes++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if probes != 1 {
		t.Fatalf("%d callers probed at once, want 1", probes)
	}
}
