// Package totp is the second factor: time-based one-time passwords (RFC
// 6238, six digits, 30-second steps, SHA-1 — what every authenticator app
// reads from a QR code) and single-use recovery codes.
//
// The library computes codes; this package adds what it leaves out: a code
// is accepted only in a time step later than the last one accepted for the
// same person, so a code seen over a shoulder or replayed from a log cannot
// be used again, and the accepted step is returned for the caller to store.
package totp

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Period is the length of one time step.
const Period = 30 * time.Second

// Skew is how many steps before and after the current one are accepted,
// for phones whose clocks drift and codes typed as they roll over.
const Skew = 1

// RecoveryCodeCount is how many recovery codes an enrollment hands out.
const RecoveryCodeCount = 10

var (
	// ErrInvalidCode is a code that is not six digits, does not match any
	// accepted step, or matches a step already used.
	ErrInvalidCode = errors.New("totp: invalid code")
	b32            = base32.StdEncoding.WithPadding(base32.NoPadding)
)

// Key is a new secret for enrollment: the base32 secret the person can
// type into an app, and the otpauth:// URL the QR code carries.
type Key struct {
	Secret string
	URL    string
}

// Generate makes a new 160-bit secret labelled with the portal's name
// (issuer) and the person's sign-in name (account).
func Generate(issuer, account string) (*Key, error) {
	if strings.TrimSpace(issuer) == "" {
		issuer = "Portico"
	}
	k, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, SecretSize: 20})
	if err != nil {
		return nil, fmt.Errorf("totp: generate: %w", err)
	}
	return &Key{Secret: k.Secret(), URL: k.URL()}, nil
}

// FromSecret rebuilds the key of a stored secret, to show an enrollment
// again before it is confirmed.
func FromSecret(issuer, account, secret string) (*Key, error) {
	raw, err := b32.DecodeString(strings.ToUpper(secret))
	if err != nil || len(raw) == 0 {
		return nil, fmt.Errorf("totp: stored secret is not base32")
	}
	if strings.TrimSpace(issuer) == "" {
		issuer = "Portico"
	}
	k, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Secret: raw})
	if err != nil {
		return nil, fmt.Errorf("totp: rebuild key: %w", err)
	}
	return &Key{Secret: k.Secret(), URL: k.URL()}, nil
}

// QRCode renders the key's URL as a PNG QR code, drawn here on the server
// so the secret never reaches another service.
func (k *Key) QRCode(size int) ([]byte, error) {
	ok, err := otp.NewKeyFromURL(k.URL)
	if err != nil {
		return nil, fmt.Errorf("totp: read key URL: %w", err)
	}
	img, err := ok.Image(size, size)
	if err != nil {
		return nil, fmt.Errorf("totp: draw QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("totp: encode QR code: %w", err)
	}
	return buf.Bytes(), nil
}

// GroupedSecret is the secret in groups of four, easier to type.
func (k *Key) GroupedSecret() string {
	var parts []string
	for s := k.Secret; s != ""; {
		n := min(4, len(s))
		parts = append(parts, s[:n])
		s = s[n:]
	}
	return strings.Join(parts, " ")
}

// Step is the time step that contains t.
func Step(t time.Time) int64 { return t.Unix() / int64(Period/time.Second) }

// normalizeCode strips the spaces and dashes people type or paste.
func normalizeCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u00a0' {
			return -1
		}
		return r
	}, strings.TrimSpace(code))
}

// Verify checks a code against the secret at now. It accepts the current
// step and Skew steps either side, but only steps after lastStep (the last
// step accepted for this secret; 0 when none), and returns the step that
// matched for the caller to store as the new lastStep.
func Verify(secret, code string, now time.Time, lastStep int64) (int64, error) {
	code = normalizeCode(code)
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return 0, ErrInvalidCode
	}
	if _, err := b32.DecodeString(strings.ToUpper(secret)); err != nil || secret == "" {
		return 0, fmt.Errorf("totp: stored secret is not base32: %w", err)
	}
	cur := Step(now)
	matched := int64(0)
	// Every candidate is computed and compared in constant time, so the
	// time taken says nothing about which step (if any) matched.
	for s := cur - Skew; s <= cur+Skew; s++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*int64(Period/time.Second), 0), totp.ValidateOpts{
			Period: uint(Period / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
		})
		if err != nil {
			return 0, fmt.Errorf("totp: compute code: %w", err)
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && s > lastStep && matched == 0 {
			matched = s
		}
	}
	if matched == 0 {
		return 0, ErrInvalidCode
	}
	return matched, nil
}

// Code returns the code for secret at t, for tests and for the browser
// journey that enrolls an authenticator it computes itself.
func Code(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totp.ValidateOpts{Period: uint(Period / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}

// recoveryAlphabet leaves out letters and digits that are easy to confuse
// (0/o, 1/l/i).
const recoveryAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

// RecoveryCodes returns n new recovery codes such as "k7fq-2mxp-9r4t"
// (about 59 bits each) to be shown once and stored hashed.
func RecoveryCodes(n int) ([]string, error) {
	out := make([]string, n)
	buf := make([]byte, 12)
	for i := range out {
		if _, err := rand.Read(buf); err != nil {
			return nil, fmt.Errorf("totp: recovery codes: %w", err)
		}
		var b strings.Builder
		for j, c := range buf {
			if j > 0 && j%4 == 0 {
				b.WriteByte('-')
			}
			// 256 is not a multiple of the alphabet's length; the bias this
			// leaves (under 1 %) costs well under a bit of the 59.
			b.WriteByte(recoveryAlphabet[int(c)%len(recoveryAlphabet)])
		}
		out[i] = b.String()
	}
	return out, nil
}

// HashRecoveryCode is the stored form of a recovery code. The codes are
// random and long, so a plain SHA-256 is enough: there is nothing to guess
// from it, and a lookup by hash stays a single indexed query.
func HashRecoveryCode(code string) string {
	c := strings.ToLower(normalizeCode(code))
	sum := sha256.Sum256([]byte("portico-recovery-code:" + c))
	return hex.EncodeToString(sum[:])
}

// LooksLikeRecoveryCode tells a recovery code from a six-digit code, so one
// field can take either.
func LooksLikeRecoveryCode(code string) bool {
	return len(normalizeCode(code)) == 12
}
