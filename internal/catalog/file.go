package catalog

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// fileDoc is the datasets file as written, before defaults and checks.
type fileDoc struct {
	Preset   string        `toml:"preset"`
	Sources  []fileSource  `toml:"source"`
	Datasets []fileDataset `toml:"dataset"`
}

type fileSource struct {
	Name            string   `toml:"name"`
	Driver          string   `toml:"driver"`
	DSN             string   `toml:"dsn"`
	DSNEnv          string   `toml:"dsn_env"`
	QueryTimeout    duration `toml:"query_timeout"`
	ConnectTimeout  duration `toml:"connect_timeout"`
	MaxOpenConns    *int     `toml:"max_open_conns"`
	BreakerFailures *int     `toml:"breaker_failures"`
	BreakerCooldown duration `toml:"breaker_cooldown"`
	CustomersSQL    string   `toml:"customers_sql"`

	fromPreset string // the preset this entry came from, for hints
}

type fileDataset struct {
	Name           string        `toml:"name"`
	Title          string        `toml:"title"`
	Source         string        `toml:"source"`
	Page           string        `toml:"page"`
	SQL            string        `toml:"sql"`
	CustomerColumn string        `toml:"customer_column"`
	KeyColumn      string        `toml:"key_column"`
	DefaultSort    []string      `toml:"default_sort"`
	Refresh        duration      `toml:"refresh"`
	Role           string        `toml:"role"`
	Statuses       *fileStatuses `toml:"statuses"`
	Columns        []fileColumn  `toml:"column"`
}

// fileStatuses is a role dataset's [dataset.statuses] table: which ERP
// status values fall in each of the role's categories. Invoices use paid,
// unpaid, draft and cancelled; projects use active and inactive.
type fileStatuses struct {
	Paid      []string `toml:"paid"`
	Unpaid    []string `toml:"unpaid"`
	Draft     []string `toml:"draft"`
	Cancelled []string `toml:"cancelled"`
	Active    []string `toml:"active"`
	Inactive  []string `toml:"inactive"`
}

type fileColumn struct {
	Name       string `toml:"name"`
	Label      string `toml:"label"`
	Type       string `toml:"type"`
	Format     string `toml:"format"`
	Align      string `toml:"align"`
	Hidden     bool   `toml:"hidden"`
	Searchable *bool  `toml:"searchable"`
	Facet      bool   `toml:"facet"`
}

// duration is a duration as written in the file: quoted text with a unit.
// It is parsed during validation, so a bad value is reported with the
// other problems, naming its source or dataset.
type duration struct {
	set  bool
	text string
}

// UnmarshalTOML accepts only strings: a bare number would leave the unit
// to guesswork (seconds? milliseconds?).
func (d *duration) UnmarshalTOML(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("durations are quoted text with a unit, such as \"60s\", \"5m\" or \"1h\"; found %v", v)
	}
	d.set, d.text = true, s
	return nil
}

// knownKeys lists the keys of each table, for the "did you mean" hint on
// misspelt keys.
var knownKeys = map[string][]string{
	"":                 {"preset", "source", "dataset"},
	"source":           {"name", "driver", "dsn", "dsn_env", "query_timeout", "connect_timeout", "max_open_conns", "breaker_failures", "breaker_cooldown", "customers_sql"},
	"dataset":          {"name", "title", "source", "page", "role", "sql", "customer_column", "key_column", "default_sort", "refresh", "statuses", "column"},
	"dataset.column":   {"name", "label", "type", "format", "align", "hidden", "searchable", "facet"},
	"dataset.statuses": {"paid", "unpaid", "draft", "cancelled", "active", "inactive"},
}

// decode parses the TOML. Syntax and type errors stop here (the rest of
// the file cannot be trusted); unknown keys are reported all together,
// since a misspelt key would otherwise be silently ignored.
func decode(name string, data []byte) (*fileDoc, error) {
	var doc fileDoc
	md, err := toml.Decode(string(data), &doc)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			if perr.LastKey != "" {
				return nil, fmt.Errorf("%s: line %d (%s): %s", name, perr.Position.Line, perr.LastKey, perr.Message)
			}
			return nil, fmt.Errorf("%s: line %d: %s", name, perr.Position.Line, perr.Message)
		}
		return nil, fmt.Errorf("%s: %s", name, typeError(strings.TrimPrefix(err.Error(), "toml: ")))
	}
	var errs []error
	reported := map[string]bool{}
	for _, k := range md.Undecoded() {
		table, key := strings.Join(k[:len(k)-1], "."), k[len(k)-1]
		if reported[table] {
			continue // the keys of an unknown table are unknown too; one message is enough
		}
		reported[k.String()] = true
		msg := fmt.Sprintf("%s: unknown key %q", name, k.String())
		if known, ok := knownKeys[table]; ok {
			if s := closest(key, known); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += fmt.Sprintf(" (the keys of %s are %s)", tableLabel(table), strings.Join(known, ", "))
			}
		}
		errs = append(errs, errors.New(msg))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &doc, nil
}

var typeErrRE = regexp.MustCompile(`^line (\d+) \(last key "([^"]+)"\): incompatible types: TOML value has type (\S+); destination has type (\S+)$`)

// typeError rewrites the TOML library's type mismatch in the file's terms:
// which key, what it must be, and what was written.
func typeError(msg string) string {
	m := typeErrRE.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	line, key, got, want := m[1], m[2], m[3], m[4]
	if want == "slice" && strings.HasPrefix(got, "map") {
		return fmt.Sprintf("line %s (%s): write [[%s]] with double brackets; each one adds an entry", line, key, key)
	}
	kinds := map[string]string{
		"string": "quoted text", "boolean": "true or false", "bool": "true or false", "int": "a whole number",
		"int64": "a whole number", "float64": "a number", "slice": "a list such as [\"a\", \"b\"]",
		"[]any": "a list", "map[string]any": "a table", "[]map[string]any": "a list of tables",
	}
	describe := func(t string) string {
		if k, ok := kinds[t]; ok {
			return k
		}
		return t
	}
	return fmt.Sprintf("line %s (%s): must be %s, not %s", line, key, describe(want), describe(got))
}

func tableLabel(table string) string {
	switch table {
	case "":
		return "the top level"
	case "dataset.statuses":
		return "[dataset.statuses]" // one table per dataset, not a list
	}
	return "[[" + table + "]]"
}

// closest returns the known key within two edits of key, if any.
func closest(key string, known []string) string {
	best, bestD := "", 3
	sorted := append([]string(nil), known...)
	sort.Strings(sorted)
	for _, k := range sorted {
		if d := editDistance(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
