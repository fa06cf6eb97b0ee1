package password

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestGenerateTemporary(t *testing.T) {
	policy := DefaultPolicy()
	policy.MinLength = 20
	shape := regexp.MustCompile(`^[a-z2-9]{5}-[a-z2-9]{5}-[a-z2-9]{5}-[a-z2-9]{5}$`)
	seen := make(map[string]bool, 1000)
	for i := 0; i < 1000; i++ {
		pw := GenerateTemporary()
		if n := utf8.RuneCountInString(pw); n < 20 {
			t.Fatalf("GenerateTemporary() = %q: got %d code points, want at least 20", pw, n)
		}
		if !shape.MatchString(pw) {
			t.Fatalf("GenerateTemporary() = %q: got an unexpected shape, want xxxxx-xxxxx-xxxxx-xxxxx", pw)
		}
		if strings.ContainsAny(pw, "01ilo") {
			t.Fatalf("GenerateTemporary() = %q: got a look-alike character (0, 1, i, l or o), want none", pw)
		}
		if err := policy.Check(pw); err != nil {
			t.Fatalf("GenerateTemporary() = %q: got policy error %v, want accepted with MinLength 20", pw, err)
		}
		if seen[pw] {
			t.Fatalf("GenerateTemporary() = %q: got a repeat within 1000 calls, want unique values", pw)
		}
		seen[pw] = true
	}
}

func TestGenerateTemporaryUsesWholeAlphabet(t *testing.T) {
	// 1000 × 20 draws from 31 symbols: every symbol turns up unless the
	// generator is broken (the chance of missing one is about 10^-270).
	counts := make(map[rune]int)
	for i := 0; i < 1000; i++ {
		for _, c := range GenerateTemporary() {
			counts[c]++
		}
	}
	for _, c := range temporaryAlphabet {
		if counts[c] == 0 {
			t.Errorf("symbol %q: got 0 occurrences in 1000 passwords, want some", c)
		}
	}
}
