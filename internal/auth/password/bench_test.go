package password

import (
	"context"
	"testing"
)

func BenchmarkHash(b *testing.B) {
	h := NewHasher(DefaultParams, 0, 0)
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Hash(ctx, "velvet tractor lemon"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyArgon2id(b *testing.B) {
	h := NewHasher(DefaultParams, 0, 0)
	ctx := context.Background()
	encoded, err := h.Hash(ctx, "velvet tractor lemon")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		ok, _, err := h.Verify(ctx, encoded, "velvet tractor lemon")
		if err != nil || !ok {
			b.Fatalf("Verify: got ok=%v err=%v, want true nil", ok, err)
		}
	}
}

func BenchmarkPolicyCheck(b *testing.B) {
	p := DefaultPolicy()
	blocklistOnce.Do(loadBlocklist) // measure checks, not the one-time load
	for b.Loop() {
		_ = p.Check("my purple portico faces the quiet harbour", "buyer@acme.example")
	}
}
