package source

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// selectRule starts every ValidateSelect message, so an operator reading a
// start-up error knows what the datasets file expects.
const selectRule = "dataset SQL must be a single SELECT or WITH statement"

// ValidateSelect refuses dataset SQL that is not one single SELECT or WITH
// statement, with a message an operator can act on. It runs when the
// configuration is loaded: the read-only settings of each engine are the
// real guard, this is the early, readable one (and on SQL Server, whose
// batches may hold several statements, an important one).
//
// Text inside '…' strings, "…", […] and `…` identifiers and -- and /* */
// comments is ignored when looking for ";" and keywords. Because the check
// does not know the engine, the SQL must pass under every engine's reading:
// once with backslash escapes inside quotes (MySQL) and once with nested
// block comments (PostgreSQL, SQL Server) as well, so that no engine can see
// a second statement the check did not. Write a single quote inside a
// string by doubling it, which every engine accepts.
//
// Besides a leading keyword other than SELECT or WITH it refuses: a second
// statement after ";" (one trailing ";" is fine), a WITH whose main
// statement is not a SELECT, INSERT/UPDATE/DELETE/MERGE anywhere (including
// data-modifying CTEs and SELECT … FOR UPDATE), and SELECT … INTO.
func ValidateSelect(sql string) error {
	for _, m := range lexModes {
		toks, err := lex(sql, m)
		if err != nil {
			return fmt.Errorf("%s; %w", selectRule, err)
		}
		if err := checkTokens(toks); err != nil {
			return err
		}
	}
	return nil
}

// lexMode selects the engine-specific readings of quotes and comments.
type lexMode struct {
	backslash bool // a backslash escapes the next character inside quotes (MySQL)
	nested    bool // /* */ comments nest (PostgreSQL, SQL Server)
}

// lexModes are every combination of the engine-specific readings; SQL is
// accepted only when it reads as one SELECT under all of them.
var lexModes = []lexMode{{}, {backslash: true}, {nested: true}, {backslash: true, nested: true}}

type tokKind int

const (
	tokWord tokKind = iota // keyword, identifier or number, upper-cased
	tokPunct
	tokSemicolon
	tokQuoted // a string literal or quoted identifier
)

type token struct {
	kind       tokKind
	text       string
	start, end int // byte offsets in the SQL
}

// lex splits SQL into the tokens that matter for ValidateSelect, dropping
// comments and whitespace. It fails on a quote or comment that does not
// close, since where it would close is exactly what engines disagree on.
func lex(sql string, m lexMode) ([]token, error) {
	var toks []token
	i := 0
	for i < len(sql) {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			nl := strings.IndexByte(sql[i:], '\n')
			if nl < 0 {
				i = len(sql)
			} else {
				i += nl + 1
			}
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			end, err := skipBlockComment(sql, i, m.nested)
			if err != nil {
				return nil, err
			}
			i = end
		case c == '\'' || c == '"' || c == '`' || c == '[':
			closer := c
			if c == '[' {
				closer = ']'
			}
			end, err := skipQuoted(sql, i, closer, m.backslash && (c == '\'' || c == '"'))
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tokQuoted, text: sql[i:end], start: i, end: end})
			i = end
		case c == ';':
			toks = append(toks, token{kind: tokSemicolon, text: ";", start: i, end: i + 1})
			i++
		case isWordByte(sql, i):
			j := i
			for j < len(sql) && isWordByte(sql, j) {
				_, size := utf8.DecodeRuneInString(sql[j:])
				j += size
			}
			toks = append(toks, token{kind: tokWord, text: strings.ToUpper(sql[i:j]), start: i, end: j})
			i = j
		default:
			_, size := utf8.DecodeRuneInString(sql[i:])
			toks = append(toks, token{kind: tokPunct, text: sql[i : i+size], start: i, end: i + size})
			i += size
		}
	}
	return toks, nil
}

