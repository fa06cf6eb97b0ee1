package password

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// prose is varied text with no repeating unit, long enough to cut passwords
// of any allowed length from.
const prose = "Morning fog rolled over the harbour while the ferry captain counted crates of " +
	"lemons, violins and copper kettles; a gull argued with a cat about breakfast, " +
	"the baker whistled an old waltz, and somewhere beyond the lighthouse a bell rang " +
	"twice for no reason anyone could remember, which pleased the children enormously."

func firstRunes(s string, n int) string {
	r := []rune(s)
	if len(r) < n {
		panic("test setup: prose too short")
	}
	return string(r[:n])
}

func TestPolicyCheck(t *testing.T) {
	const (
		accepted = ""
		empty    = "Enter a password."
		tooShort = "Use at least 15 characters."
		tooLong  = "Use at most 256 characters."
		pattern  = "Avoid repeated characters and sequences like aaaa or 1234."
		common   = "This password is too common. A few unrelated words make a strong password."
		context  = "Don't base your password on your email address or the name of this portal."
	)
	def := DefaultPolicy()
	min8 := DefaultPolicy()
	min8.MinLength = 8

	tests := []struct {
		name       string
		policy     Policy
		pw         string
		user       []string
		wantReason string
	}{
		// Length, in code points.
		{"empty", def, "", nil, empty},
		{"14 characters", def, "plum kite rain", nil, tooShort},
		{"15 characters", def, "plum kite rainy", nil, accepted},
		{"15 emoji count as 15", def, strings.Repeat("🔐", 15), nil, accepted},
		{"14 emoji count as 14", def, strings.Repeat("🔐", 14), nil, tooShort},
		{"accented letters count once", def, "grüße aus köln!", nil, accepted},
		{"256 characters", def, firstRunes(prose, 256), nil, accepted},
		{"257 characters", def, firstRunes(prose, 257), nil, tooLong},
		{"spaces are not trimmed", def, " kite rain bus ", nil, accepted},
		{"without its spaces it would be short", def, "kite rain bus", nil, tooShort},
		{"zero policy uses defaults", Policy{}, "plum kite rain", nil, tooShort},
		{"custom minimum message", Policy{MinLength: 20}, "plum kite rainy", nil, "Use at least 20 characters."},

		// Repetition and sequences.
		{"one letter repeated", def, "aaaaaaaaaaaaaaaa", nil, pattern},
		{"one capital letter repeated", def, "AAAAAAAAAAAAAAAA", nil, pattern},
		{"punctuation repeated", def, "!!!!!!!!!!!!!!!!", nil, pattern},
		{"spaces only", def, strings.Repeat(" ", 16), nil, pattern},
		{"three-letter unit repeated", def, "abcabcabcabcabc", nil, pattern},
		{"two-digit unit repeated, cut short", def, "12121212121212121", nil, pattern},
		{"four-letter unit repeated", def, "blueblueblueblue", nil, pattern},
		{"six-letter unit three times", def, "monkeymonkeymonkey", nil, pattern},
		{"alphabet run", def, "abcdefghijklmnop", nil, pattern},
		{"reverse alphabet run", def, "zyxwvutsrqponmlk", nil, pattern},
		{"digit run wrapping", def, "123456789012345", nil, pattern},
		{"descending digit run wrapping", def, "987654321098765", nil, pattern},
		{"keyboard rows", def, "qwertyuiopasdfgh", nil, pattern},
		{"keyboard rows backwards", def, "poiuytrewqlkjhgf", nil, pattern},
		{"mostly runs with a little else", def, "abcdefgh12345678xy", nil, pattern},
		{"a short run inside a passphrase is fine", def, "my abcd and 1234 are safe here", nil, accepted},
		{"ordinary words with keyboard neighbours", def, "we were there for the powerful tower", nil, accepted},

		// Blocklist.
		{"listed word doubled", def, "passwordpassword", nil, common},
		{"listed word doubled, mixed case", def, "PasswordPASSWORD", nil, common},
		{"listed word doubled with a space", def, "password password", nil, common},
		{"listed word plus digits", def, "password12345678", nil, common},
		{"listed word plus year and symbol", def, "Password2025!!!!", nil, common},
		{"listed word with digits on both sides", def, "2025password2025", nil, common},
		{"other listed word doubled", def, "iloveyouiloveyou", nil, common},
		{"listed word with digit, doubled", def, "password1password1", nil, common},
		{"listed word with shorter minimum", min8, "Football", nil, common},
		{"listed word plus year with shorter minimum", min8, "sunshine2025!", nil, common},
		{"listed phrase within other words is fine", def, "no password here just rivers", nil, accepted},

		// Context words.
		{"business and portal name with year", def, "AcmePortico2025!", []string{"buyer@acme.example"}, context},
		{"email local part and domain", def, "buyer@acme.examplebuyer", []string{"buyer@acme.example"}, context},
		{"email repeated with separators", def, "Buyer.Acme-2025-Buyer", []string{"buyer@acme.example"}, context},
		{"portal name padded with digits", def, "portico-1234-portico", nil, context},
		{"date before the context word goes too", def, "2024-06-30 portico river lamp", nil, context},
		{"date after the context word goes too", def, "river lamp portico 2024-06-30", nil, context},
		{"context word inside a long passphrase", def, "my purple portico faces the quiet harbour", []string{"buyer@acme.example"}, accepted},
		{"short email parts are ignored", def, "bobo river lantern", []string{"bo@x.io"}, accepted},
		{"custom context words", Policy{ContextWords: []string{"Harbour Supplies"}}, "harboursupplies2025", nil, context},
		{"enough left after removing context", def, "portico velvet tractor lemon", nil, accepted},

		// Good passwords: no composition rules.
		{"lowercase passphrase of 20", def, "velvet tractor lemon", nil, accepted},
		{"lowercase passphrase without spaces", def, "velvettractorlemonade", nil, accepted},
		{"non-ASCII passphrase", def, "Grüße aus Köln 🔐", nil, accepted},
		{"emoji with a word", def, "🔐🔐🔐🔐🔐🔐🔐🔐 lantern", nil, accepted},
		{"random-looking", def, "k7Q#m2xW9fA!tR4p", nil, accepted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.Check(tt.pw, tt.user...)
			if tt.wantReason == accepted {
				if err != nil {
					t.Errorf("Check(%q): got %v, want accepted", tt.pw, err)
				}
				return
			}
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("Check(%q): got %v (%T), want *PolicyError %q", tt.pw, err, err, tt.wantReason)
			}
			if pe.Reason != tt.wantReason {
				t.Errorf("Check(%q): got reason %q, want %q", tt.pw, pe.Reason, tt.wantReason)
			}
			if err.Error() != pe.Reason {
				t.Errorf("Error(): got %q, want the reason %q", err.Error(), pe.Reason)
			}
		})
	}
}

