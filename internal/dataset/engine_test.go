package dataset

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is an injectable Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)} }

// inventoryDB serves the fixture through the fake driver.
func inventoryDB(t *testing.T) *sql.DB {
	t.Helper()
	var rows [][]driver.Value
	for _, r := range inventoryRows() {
		dr := make([]driver.Value, len(r))
		for i, v := range r {
			dr[i] = v
		}
		rows = append(rows, dr)
	}
	return registerFake(t, fakeResult{cols: []string{"id", "customer", "part", "descr", "qty", "bin", "exp", "recv", "status"}, rows: rows})
}

var errDown = errors.New("source is down")

// switchable wraps a fetcher so a test can make it fail.
type switchable struct {
	fetch Fetcher
	fail  atomic.Bool
	calls atomic.Int64
}

func (s *switchable) Fetch(ctx context.Context, fn func(*sql.Rows) error) error {
	s.calls.Add(1)
	if s.fail.Load() {
		return errDown
	}
	return s.fetch(ctx, fn)
}

func TestEngineLoadsOnceForConcurrentCallers(t *testing.T) {
	db := inventoryDB(t)
	e := NewEngine(EngineOptions{})
	var calls atomic.Int64
	release := make(chan struct{})
	fetch := func(ctx context.Context, fn func(*sql.Rows) error) error {
		calls.Add(1)
		<-release
		return fakeFetcher(db, nil)(ctx, fn)
	}
	const n = 20
	spec := testSpec()
	results := make([]*Snapshot, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			results[i], errs[i] = e.Get(context.Background(), spec, NewScope(true, nil), fetch, false)
		})
	}
	deadline := time.Now().Add(10 * time.Second)
	for e.waiting.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d callers are waiting", e.waiting.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if got := calls.Load(); got != 1 {
		t.Errorf("%d fetches for %d concurrent callers, want 1", got, n)
	}
	for i := range n {
		if errs[i] != nil || results[i] != results[0] || results[i].Len() != 6 {
			t.Fatalf("caller %d got %v, %v", i, results[i], errs[i])
		}
	}
}

