package dataset

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// Fetcher runs a dataset's scoped query and hands the rows to fn. It owns
// the query's deadline, its connection and closing the rows; the engine
// never talks to a database itself.
type Fetcher func(ctx context.Context, fn func(*sql.Rows) error) error

// EngineOptions configures an Engine. Zero values take the defaults.
type EngineOptions struct {
	MemoryBudget  int64            // bytes of snapshots to keep; default 512 MiB
	Now           func() time.Time // clock, injectable for tests; default time.Now
	MinRefreshGap time.Duration    // manual refreshes closer together than this reuse the snapshot; default 5 s
}

// DefaultMemoryBudget is the snapshot budget when EngineOptions leaves it 0.
const DefaultMemoryBudget = 512 << 20

// Engine caches snapshots per dataset and scope: served while younger than
// the dataset's refresh interval, loaded once however many requests wait,
// bounded by a memory budget (least recently used out first). It is safe for
// concurrent use.
type Engine struct {
	opts  EngineOptions
	group singleflight.Group

	mu      sync.Mutex
	entries map[string]*cacheEntry
	gens    map[string]uint64 // per dataset: bumped by Invalidate so loads in flight are not stored
	tick    uint64

	waiting atomic.Int64 // callers waiting for a load; lets tests know everyone has joined
}

// cacheEntry is one cached snapshot.
type cacheEntry struct {
	specName string
	snap     *Snapshot
	used     uint64 // Engine.tick at last use, for LRU
}

// NewEngine returns an empty cache.
func NewEngine(o EngineOptions) *Engine {
	if o.MemoryBudget <= 0 {
		o.MemoryBudget = DefaultMemoryBudget
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MinRefreshGap <= 0 {
		o.MinRefreshGap = 5 * time.Second
	}
	return &Engine{opts: o, entries: map[string]*cacheEntry{}, gens: map[string]uint64{}}
}

// cacheKey identifies a dataset and scope.
func cacheKey(spec *Spec, scope Scope) string { return spec.Name + "\x00" + scope.CacheKey() }

// loadResult carries both values through singleflight, which would otherwise
// drop the stale snapshot that comes with an error.
type loadResult struct {
	snap *Snapshot
	err  error
}

// Get returns the snapshot of spec for scope: from the cache while younger
// than spec.Refresh (0 = load on every call), else loaded once however many
// callers wait. refresh forces a reload unless the cached snapshot is
// younger than MinRefreshGap.
//
// If loading fails and an older snapshot exists, Get returns a copy of it
// with Stale set together with the error; with none, nil and the error. The
// load runs detached from the caller's context (the fetcher applies its own
// deadline), so a caller that gives up early gets its context's error (and
// the stale snapshot, if any) while the load completes for everyone else.
func (e *Engine) Get(ctx context.Context, spec *Spec, scope Scope, fetch Fetcher, refresh bool) (*Snapshot, error) {
	if spec == nil || fetch == nil {
		return nil, errors.New("dataset: Get needs a spec and a fetcher")
	}
	key := cacheKey(spec, scope)
	e.mu.Lock()
	if snap := e.fresh(key, spec, refresh); snap != nil {
		e.mu.Unlock()
		return snap, nil
	}
	gen := e.gens[spec.Name]
	e.mu.Unlock()

	loadCtx := context.WithoutCancel(ctx)
	ch := e.group.DoChan(key, func() (any, error) {
		snap, err := e.load(loadCtx, spec, key, fetch, gen, refresh)
		return loadResult{snap, err}, nil
	})
	e.waiting.Add(1)
	defer e.waiting.Add(-1)
	select {
	case r := <-ch:
		lr := r.Val.(loadResult)
		return lr.snap, lr.err
	case <-ctx.Done():
		e.mu.Lock()
		stale := e.staleCopy(key, spec)
		e.mu.Unlock()
		return stale, fmt.Errorf("dataset %q: waiting for the data: %w", spec.Name, ctx.Err())
	}
}

// fresh returns the cached snapshot if it may be served without loading.
// The caller holds e.mu.
func (e *Engine) fresh(key string, spec *Spec, refresh bool) *Snapshot {
	ent := e.entries[key]
	if ent == nil {
		return nil
	}
	if ent.snap.Spec != spec {
		// The configuration was reloaded: the old snapshot may have other
		// columns, so it cannot be served, not even as stale.
		delete(e.entries, key)
		return nil
	}
	age := e.opts.Now().Sub(ent.snap.AsOf)
	ok := age < e.opts.MinRefreshGap
	if !refresh {
		ok = spec.Refresh > 0 && age < spec.Refresh
	}
	if !ok {
		return nil
	}
	e.tick++
	ent.used = e.tick
	return ent.snap
}

// staleCopy returns the cached snapshot marked stale, or nil. The caller
// holds e.mu.
func (e *Engine) staleCopy(key string, spec *Spec) *Snapshot {
	ent := e.entries[key]
	if ent == nil || ent.snap.Spec != spec {
		return nil
	}
	cp := *ent.snap
	cp.Stale = true
	return &cp
}

// load runs the fetcher and stores the snapshot.
func (e *Engine) load(ctx context.Context, spec *Spec, key string, fetch Fetcher, gen uint64, refresh bool) (snap *Snapshot, err error) {
	e.mu.Lock()
	// A load for this key may have finished between our cache check and the
	// start of this flight.
	if s := e.fresh(key, spec, refresh); s != nil {
		e.mu.Unlock()
		return s, nil
	}
	e.mu.Unlock()

	asOf := e.opts.Now()
	err = func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic while loading: %v", p) // singleflight would re-panic in another goroutine and crash
			}
		}()
		return fetch(ctx, func(rows *sql.Rows) error {
			var berr error
			snap, berr = Build(spec, rows, asOf)
			return berr
		})
	}()
	if err == nil && snap == nil {
		err = errors.New("the fetcher returned without reading the rows")
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	if err != nil {
		return e.staleCopy(key, spec), fmt.Errorf("loading dataset %q: %w", spec.Name, err)
	}
	if e.gens[spec.Name] == gen {
		e.tick++
		e.entries[key] = &cacheEntry{specName: spec.Name, snap: snap, used: e.tick}
		e.evict(key)
	}
	return snap, nil
}

// evict drops least recently used snapshots until the total fits the
// budget, never the one at keep. The caller holds e.mu.
func (e *Engine) evict(keep string) {
	var total int64
	for _, ent := range e.entries {
		total += ent.snap.MemoryBytes()
	}
	for total > e.opts.MemoryBudget {
		var victim string
		var oldest *cacheEntry
		for k, ent := range e.entries {
			if k != keep && (oldest == nil || ent.used < oldest.used) {
				victim, oldest = k, ent
			}
		}
		if oldest == nil {
			return
		}
		total -= oldest.snap.MemoryBytes()
		delete(e.entries, victim)
	}
}

// Invalidate drops every scope's snapshot of a dataset, and makes loads
// already running for it hand their result to their waiters without keeping
// it.
func (e *Engine) Invalidate(specName string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.gens[specName]++
	for k, ent := range e.entries {
		if ent.specName == specName {
			delete(e.entries, k)
		}
	}
}

// MemoryBytes returns the approximate memory held by cached snapshots and
// how many there are, for metrics.
func (e *Engine) MemoryBytes() (bytes int64, snapshots int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ent := range e.entries {
		bytes += ent.snap.MemoryBytes()
	}
	return bytes, len(e.entries)
}
