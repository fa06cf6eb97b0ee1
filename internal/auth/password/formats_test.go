package password

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// Fragments for building malformed hashes that are well-formed apart from
// the one thing each case breaks.
const (
	okSaltB64 = "c29tZXNhbHRzb21lc2FsdA"                      // 16 bytes
	okKeyB64  = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY" // 32 bytes
	hex32     = "83b7b7f0cbb3d9cfb76f0668f2d832eda4cbe0778697c2451e7f35db7a287830"
	hex64     = hex32 + hex32
)

func argonWith(params string) string {
	return "$argon2id$v=19$" + params + "$" + okSaltB64 + "$" + okKeyB64
}

var malformedHashes = []struct {
	name    string
	encoded string
}{
	{"empty", ""},
	{"plain text", "plain text"},
	{"argon2id marker only", "$argon2id$"},
	{"argon2id non-numeric memory", "$argon2id$v=19$m=abc"},
	{"argon2id missing salt and key", "$argon2id$v=19$m=19456,t=2,p=1$"},
	{"argon2id missing key", "$argon2id$v=19$m=19456,t=2,p=1$" + okSaltB64},
	{"argon2id empty key", "$argon2id$v=19$m=19456,t=2,p=1$" + okSaltB64 + "$"},
	{"argon2id extra field", argonWith("m=19456,t=2,p=1") + "$extra"},
	{"argon2i is not argon2id", "$argon2i$v=19$m=19456,t=2,p=1$" + okSaltB64 + "$" + okKeyB64},
	{"argon2id version 16", "$argon2id$v=16$m=19456,t=2,p=1$" + okSaltB64 + "$" + okKeyB64},
	{"argon2id without version", "$argon2id$m=19456,t=2,p=1$" + okSaltB64 + "$" + okKeyB64},
	{"argon2id params reordered", argonWith("t=2,m=19456,p=1")},
	{"argon2id params missing p", argonWith("m=19456,t=2")},
	{"argon2id memory over 1 GiB", argonWith("m=1048577,t=1,p=1")},
	{"argon2id memory times passes too large", argonWith("m=1048576,t=5,p=1")},
	{"argon2id huge memory", argonWith("m=99999999999999999999999999,t=2,p=1")},
	{"argon2id zero time", argonWith("m=19456,t=0,p=1")},
	{"argon2id too many passes", argonWith("m=19456,t=33,p=1")},
	{"argon2id zero threads", argonWith("m=19456,t=2,p=0")},
	{"argon2id threads over 255", argonWith("m=19456,t=2,p=256")},
	{"argon2id memory below 8 per thread", argonWith("m=15,t=2,p=2")},
	{"argon2id signed number", argonWith("m=+19456,t=2,p=1")},
	{"argon2id negative number", argonWith("m=-1,t=2,p=1")},
	{"argon2id salt too short", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$" + okKeyB64},
	{"argon2id key too short", "$argon2id$v=19$m=19456,t=2,p=1$" + okSaltB64 + "$YWI"},
	{"argon2id padded base64", "$argon2id$v=19$m=19456,t=2,p=1$" + okSaltB64 + "==$" + okKeyB64},
	{"argon2id invalid base64", "$argon2id$v=19$m=19456,t=2,p=1$" + okSaltB64 + "$!!!!" + okKeyB64},
	{"argon2id overlong", argonWith("m=19456,t=2,p=1") + strings.Repeat("A", 5000)},
	{"werkzeug method only", "scrypt:32768:8:1"},
	{"werkzeug truncated after salt", "scrypt:32768:8:1$L6atwhBZL2mrY9DU"},
	{"werkzeug empty hash", "scrypt:32768:8:1$L6atwhBZL2mrY9DU$"},
	{"werkzeug truncated hex", wzScrypt[:len(wzScrypt)-2]},
	{"werkzeug odd-length hex", wzCheapSHA256[:len(wzCheapSHA256)-1]},
	{"werkzeug non-hex digits", "pbkdf2:sha256:1000$salt$" + strings.Repeat("zz", 32)},
	{"werkzeug empty salt", "pbkdf2:sha256:1000$$" + hex32},
	{"werkzeug dollar in hash", "pbkdf2:sha256:1000$salt$" + hex32 + "$x"},
	{"werkzeug salt too long", "pbkdf2:sha256:1000$" + strings.Repeat("s", 257) + "$" + hex32},
	{"scrypt N not a power of two", "scrypt:3:8:1$x$y"},
	{"scrypt N not a power of two, valid hex", "scrypt:3:8:1$salt$" + hex64},
	{"scrypt N above 2^20", "scrypt:1048577:8:1$salt$" + hex64},
	{"scrypt N 2^21", "scrypt:2097152:8:1$salt$" + hex64},
	{"scrypt N of 1", "scrypt:1:8:1$salt$" + hex64},
	{"scrypt N of 0", "scrypt:0:8:1$salt$" + hex64},
	{"scrypt memory over 1 GiB", "scrypt:1048576:16:1$salt$" + hex64},
	{"scrypt r times p too large", "scrypt:16384:8:1000$salt$" + hex64},
	{"scrypt huge r", "scrypt:16384:99999999999999999999$salt$" + hex64},
	{"scrypt zero r", "scrypt:16384:0:1$salt$" + hex64},
	{"scrypt zero p", "scrypt:16384:8:0$salt$" + hex64},
	{"scrypt two arguments", "scrypt:16384:8$salt$" + hex64},
	{"scrypt short key", "scrypt:16384:8:1$salt$" + hex32},
	{"pbkdf2 md5", "pbkdf2:md5:1000$s$h"},
	{"pbkdf2 md5 valid hex", "pbkdf2:md5:1000$salt$" + hex32[:32]},
	{"pbkdf2 sha1", "pbkdf2:sha1:1000$salt$" + hex32[:40]},
	{"pbkdf2 bare", "pbkdf2$salt$" + hex32},
	{"pbkdf2 sha256 without iterations", "pbkdf2:sha256$salt$" + hex32},
	{"pbkdf2 sha512 without iterations", "pbkdf2:sha512$salt$" + hex64},
	{"pbkdf2 zero iterations", "pbkdf2:sha256:0$salt$" + hex32},
	{"pbkdf2 over 10 million iterations", "pbkdf2:sha256:10000001$salt$" + hex32},
	{"pbkdf2 huge iterations", "pbkdf2:sha256:99999999999999999999999999$salt$" + hex32},
	{"pbkdf2 negative iterations", "pbkdf2:sha256:-1$salt$" + hex32},
	{"pbkdf2 underscore iterations", "pbkdf2:sha256:1_000$salt$" + hex32},
	{"pbkdf2 extra argument", "pbkdf2:sha256:1000:1$salt$" + hex32},
	{"pbkdf2 sha512 with sha256-sized key", "pbkdf2:sha512:1000$salt$" + hex32},
	{"pbkdf2 sha256 with sha512-sized key", "pbkdf2:sha256:1000$salt$" + hex64},
	{"old werkzeug salted sha256", "sha256$salt$" + hex32},
	{"old werkzeug plain", "plain$$secret"},
	{"bcrypt", "$2b$12$C6UzMDM.H6dfI/f/IKxGhuCbWOY1T5hA8xV3XQ5p.dXUfXnbk0Q5a"},
	{"only dollars", "$$$$$"},
	{"overlong garbage", strings.Repeat("a", 5000)},
}

func TestVerifyMalformed(t *testing.T) {
	h := NewHasher(DefaultParams, 0, 0)
	ctx := context.Background()
	for _, tt := range malformedHashes {
		t.Run(tt.name, func(t *testing.T) {
			before := h.Calls()
			ok, rehash, err := h.Verify(ctx, tt.encoded, "any password")
			if !errors.Is(err, ErrUnknownFormat) {
				t.Errorf("err: got %v, want ErrUnknownFormat", err)
			}
			if ok || rehash {
				t.Errorf("got ok=%v rehash=%v, want false false", ok, rehash)
			}
			if got := h.Calls() - before; got != 0 {
				t.Errorf("Calls grew by %d, want 0: malformed hashes must not be computed", got)
			}
		})
	}
}

func TestParseLimitsAcceptBoundaries(t *testing.T) {
	// The largest accepted values must still parse; these are parsed only,
	// never computed, to keep the test cheap.
	tests := []struct {
		name    string
		encoded string
	}{
		{"argon2id 1 GiB memory", argonWith("m=1048576,t=4,p=1")},
		{"argon2id 255 threads", argonWith("m=4096,t=1,p=255")},
		{"scrypt N 2^20", "scrypt:1048576:8:1$salt$" + hex64},
		{"scrypt N 2", "scrypt:2:1:1$salt$" + hex64},
		{"pbkdf2 10 million iterations", "pbkdf2:sha256:10000000$salt$" + hex32},
		{"pbkdf2 one iteration", "pbkdf2:sha512:1$salt$" + hex64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parseStored(tt.encoded); err != nil {
				t.Errorf("parseStored: got err %v, want nil", err)
			}
		})
	}
}

