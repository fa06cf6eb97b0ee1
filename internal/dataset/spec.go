// Package dataset is the dataset engine: it turns the rows of one dataset
// query for one scope into an in-memory, column-typed snapshot, and answers
// every grid request (search, facets, ranges, sort, paging) and every export
// from that snapshot, so the ERP sees one query per dataset, scope and
// refresh interval however many clicks customers make.
package dataset

import (
	"sort"
	"strings"
	"time"
)

// ColumnType is how a column's values are stored, compared and shown.
type ColumnType string

// Column types.
const (
	Text     ColumnType = "text"
	Number   ColumnType = "number"
	Integer  ColumnType = "integer"
	Money    ColumnType = "money"
	Date     ColumnType = "date"
	DateTime ColumnType = "datetime"
)

// Column describes one column the dataset's SQL returns.
type Column struct {
	Name       string     // canonical name, as the SQL returns it and as URLs use it (f.<name>, sort=<name>)
	Label      string     // header text
	Type       ColumnType // storage and formatting
	Format     string     // display/export number format, e.g. "#,##0.00"; empty = the type's default
	Align      string     // "left", "right" or "center"; empty = right for numbers, left otherwise
	Hidden     bool       // loaded (searchable, filterable) but not shown or exported
	Searchable bool       // included in the global search
	Facet      bool       // offered as a facet filter with cascading option lists
}

// Numeric reports whether the column holds numbers.
func (c Column) Numeric() bool { return c.Type == Number || c.Type == Integer || c.Type == Money }

// Temporal reports whether the column holds dates or times.
func (c Column) Temporal() bool { return c.Type == Date || c.Type == DateTime }

// SortKey is one key of a multi-key sort.
type SortKey struct {
	Column string
	Desc   bool
}

// Spec is one dataset as configured: where its rows come from and how they
// are shown. It is built from the datasets file (or a preset) and validated
// at start.
type Spec struct {
	Name           string        // URL name: "inventory" is served at /inventory, others at /data/{name}
	Title          string        // page heading, e.g. "Inventory"
	Source         string        // name of the source it reads from
	SQL            string        // a single SELECT or WITH statement returning the canonical column names
	CustomerColumn string        // the column holding the ERP customer key; the scope filters on it
	KeyColumn      string        // a unique row key; the last sort tie-breaker
	Columns        []Column      // in display order
	DefaultSort    []SortKey     // used when the request gives none
	Refresh        time.Duration // how long a snapshot is served before reloading; 0 = every request reads live
	Page           string        // where it appears: "inventory" or "data"
}

// Column returns the column with that name, or false.
func (s *Spec) Column(name string) (Column, int, bool) {
	for i, c := range s.Columns {
		if c.Name == name {
			return c, i, true
		}
	}
	return Column{}, -1, false
}

// Scope is whose rows a snapshot holds: every customer, or the listed keys.
// It always comes from the signed-in account, never from the request.
type Scope struct {
	All  bool
	Keys []string // sorted, de-duplicated customer keys; empty and not All = nothing
}

// NewScope returns a normalised scope.
func NewScope(all bool, keys []string) Scope {
	if all {
		return Scope{All: true}
	}
	seen := map[string]bool{}
	var out []string
	for _, k := range keys {
		if k = strings.TrimSpace(k); k != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return Scope{Keys: out}
}

// CacheKey identifies the scope in the snapshot cache.
func (s Scope) CacheKey() string {
	if s.All {
		return "*"
	}
	return "=" + strings.Join(s.Keys, "\x1f")
}

// Empty reports whether the scope can see no rows at all.
func (s Scope) Empty() bool { return !s.All && len(s.Keys) == 0 }
