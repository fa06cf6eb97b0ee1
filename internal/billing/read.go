package billing

import (
	"cmp"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/dataset"
)

// rowReader reads one snapshot's cells by canonical column name.
type rowReader struct {
	snap *dataset.Snapshot
	role catalog.Role
	idx  map[string]int // canonical name → column index; absent optional columns are missing
}

// newRowReader checks that snap has every required column of role (start-up
// validation guarantees it for a catalog's role datasets; a hand-built spec
// might not) and indexes the role's columns.
func newRowReader(snap *dataset.Snapshot, role catalog.Role) (*rowReader, error) {
	if snap == nil || snap.Spec == nil {
		return nil, fmt.Errorf("billing: no snapshot for role %q", role)
	}
	r := &rowReader{snap: snap, role: role, idx: map[string]int{}}
	for _, rc := range role.Columns() {
		_, i, ok := snap.Spec.Column(rc.Name)
		if !ok {
			if rc.Required {
				return nil, fmt.Errorf("billing: dataset %q lacks the column %q that role %q requires", snap.Spec.Name, rc.Name, role)
			}
			continue
		}
		r.idx[rc.Name] = i
	}
	return r, nil
}

func (r *rowReader) has(name string) bool { _, ok := r.idx[name]; return ok }

func (r *rowReader) cell(row int, name string) (dataset.Cell, bool) {
	i, ok := r.idx[name]
	if !ok {
		return dataset.Cell{Null: true}, false
	}
	c := r.snap.Cell(row, i)
	return c, !c.Null
}

// text returns a cell as text: text as it is, numbers without a trailing
// ".0" (ids held in integer columns), dates as YYYY-MM-DD; NULL is "".
func (r *rowReader) text(row int, name string) string {
	i, ok := r.idx[name]
	if !ok {
		return ""
	}
	return r.textAt(row, i)
}

// textAt is text for the column at index i of the spec.
func (r *rowReader) textAt(row, i int) string {
	c := r.snap.Cell(row, i)
	if c.Null {
		return ""
	}
	col := r.snap.Spec.Columns[i]
	switch {
	case col.Numeric():
		return strconv.FormatFloat(c.Num, 'f', -1, 64)
	case col.Type == dataset.Date:
		return c.Time.Format(time.DateOnly)
	case col.Type == dataset.DateTime:
		return c.Time.Format(time.DateTime)
	}
	return c.Text
}

// decimal returns a numeric cell as a Decimal; ok is false for NULL or an
// absent column.
func (r *rowReader) decimal(row int, name string) (d Decimal, ok bool, err error) {
	c, ok := r.cell(row, name)
	if !ok {
		return 0, false, nil
	}
	d, err = DecimalFromFloat(c.Num)
	if err != nil {
		return 0, false, fmt.Errorf("billing: dataset %q row %d column %q: %w", r.snap.Spec.Name, row+1, name, err)
	}
	return d, true, nil
}

// date returns a date or date-time cell's day; the zero Date for NULL.
func (r *rowReader) date(row int, name string) Date {
	c, ok := r.cell(row, name)
	if !ok {
		return Date{}
	}
	return DateOf(c.Time)
}

// time returns a date or date-time cell as the ERP's wall clock (in UTC,
// as the engine holds it); the zero time for NULL.
func (r *rowReader) time(row int, name string) time.Time {
	c, ok := r.cell(row, name)
	if !ok {
		return time.Time{}
	}
	return c.Time
}

// boolean reads a yes/no cell: numbers are true unless 0; text is true for
// yes, y, true, t, 1 (any case) and false for everything else, NULL
// included.
func (r *rowReader) boolean(row int, name string) bool {
	c, ok := r.cell(row, name)
	if !ok {
		return false
	}
	if col := r.snap.Spec.Columns[r.idx[name]]; col.Numeric() {
		return c.Num != 0
	}
	switch strings.ToLower(strings.TrimSpace(c.Text)) {
	case "yes", "y", "true", "t", "1":
		return true
	}
	return false
}

// compareIDs orders ids numerically when both are whole numbers (so "10"
// follows "9"), as text otherwise, numbers first.
func compareIDs(a, b string) int {
	ai, aerr := strconv.ParseInt(a, 10, 64)
	bi, berr := strconv.ParseInt(b, 10, 64)
	switch {
	case aerr == nil && berr == nil:
		return cmp.Compare(ai, bi)
	case aerr == nil:
		return -1
	case berr == nil:
		return 1
	}
	return strings.Compare(a, b)
}

// sortedKeys returns a set's members in order.
func sortedKeys(set map[string]bool) []string {
	if len(set) == 0 {
		return nil
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
