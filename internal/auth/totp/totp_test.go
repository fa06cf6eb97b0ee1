package totp

import (
	"bytes"
	"errors"
	"image/png"
	"strings"
	"testing"
	"time"
)

// The RFC 6238 appendix B secret for SHA-1 ("12345678901234567890") and
// two of its vectors, cut to six digits.
const rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

func TestCodesMatchTheRFCVectors(t *testing.T) {
	for _, tt := range []struct {
		unix int64
		want string
	}{{59, "287082"}, {1111111109, "081804"}, {2000000000, "279037"}} {
		got, err := Code(rfcSecret, time.Unix(tt.unix, 0))
		if err != nil || got != tt.want {
			t.Errorf("code at %d = %q, %v; want %q", tt.unix, got, err, tt.want)
		}
	}
}

func TestVerifyAcceptsTheSkewOnceEach(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 10, 0, time.UTC)
	cur := Step(now)
	code := func(step int64) string {
		c, err := Code(rfcSecret, time.Unix(step*30, 0))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, d := range []int64{-1, 0, 1} {
		got, err := Verify(rfcSecret, code(cur+d), now, 0)
		if err != nil || got != cur+d {
			t.Errorf("step %+d: %d, %v; want accepted as step %d", d, got, err, cur+d)
		}
	}
	for _, d := range []int64{-2, 2, 10} {
		if _, err := Verify(rfcSecret, code(cur+d), now, 0); !errors.Is(err, ErrInvalidCode) {
			t.Errorf("step %+d outside the skew: %v, want ErrInvalidCode", d, err)
		}
	}
	// Replay: once the current step is used, its code and older ones fail.
	if _, err := Verify(rfcSecret, code(cur), now, cur); !errors.Is(err, ErrInvalidCode) {
		t.Errorf("reused code: %v, want ErrInvalidCode", err)
	}
	if _, err := Verify(rfcSecret, code(cur-1), now, cur); !errors.Is(err, ErrInvalidCode) {
		t.Errorf("code older than the last used: %v, want ErrInvalidCode", err)
	}
	if got, err := Verify(rfcSecret, code(cur+1), now, cur); err != nil || got != cur+1 {
		t.Errorf("next step after the last used: %d, %v", got, err)
	}
	// People type spaces and paste dashes.
	c := code(cur)
	if _, err := Verify(rfcSecret, " "+c[:3]+" "+c[3:]+" ", now, 0); err != nil {
		t.Errorf("code with spaces: %v", err)
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef", "12345\x00", "１２３４５６", strings.Repeat("1", 1000)} {
		if _, err := Verify(rfcSecret, bad, now, 0); !errors.Is(err, ErrInvalidCode) {
			t.Errorf("%q: %v, want ErrInvalidCode", bad, err)
		}
	}
	if _, err := Verify("not base32!", code(cur), now, 0); err == nil || errors.Is(err, ErrInvalidCode) {
		t.Errorf("broken stored secret: %v, want an error that is not a wrong code", err)
	}
}

func TestGenerateMakesAScannableKey(t *testing.T) {
	k, err := Generate("Harbour & Co", "alex@alderfinch.example")
	if err != nil {
		t.Fatal(err)
	}
	if len(k.Secret) != 32 || !strings.HasPrefix(k.URL, "otpauth://totp/") || !strings.Contains(k.URL, "secret="+k.Secret) {
		t.Errorf("key = %+v", k)
	}
	if strings.ReplaceAll(k.GroupedSecret(), " ", "") != k.Secret || len(strings.Fields(k.GroupedSecret())) != 8 {
		t.Errorf("grouped secret %q", k.GroupedSecret())
	}
	other, _ := Generate("Harbour & Co", "alex@alderfinch.example")
	if other.Secret == k.Secret {
		t.Error("two keys share a secret")
	}
	b, err := k.QRCode(200)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil || img.Bounds().Dx() != 200 {
		t.Errorf("QR code: %v, %v", err, img)
	}
	now := time.Now()
	c, _ := Code(k.Secret, now)
	if _, err := Verify(k.Secret, c, now, 0); err != nil {
		t.Errorf("a generated key does not verify its own code: %v", err)
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes, err := RecoveryCodes(RecoveryCodeCount)
	if err != nil || len(codes) != 10 {
		t.Fatalf("%v, %v", codes, err)
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if len(c) != 14 || c[4] != '-' || c[9] != '-' || strings.Trim(strings.ReplaceAll(c, "-", ""), recoveryAlphabet) != "" {
			t.Errorf("code %q has the wrong shape", c)
		}
		if !LooksLikeRecoveryCode(c) || LooksLikeRecoveryCode("123456") {
			t.Errorf("LooksLikeRecoveryCode(%q) is wrong", c)
		}
		h := HashRecoveryCode(c)
		if seen[h] || strings.Contains(h, strings.ReplaceAll(c, "-", "")) {
			t.Errorf("hash of %q repeats or holds the code", c)
		}
		seen[h] = true
		// Typed in capitals, with spaces instead of dashes: the same code.
		if HashRecoveryCode(" "+strings.ToUpper(strings.ReplaceAll(c, "-", " "))+" ") != h {
			t.Errorf("code %q typed differently hashes differently", c)
		}
	}
}
