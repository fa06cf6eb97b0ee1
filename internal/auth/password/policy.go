package password

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Policy is the password policy (NIST SP 800-63B-4 / OWASP ASVS 5 L2): length
// in Unicode code points, no composition rules, never trimmed, truncated or
// case-folded. A zero MinLength or MaxLength means the default (15 and 256).
//
// Check applies, in this order:
//
//  1. Length: at least MinLength and at most MaxLength code points of the
//     NFKC form (see Normalize), so an emoji or an accented letter counts as
//     one character.
//  2. Patterns: the lowercased password is one unit repeated (a unit of 1–4
//     characters repeated at least twice, or any unit repeated at least
//     three times; the last copy may be cut short), or more than half of it
//     is made of runs of four or more repeated characters, alphabet or digit
//     sequences (ascending or descending, digits wrapping 9→0) or left/right
//     walks along a QWERTY row. Only ASCII takes part: runs are made of ASCII
//     characters, and a repeated unit counts only if it contains one. Guessing
//     tools' patterns are keyboard-centred, and this keeps a password such as
//     15 × "🔐", which the project's security bar accepts, from being refused.
//  3. Blocklist: the password, its core (leading and trailing digits,
//     spaces, punctuation and symbols removed), or the core with inner
//     spaces and punctuation removed is a common password, or is a common
//     password repeated ("passwordpassword", "password1 password1").
//  4. Context: after removing every occurrence of the context words (and the
//     digits, spaces and punctuation next to them), fewer than MinLength code
//     points remain.
type Policy struct {
	// MinLength is the minimum number of code points (default 15).
	MinLength int
	// MaxLength is the maximum number of code points (default 256); it only
	// exists to bound hashing work, not to limit good passphrases.
	MaxLength int
	// ContextWords are words specific to this service, such as "portico" or
	// the business name, that attackers try first.
	ContextWords []string
}

const (
	defaultMinLength = 15
	defaultMaxLength = 256
	minContextWord   = 4 // shorter context words would match too much ordinary text
	minPatternRun    = 4 // "aaaa", "1234", "qwer"
)

// User-facing reasons. They explain what to do, not just what is wrong.
const (
	reasonEmpty   = "Enter a password."
	reasonPattern = "Avoid repeated characters and sequences like aaaa or 1234."
	reasonCommon  = "This password is too common. A few unrelated words make a strong password."
	reasonContext = "Don't base your password on your email address or the name of this portal."
)

// DefaultPolicy returns the policy Portico uses for customer passwords:
// MinLength 15, MaxLength 256, ContextWords ["portico"].
func DefaultPolicy() Policy {
	return Policy{MinLength: defaultMinLength, MaxLength: defaultMaxLength, ContextWords: []string{"portico"}}
}

// PolicyError carries a message fit to show the user, saying why the
// password was refused.
type PolicyError struct {
	// Reason is one or two plain sentences for the customer.
	Reason string
}

// Error returns the Reason, so the error can be shown as it is.
func (e *PolicyError) Error() string { return e.Reason }

func refuse(reason string) error { return &PolicyError{Reason: reason} }

// Check returns nil if pw is acceptable, or a *PolicyError saying why not.
// userContext are per-user words such as the email address or the person's
// name; emails are split into the local part and domain labels, and parts
// shorter than 4 characters are ignored.
func (p Policy) Check(pw string, userContext ...string) error {
	minLen, maxLen := p.MinLength, p.MaxLength
	if minLen <= 0 {
		minLen = defaultMinLength
	}
	if maxLen <= 0 {
		maxLen = defaultMaxLength
	}
	if pw == "" {
		return refuse(reasonEmpty)
	}
	s := Normalize(pw)
	n := utf8.RuneCountInString(s)
	if n < minLen {
		return refuse(fmt.Sprintf("Use at least %d characters.", minLen))
	}
	if n > maxLen {
		return refuse(fmt.Sprintf("Use at most %d characters.", maxLen))
	}
	lower := lowerRunes(s)
	if isPatterned(lower) {
		return refuse(reasonPattern)
	}
	if isCommon(string(lower)) {
		return refuse(reasonCommon)
	}
	words := contextWords(p.ContextWords, userContext)
	if remainingWithout(lower, words) < minLen {
		return refuse(reasonContext)
	}
	return nil
}

