package dataset

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Display layouts for temporal cells: one unambiguous form whatever the
// customer's locale, so "03/04" can never mean two dates.
const (
	// DateLayout is how Display shows a Date cell.
	DateLayout = "2006-01-02"
	// DateTimeLayout is how Display shows a DateTime cell; seconds are
	// left to the exports.
	DateTimeLayout = "2006-01-02 15:04"
)

// Cell is one value of a snapshot, typed by its column: Text for text
// columns, Num for numeric ones, Time for dates; Null when the source gave
// NULL.
type Cell struct {
	Null bool
	Text string
	Num  float64
	Time time.Time
}

// Display formats a cell for the page: numbers with thousands separators and
// the column's decimals, dates in ISO form, NULL as "". Text is returned
// unchanged because html/template escapes it.
func (c Cell) Display(col Column) string {
	if c.Null {
		return ""
	}
	switch col.Type {
	case Number, Integer, Money:
		return numberFormatFor(col).format(c.Num)
	case Date:
		return c.Time.Format(DateLayout)
	case DateTime:
		return c.Time.Format(DateTimeLayout)
	}
	return c.Text
}

// numFormat is the part of a spreadsheet number format the page needs:
// grouping, decimals and literal text around the number.
type numFormat struct {
	prefix, suffix string
	group          bool
	minDec, maxDec int
	percent        bool
}

// numFormats caches parsed formats: Display runs for every visible numeric
// cell, and a dataset has only a handful of distinct formats.
var numFormats sync.Map // string -> numFormat

// defaultFormat is the display format of a numeric type without its own.
func defaultFormat(t ColumnType) string {
	switch t {
	case Integer:
		return "#,##0"
	case Money:
		return "#,##0.00"
	}
	return "#,##0.###"
}

// numberFormatFor returns the parsed display format of a numeric column.
func numberFormatFor(col Column) numFormat {
	f := col.Format
	if f == "" {
		f = defaultFormat(col.Type)
	}
	if v, ok := numFormats.Load(f); ok {
		return v.(numFormat)
	}
	nf := parseNumFormat(f)
	numFormats.Store(f, nf)
	return nf
}

// parseNumFormat understands the common subset of Excel number formats:
// "#,##0.00", "0.###", "$#,##0", "0.0%", "#,##0 \"kg\"". Only the first
// section (positive numbers) is used; negatives get a leading minus.
func parseNumFormat(f string) numFormat {
	if i := strings.IndexByte(f, ';'); i >= 0 {
		f = f[:i]
	}
	start := strings.IndexAny(f, "#0")
	if start < 0 {
		return numFormat{prefix: literal(f), maxDec: 3}
	}
	end := start
	for end < len(f) && strings.IndexByte("#0,.", f[end]) >= 0 {
		end++
	}
	nf := numFormat{prefix: literal(f[:start]), suffix: literal(f[end:])}
	body := f[start:end]
	intPart, decPart, _ := strings.Cut(body, ".")
	nf.group = strings.Contains(intPart, ",")
	for _, r := range decPart {
		switch r {
		case '0':
			nf.minDec++
			nf.maxDec++
		case '#':
			nf.maxDec++
		}
	}
	nf.percent = strings.Contains(f[end:], "%") || strings.Contains(f[:start], "%")
	return nf
}

// literal strips the spreadsheet quoting from the text around a number:
// "[Red]", quotes and backslash escapes.
func literal(s string) string {
	var b strings.Builder
	inQuote := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			inQuote = !inQuote
		case inQuote:
			b.WriteByte(c)
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == '[':
			if j := strings.IndexByte(s[i:], ']'); j >= 0 {
				i += j
			}
		case c == '_' || c == '*':
			i++ // Excel padding directives take the next character
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// format renders v with the format's grouping and decimals.
func (nf numFormat) format(v float64) string {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	if nf.percent {
		v *= 100
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', nf.maxDec, 64)
	intPart, decPart, _ := strings.Cut(s, ".")
	for len(decPart) > nf.minDec && decPart[len(decPart)-1] == '0' {
		decPart = decPart[:len(decPart)-1]
	}
	neg := v < 0 && (strings.Trim(intPart, "0") != "" || strings.Trim(decPart, "0") != "")
	var b strings.Builder
	b.Grow(len(s) + len(s)/3 + len(nf.prefix) + len(nf.suffix) + 2)
	if neg {
		b.WriteByte('-')
	}
	b.WriteString(nf.prefix)
	if nf.group && len(intPart) > 3 {
		head := len(intPart) % 3
		if head > 0 {
			b.WriteString(intPart[:head])
		}
		for i := head; i < len(intPart); i += 3 {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(intPart[i : i+3])
		}
	} else {
		b.WriteString(intPart)
	}
	if decPart != "" {
		b.WriteByte('.')
		b.WriteString(decPart)
	}
	b.WriteString(nf.suffix)
	return b.String()
}
