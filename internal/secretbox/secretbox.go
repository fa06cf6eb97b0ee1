// Package secretbox encrypts small secrets (such as the SMTP password) at
// rest in the portal database, under a key derived from the portal's secret
// key, so a database dump alone does not reveal them.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// info binds derived keys to this use and version, so the same secret key
// used elsewhere (e.g. for cookies) never yields the same AES key.
const info = "portico secretbox v1"

// prefix versions the stored format, so a later scheme can be told apart.
const prefix = "v1:"

// ErrOpen is returned for any value that cannot be decrypted: tampered,
// truncated, or sealed under another secret key. One error for all causes,
// so callers cannot be used as a decryption oracle.
var ErrOpen = errors.New("secretbox: cannot decrypt value (was the secret key changed?)")

// Box seals and opens strings with AES-256-GCM.
type Box struct {
	aead cipher.AEAD
}

// New derives the AES-256 key from the portal secret key with HKDF-SHA256.
func New(secretKey string) *Box {
	key, err := hkdf.Key(sha256.New, []byte(secretKey), nil, info, 32)
	if err != nil {
		// Only possible for absurd key lengths; 32 bytes is always valid.
		panic("secretbox: derive key: " + err.Error())
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		panic("secretbox: " + err.Error())
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic("secretbox: " + err.Error())
	}
	return &Box{aead: aead}
}

// Seal encrypts plaintext under a fresh random nonce and returns
// "v1:" + base64url(nonce || ciphertext).
func (b *Box) Seal(plaintext string) (string, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secretbox: nonce: %w", err)
	}
	out := b.aead.Seal(nonce, nonce, []byte(plaintext), []byte(prefix))
	return prefix + base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts a value made by Seal; any change to it, or a different
// secret key, gives ErrOpen.
func (b *Box) Open(s string) (string, error) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return "", ErrOpen
	}
	raw, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(raw) < b.aead.NonceSize()+b.aead.Overhead() {
		return "", ErrOpen
	}
	n := b.aead.NonceSize()
	pt, err := b.aead.Open(nil, raw[:n], raw[n:], []byte(prefix))
	if err != nil {
		return "", ErrOpen
	}
	return string(pt), nil
}
