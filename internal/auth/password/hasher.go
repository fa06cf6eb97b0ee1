package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/scrypt"
	"golang.org/x/text/unicode/norm"
)

// Params are argon2id parameters.
type Params struct {
	// Memory is the memory cost in KiB.
	Memory uint32
	// Time is the number of passes over the memory.
	Time uint32
	// Threads is the degree of parallelism recorded in the hash.
	Threads uint8
	// SaltLen is the length of the random salt in bytes.
	SaltLen uint32
	// KeyLen is the length of the derived key in bytes.
	KeyLen uint32
}

// DefaultParams are the argon2id parameters for new hashes: the OWASP
// Password Storage Cheat Sheet's first recommendation (19 MiB, 2 passes,
// 1 lane), which costs tens of milliseconds on one core and keeps a burst of
// sign-ins affordable on a small server.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// ErrUnknownFormat is returned by Verify when the stored hash is empty, is
// not a format this package knows, or asks for parameters too costly to be
// genuine. It points at bad data in the store, never at a wrong password.
var ErrUnknownFormat = errors.New("password: stored hash is empty or in an unknown format")

// ErrBusy is returned when too many hashes are already running and no slot
// freed up within the Hasher's wait timeout. Callers should answer with a
// "try again shortly" response rather than a failed sign-in.
var ErrBusy = errors.New("password: too many password hashes in progress")

// Limits beyond which a stored hash is treated as malformed. They are far
// above anything a real deployment uses, and exist so that a corrupted or
// planted hash cannot make one sign-in allocate gigabytes or spin for minutes.
const (
	maxArgonMemoryKiB   = 1 << 20 // 1 GiB
	maxArgonTime        = 32
	maxArgonWorkKiB     = 4 << 20 // memory × passes, i.e. at most 4 GiB touched
	minArgonSaltLen     = 8       // RFC 9106 reference implementation minimum
	maxArgonSaltLen     = 256
	minArgonKeyLen      = 4 // RFC 9106 minimum tag length
	maxArgonKeyLen      = 256
	maxScryptN          = 1 << 20
	maxScryptWork       = 1 << 23 // N·r·p; N·r alone bounds memory at 128·N·r ≤ 1 GiB
	maxPBKDF2Iterations = 10_000_000
	maxWerkzeugSaltLen  = 256
	maxEncodedLen       = 2048
)

// defaultWaitTimeout is how long a caller queues for a hashing slot when
// NewHasher is given no timeout: long enough to ride out a short burst,
// short enough that a sign-in page does not hang.
const defaultWaitTimeout = 5 * time.Second

// Validate reports whether p can be used to create hashes. NewHasher panics
// on invalid Params; configuration code can call Validate first to turn a bad
// setting into a startup error instead.
func (p Params) Validate() error {
	switch {
	case p.Time < 1 || p.Time > maxArgonTime:
		return fmt.Errorf("password: argon2id time %d outside 1..%d", p.Time, maxArgonTime)
	case p.Threads < 1:
		return errors.New("password: argon2id threads must be at least 1")
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxArgonMemoryKiB:
		return fmt.Errorf("password: argon2id memory %d KiB outside %d..%d", p.Memory, 8*uint32(p.Threads), maxArgonMemoryKiB)
	case uint64(p.Memory)*uint64(p.Time) > maxArgonWorkKiB:
		return errors.New("password: argon2id memory × time is too large")
	case p.SaltLen < minArgonSaltLen || p.SaltLen > maxArgonSaltLen:
		return fmt.Errorf("password: argon2id salt length %d outside %d..%d", p.SaltLen, minArgonSaltLen, maxArgonSaltLen)
	case p.KeyLen < minArgonKeyLen || p.KeyLen > maxArgonKeyLen:
		return fmt.Errorf("password: argon2id key length %d outside %d..%d", p.KeyLen, minArgonKeyLen, maxArgonKeyLen)
	}
	return nil
}

// Hasher hashes and verifies passwords while bounding how many hashes run at
// the same time. It is safe for concurrent use; create one per process.
type Hasher struct {
	params Params
	sem    chan struct{}
	wait   time.Duration
	calls  atomic.Int64

	dummyOnce sync.Once
	dummy     string

	// testHookInSlot, when set by a test, runs while a caller holds a slot
	// and before the key derivation starts, so tests can keep a slot busy
	// deterministically instead of relying on a slow hash.
	testHookInSlot func()
}

// NewHasher returns a Hasher that creates hashes with p and lets at most
// maxConcurrent hashes run at once (<= 0 means 2*runtime.NumCPU()). A caller
// waits up to waitTimeout for a free slot before getting ErrBusy (<= 0 means
// 5s). It panics if p fails Validate, because a Hasher that writes hashes it
// would itself refuse to verify is a configuration bug best caught at startup.
func NewHasher(p Params, maxConcurrent int, waitTimeout time.Duration) *Hasher {
	if err := p.Validate(); err != nil {
		panic(err)
	}
	if maxConcurrent <= 0 {
		maxConcurrent = 2 * runtime.NumCPU()
	}
	if waitTimeout <= 0 {
		waitTimeout = defaultWaitTimeout
	}
	return &Hasher{
		params: p,
		sem:    make(chan struct{}, maxConcurrent),
		wait:   waitTimeout,
	}
}

// Params returns the argon2id parameters h uses for new hashes.
func (h *Hasher) Params() Params { return h.params }

