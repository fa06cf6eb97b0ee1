package importer

import (
	"strings"
	"testing"
	"time"
)

// The original databases answer in each driver's types; these read them.
func TestValues(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	bools := []struct {
		in   any
		want bool
		ok   bool
	}{
		{true, true, true}, {int64(0), false, true}, {int64(1), true, true}, {[]byte{1}, true, true}, {[]byte{0}, false, true},
		{[]byte("1"), true, true}, {"True", true, true}, {"f", false, true}, {nil, false, true}, {"maybe", false, false},
	}
	for _, b := range bools {
		got, err := boolean(b.in)
		if got != b.want || (err == nil) != b.ok {
			t.Errorf("boolean(%#v) = %v %v", b.in, got, err)
		}
	}
	ints := []struct {
		in     any
		want   int64
		ok, is bool
	}{
		{int64(7), 7, true, true}, {int32(7), 7, true, true}, {[]byte("42"), 42, true, true}, {nil, 0, true, false}, {"x", 0, false, false},
	}
	for _, c := range ints {
		got, is, err := integer(c.in)
		if got != c.want || is != c.is || (err == nil) != c.ok {
			t.Errorf("integer(%#v) = %v %v %v", c.in, got, is, err)
		}
	}
	pdt := time.Date(2024, 5, 2, 23, 45, 30, 0, time.UTC)
	times := []struct {
		in   any
		want *time.Time
		ok   bool
	}{
		// Drivers hand naive times over as UTC: the wall clock is LA's.
		{time.Date(2024, 5, 2, 16, 45, 30, 0, time.UTC), &pdt, true},
		{"2024-05-02 16:45:30", &pdt, true},
		{[]byte("2024-05-02T16:45:30.000000"), &pdt, true},
		{"2024-05-02T23:45:30Z", &pdt, true}, // a zone of its own wins
		{nil, nil, true},
		{"", nil, true},
		{"the day after", nil, false},
	}
	for _, c := range times {
		got, err := timestamp(c.in, la)
		if (err == nil) != c.ok || (got == nil) != (c.want == nil) || (got != nil && !got.Equal(*c.want)) {
			t.Errorf("timestamp(%#v) = %v %v, want %v", c.in, got, err, c.want)
		}
	}
}

func TestHashesAndNames(t *testing.T) {
	for h, usable := range map[string]bool{
		"pbkdf2:sha256:600000$dC5QcdcbGVc3LgBP$1bc2378d8cdfe2d9b364f8cbf86b79a981c0d68a8311402838d21fd3df0baad1": true,
		"scrypt:32768:8:1$7pIz0WpldmBonX6p$" + strings.Repeat("ab", 64):                                          true,
		"scrypt$7pIz0WpldmBonX6p$" + strings.Repeat("ab", 64):                                                    true,
		"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5":               true,
		"pbkdf2:sha256$abc$" + strings.Repeat("ab", 32):                                                          false, // no iteration count: Werkzeug's default of the day
		"sha1$abc$0123":       false,
		"plain text password": false,
		"":                    false,
	} {
		if got := usableHash(h) == ""; got != usable {
			t.Errorf("usableHash(%.30q): usable %v, want %v", h, got, usable)
		}
	}
	if !isWerkzeug("scrypt$s$"+strings.Repeat("00", 64)) || isWerkzeug("$argon2id$v=19$m=1,t=1,p=1$AA$AA") {
		t.Error("isWerkzeug")
	}
	for in, want := range map[string]string{" Bob.Baker@WePack.Example ": "bob.baker@wepack.example", "not-an-email": "", "a b@c.example": "", "Bob <b@c.example>": ""} {
		if got, _ := normalEmail(in); got != want {
			t.Errorf("normalEmail(%q) = %q, want %q", in, got, want)
		}
	}
	if f, l := splitName("  Gina  van Liaison "); f != "Gina" || l != "van Liaison" {
		t.Errorf("splitName: %q %q", f, l)
	}
}
