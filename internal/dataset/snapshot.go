package dataset

import (
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// Snapshot is the result of one dataset query for one scope, held in memory
// in column-typed form so that every grid request is a scan over compact
// arrays. A snapshot never changes after Build; it is safe for concurrent
// use, and copies (such as the stale one Engine.Get hands back) share its
// data.
type Snapshot struct {
	Spec  *Spec
	AsOf  time.Time // when the query that produced it started
	Stale bool      // true when a reload failed and this older snapshot stands in

	n          int
	cols       []*column // one per spec column, same order
	keyCol     int       // index of spec.KeyColumn, or -1
	searchable []int     // indexes of Searchable columns
	static     int64     // bytes held by the column data
	sorts      *sortCache
}

// kind is how a column's distinct values are stored.
type kind uint8

const (
	kindText kind = iota
	kindNum
	kindTime
)

// column holds one spec column. Every type is dictionary-encoded: codes
// holds, per row, an index into the column's distinct values, with 0 for
// NULL. Filters, facets and sorts then work on codes (uint32) and on small
// per-code tables (rank, match masks) instead of on the values themselves;
// numeric columns in an inventory (quantities, dates) have few distinct
// values, so this is also smaller than a float64 per row.
type column struct {
	def  Column
	kind kind

	codes []uint32 // per row; 0 = NULL

	// Dictionaries, indexed by code; entry 0 is the NULL placeholder.
	text  string    // kindText: every distinct value concatenated, one allocation instead of one per string
	toff  []uint32  // kindText: code c is text[toff[c]:toff[c+1]]
	nums  []float64 // kindNum
	times []int64   // kindTime: wall-clock seconds since 1970 (the source's local time, stored as UTC)

	rank     []uint32 // per code: position in ascending order (dense: equal folded text shares a rank); NULL gets nullRank
	nullRank uint32   // the largest rank, so NULLs sort last ascending
	order    []uint32 // Facet columns: non-NULL codes in display order (by folded text, then raw; or by value)
	byRaw    []uint32 // Facet text columns: non-NULL codes by raw bytes, to find a filter value's code

	fold    []byte   // Searchable columns: folded display text of every code, each followed by NUL
	foldOff []uint32 // code c's text starts at foldOff[c]; foldOff[len] = len(fold)
}

// dictLen is the number of codes including NULL's 0.
func (c *column) dictLen() int { return len(c.rank) }

// str returns the text of a code.
func (c *column) str(code uint32) string { return c.text[c.toff[code]:c.toff[code+1]] }

// cell returns a code's value as a Cell.
func (c *column) cell(code uint32) Cell {
	if code == 0 {
		return Cell{Null: true}
	}
	switch c.kind {
	case kindNum:
		return Cell{Num: c.nums[code]}
	case kindTime:
		return Cell{Time: time.Unix(c.times[code], 0).UTC()}
	}
	return Cell{Text: c.str(code)}
}

// Len returns the number of rows.
func (s *Snapshot) Len() int { return s.n }

// Cell returns the value of one row (0-based) in one column (its index in
// Spec.Columns).
func (s *Snapshot) Cell(row, col int) Cell {
	c := s.cols[col]
	return c.cell(c.codes[row])
}

// VisibleColumns returns the indexes in Spec.Columns of the columns shown and
// exported, in display order.
func (s *Snapshot) VisibleColumns() []int {
	var out []int
	for i, c := range s.Spec.Columns {
		if !c.Hidden {
			out = append(out, i)
		}
	}
	return out
}

// MemoryBytes approximates the memory the snapshot holds, including the sort
// orders it has cached, for the engine's memory budget.
func (s *Snapshot) MemoryBytes() int64 {
	return s.static + s.sorts.bytes.Load()
}

// memoryBytes adds up a column's arrays at their capacity.
func (c *column) memoryBytes() int64 {
	const u32 = int64(unsafe.Sizeof(uint32(0)))
	b := int64(unsafe.Sizeof(*c))
	b += int64(cap(c.codes))*u32 + int64(len(c.text)) + int64(cap(c.toff))*u32
	b += int64(cap(c.nums))*8 + int64(cap(c.times))*8
	b += int64(cap(c.rank)+cap(c.order)+cap(c.byRaw)+cap(c.foldOff))*u32 + int64(cap(c.fold))
	return b
}

// Build reads every row into a column-typed snapshot. Columns are matched to
// spec.Columns by name, case-insensitively; a spec column missing from the
// result is an error naming it, and extra result columns are ignored.
//
// Values are converted per column type: text accepts any driver value; the
// numeric types accept integers, floats, bools and decimal strings or bytes
// (MySQL and SQL Server return DECIMAL as []byte like "12.500"), with an
// empty string read as NULL; dates accept time.Time, unix seconds and the
// strings "2006-01-02", "2006-01-02 15:04:05" and RFC 3339. Times keep the
// wall clock the source gave (its zone is dropped), so the page shows what
// the ERP shows. A value that cannot be converted is an error naming the
// column and the 1-based row number. Build closes rows.
func Build(spec *Spec, rows *sql.Rows, asOf time.Time) (*Snapshot, error) {
	if spec == nil || rows == nil {
		return nil, errors.New("dataset: Build needs a spec and rows")
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("dataset %q: reading the result's columns: %w", spec.Name, err)
	}
	b := newBuilder(spec)
	dest := make([]any, len(names))
	for i := range dest {
		dest[i] = discard{}
	}
	for i, col := range spec.Columns {
		found := -1
		for j, name := range names {
			if strings.EqualFold(strings.TrimSpace(name), col.Name) {
				found = j
				break
			}
		}
		if found < 0 {
			return nil, fmt.Errorf("dataset %q: the query returns no column %q", spec.Name, col.Name)
		}
		if _, taken := dest[found].(*colBuilder); taken {
			return nil, fmt.Errorf("dataset %q: column %q is configured twice", spec.Name, col.Name)
		}
		dest[found] = b.cols[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			for i, cb := range b.cols {
				if cb.err != nil {
					return nil, fmt.Errorf("dataset %q: row %d, column %q: %w", spec.Name, b.n+1, spec.Columns[i].Name, cb.err)
				}
			}
			return nil, fmt.Errorf("dataset %q: reading row %d: %w", spec.Name, b.n+1, err)
		}
		b.n++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("dataset %q: reading rows: %w", spec.Name, err)
	}
	return b.finish(asOf)
}

// discard is the scan target of result columns the spec does not use.
type discard struct{}

// Scan implements sql.Scanner by ignoring the value.
func (discard) Scan(any) error { return nil }

// builder accumulates rows column by column; Build feeds it from *sql.Rows,
// and tests and benchmarks feed it directly.
type builder struct {
	spec *Spec
	cols []*colBuilder
	n    int
}

func newBuilder(spec *Spec) *builder {
	b := &builder{spec: spec, cols: make([]*colBuilder, len(spec.Columns))}
	for i, c := range spec.Columns {
		cb := &colBuilder{def: c}
		switch {
		case c.Numeric():
			cb.kind = kindNum
			cb.numIdx = map[float64]uint32{}
			cb.nums = []float64{0}
		case c.Temporal():
			cb.kind = kindTime
			cb.timeIdx = map[int64]uint32{}
			cb.timeStr = map[string]uint32{}
			cb.times = []int64{0}
		default:
			cb.strIdx = map[string]uint32{}
			cb.strs = []string{""}
		}
		b.cols[i] = cb
	}
	return b
}

// addRow appends one row of driver-like values, in spec column order.
func (b *builder) addRow(vals ...any) error {
	for i, v := range vals {
		if err := b.cols[i].add(v); err != nil {
			return fmt.Errorf("dataset %q: row %d, column %q: %w", b.spec.Name, b.n+1, b.spec.Columns[i].Name, err)
		}
	}
	b.n++
	return nil
}

// colBuilder interns one column's values while rows arrive. It is the
// sql.Scanner for its result column, so driver values (including MySQL's
// reused []byte buffers) are read in place without database/sql copying
// them first.
type colBuilder struct {
	def   Column
	kind  kind
	codes []uint32
	err   error

	strIdx   map[string]uint32
	strs     []string
	lastCode uint32 // code of the previous row's text

	numIdx map[float64]uint32
	nums   []float64

	timeIdx map[int64]uint32
	timeStr map[string]uint32 // the same date string parsed once, not once per row
	times   []int64
}

// Scan implements sql.Scanner; the error is kept so Build can name the column
// and row instead of database/sql's column index.
func (cb *colBuilder) Scan(src any) error {
	cb.err = cb.add(src)
	return cb.err
}

func (cb *colBuilder) add(src any) error {
	var code uint32
	var err error
	switch cb.kind {
	case kindNum:
		code, err = cb.addNum(src)
	case kindTime:
		code, err = cb.addTime(src)
	default:
		code = cb.addText(src)
	}
	if err != nil {
		return err
	}
	cb.codes = append(cb.codes, code)
	return nil
}

func (cb *colBuilder) internString(s string) uint32 {
	if c, ok := cb.strIdx[s]; ok {
		return c
	}
	c := uint32(len(cb.strs))
	cb.strs = append(cb.strs, s)
	cb.strIdx[s] = c
	return c
}

func (cb *colBuilder) addText(src any) uint32 {
	switch v := src.(type) {
	case nil:
		return 0
	case string:
		if cb.lastCode != 0 && v == cb.strs[cb.lastCode] {
			return cb.lastCode // ERP results often come ordered: the same value row after row
		}
		cb.lastCode = cb.internString(v)
		return cb.lastCode
	case []byte:
		if cb.lastCode != 0 && string(v) == cb.strs[cb.lastCode] {
			return cb.lastCode
		}
		if c, ok := cb.strIdx[string(v)]; ok { // no allocation for a value seen before
			cb.lastCode = c
			return c
		}
		cb.lastCode = cb.internString(string(v))
		return cb.lastCode
	case int64:
		return cb.internString(strconv.FormatInt(v, 10))
	case float64:
		return cb.internString(strconv.FormatFloat(v, 'f', -1, 64))
	case bool:
		return cb.internString(strconv.FormatBool(v))
	case time.Time:
		if h, m, s := v.Clock(); h == 0 && m == 0 && s == 0 {
			return cb.internString(v.Format("2006-01-02"))
		}
		return cb.internString(v.Format("2006-01-02 15:04:05"))
	}
	return cb.internString(fmt.Sprint(src))
}

func (cb *colBuilder) internNum(f float64) uint32 {
	if math.IsNaN(f) {
		return 0 // NaN cannot be ordered or compared; it means "no number"
	}
	if c, ok := cb.numIdx[f]; ok {
		return c
	}
	c := uint32(len(cb.nums))
	cb.nums = append(cb.nums, f)
	cb.numIdx[f] = c
	return c
}

func (cb *colBuilder) addNum(src any) (uint32, error) {
	switch v := src.(type) {
	case nil:
		return 0, nil
	case int64:
		return cb.internNum(float64(v)), nil
	case float64:
		return cb.internNum(v), nil
	case float32:
		return cb.internNum(float64(v)), nil
	case int:
		return cb.internNum(float64(v)), nil
	case int32:
		return cb.internNum(float64(v)), nil
	case uint64:
		return cb.internNum(float64(v)), nil
	case bool:
		if v {
			return cb.internNum(1), nil
		}
		return cb.internNum(0), nil
	case []byte:
		return cb.parseNum(string(v))
	case string:
		return cb.parseNum(v)
	case time.Time:
		return 0, errors.New("a date is not a number")
	}
	return 0, fmt.Errorf("cannot read a %T as a number", src)
}

func (cb *colBuilder) parseNum(s string) (uint32, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, fmt.Errorf("%s is not a number", quoteShort(s))
	}
	return cb.internNum(f), nil
}