// Normalize returns the Unicode NFKC form of pw, which is what Hash stores
// and what argon2id verification compares. NIST SP 800-63B-4 recommends it
// so that, for example, a composed "é" and "e"+combining accent, or a
// no-break space typed on a phone, match the password set elsewhere. It never
// trims, truncates or changes case.
func Normalize(pw string) string {
	return norm.NFKC.String(pw)
}

// Hash returns a PHC string:
// $argon2id$v=19$m=19456,t=2,p=1$<salt b64 raw std>$<hash b64 raw std>
// The password is normalized with Normalize first. It returns ErrBusy or
// ctx.Err() when no hashing slot could be had.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	p := h.params
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: reading salt: %w", err)
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	key := h.argon2id([]byte(Normalize(password)), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	h.release()
	return encodeArgon2id(p.Memory, p.Time, p.Threads, salt, key), nil
}

// Verify checks password against encoded. It supports argon2id PHC strings
// (any parameters within sane limits), Werkzeug "scrypt:N:r:p$salt$hex"
// (bare "scrypt" means 32768:8:1, the only default Werkzeug ever had), and
// Werkzeug "pbkdf2:sha256:N$salt$hex" / "pbkdf2:sha512:N$salt$hex". A
// Werkzeug "pbkdf2" or "pbkdf2:sha256" without an iteration count is
// ErrUnknownFormat: Werkzeug always writes the count, and a missing one means
// whatever default the checking Werkzeug version had (1000 up to 1,000,000),
// so there is no single right answer.
//
// needsRehash is true when ok and the hash is not argon2id with exactly h's
// parameters. Malformed or absurdly expensive hashes give ErrUnknownFormat
// without any hashing; a full queue gives ErrBusy or ctx.Err(). Exactly one
// key derivation runs per call that gets that far.
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (ok bool, needsRehash bool, err error) {
	sh, err := parseStored(encoded)
	if err != nil {
		return false, false, ErrUnknownFormat
	}
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	got, err := h.derive(sh, password)
	h.release()
	if err != nil {
		return false, false, ErrUnknownFormat
	}
	if subtle.ConstantTimeCompare(got, sh.key) != 1 {
		return false, false, nil
	}
	return true, !h.isCurrent(sh), nil
}

// DummyVerify does the same work as verifying a real argon2id hash with h's
// parameters, so that signing in as an unknown user takes as long as signing
// in as a known one and does not reveal which email addresses have accounts.
// The dummy hash is random bytes in h's PHC format, made once on first use;
// making it needs no key derivation, so each call runs exactly one.
func (h *Hasher) DummyVerify(ctx context.Context, password string) error {
	h.dummyOnce.Do(func() {
		salt := make([]byte, h.params.SaltLen)
		key := make([]byte, h.params.KeyLen)
		_, _ = rand.Read(salt)
		_, _ = rand.Read(key)
		h.dummy = encodeArgon2id(h.params.Memory, h.params.Time, h.params.Threads, salt, key)
	})
	// The error matters: when the hasher is saturated an unknown user must
	// get the same "busy" answer a known user would, or the difference
	// would tell them apart.
	_, _, err := h.Verify(ctx, h.dummy, password)
	return err
}

// Calls reports how many argon2id, scrypt and PBKDF2 computations h has run,
// so tests can check that a sign-in attempt costs exactly one hash.
func (h *Hasher) Calls() int64 { return h.calls.Load() }

// acquire takes a hashing slot. A context that is already done always wins,
// even when a slot is free, so a cancelled request never starts a hash.
func (h *Hasher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case h.sem <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(h.wait)
	defer t.Stop()
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return ErrBusy
	}
}

func (h *Hasher) release() { <-h.sem }

// inSlot counts one computation and gives tests their chance to hold the slot.
func (h *Hasher) inSlot() {
	if h.testHookInSlot != nil {
		h.testHookInSlot()
	}
	h.calls.Add(1)
}

func (h *Hasher) argon2id(pw, salt []byte, t, m uint32, threads uint8, keyLen uint32) []byte {
	h.inSlot()
	return argon2.IDKey(pw, salt, t, m, threads, keyLen)
}

// derive runs the key derivation that sh describes. Werkzeug hashes get the
// raw password bytes because Werkzeug hashed password.encode() unnormalized.
func (h *Hasher) derive(sh *storedHash, password string) ([]byte, error) {
	switch sh.kind {
	case kindArgon2id:
		return h.argon2id([]byte(Normalize(password)), sh.salt, sh.time, sh.memory, sh.threads, uint32(len(sh.key))), nil
	case kindScrypt:
		h.inSlot()
		return scrypt.Key([]byte(password), sh.salt, sh.n, sh.r, sh.p, len(sh.key))
	case kindPBKDF2:
		h.inSlot()
		return pbkdf2Key(sh.digest, password, sh.salt, sh.iterations, len(sh.key))
	}
	return nil, ErrUnknownFormat
}

// isCurrent reports whether sh is exactly what h would write today.
func (h *Hasher) isCurrent(sh *storedHash) bool {
	p := h.params
	return sh.kind == kindArgon2id &&
		sh.memory == p.Memory && sh.time == p.Time && sh.threads == p.Threads &&
		uint32(len(sh.salt)) == p.SaltLen && uint32(len(sh.key)) == p.KeyLen
}
