package main

import (
	"context"
	"fmt"

	"github.com/portico-dev/portico/internal/auth/password"
	"github.com/portico-dev/portico/internal/config"
)

func cmdHashPassword(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "hash-password", "portico hash-password",
		"Reads a password (asked twice on a terminal, or one line on standard input) and prints\n"+
			"its argon2id hash, for PORTICO_ADMIN_PASSWORD_HASH. The password must meet the password\n"+
			"policy (PORTICO_PASSWORD_MIN_LENGTH characters or more, not a common password).")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	pw, err := readNewPassword(e)
	if err != nil {
		return err
	}
	policy := password.DefaultPolicy()
	policy.MinLength = cfg.PasswordMinLength
	if err := policy.Check(pw); err != nil {
		return err
	}
	hash, err := password.NewHasher(password.DefaultParams, 1, 0).Hash(ctx, pw)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, hash)
	return nil
}
