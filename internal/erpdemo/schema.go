package erpdemo

import (
	"fmt"
	"strconv"
	"strings"
)

// kind is a column's logical type; each dialect maps it to its own DDL.
type kind int

const (
	kKey      kind = iota // short text used as a key (MySQL cannot index TEXT)
	kText                 // short text
	kLongText             // descriptions, up to tens of KB
	kInt
	kQty   // decimal(18,3)
	kMoney // decimal(12,2)
	kHours // decimal(10,2)
	kDate
	kDateTime
	kBool
)

type column struct {
	name    string
	kind    kind
	size    int // VARCHAR length where the dialect needs one
	notNull bool
}

type table struct {
	name    string
	cols    []column
	pk      string
	unique  []string
	indexes []string
}

func (t *table) colNames() []string {
	out := make([]string, len(t.cols))
	for i, c := range t.cols {
		out[i] = c.name
	}
	return out
}

// tables is the demo ERP's schema, in creation order. The column names are
// the canonical names the demo datasets return, so their SQL stays short.
var tables = []*table{
	{name: "customers", pk: "customer_key", cols: []column{
		{"customer_key", kKey, 200, true}, {"name", kText, 200, true}, {"city", kText, 100, false}, {"country", kText, 2, false},
		{"currency", kText, 3, true},
	}},
	{name: "inventory", pk: "lot_id", indexes: []string{"customer"}, cols: []column{
		{"lot_id", kInt, 0, true},
		{"customer", kKey, 200, true},
		{"part", kText, 60, true},
		{"customer_part", kText, 60, false},
		{"description", kLongText, 0, false},
		{"on_hand_qty", kQty, 0, true},
		{"unit", kText, 8, true},
		{"bin", kText, 30, true},
		{"reference", kText, 60, false},
		{"user_lot", kText, 60, false},
		{"exp_date", kDate, 0, false},
		{"last_txn_date", kDate, 0, true},
		{"last_rec_date", kDate, 0, true},
		{"po", kText, 60, false},
		{"status", kText, 20, true},
	}},
	{name: "projects", pk: "project_id", indexes: []string{"customer"}, cols: []column{
		{"project_id", kInt, 0, true},
		{"customer", kKey, 200, true},
		{"name", kText, 200, true},
		{"status", kText, 20, true},
		{"budget_hours", kHours, 0, false},
		{"budget_amount", kMoney, 0, false},
		{"start_date", kDate, 0, true},
		{"last_activity", kDateTime, 0, false},
	}},
	{name: "invoices", pk: "invoice_id", unique: []string{"number"}, indexes: []string{"customer", "project_id"}, cols: []column{
		{"invoice_id", kInt, 0, true},
		{"customer", kKey, 200, true},
		{"number", kText, 30, true},
		{"status", kText, 20, true},
		{"issue_date", kDate, 0, true},
		{"due_date", kDate, 0, true},
		{"currency", kText, 3, true},
		{"subtotal", kMoney, 0, true},
		{"tax", kMoney, 0, true},
		{"total", kMoney, 0, true},
		{"amount_paid", kMoney, 0, true},
		{"project_id", kInt, 0, false}, // NULL: not billed to a project
	}},
	{name: "invoice_lines", pk: "line_id", indexes: []string{"invoice_id"}, cols: []column{
		{"line_id", kInt, 0, true},
		{"invoice_id", kInt, 0, true},
		{"description", kText, 300, true},
		{"quantity", kMoney, 0, true},
		{"unit_price", kMoney, 0, true},
		{"amount", kMoney, 0, true},
	}},
	{name: "time_entries", pk: "entry_id", indexes: []string{"customer", "project_id"}, cols: []column{
		{"entry_id", kInt, 0, true},
		{"customer", kKey, 200, true},
		{"project_id", kInt, 0, true},
		{"work_date", kDate, 0, true},
		{"hours", kHours, 0, true},
		{"description", kText, 300, false},
		{"person", kText, 100, true},
		{"billable", kBool, 0, true},
	}},
}

func tableNamed(name string) *table {
	for _, t := range tables {
		if t.name == name {
			return t
		}
	}
	panic("erpdemo: no table " + name)
}