func TestCheckDoesNotModifyContextWords(t *testing.T) {
	p := DefaultPolicy()
	_ = p.Check("AcmePortico2025!", "Buyer@Acme.Example")
	if want := []string{"portico"}; !slices.Equal(p.ContextWords, want) {
		t.Errorf("ContextWords: got %q, want %q", p.ContextWords, want)
	}
}

func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy()
	if p.MinLength != 15 || p.MaxLength != 256 || !slices.Equal(p.ContextWords, []string{"portico"}) {
		t.Errorf("DefaultPolicy: got %+v, want MinLength 15, MaxLength 256, ContextWords [portico]", p)
	}
}

func TestBlocklistFile(t *testing.T) {
	blocklistOnce.Do(loadBlocklist)
	if got, want := len(blocklistSet), 17950; got != want {
		t.Errorf("entries: got %d, want %d", got, want)
	}
	if len(blocklistData) > 300*1024 {
		t.Errorf("blocklist.txt: got %d bytes, want at most 300 KiB", len(blocklistData))
	}
	if !strings.Contains(blocklistData, "Copyright (c) 2012-2016 Dan Wheeler and Dropbox, Inc.") {
		t.Errorf("blocklist.txt: licence notice missing")
	}
	var prev string
	for line := range strings.Lines(blocklistData) {
		line = strings.TrimSuffix(line, "\n")
		if strings.HasPrefix(line, "#") {
			continue
		}
		if utf8.RuneCountInString(line) < 8 {
			t.Errorf("entry %q: shorter than 8 characters", line)
		}
		if strings.ToLower(line) != line {
			t.Errorf("entry %q: not lowercase", line)
		}
		if line <= prev {
			t.Errorf("entry %q after %q: not sorted and unique", line, prev)
		}
		prev = line
	}
	for _, w := range []string{"password", "iloveyou", "passwordpassword", "football"} {
		if !blocklisted(w) {
			t.Errorf("blocklisted(%q): got false, want true", w)
		}
	}
	for _, w := range []string{"velvet tractor lemon", "portico", ""} {
		if blocklisted(w) {
			t.Errorf("blocklisted(%q): got true, want false", w)
		}
	}
}
