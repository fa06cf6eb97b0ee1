package password

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
)

// errFormat is the internal parse failure; Verify reports every one of them
// as ErrUnknownFormat so callers have a single error to check.
var errFormat = errors.New("malformed hash")

type hashKind int

const (
	kindArgon2id hashKind = iota + 1
	kindScrypt
	kindPBKDF2
)

type pbkdf2Digest int

const (
	digestSHA256 pbkdf2Digest = iota + 1
	digestSHA512
)

// storedHash is a parsed, limit-checked stored hash: everything needed to
// recompute the key for a candidate password.
type storedHash struct {
	kind hashKind

	// argon2id
	memory  uint32
	time    uint32
	threads uint8

	// scrypt
	n, r, p int

	// pbkdf2
	digest     pbkdf2Digest
	iterations int

	salt []byte
	key  []byte
}

// encodeArgon2id writes the PHC string format used by the argon2 reference
// implementation and most libraries, so hashes stay portable.
func encodeArgon2id(m, t uint32, threads uint8, salt, key []byte) string {
	var b strings.Builder
	b.Grow(64 + base64.RawStdEncoding.EncodedLen(len(salt)) + base64.RawStdEncoding.EncodedLen(len(key)))
	b.WriteString("$argon2id$v=19$m=")
	b.WriteString(strconv.FormatUint(uint64(m), 10))
	b.WriteString(",t=")
	b.WriteString(strconv.FormatUint(uint64(t), 10))
	b.WriteString(",p=")
	b.WriteString(strconv.FormatUint(uint64(threads), 10))
	b.WriteByte('$')
	b.WriteString(base64.RawStdEncoding.EncodeToString(salt))
	b.WriteByte('$')
	b.WriteString(base64.RawStdEncoding.EncodeToString(key))
	return b.String()
}

// parseStored recognises the stored formats and rejects anything whose
// parameters exceed the package limits, before any expensive work.
func parseStored(s string) (*storedHash, error) {
	if s == "" || len(s) > maxEncodedLen {
		return nil, errFormat
	}
	if strings.HasPrefix(s, "$argon2id$") {
		return parseArgon2id(s)
	}
	return parseWerkzeug(s)
}

// parseArgon2id accepts exactly "$argon2id$v=19$m=M,t=T,p=P$salt$key". Only
// version 19 exists in practice and is the only one x/crypto computes;
// optional PHC fields (keyid, data) are not produced by any common library.
func parseArgon2id(s string) (*storedHash, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v=19" {
		return nil, errFormat
	}
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return nil, errFormat
	}
	m, err := parseField(fields[0], "m=", maxArgonMemoryKiB)
	if err != nil {
		return nil, err
	}
	t, err := parseField(fields[1], "t=", maxArgonTime)
	if err != nil {
		return nil, err
	}
	p, err := parseField(fields[2], "p=", 255)
	if err != nil {
		return nil, err
	}
	if t < 1 || p < 1 || m < 8*p || m*t > maxArgonWorkKiB {
		return nil, errFormat
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(salt) < minArgonSaltLen || len(salt) > maxArgonSaltLen {
		return nil, errFormat
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) < minArgonKeyLen || len(key) > maxArgonKeyLen {
		return nil, errFormat
	}
	return &storedHash{
		kind:    kindArgon2id,
		memory:  uint32(m),
		time:    uint32(t),
		threads: uint8(p),
		salt:    salt,
		key:     key,
	}, nil
}

// parseField reads "name=digits" with the value at most limit.
func parseField(f, name string, limit uint64) (uint64, error) {
	v, ok := strings.CutPrefix(f, name)
	if !ok {
		return 0, errFormat
	}
	return parseDecimal(v, limit)
}

// parseDecimal accepts only plain ASCII digits (no sign, space or "_", which
// strconv or Python's int() might let through) up to limit.
func parseDecimal(v string, limit uint64) (uint64, error) {
	if v == "" || len(v) > 20 {
		return 0, errFormat
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, errFormat
		}
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n > limit {
		return 0, errFormat
	}
	return n, nil
}

// parseWerkzeug reads "method$salt$hexkey" as written by Werkzeug's
// generate_password_hash. The salt is used as its literal bytes, exactly as
// Werkzeug does (salt.encode()), not decoded.
func parseWerkzeug(s string) (*storedHash, error) {
	method, rest, ok := strings.Cut(s, "$")
	if !ok {
		return nil, errFormat
	}
	salt, hexKey, ok := strings.Cut(rest, "$")
	if !ok || salt == "" || len(salt) > maxWerkzeugSaltLen || strings.Contains(hexKey, "$") {
		return nil, errFormat
	}
	args := strings.Split(method, ":")
	sh := &storedHash{salt: []byte(salt)}
	var keyLen int
	switch args[0] {
	case "scrypt":
		sh.kind = kindScrypt
		keyLen = 64 // hashlib.scrypt's default dklen, which Werkzeug relies on
		switch len(args) {
		case 1:
			// Werkzeug's only scrypt default since scrypt support was added (2.3).
			sh.n, sh.r, sh.p = 1<<15, 8, 1
		case 4:
			n, err := parseDecimal(args[1], maxScryptN)
			if err != nil {
				return nil, err
			}
			r, err := parseDecimal(args[2], maxScryptWork)
			if err != nil {
				return nil, err
			}
			p, err := parseDecimal(args[3], maxScryptWork)
			if err != nil {
				return nil, err
			}
			// N must be a power of two above 1; N·r bounds memory
			// (128·N·r bytes) and N·r·p bounds CPU. The individual caps above
			// keep these products far from overflowing uint64.
			if n < 2 || n&(n-1) != 0 || r < 1 || p < 1 || n*r > maxScryptWork || n*r*p > maxScryptWork {
				return nil, errFormat
			}
			sh.n, sh.r, sh.p = int(n), int(r), int(p)
		default:
			return nil, errFormat
		}
	case "pbkdf2":
		sh.kind = kindPBKDF2
		// Werkzeug always records the digest and the iteration count; a hash
		// without them depends on the checking Werkzeug's default, so it is
		// refused rather than guessed.
		if len(args) != 3 {
			return nil, errFormat
		}
		switch args[1] {
		case "sha256":
			sh.digest, keyLen = digestSHA256, sha256.Size
		case "sha512":
			sh.digest, keyLen = digestSHA512, sha512.Size
		default:
			return nil, errFormat
		}
		it, err := parseDecimal(args[2], maxPBKDF2Iterations)
		if err != nil || it < 1 {
			return nil, errFormat
		}
		sh.iterations = int(it)
	default:
		return nil, errFormat
	}
	if len(hexKey) != 2*keyLen {
		return nil, errFormat
	}
	key, err := hex.DecodeString(hexKey)
	if err != nil {
		return nil, errFormat
	}
	sh.key = key
	return sh, nil
}

// pbkdf2Key runs PBKDF2-HMAC with the digest Werkzeug named.
func pbkdf2Key(d pbkdf2Digest, password string, salt []byte, iterations, keyLen int) ([]byte, error) {
	switch d {
	case digestSHA256:
		return pbkdf2.Key(sha256.New, password, salt, iterations, keyLen)
	case digestSHA512:
		return pbkdf2.Key(sha512.New, password, salt, iterations, keyLen)
	}
	return nil, errFormat
}