// FuzzVerify checks that no stored string, however broken, makes Verify
// panic, and that its results stay consistent.
func FuzzVerify(f *testing.F) {
	cheap := NewHasher(weakParams, 0, 0)
	argon, err := cheap.Hash(context.Background(), wzCheapPW)
	if err != nil {
		f.Fatalf("Hash: %v", err)
	}
	seeds := []string{
		argon, wzCheapSHA256, wzCheapSHA512, wzCheapScrypt,
		wzPBKDF2SHA256_600k, wzPBKDF2Default, wzPBKDF2SHA512, wzScrypt, wzScryptUnicode, wzPBKDF2Unicode,
	}
	for _, s := range seeds {
		f.Add(s, wzCheapPW)
	}
	for _, m := range malformedHashes {
		f.Add(m.encoded, "any password")
	}
	h := NewHasher(DefaultParams, 0, 0)
	f.Fuzz(func(t *testing.T, encoded, pw string) {
		ok, rehash, err := h.Verify(context.Background(), encoded, pw)
		if err != nil {
			if !errors.Is(err, ErrUnknownFormat) {
				t.Fatalf("Verify(%q): got err %v, want nil or ErrUnknownFormat", encoded, err)
			}
			if ok || rehash {
				t.Fatalf("Verify(%q): got ok=%v rehash=%v with err %v, want false false", encoded, ok, rehash, err)
			}
		}
		if rehash && !ok {
			t.Fatalf("Verify(%q): got needsRehash without ok", encoded)
		}
	})
}