func (cb *colBuilder) internTime(sec int64) uint32 {
	if cb.def.Type == Date {
		sec = floorDay(sec)
	}
	if c, ok := cb.timeIdx[sec]; ok {
		return c
	}
	c := uint32(len(cb.times))
	cb.times = append(cb.times, sec)
	cb.timeIdx[sec] = c
	return c
}

func (cb *colBuilder) addTime(src any) (uint32, error) {
	switch v := src.(type) {
	case nil:
		return 0, nil
	case time.Time:
		return cb.internTime(wallSeconds(v)), nil
	case int64:
		return cb.internTime(v), nil
	case []byte:
		if sec, ok := fastTime(string(v)); ok {
			return cb.internTime(sec), nil
		}
		if c, ok := cb.timeStr[string(v)]; ok {
			return c, nil
		}
		return cb.parseTimeString(string(v))
	case string:
		if sec, ok := fastTime(v); ok {
			return cb.internTime(sec), nil
		}
		if c, ok := cb.timeStr[v]; ok {
			return c, nil
		}
		return cb.parseTimeString(v)
	}
	return 0, fmt.Errorf("cannot read a %T as a date", src)
}

// fastTime reads the two forms SQL databases return most,
// "2006-01-02" and "2006-01-02 15:04:05", without time.Parse: a date column
// of a million rows is a million of them. Anything else (or an impossible
// date) is left to parseTime.
func fastTime(s string) (sec int64, ok bool) {
	if len(s) != 10 && len(s) != 19 {
		return 0, false
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	if s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y, mo, d := num(0, 4), num(5, 2), num(8, 2)
	h, mi, se := 0, 0, 0
	if len(s) == 19 {
		if s[10] != ' ' && s[10] != 'T' || s[13] != ':' || s[16] != ':' {
			return 0, false
		}
		h, mi, se = num(11, 2), num(14, 2), num(17, 2)
	}
	if y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 59 {
		return 0, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, se, 0, time.UTC)
	if t.Day() != d { // 2024-02-30 would roll over into March: refuse it like time.Parse does
		return 0, false
	}
	return t.Unix(), true
}

func (cb *colBuilder) parseTimeString(s string) (uint32, error) {
	if sec, ok := fastTime(s); ok {
		return cb.internTime(sec), nil
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, nil
	}
	tm, ok := parseTime(t)
	if !ok {
		return 0, fmt.Errorf("%s is not a date", quoteShort(s))
	}
	c := cb.internTime(wallSeconds(tm))
	if len(cb.timeStr) < 1<<16 { // bounded: unique timestamps would otherwise double the build's memory
		cb.timeStr[s] = c
	}
	return c, nil
}

// timeLayouts are the date forms drivers and ERPs return as text.
var timeLayouts = []string{
	"2006-01-02",
	"2006-01-02 15:04:05",
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999 -0700 MST",
}

// parseTime reads a date or date-time in one of timeLayouts.
func parseTime(s string) (time.Time, bool) {
	if len(s) < 10 {
		return time.Time{}, false
	}
	for _, l := range timeLayouts {
		if len(s) == 10 && len(l) != 10 {
			continue
		}
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// wallSeconds returns the wall clock of t (in its own zone) as seconds since
// 1970 read as UTC: the engine shows the time the source recorded.
func wallSeconds(t time.Time) int64 {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC).Unix()
}

// floorDay truncates seconds to the start of their (UTC) day.
func floorDay(sec int64) int64 {
	d := sec / 86400
	if sec%86400 < 0 {
		d--
	}
	return d * 86400
}

// quoteShort quotes a value for an error message, cut so a 10 KB cell does
// not become a 10 KB log line.
func quoteShort(s string) string {
	if len(s) > 40 {
		cut := 40
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		return strconv.Quote(s[:cut]) + "…"
	}
	return strconv.Quote(s)
}

// finish turns the builders into an immutable snapshot. The per-column work
// (sorting dictionaries, folding text for search) is independent, so columns
// are finished in parallel.
func (b *builder) finish(asOf time.Time) (*Snapshot, error) {
	s := &Snapshot{Spec: b.spec, AsOf: asOf, n: b.n, keyCol: -1, sorts: &sortCache{}}
	s.cols = make([]*column, len(b.cols))
	errs := make([]error, len(b.cols))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, cb := range b.cols {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			s.cols[i], errs[i] = cb.finish(b.n)
		}()
		b.cols[i] = nil // let the maps go as soon as the column is done
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("dataset %q: %w", b.spec.Name, err)
	}
	for i, c := range b.spec.Columns {
		if c.Searchable {
			s.searchable = append(s.searchable, i)
		}
		if b.spec.KeyColumn != "" && strings.EqualFold(c.Name, b.spec.KeyColumn) {
			s.keyCol = i
		}
	}
	s.static = int64(unsafe.Sizeof(*s))
	for _, c := range s.cols {
		s.static += c.memoryBytes()
	}
	return s, nil
}

func (cb *colBuilder) finish(n int) (*column, error) {
	c := &column{def: cb.def, kind: cb.kind}
	c.codes = cb.codes
	if cap(c.codes) > n+n/8 { // append doubling leaves up to half the array unused
		c.codes = slices.Clone(c.codes)
	}
	if c.codes == nil {
		c.codes = []uint32{}
	}
	switch cb.kind {
	case kindText:
		if err := c.finishText(cb.strs); err != nil {
			return nil, err
		}
	case kindNum:
		c.nums = slices.Clip(cb.nums)
		c.finishValues(len(c.nums), func(a, b uint32) int { return cmpFloat(c.nums[a], c.nums[b]) })
	case kindTime:
		c.times = slices.Clip(cb.times)
		c.finishValues(len(c.times), func(a, b uint32) int { return cmpInt(c.times[a], c.times[b]) })
	}
	return c, nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// finishText packs the dictionary into one string, ranks it by folded text
// and builds the search blob.
func (c *column) finishText(strs []string) error {
	total := 0
	for _, s := range strs {
		total += len(s)
	}
	if total > math.MaxUint32 {
		return fmt.Errorf("column %q holds more than 4 GiB of distinct text", c.def.Name)
	}
	var sb strings.Builder
	sb.Grow(total)
	c.toff = make([]uint32, len(strs)+1)
	for i, s := range strs {
		c.toff[i] = uint32(sb.Len())
		sb.WriteString(s)
	}
	c.toff[len(strs)] = uint32(sb.Len())
	c.text = sb.String()

	folded := make([]string, len(strs))
	for i := 1; i < len(strs); i++ {
		folded[i] = fold(strs[i])
	}
	order := make([]uint32, len(strs)-1)
	for i := range order {
		order[i] = uint32(i + 1)
	}
	slices.SortFunc(order, func(a, b uint32) int {
		if r := strings.Compare(folded[a], folded[b]); r != 0 {
			return r
		}
		return strings.Compare(c.str(a), c.str(b))
	})
	c.rank = make([]uint32, len(strs))
	var r uint32
	for i, code := range order {
		if i > 0 && folded[code] != folded[order[i-1]] {
			r++
		}
		c.rank[code] = r
	}
	c.nullRank = r
	if len(order) > 0 {
		c.nullRank = r + 1
	}
	c.rank[0] = c.nullRank
	if c.def.Facet {
		c.order = order
		c.byRaw = slices.Clone(order)
		slices.SortFunc(c.byRaw, func(a, b uint32) int { return strings.Compare(c.str(a), c.str(b)) })
	}
	if c.def.Searchable {
		c.buildFold(func(code uint32, buf []byte) []byte { return append(buf, folded[code]...) })
	}
	return nil
}

// finishValues ranks a numeric or time dictionary by value.
func (c *column) finishValues(size int, cmp func(a, b uint32) int) {
	order := make([]uint32, size-1)
	for i := range order {
		order[i] = uint32(i + 1)
	}
	slices.SortFunc(order, cmp)
	c.rank = make([]uint32, size)
	for i, code := range order {
		c.rank[code] = uint32(i) // values are distinct, so ranks are too
	}
	c.nullRank = uint32(len(order))
	c.rank[0] = c.nullRank
	if c.def.Facet {
		c.order = order
	}
	if c.def.Searchable {
		c.buildFold(func(code uint32, buf []byte) []byte {
			cell := c.cell(code)
			buf = append(buf, fold(cell.Display(c.def))...)
			if c.kind == kindNum {
				// Also the plain number, so "1234" finds "1,234.5".
				buf = append(buf, 0)
				buf = strconv.AppendFloat(buf, cell.Num, 'f', -1, 64)
			}
			return buf
		})
	}
}

// buildFold writes the search blob: each code's folded text followed by NUL,
// so one bytes.Index over the blob tests every distinct value at once and a
// match can never span two values.
func (c *column) buildFold(text func(code uint32, buf []byte) []byte) {
	size := c.dictLen()
	c.foldOff = make([]uint32, size+1)
	var buf []byte
	for code := 1; code < size; code++ {
		c.foldOff[code] = uint32(len(buf))
		buf = text(uint32(code), buf)
		buf = append(buf, 0)
	}
	c.foldOff[size] = uint32(len(buf))
	c.fold = slices.Clip(buf)
}
