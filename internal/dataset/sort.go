package dataset

import (
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Sorting works on ranks: every column holds, per dictionary code, the
// position of its value in ascending order (rank), so comparing two rows on
// any column is comparing two uint32s, whatever the type. A full ordering of
// the snapshot is an LSD radix sort over those ranks, key by key from the
// least significant (the row index is the implicit last key, because the
// input is in row order and each pass is stable).
//
// The ordering of the whole snapshot for a given sort is cached (a few per
// snapshot): it does not depend on the filters, so the next search, facet
// click or page on the same sort only walks it.

const (
	radixBits       = 11 // 2048 buckets: the histogram stays in L1
	smallSort       = 2048
	maxCachedOrders = 4
)

// sortRef is one resolved sort key.
type sortRef struct {
	col  *column
	desc bool
}

// sortRefs resolves the view's sort (or the default), then the key column as
// the tie-breaker. key identifies the sort in the order cache.
func (s *Snapshot) sortRefs(q Query) (refs []sortRef, key string) {
	keys := q.Sort
	if len(keys) == 0 {
		keys = s.Spec.DefaultSort
	}
	var seen []int
	var kb strings.Builder
	add := func(i int, desc bool) {
		if slices.Contains(seen, i) {
			return
		}
		seen = append(seen, i)
		refs = append(refs, sortRef{col: s.cols[i], desc: desc})
		kb.WriteString(strconv.Itoa(i))
		if desc {
			kb.WriteByte('-')
		}
		kb.WriteByte(',')
	}
	for _, k := range keys {
		if _, i, ok := lookupColumn(s.Spec, k.Column); ok {
			add(i, k.Desc)
		}
	}
	if s.keyCol >= 0 {
		add(s.keyCol, false)
	}
	return refs, kb.String()
}

// ordered returns the rows of v at positions [from, to) of the sorted view.
func (s *Snapshot) ordered(refs []sortRef, key string, v *view, from, to int) []int {
	out := make([]int, 0, max(to-from, 0))
	if from >= to {
		return out
	}
	e := s.sorts.lookup(key)
	if e == nil && v.total*4 >= s.n {
		// Most of the snapshot is in view: sorting it all costs about the
		// same as sorting the view, and the result serves the next requests.
		e = s.sorts.add(key, int64(s.n)*4)
	}
	if e != nil {
		perm := e.get(func() []uint32 { return s.sortAll(refs) })
		return walk(out, perm, v.all, from, to)
	}
	rows := make([]uint32, 0, v.total)
	for w, word := range v.all {
		for word != 0 {
			rows = append(rows, uint32(w<<6+bits.TrailingZeros64(word)))
			word &= word - 1
		}
	}
	sortRows(rows, refs)
	for _, r := range rows[from:to] {
		out = append(out, int(r))
	}
	return out
}

// walk collects the matching rows at positions [from, to) of perm.
func walk(out []int, perm []uint32, all []uint64, from, to int) []int {
	if all == nil {
		for _, r := range perm[from:to] {
			out = append(out, int(r))
		}
		return out
	}
	k := 0
	for _, r := range perm {
		if all[r>>6]&(1<<(r&63)) == 0 {
			continue
		}
		if k >= from {
			out = append(out, int(r))
			if len(out) == to-from {
				break
			}
		}
		k++
	}
	return out
}

// sortAll returns every row index in sorted order.
func (s *Snapshot) sortAll(refs []sortRef) []uint32 {
	rows := make([]uint32, s.n)
	for i := range rows {
		rows[i] = uint32(i)
	}
	sortRows(rows, refs)
	return rows
}

// sortRows sorts row indexes, which must be in ascending order, by refs and
// then by index.
func sortRows(rows []uint32, refs []sortRef) {
	if len(rows) < 2 || len(refs) == 0 {
		return
	}
	if len(rows) <= smallSort {
		slices.SortFunc(rows, func(a, b uint32) int {
			for _, r := range refs {
				ra, rb := r.col.rank[r.col.codes[a]], r.col.rank[r.col.codes[b]]
				if ra == rb {
					continue
				}
				if (ra < rb) != r.desc {
					return -1
				}
				return 1
			}
			return int(a) - int(b)
		})
		return
	}
	radixSort(rows, refs)
}

// radixSort is a stable LSD radix sort of rows by refs.
func radixSort(rows []uint32, refs []sortRef) {
	n := len(rows)
	src, dst := rows, make([]uint32, n)
	srcK, dstK := make([]uint32, n), make([]uint32, n)
	for i := len(refs) - 1; i >= 0; i-- {
		c, desc := refs[i].col, refs[i].desc
		top := c.nullRank
		if top == 0 {
			continue // every row has the same rank
		}
		rank, codes := c.rank, c.codes
		if desc {
			for j, r := range src {
				srcK[j] = top - rank[codes[r]]
			}
		} else {
			for j, r := range src {
				srcK[j] = rank[codes[r]]
			}
		}
		for shift := 0; shift < bits.Len32(top); shift += radixBits {
			if countingPass(src, srcK, dst, dstK, uint(shift)) {
				src, dst = dst, src
				srcK, dstK = dstK, srcK
			}
		}
	}
	if &src[0] != &rows[0] {
		copy(rows, src)
	}
}

// countingPass stably moves (rows, keys) into (dst, dstK) by one digit of
// the keys. It reports false, moving nothing, when every key has the same
// digit.
func countingPass(rows, keys, dst, dstK []uint32, shift uint) bool {
	const mask = 1<<radixBits - 1
	var count [1 << radixBits]int
	for _, k := range keys {
		count[(k>>shift)&mask]++
	}
	if count[(keys[0]>>shift)&mask] == len(keys) {
		return false
	}
	sum := 0
	for d, c := range count {
		count[d] = sum
		sum += c
	}
	for j, k := range keys {
		d := (k >> shift) & mask
		p := count[d]
		count[d]++
		dst[p] = rows[j]
		dstK[p] = k
	}
	return true
}

// sortCache keeps the last few full orderings of a snapshot. It is shared by
// copies of the snapshot.
type sortCache struct {
	mu      sync.Mutex
	entries []*sortEntry // most recently used first
	bytes   atomic.Int64
}

// sortEntry is one cached ordering, computed once however many requests
// want it at the same time.
type sortEntry struct {
	key  string
	size int64
	once sync.Once
	perm []uint32
}

func (e *sortEntry) get(compute func() []uint32) []uint32 {
	e.once.Do(func() { e.perm = compute() })
	return e.perm
}

// lookup returns the cached entry for key, or nil.
func (c *sortCache) lookup(key string) *sortEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, e := range c.entries {
		if e.key == key {
			copy(c.entries[1:i+1], c.entries[:i])
			c.entries[0] = e
			return e
		}
	}
	return nil
}

// add returns the entry for key, creating it (and dropping the least
// recently used beyond maxCachedOrders) if needed.
func (c *sortCache) add(key string, size int64) *sortEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.entries {
		if e.key == key {
			return e
		}
	}
	e := &sortEntry{key: key, size: size}
	c.entries = slices.Insert(c.entries, 0, e)
	c.bytes.Add(size)
	if len(c.entries) > maxCachedOrders {
		c.bytes.Add(-c.entries[maxCachedOrders].size)
		c.entries = c.entries[:maxCachedOrders]
	}
	return e
}
