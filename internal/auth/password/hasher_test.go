package password

import (
	"context"
	"encoding/base64"
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// weakParams are cheaper than DefaultParams, like hashes written by an older
// Portico release.
var weakParams = Params{Memory: 8192, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashFormatAndRoundTrip(t *testing.T) {
	h := NewHasher(DefaultParams, 0, 0)
	ctx := context.Background()
	const pw = "purple harbour lanterns at dusk"

	encoded, err := h.Hash(ctx, pw)
	if err != nil {
		t.Fatalf("Hash: got err %v, want nil", err)
	}
	const prefix = "$argon2id$v=19$m=19456,t=2,p=1$"
	if !strings.HasPrefix(encoded, prefix) {
		t.Fatalf("Hash: got %q, want prefix %q", encoded, prefix)
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 {
		t.Fatalf("Hash: got %d $-separated parts, want 6", len(parts))
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(salt) != 16 {
		t.Errorf("salt: got %d bytes (err %v), want 16 bytes of raw std base64", len(salt), err)
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) != 32 {
		t.Errorf("key: got %d bytes (err %v), want 32 bytes of raw std base64", len(key), err)
	}

	ok, rehash, err := h.Verify(ctx, encoded, pw)
	if err != nil || !ok || rehash {
		t.Errorf("Verify right password: got ok=%v rehash=%v err=%v, want true false nil", ok, rehash, err)
	}
	ok, rehash, err = h.Verify(ctx, encoded, "purple harbour lanterns at dawn")
	if err != nil || ok || rehash {
		t.Errorf("Verify wrong password: got ok=%v rehash=%v err=%v, want false false nil", ok, rehash, err)
	}

	again, err := h.Hash(ctx, pw)
	if err != nil {
		t.Fatalf("second Hash: %v", err)
	}
	if again == encoded {
		t.Errorf("two hashes of the same password are equal (%q); want fresh random salts", encoded)
	}
}

func TestVerifyLongPasswordVariants(t *testing.T) {
	h := NewHasher(DefaultParams, 0, 0)
	ctx := context.Background()
	// 100 characters, no trimming or truncation anywhere.
	pw := strings.Repeat("Lantern9 ", 11) + "x"
	if len(pw) != 100 {
		t.Fatalf("test setup: password has %d characters, want 100", len(pw))
	}
	encoded, err := h.Hash(ctx, pw)
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	tests := []struct {
		name   string
		try    string
		wantOK bool
	}{
		{"exact password accepted", pw, true},
		{"99-character prefix refused", pw[:99], false},
		{"trailing space refused", pw + " ", false},
		{"leading space refused", " " + pw, false},
		{"one letter's case changed refused", "l" + pw[1:], false},
		{"last letter's case changed refused", pw[:99] + "X", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, _, err := h.Verify(ctx, encoded, tt.try)
			if err != nil {
				t.Fatalf("Verify: got err %v, want nil", err)
			}
			if ok != tt.wantOK {
				t.Errorf("ok: got %v, want %v", ok, tt.wantOK)
			}
		})
	}
}

func TestVerifyNeedsRehash(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(DefaultParams, 0, 0)
	const pw = "an older portal release wrote this"

	tests := []struct {
		name       string
		params     Params
		wantRehash bool
	}{
		{"same params", DefaultParams, false},
		{"weaker m=8192,t=1", weakParams, true},
		{"more time", Params{Memory: 19 * 1024, Time: 3, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{"more threads", Params{Memory: 19 * 1024, Time: 2, Threads: 2, SaltLen: 16, KeyLen: 32}, true},
		{"shorter salt", Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 8, KeyLen: 32}, true},
		{"longer key", Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 64}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			encoded, err := NewHasher(tt.params, 0, 0).Hash(ctx, pw)
			if err != nil {
				t.Fatalf("Hash: %v", err)
			}
			ok, rehash, err := h.Verify(ctx, encoded, pw)
			if err != nil || !ok {
				t.Fatalf("Verify: got ok=%v err=%v, want true nil", ok, err)
			}
			if rehash != tt.wantRehash {
				t.Errorf("needsRehash: got %v, want %v", rehash, tt.wantRehash)
			}
			ok, rehash, err = h.Verify(ctx, encoded, pw+"!")
			if err != nil || ok || rehash {
				t.Errorf("Verify wrong password: got ok=%v rehash=%v err=%v, want false false nil", ok, rehash, err)
			}
		})
	}
}

func TestVerifyNormalizesArgon2id(t *testing.T) {
	h := NewHasher(weakParams, 0, 0)
	ctx := context.Background()
	composed := "caf\u00e9 on the\u00a0quay at noon" // é as one code point, no-break space
	decomposed := "cafe\u0301 on the quay at noon"   // e + combining acute, plain space
	encoded, err := h.Hash(ctx, composed)
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	tests := []struct {
		name   string
		try    string
		wantOK bool
	}{
		{"same input accepted", composed, true},
		{"canonically equivalent input accepted", decomposed, true},
		{"different letter refused", "cafe on the quay at noon", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, _, err := h.Verify(ctx, encoded, tt.try)
			if err != nil || ok != tt.wantOK {
				t.Errorf("got ok=%v err=%v, want ok=%v err=nil", ok, err, tt.wantOK)
			}
		})
	}
}

func TestCallsCountsOneComputationPerAttempt(t *testing.T) {
	ctx := context.Background()
	stored, err := NewHasher(DefaultParams, 0, 0).Hash(ctx, "counted exactly once please")
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	tests := []struct {
		name string
		run  func(h *Hasher)
		want int64
	}{
		{"Hash", func(h *Hasher) { _, _ = h.Hash(ctx, "x") }, 1},
		{"Verify argon2id, right password", func(h *Hasher) { _, _, _ = h.Verify(ctx, stored, "counted exactly once please") }, 1},
		{"Verify argon2id, wrong password", func(h *Hasher) { _, _, _ = h.Verify(ctx, stored, "wrong") }, 1},
		{"Verify werkzeug scrypt", func(h *Hasher) { _, _, _ = h.Verify(ctx, wzCheapScrypt, wzCheapPW) }, 1},
		{"Verify werkzeug pbkdf2", func(h *Hasher) { _, _, _ = h.Verify(ctx, wzCheapSHA256, "wrong") }, 1},
		{"Verify malformed hash", func(h *Hasher) { _, _, _ = h.Verify(ctx, "plain text", "x") }, 0},
		{"DummyVerify first call", func(h *Hasher) { h.DummyVerify(ctx, "nobody@example.com") }, 1},
		{"DummyVerify twice", func(h *Hasher) { h.DummyVerify(ctx, "a"); h.DummyVerify(ctx, "b") }, 2},
		{"cancelled context", func(h *Hasher) {
			c, cancel := context.WithCancel(ctx)
			cancel()
			_, _ = h.Hash(c, "x")
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHasher(DefaultParams, 0, 0)
			tt.run(h)
			if got := h.Calls(); got != tt.want {
				t.Errorf("Calls: got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestDummyVerifyUsesHashersParams(t *testing.T) {
	h := NewHasher(weakParams, 0, 0)
	h.DummyVerify(context.Background(), "anything")
	sh, err := parseStored(h.dummy)
	if err != nil {
		t.Fatalf("dummy hash %q does not parse: %v", h.dummy, err)
	}
	if !h.isCurrent(sh) {
		t.Errorf("dummy hash %q: got params other than the hasher's %+v", h.dummy, weakParams)
	}
	first := h.dummy
	h.DummyVerify(context.Background(), "anything")
	if h.dummy != first {
		t.Errorf("dummy hash changed between calls: got %q, want %q", h.dummy, first)
	}
}

// holdSlot makes the first hash on h block inside its slot until the
// returned release function is called; it returns once that hash holds the
// slot.
func holdSlot(t *testing.T, h *Hasher) (release func(), done <-chan error) {
	t.Helper()
	entered := make(chan struct{})
	unblock := make(chan struct{})
	var first atomic.Bool
	h.testHookInSlot = func() {
		if first.CompareAndSwap(false, true) {
			close(entered)
			<-unblock
		}
	}
	errc := make(chan error, 1)
	go func() {
		_, err := h.Hash(context.Background(), "slot holder")
		errc <- err
	}()
	<-entered
	var once atomic.Bool
	return func() {
		if once.CompareAndSwap(false, true) {
			close(unblock)
		}
	}, errc
}

func TestConcurrencyBound(t *testing.T) {
	ctx := context.Background()
	stored, err := NewHasher(weakParams, 0, 0).Hash(ctx, "queued sign-in attempt")
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}

	h := NewHasher(weakParams, 1, time.Millisecond)
	release, done := holdSlot(t, h)
	defer release()

	if _, err := h.Hash(ctx, "second caller"); !errors.Is(err, ErrBusy) {
		t.Errorf("Hash while busy: got err %v, want ErrBusy", err)
	}
	ok, rehash, err := h.Verify(ctx, stored, "queued sign-in attempt")
	if !errors.Is(err, ErrBusy) || ok || rehash {
		t.Errorf("Verify while busy: got ok=%v rehash=%v err=%v, want false false ErrBusy", ok, rehash, err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := h.Hash(cancelled, "cancelled caller"); !errors.Is(err, context.Canceled) {
		t.Errorf("Hash with cancelled ctx: got err %v, want context.Canceled", err)
	}
	if got := h.Calls(); got != 0 {
		t.Errorf("Calls while the only slot is held: got %d, want 0", got)
	}

	release()
	if err := <-done; err != nil {
		t.Fatalf("slot holder's Hash: got err %v, want nil", err)
	}
	ok, _, err = h.Verify(ctx, stored, "queued sign-in attempt")
	if err != nil || !ok {
		t.Errorf("Verify after release: got ok=%v err=%v, want true nil", ok, err)
	}
	if got := h.Calls(); got != 2 {
		t.Errorf("Calls after release: got %d, want 2", got)
	}
}

func TestWaitingHonoursContext(t *testing.T) {
	// A wait timeout far longer than the test: only cancellation can end
	// the wait, so the result cannot depend on timing.
	h := NewHasher(weakParams, 1, time.Hour)
	release, done := holdSlot(t, h)
	defer release()

	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() {
		_, err := h.Hash(ctx, "waiting caller")
		result <- err
	}()
	cancel()
	if err := <-result; !errors.Is(err, context.Canceled) {
		t.Errorf("waiting Hash after cancel: got err %v, want context.Canceled", err)
	}

	release()
	if err := <-done; err != nil {
		t.Errorf("slot holder's Hash: got err %v, want nil", err)
	}
}

func TestNewHasherDefaults(t *testing.T) {
	h := NewHasher(DefaultParams, 0, 0)
	if got, want := cap(h.sem), 2*runtime.NumCPU(); got != want {
		t.Errorf("slots: got %d, want %d", got, want)
	}
	if got, want := h.wait, 5*time.Second; got != want {
		t.Errorf("wait timeout: got %v, want %v", got, want)
	}
	h = NewHasher(DefaultParams, 3, time.Second)
	if got := cap(h.sem); got != 3 {
		t.Errorf("slots: got %d, want 3", got)
	}
	if got := h.Params(); got != DefaultParams {
		t.Errorf("Params: got %+v, want %+v", got, DefaultParams)
	}
}

func TestParamsValidate(t *testing.T) {
	tests := []struct {
		name    string
		params  Params
		wantErr bool
	}{
		{"defaults", DefaultParams, false},
		{"weak but valid", weakParams, false},
		{"zero value", Params{}, true},
		{"zero time", Params{Memory: 19456, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{"zero threads", Params{Memory: 19456, Time: 2, Threads: 0, SaltLen: 16, KeyLen: 32}, true},
		{"memory below 8 per thread", Params{Memory: 15, Time: 2, Threads: 2, SaltLen: 16, KeyLen: 32}, true},
		{"memory over 1 GiB", Params{Memory: 1<<20 + 1, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{"memory times passes too large", Params{Memory: 1 << 20, Time: 5, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{"short salt", Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 4, KeyLen: 32}, true},
		{"short key", Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 2}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.params.Validate()
			if (err != nil) != tt.wantErr {
				t.Errorf("Validate: got err %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func TestNewHasherPanicsOnInvalidParams(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("NewHasher(Params{}): got no panic, want one")
		}
	}()
	NewHasher(Params{}, 1, time.Second)
}