// lowerRunes lowercases rune by rune, which unlike strings.ToLower keeps one
// rune per input rune, so counts and positions stay comparable.
func lowerRunes(s string) []rune {
	r := []rune(s)
	for i, c := range r {
		r[i] = unicode.ToLower(c)
	}
	return r
}

// isFiller reports characters that people wrap around a weak base word:
// digits, spaces, punctuation and symbols ("Password2025!", "--acme--").
func isFiller(c rune) bool {
	return unicode.IsDigit(c) || unicode.IsSpace(c) || unicode.IsPunct(c) || unicode.IsSymbol(c)
}

// isSeparator reports characters people put between words; digits are not
// separators because "password1password1" repeats "password1".
func isSeparator(c rune) bool {
	return unicode.IsSpace(c) || unicode.IsPunct(c) || unicode.IsSymbol(c)
}

// smallestPeriod returns the shortest d such that every character equals
// the one d places before it, so r is a unit of length d repeated, possibly
// ending part-way through the unit ("12121212121212121"). It returns len(r)
// when r repeats nothing at least twice.
func smallestPeriod(r []rune) int {
	n := len(r)
outer:
	for d := 1; 2*d <= n; d++ {
		for i := d; i < n; i++ {
			if r[i] != r[i-d] {
				continue outer
			}
		}
		return d
	}
	return n
}

func hasASCII(r []rune) bool {
	for _, c := range r {
		if c < utf8.RuneSelf {
			return true
		}
	}
	return false
}

// isPatterned implements rule 2 of Policy on the lowercased password.
func isPatterned(r []rune) bool {
	n := len(r)
	if n == 0 {
		return false
	}
	if d := smallestPeriod(r); d < n && hasASCII(r[:d]) && (d <= 4 || n >= 3*d) {
		return true
	}
	covered := make([]bool, n)
	for _, step := range patternSteps {
		markRuns(r, covered, step)
	}
	count := 0
	for _, c := range covered {
		if c {
			count++
		}
	}
	return 2*count > n
}

// stepFunc reports whether b follows a in one particular pattern.
type stepFunc func(a, b rune) bool

// keyboardRows are the QWERTY rows; a walk moves along one of them.
var keyboardRows = []string{"1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"}

type keyPos struct{ row, col int }

var keyPositions = func() map[rune]keyPos {
	m := make(map[rune]keyPos)
	for row, keys := range keyboardRows {
		for col, k := range keys {
			m[k] = keyPos{row, col}
		}
	}
	return m
}()

func isLetter(c rune) bool { return c >= 'a' && c <= 'z' }
func isDigit(c rune) bool  { return c >= '0' && c <= '9' }

func alphaStep(dir int) stepFunc {
	return func(a, b rune) bool {
		return isLetter(a) && isLetter(b) && (int(b-'a')-int(a-'a')-dir+26)%26 == 0
	}
}

func digitStep(dir int) stepFunc {
	return func(a, b rune) bool {
		return isDigit(a) && isDigit(b) && (int(b-'0')-int(a-'0')-dir+10)%10 == 0
	}
}

func keyboardStep(dir int) stepFunc {
	return func(a, b rune) bool {
		pa, okA := keyPositions[a]
		pb, okB := keyPositions[b]
		return okA && okB && pa.row == pb.row && pb.col-pa.col == dir
	}
}