// dialect is what differs between engines when writing: column types,
// placeholders, how decimals are bound, and the table options.
type dialect struct {
	name        string
	types       map[kind]string
	dollar      bool   // $1, $2… instead of ?
	floatDec    bool   // bind decimals as float64 (SQLite has no exact decimal type)
	tableSuffix string // appended to CREATE TABLE
	maxParams   int    // bound parameters per statement the engine accepts
}

var dialects = []dialect{
	{
		name: "sqlite",
		// SQLite stores what it is given; REAL keeps quantities and money
		// as numbers instead of letting NUMERIC affinity mix integers and
		// floats, and DATE/DATETIME make the driver return time values.
		types: map[kind]string{kKey: "TEXT", kText: "TEXT", kLongText: "TEXT", kInt: "INTEGER", kQty: "REAL",
			kMoney: "REAL", kHours: "REAL", kDate: "DATE", kDateTime: "DATETIME", kBool: "BOOLEAN"},
		floatDec:  true,
		maxParams: 32766,
	},
	{
		name: "postgres",
		types: map[kind]string{kKey: "text", kText: "text", kLongText: "text", kInt: "integer", kQty: "numeric(18,3)",
			kMoney: "numeric(12,2)", kHours: "numeric(10,2)", kDate: "date", kDateTime: "timestamp", kBool: "boolean"},
		dollar:    true,
		maxParams: 65535,
	},
	{
		name: "mysql",
		types: map[kind]string{kKey: "VARCHAR", kText: "VARCHAR", kLongText: "TEXT", kInt: "INT", kQty: "DECIMAL(18,3)",
			kMoney: "DECIMAL(12,2)", kHours: "DECIMAL(10,2)", kDate: "DATE", kDateTime: "DATETIME", kBool: "BOOLEAN"},
		// utf8mb4 holds emoji; the binary collation compares customer keys
		// exactly, as the other engines do, so "Societe" never matches
		// "Société" in a scope.
		tableSuffix: " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
		maxParams:   65535,
	},
}

func dialectNamed(name string) (dialect, error) {
	for _, d := range dialects {
		if d.name == name {
			return d, nil
		}
	}
	return dialect{}, fmt.Errorf("erpdemo: unknown dialect %q; use one of %s", name, strings.Join(Dialects, ", "))
}

func (d dialect) createTable(t *table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (", t.name)
	for i, c := range t.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		typ := d.types[c.kind]
		if typ == "VARCHAR" {
			typ = "VARCHAR(" + strconv.Itoa(c.size) + ")"
		}
		fmt.Fprintf(&b, "%s %s", c.name, typ)
		if c.name == t.pk {
			b.WriteString(" PRIMARY KEY")
		} else if c.notNull {
			b.WriteString(" NOT NULL")
		}
	}
	for _, u := range t.unique {
		fmt.Fprintf(&b, ", UNIQUE (%s)", u)
	}
	b.WriteString(")")
	b.WriteString(d.tableSuffix)
	return b.String()
}

// insertSQL is a multi-row INSERT of rows rows into t.
func (d dialect) insertSQL(t *table, rows int) string {
	var b strings.Builder
	n := len(t.cols)
	b.Grow(40 + rows*n*6)
	fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", t.name, strings.Join(t.colNames(), ", "))
	p := 1
	for r := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range n {
			if c > 0 {
				b.WriteByte(',')
			}
			if d.dollar {
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(p))
			} else {
				b.WriteByte('?')
			}
			p++
		}
		b.WriteByte(')')
	}
	return b.String()
}

// decimal is an exact fixed-point value: units × 10^-scale.
type decimal struct {
	units int64
	scale int
}

var pow10 = [...]float64{1, 10, 100, 1000, 10000}

// bind turns a decimal into what the dialect's driver stores exactly:
// a float for SQLite's REAL, digits for the engines with exact decimals.
func (d dialect) bind(v decimal) any {
	if d.floatDec {
		return float64(v.units) / pow10[v.scale]
	}
	return v.String()
}

func (v decimal) String() string {
	neg := v.units < 0
	u := v.units
	if neg {
		u = -u
	}
	s := strconv.FormatInt(u, 10)
	if v.scale > 0 {
		for len(s) <= v.scale {
			s = "0" + s
		}
		s = s[:len(s)-v.scale] + "." + s[len(s)-v.scale:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