func TestEngineRefresh(t *testing.T) {
	tests := []struct {
		name      string
		refresh   time.Duration
		steps     []time.Duration // clock advance before each Get after the first
		manual    []bool          // refresh flag of each of those Gets
		wantCalls int64
	}{
		{"cached while younger than the interval", time.Minute, []time.Duration{30 * time.Second, 29 * time.Second}, []bool{false, false}, 1},
		{"reloaded once older than the interval", time.Minute, []time.Duration{30 * time.Second, 31 * time.Second}, []bool{false, false}, 2},
		{"interval 0 loads on every call", 0, []time.Duration{0, 0}, []bool{false, false}, 3},
		{"manual refresh within the gap reuses", time.Minute, []time.Duration{2 * time.Second, 2 * time.Second}, []bool{true, true}, 1},
		{"manual refresh after the gap reloads", time.Minute, []time.Duration{2 * time.Second, 4 * time.Second}, []bool{true, true}, 2},
		{"manual refresh with interval 0 still honours the gap", 0, []time.Duration{time.Second}, []bool{true}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			e := NewEngine(EngineOptions{Now: clock.Now})
			src := &switchable{fetch: fakeFetcher(inventoryDB(t), nil)}
			spec := testSpec()
			spec.Refresh = tt.refresh
			scope := NewScope(false, []string{"ACME"})
			first, err := e.Get(context.Background(), spec, scope, src.Fetch, false)
			if err != nil {
				t.Fatal(err)
			}
			if !first.AsOf.Equal(clock.Now()) {
				t.Errorf("AsOf = %v, want the load's start %v", first.AsOf, clock.Now())
			}
			for i, d := range tt.steps {
				clock.Advance(d)
				if _, err := e.Get(context.Background(), spec, scope, src.Fetch, tt.manual[i]); err != nil {
					t.Fatal(err)
				}
			}
			if got := src.calls.Load(); got != tt.wantCalls {
				t.Errorf("%d fetches, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestEngineStaleOnFailure(t *testing.T) {
	clock := newClock()
	e := NewEngine(EngineOptions{Now: clock.Now})
	src := &switchable{fetch: fakeFetcher(inventoryDB(t), nil)}
	spec := testSpec()
	scope := NewScope(true, nil)
	good, err := e.Get(context.Background(), spec, scope, src.Fetch, false)
	if err != nil {
		t.Fatal(err)
	}
	src.fail.Store(true)
	clock.Advance(2 * time.Minute)
	got, err := e.Get(context.Background(), spec, scope, src.Fetch, false)
	if !errors.Is(err, errDown) {
		t.Errorf("error = %v, want the source's error", err)
	}
	if got == nil || !got.Stale || got.Len() != good.Len() || !got.AsOf.Equal(good.AsOf) {
		t.Fatalf("got %+v, want a stale copy of the last snapshot", got)
	}
	if good.Stale {
		t.Error("the cached snapshot itself was marked stale")
	}
	// Other scopes have nothing to fall back on.
	none, err := e.Get(context.Background(), spec, NewScope(false, []string{"ACME"}), src.Fetch, false)
	if none != nil || !errors.Is(err, errDown) {
		t.Errorf("without a snapshot Get = %v, %v; want nil and the error", none, err)
	}
	// Recovery replaces the stale snapshot.
	src.fail.Store(false)
	fresh, err := e.Get(context.Background(), spec, scope, src.Fetch, false)
	if err != nil || fresh.Stale || !fresh.AsOf.After(good.AsOf) {
		t.Errorf("after recovery Get = %+v, %v", fresh, err)
	}
}

func TestEngineFetcherErrors(t *testing.T) {
	spec := testSpec()
	tests := []struct {
		name  string
		fetch Fetcher
	}{
		{"panic", func(context.Context, func(*sql.Rows) error) error { panic("boom") }},
		{"returns without reading", func(context.Context, func(*sql.Rows) error) error { return nil }},
		{"bad rows", func(ctx context.Context, fn func(*sql.Rows) error) error {
			db := registerFake(t, fakeResult{cols: []string{"id"}, rows: [][]driver.Value{{"x"}}})
			return fakeFetcher(db, nil)(ctx, fn)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewEngine(EngineOptions{})
			s, err := e.Get(context.Background(), spec, NewScope(true, nil), tt.fetch, false)
			if s != nil || err == nil {
				t.Errorf("Get = %v, %v; want nil and an error", s, err)
			}
		})
	}
}

func TestEngineSlowLoadDoesNotPoisonCache(t *testing.T) {
	db := inventoryDB(t)
	e := NewEngine(EngineOptions{})
	var calls atomic.Int64
	release := make(chan struct{})
	var loadCtxErr atomic.Value
	fetch := func(ctx context.Context, fn func(*sql.Rows) error) error {
		calls.Add(1)
		<-release
		if ctx.Err() != nil {
			loadCtxErr.Store(ctx.Err())
		}
		return fakeFetcher(db, nil)(ctx, fn)
	}
	spec := testSpec()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	s, err := e.Get(ctx, spec, NewScope(true, nil), fetch, false)
	if s != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("impatient caller got %v, %v; want nil and its deadline", s, err)
	}
	close(release)
	s, err = e.Get(context.Background(), spec, NewScope(true, nil), fetch, false)
	if err != nil || s == nil || s.Len() != 6 {
		t.Fatalf("next caller got %v, %v", s, err)
	}
	if calls.Load() != 1 {
		t.Errorf("%d fetches, want 1: the first load should have completed for the next caller", calls.Load())
	}
	if v := loadCtxErr.Load(); v != nil {
		t.Errorf("the load's context ended with the caller's: %v", v)
	}
}

func TestEngineEvictsLeastRecentlyUsed(t *testing.T) {
	db := inventoryDB(t)
	spec := testSpec()
	one := snap(t, spec, inventoryRows()).MemoryBytes()
	e := NewEngine(EngineOptions{MemoryBudget: one*2 + one/2}) // room for two
	var calls atomic.Int64
	fetch := fakeFetcher(db, &calls)
	get := func(key string) {
		t.Helper()
		if _, err := e.Get(context.Background(), spec, NewScope(false, []string{key}), fetch, false); err != nil {
			t.Fatal(err)
		}
	}
	get("A")
	get("B")
	get("A") // A is now more recently used than B
	get("C") // over budget: B goes
	if calls.Load() != 3 {
		t.Fatalf("%d fetches, want 3", calls.Load())
	}
	get("A")
	if calls.Load() != 3 {
		t.Errorf("A was evicted; want B (least recently used) evicted")
	}
	get("B")
	if calls.Load() != 4 {
		t.Errorf("B was still cached; want it evicted")
	}
	if bytes, n := e.MemoryBytes(); n != 2 || bytes > one*2+one/2 {
		t.Errorf("cache holds %d snapshots, %d bytes; want 2 within the budget", n, bytes)
	}

	// A snapshot larger than the whole budget is still returned.
	tiny := NewEngine(EngineOptions{MemoryBudget: 1})
	s, err := tiny.Get(context.Background(), spec, NewScope(true, nil), fetch, false)
	if err != nil || s == nil {
		t.Errorf("over-budget snapshot: %v, %v", s, err)
	}
}

func TestEngineInvalidate(t *testing.T) {
	e := NewEngine(EngineOptions{})
	var calls atomic.Int64
	fetch := fakeFetcher(inventoryDB(t), &calls)
	spec := testSpec()
	other := testSpec()
	other.Name = "other"
	for _, s := range []*Spec{spec, other} {
		for _, scope := range []Scope{NewScope(true, nil), NewScope(false, []string{"ACME"})} {
			if _, err := e.Get(context.Background(), s, scope, fetch, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.Invalidate("inventory")
	if _, n := e.MemoryBytes(); n != 2 {
		t.Errorf("%d snapshots after Invalidate, want the other dataset's 2", n)
	}
	before := calls.Load()
	if _, err := e.Get(context.Background(), spec, NewScope(true, nil), fetch, false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Get(context.Background(), other, NewScope(true, nil), fetch, false); err != nil {
		t.Fatal(err)
	}
	if got := calls.Load() - before; got != 1 {
		t.Errorf("%d fetches after Invalidate, want 1 (only the invalidated dataset)", got)
	}
}