// patternSteps are the patterns whose runs count towards "mostly a pattern".
// Each run must keep one pattern and one direction, so ordinary words such
// as "were" (w-e-r then back to e) do not count as walks.
var patternSteps = []stepFunc{
	func(a, b rune) bool { return a == b && a < utf8.RuneSelf },
	alphaStep(1), alphaStep(-1),
	digitStep(1), digitStep(-1),
	keyboardStep(1), keyboardStep(-1),
}

// markRuns marks every position that lies in a run of at least
// minPatternRun characters in which each character follows the previous by
// step.
func markRuns(r []rune, covered []bool, step stepFunc) {
	start := 0
	for i := 1; i <= len(r); i++ {
		if i < len(r) && step(r[i-1], r[i]) {
			continue
		}
		if i-start >= minPatternRun {
			for j := start; j < i; j++ {
				covered[j] = true
			}
		}
		start = i
	}
}

// isCommon implements rule 3 of Policy on the lowercased password.
func isCommon(lower string) bool {
	core := strings.TrimFunc(lower, isFiller)
	squeezed := strings.Map(func(c rune) rune {
		if isSeparator(c) {
			return -1
		}
		return c
	}, core)
	for _, v := range []string{lower, core, squeezed} {
		if v == "" {
			continue
		}
		if blocklisted(v) || repeatsCommon(v) {
			return true
		}
	}
	return false
}

// repeatsCommon reports whether v is a blocklisted word (possibly with
// digits or punctuation around it) repeated, the last copy possibly cut
// short.
func repeatsCommon(v string) bool {
	r := []rune(v)
	n := len(r)
	d := smallestPeriod(r)
	// Every multiple of the smallest period is a period too, so
	// "aaaaaaaaaaaaaaaa" repeats both "a" and the listed "aaaaaaaa".
	for p := d; 2*p <= n; p += d {
		unit := string(r[:p])
		if blocklisted(unit) || blocklisted(strings.TrimFunc(unit, isFiller)) {
			return true
		}
	}
	return false
}

// contextWords lowercases and splits the policy's and the user's context
// into the words to look for. Emails and names are split on anything that
// is not a letter or digit, which yields an email's local part pieces and
// domain labels; the whole value, the local part and the domain are kept
// too.
func contextWords(policyWords, userContext []string) [][]rune {
	seen := make(map[string]bool)
	var out [][]rune
	add := func(w string) {
		if utf8.RuneCountInString(w) < minContextWord || seen[w] {
			return
		}
		seen[w] = true
		out = append(out, []rune(w))
	}
	for _, list := range [][]string{policyWords, userContext} {
		for _, v := range list {
			v = string(lowerRunes(Normalize(v)))
			add(v)
			if local, domain, ok := strings.Cut(v, "@"); ok {
				add(local)
				add(domain)
			}
			for _, part := range strings.FieldsFunc(v, func(c rune) bool {
				return !unicode.IsLetter(c) && !unicode.IsDigit(c)
			}) {
				add(part)
			}
		}
	}
	return out
}

// remainingWithout counts the characters of r left after removing every
// occurrence of words together with the filler characters touching them.
func remainingWithout(r []rune, words [][]rune) int {
	removed := make([]bool, len(r))
	for _, w := range words {
		for i := 0; i+len(w) <= len(r); i++ {
			if runesEqual(r[i:i+len(w)], w) {
				for j := i; j < i+len(w); j++ {
					removed[j] = true
				}
			}
		}
	}
	// Spread removal over adjacent fillers in both directions, so
	// "acme2025!" and "!!portico" vanish entirely.
	for i := 1; i < len(r); i++ {
		if removed[i-1] && !removed[i] && isFiller(r[i]) {
			removed[i] = true
		}
	}
	for i := len(r) - 2; i >= 0; i-- {
		if removed[i+1] && !removed[i] && isFiller(r[i]) {
			removed[i] = true
		}
	}
	left := 0
	for _, x := range removed {
		if !x {
			left++
		}
	}
	return left
}

func runesEqual(a, b []rune) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