// isWordByte reports whether the character at i continues an identifier,
// keyword or number. $, # and @ are included because engines allow them in
// names and parameters (@p1, #temp, a$b).
func isWordByte(s string, i int) bool {
	c := s[i]
	if c >= utf8.RuneSelf {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return unicode.IsLetter(r) || unicode.IsDigit(r)
	}
	return c == '_' || c == '$' || c == '#' || c == '@' ||
		('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// skipQuoted returns the offset just past the quote opened at start. A
// doubled closer is an escaped closer; with backslash, \x is escaped too.
func skipQuoted(s string, start int, closer byte, backslash bool) (int, error) {
	for i := start + 1; i < len(s); i++ {
		switch {
		case backslash && s[i] == '\\':
			i++
		case s[i] == closer:
			if i+1 < len(s) && s[i+1] == closer {
				i++
				continue
			}
			return i + 1, nil
		}
	}
	what := "a string"
	switch s[start] {
	case '"', '`', '[':
		what = "a quoted identifier"
	}
	hint := ""
	if s[start] == '\'' || s[start] == '"' {
		hint = " (write a quote inside a string as two quotes, and note that MySQL reads a backslash before a quote as an escape)"
	}
	return 0, fmt.Errorf("%s opened with %c at offset %d is not closed%s", what, s[start], start, hint)
}

// skipBlockComment returns the offset just past the /* */ comment at start.
func skipBlockComment(s string, start int, nested bool) (int, error) {
	depth := 0
	for i := start; i+1 < len(s); i++ {
		switch {
		case s[i] == '/' && s[i+1] == '*' && (nested || depth == 0):
			depth++
			i++
		case s[i] == '*' && s[i+1] == '/':
			depth--
			i++
			if depth == 0 {
				return i + 1, nil
			}
		}
	}
	return 0, fmt.Errorf("a /* comment opened at offset %d is not closed (some engines nest /* */ comments)", start)
}

// writeWords are the statements that change data; none may appear in a
// dataset query, not even inside a WITH.
var writeWords = map[string]bool{"INSERT": true, "UPDATE": true, "DELETE": true, "MERGE": true}

// mainWords are the keywords that can start the main statement of a WITH.
var mainWords = map[string]bool{
	"SELECT": true, "INSERT": true, "UPDATE": true, "DELETE": true, "MERGE": true,
	"VALUES": true, "TABLE": true, "REPLACE": true, "UPSERT": true,
}

// checkTokens applies ValidateSelect's rules to one reading of the SQL.
func checkTokens(toks []token) error {
	if len(toks) == 0 {
		return fmt.Errorf("%s; the SQL is empty", selectRule)
	}
	if toks[0].kind == tokSemicolon && len(toks) > 1 {
		return fmt.Errorf(`%s; found ";" before the statement: remove it (";WITH" is not needed here)`, selectRule)
	}
	stmt := toks
	for i, t := range toks {
		if t.kind != tokSemicolon {
			continue
		}
		if i+1 < len(toks) {
			return fmt.Errorf("%s; found a second statement after \";\"", selectRule)
		}
		stmt = toks[:i]
		break
	}
	first := 0
	for first < len(stmt) && stmt[first].kind == tokPunct && stmt[first].text == "(" {
		first++
	}
	if first == len(stmt) {
		return fmt.Errorf("%s; the SQL is empty", selectRule)
	}
	head := stmt[first]
	if head.kind != tokWord || (head.text != "SELECT" && head.text != "WITH") {
		return fmt.Errorf("%s; found %q", selectRule, tokenText(head))
	}
	if head.text == "WITH" {
		if err := checkWithMain(stmt[first+1:]); err != nil {
			return err
		}
	}
	for i, t := range stmt {
		if t.kind != tokWord {
			continue
		}
		// A qualified name (t.update) is a column, not a keyword.
		if i > 0 && stmt[i-1].text == "." {
			continue
		}
		if t.text == "INTO" {
			return fmt.Errorf("%s; found SELECT … INTO, which writes a table or file: remove INTO", selectRule)
		}
		// A function call (MySQL's INSERT(…)) is not a statement.
		if i+1 < len(stmt) && stmt[i+1].text == "(" {
			continue
		}
		switch {
		case t.text == "UPDATE" && i > 0 && (stmt[i-1].text == "FOR" || stmt[i-1].text == "KEY"):
			return fmt.Errorf("%s that only reads; found FOR UPDATE, which locks rows in the ERP: remove it", selectRule)
		case writeWords[t.text]:
			return fmt.Errorf("%s; found %q", selectRule, t.text)
		}
	}
	return nil
}

// checkWithMain requires the statement a WITH's common table expressions
// lead into to be a SELECT.
func checkWithMain(toks []token) error {
	i := withMain(toks)
	if i < 0 {
		return fmt.Errorf("%s; a WITH must end in a SELECT, and none was found after its common table expressions", selectRule)
	}
	if toks[i].text != "SELECT" {
		return fmt.Errorf("%s; a WITH must end in a SELECT, found %q", selectRule, toks[i].text)
	}
	return nil
}

// withMain finds, in the tokens after WITH, the keyword that starts the
// main statement: the first statement keyword outside parentheses. It
// returns -1 when there is none.
func withMain(toks []token) int {
	depth := 0
	for i, t := range toks {
		switch {
		case t.text == "(":
			depth++
		case t.text == ")":
			depth--
		case depth == 0 && t.kind == tokWord && mainWords[t.text]:
			if i+1 < len(toks) && toks[i+1].text == "(" && t.text != "SELECT" && t.text != "VALUES" {
				continue // a function such as REPLACE(…)
			}
			return i
		}
	}
	return -1
}

// splitWith splits SQL that starts with WITH into its common table
// expressions and its main SELECT, for engines that do not allow a WITH
// inside a derived table (SQL Server). ok is false when the SQL does not
// start with WITH or the engines' readings disagree on where the SELECT
// starts.
func splitWith(sql string) (ctes, main string, ok bool) {
	at := -1
	for _, m := range lexModes {
		toks, err := lex(sql, m)
		if err != nil || len(toks) == 0 || toks[0].text != "WITH" {
			return "", "", false
		}
		i := withMain(toks[1:])
		if i < 0 || toks[i+1].text != "SELECT" {
			return "", "", false
		}
		if at >= 0 && toks[i+1].start != at {
			return "", "", false
		}
		at = toks[i+1].start
	}
	return strings.TrimSpace(sql[:at]), sql[at:], true
}

// tokenText shortens a token for an error message.
func tokenText(t token) string {
	if r := []rune(t.text); len(r) > 30 {
		return string(r[:30]) + "…"
	}
	return t.text
}

// errNoTrim tells trimStatement's caller to fall back to plain trimming.
var errNoTrim = errors.New("engines disagree on where the SQL ends")

// trimStatement cuts trailing whitespace, comments and one ";" off SQL
// about to be wrapped in a subquery: a trailing "-- comment" would otherwise
// swallow the closing parenthesis. When the engines' readings disagree on
// where the last token ends, it only trims whitespace and one ";", which
// is what the SQL's author wrote anyway.
func trimStatement(sql string) string {
	end, err := lastTokenEnd(sql)
	if err != nil {
		s := strings.TrimRightFunc(sql, unicode.IsSpace)
		s = strings.TrimSuffix(s, ";")
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(sql[:end])
}

// lastTokenEnd is the offset just past the last token before an optional
// final ";", the same under every lexMode.
func lastTokenEnd(sql string) (int, error) {
	end := -1
	for _, m := range lexModes {
		toks, err := lex(sql, m)
		if err != nil {
			return 0, err
		}
		if n := len(toks); n > 0 && toks[n-1].kind == tokSemicolon {
			toks = toks[:n-1]
		}
		e := 0
		if n := len(toks); n > 0 {
			e = toks[n-1].end
		}
		if end >= 0 && e != end {
			return 0, errNoTrim
		}
		end = e
	}
	return end, nil
}
