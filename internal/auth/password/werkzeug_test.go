package password

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// Werkzeug test vectors, generated once with Werkzeug 3.1.8 (reported by
// `python3 -c "import importlib.metadata as m; print(m.version('werkzeug'))"`)
// on Python 3.11.7, each with
//
//	python3 -c "from werkzeug.security import generate_password_hash as g; print(g(PASSWORD, METHOD))"
//
// where METHOD is shown next to each constant ("pbkdf2" alone is Werkzeug
// 3.1's default pbkdf2, which it writes as pbkdf2:sha256:1000000), and
// checked with werkzeug.security.check_password_hash before being copied here.
const (
	// METHOD "pbkdf2:sha256:600000", PASSWORD "werkzeug six hundred thousand"
	wzPBKDF2SHA256_600k   = "pbkdf2:sha256:600000$xvY60JdAlfStoRIi$6bd2cf21cf069cee4075d3156f24420685c1beb9eccc67dd64ab515523125934"
	wzPBKDF2SHA256_600kPW = "werkzeug six hundred thousand"

	// METHOD "pbkdf2", PASSWORD "werkzeug default pbkdf2 rounds"
	wzPBKDF2Default   = "pbkdf2:sha256:1000000$H2KbVuWz7ZQrgAB8$86038932bf7c343468e045a124d708be0fe96e3e3ea2582934037f8d6bf12e56"
	wzPBKDF2DefaultPW = "werkzeug default pbkdf2 rounds"

	// METHOD "pbkdf2:sha512:210000", PASSWORD "sha512 with two hundred ten k"
	wzPBKDF2SHA512   = "pbkdf2:sha512:210000$Tg5i2SvpLyFBM1TW$06dbcb6dfb7fc1619d993551ce27caad12e19e7c4b0bb3872ad177e7049802764660d1c4e924117bd9ae7b91efea6ee12dc2864611ca0d27a22391f1f39595a3"
	wzPBKDF2SHA512PW = "sha512 with two hundred ten k"

	// METHOD "scrypt:32768:8:1", PASSWORD "scrypt default cost vector"
	wzScrypt   = "scrypt:32768:8:1$L6atwhBZL2mrY9DU$bc629e543923f313716ceb977c7b70bbd7b2bad26bd2e9f8c76425044e7214a36c09444c0b7e6ea11987ceaa624b06ef124c21d259d1c5084522b6e980e21911"
	wzScryptPW = "scrypt default cost vector"

	// METHOD "scrypt:32768:8:1", PASSWORD wzUnicodePW
	wzScryptUnicode = "scrypt:32768:8:1$hGj1Jy5SeJpsC1xE$cd8ef565f998d41bfaa7aab62accb4e5bf099eae0fc143b87c52e24da6168743f4e971f3e6c057af645bed1f752ea1fd7d0c7da0715ca4ebe9cbb13a1be5d3c7"
	// METHOD "pbkdf2:sha256:260000", PASSWORD wzUnicodePW
	wzPBKDF2Unicode = "pbkdf2:sha256:260000$UemBkC0iWQNp82TE$4ea26714da08a4b0c514eb1b1ebe581870e65b8f2666d7447d67fdd2fa984ddb"
	// wzUnicodePW is in NFC form, as typed into the shell.
	wzUnicodePW = "Grüße aus Köln 🔐"

	// Cheap vectors (PASSWORD "cheap fuzz seed") for fast checks and fuzz seeds.
	// METHOD "pbkdf2:sha256:1000"
	wzCheapSHA256 = "pbkdf2:sha256:1000$92eKtgHrjCXdOlMS$83b7b7f0cbb3d9cfb76f0668f2d832eda4cbe0778697c2451e7f35db7a287830"
	// METHOD "pbkdf2:sha512:1000"
	wzCheapSHA512 = "pbkdf2:sha512:1000$XXyZq9PjIc6uwXHy$97864a67dba380eae365b64b4af10061d616799518e3e99bcb4ecbab6454dbc69e5f2c0dfa164b8be7765eb0aabb2a1445c8f6a92a4774202ba14d761f1834a6"
	// METHOD "scrypt:1024:8:1"
	wzCheapScrypt = "scrypt:1024:8:1$ApBrDxc70dV1wh0J$a6012233760f47f2779113b56702645f192608c8cc3032c33c0e5b760ba2d5c083385c48c127b2f51201bf78b4138e710c683968e75a85a0ee67b689a1a57115"
	wzCheapPW     = "cheap fuzz seed"
)

