package secretbox

import (
	"errors"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	b := New("portal secret key of at least some length")
	for _, pt := range []string{"", "hunter2", "pässwörd 🔐", strings.Repeat("x", 4096)} {
		s, err := b.Seal(pt)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(s, "v1:") {
			t.Fatalf("sealed value %q lacks the v1: prefix", s)
		}
		if pt != "" && strings.Contains(s, pt) {
			t.Fatalf("sealed value contains the plaintext")
		}
		got, err := b.Open(s)
		if err != nil || got != pt {
			t.Fatalf("Open = %q, %v; want %q", got, err, pt)
		}
	}
}

func TestSealIsRandomized(t *testing.T) {
	b := New("k")
	a1, _ := b.Seal("same")
	a2, _ := b.Seal("same")
	if a1 == a2 {
		t.Fatal("two seals of the same plaintext are equal; the nonce is not fresh")
	}
}

func TestOpenRefuses(t *testing.T) {
	b := New("right key")
	good, err := b.Seal("smtp password")
	if err != nil {
		t.Fatal(err)
	}
	flip := func(s string, i int) string {
		r := []byte(s)
		if r[i] == 'A' {
			r[i] = 'B'
		} else {
			r[i] = 'A'
		}
		return string(r)
	}
	tests := []struct {
		name string
		box  *Box
		in   string
	}{
		{"different key", New("wrong key"), good},
		{"tampered nonce", b, flip(good, 4)},
		{"tampered ciphertext", b, flip(good, len(good)/2)},
		{"tampered tag", b, flip(good, len(good)-2)},
		{"truncated", b, good[:len(good)-4]},
		{"too short", b, "v1:AAAA"},
		{"no prefix", b, strings.TrimPrefix(good, "v1:")},
		{"other version", b, "v2:" + strings.TrimPrefix(good, "v1:")},
		{"not base64", b, "v1:***"},
		{"empty", b, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.box.Open(tt.in)
			if !errors.Is(err, ErrOpen) {
				t.Fatalf("Open = %q, %v; want ErrOpen", got, err)
			}
		})
	}
}