func TestVerifyWerkzeug(t *testing.T) {
	ctx := context.Background()
	// Werkzeug writes "scrypt:32768:8:1"; a bare "scrypt" means the same.
	bareScrypt := "scrypt" + strings.TrimPrefix(wzScrypt, "scrypt:32768:8:1")

	tests := []struct {
		name     string
		encoded  string
		password string
		wantOK   bool
	}{
		{"pbkdf2 sha256 600000 accepts its password", wzPBKDF2SHA256_600k, wzPBKDF2SHA256_600kPW, true},
		{"pbkdf2 sha256 600000 refuses another password", wzPBKDF2SHA256_600k, wzPBKDF2DefaultPW, false},
		{"pbkdf2 default 1000000 accepts its password", wzPBKDF2Default, wzPBKDF2DefaultPW, true},
		{"pbkdf2 sha512 accepts its password", wzPBKDF2SHA512, wzPBKDF2SHA512PW, true},
		{"pbkdf2 sha512 refuses a trailing space", wzPBKDF2SHA512, wzPBKDF2SHA512PW + " ", false},
		{"scrypt 32768:8:1 accepts its password", wzScrypt, wzScryptPW, true},
		{"scrypt refuses changed case", wzScrypt, strings.ToUpper(wzScryptPW[:1]) + wzScryptPW[1:], false},
		{"bare scrypt means 32768:8:1", bareScrypt, wzScryptPW, true},
		{"scrypt non-ASCII accepts its password", wzScryptUnicode, wzUnicodePW, true},
		{"scrypt non-ASCII refuses ASCII look-alike", wzScryptUnicode, "Grusse aus Koln 🔐", false},
		// Werkzeug hashed the raw UTF-8 bytes, so no normalization applies.
		{"scrypt non-ASCII refuses the decomposed form", wzScryptUnicode, norm.NFD.String(wzUnicodePW), false},
		{"pbkdf2 non-ASCII accepts its password", wzPBKDF2Unicode, wzUnicodePW, true},
		{"pbkdf2 non-ASCII refuses without the emoji", wzPBKDF2Unicode, strings.TrimSuffix(wzUnicodePW, " 🔐"), false},
		{"cheap pbkdf2 sha256 accepts", wzCheapSHA256, wzCheapPW, true},
		{"cheap pbkdf2 sha512 accepts", wzCheapSHA512, wzCheapPW, true},
		{"cheap scrypt accepts", wzCheapScrypt, wzCheapPW, true},
		{"cheap scrypt refuses empty password", wzCheapScrypt, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := NewHasher(DefaultParams, 0, 0)
			ok, rehash, err := h.Verify(ctx, tt.encoded, tt.password)
			if err != nil {
				t.Fatalf("Verify: got err %v, want nil", err)
			}
			if ok != tt.wantOK {
				t.Errorf("ok: got %v, want %v", ok, tt.wantOK)
			}
			// Werkzeug hashes are never current, so every success asks for
			// an argon2id rehash.
			if rehash != tt.wantOK {
				t.Errorf("needsRehash: got %v, want %v", rehash, tt.wantOK)
			}
			if got := h.Calls(); got != 1 {
				t.Errorf("Calls: got %d, want 1", got)
			}
		})
	}
}

func TestVerifyWerkzeugUppercaseHex(t *testing.T) {
	h := NewHasher(DefaultParams, 0, 0)
	method, rest, _ := strings.Cut(wzCheapSHA256, "$")
	salt, hexKey, _ := strings.Cut(rest, "$")
	upper := method + "$" + salt + "$" + strings.ToUpper(hexKey)
	ok, _, err := h.Verify(context.Background(), upper, wzCheapPW)
	if err != nil || !ok {
		t.Errorf("got ok=%v err=%v, want ok=true err=nil (hex digits are case-insensitive)", ok, err)
	}
}
