package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/auth/password"
	"github.com/portico-dev/portico/internal/config"
	"github.com/portico-dev/portico/internal/store"
)

const adminHelp = `Manages admins of the admin console.

  portico admin create --username NAME [--email EMAIL] [--name "Display Name"]
      Creates a local admin. The password is asked twice on a terminal, or read as
      one line from standard input.
  portico admin passwd --username NAME
      Sets a new password for a local admin and ends their sessions.
  portico admin list
      Lists admins.`

func cmdAdmin(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(e.stderr, "Usage: portico admin create|passwd|list …\n\n"+adminHelp)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	switch args[0] {
	case "create":
		return adminCreate(ctx, e, args[1:])
	case "passwd":
		return adminPasswd(ctx, e, args[1:])
	case "list":
		return adminList(ctx, e, args[1:])
	}
	fmt.Fprintf(e.stderr, "portico admin: unknown subcommand %q\n\n%s\n", args[0], adminHelp)
	return errUsage
}

// openStore opens and migrates the portal database for the admin commands.
func openStore(ctx context.Context) (config.Config, *store.Store, error) {
	cfg, err := loadConfig(false)
	if err != nil {
		return cfg, nil, err
	}
	st, err := store.Open(ctx, store.Options{URL: cfg.DatabaseURL, SQLitePath: cfg.SQLitePath()})
	return cfg, st, err
}

func newPasswordHash(ctx context.Context, e *env, cfg config.Config, context ...string) (string, error) {
	pw, err := readNewPassword(e)
	if err != nil {
		return "", err
	}
	policy := password.DefaultPolicy()
	policy.MinLength = cfg.PasswordMinLength
	if err := policy.Check(pw, context...); err != nil {
		return "", err
	}
	return password.NewHasher(password.DefaultParams, 1, 0).Hash(ctx, pw)
}

func recorder(e *env) *audit.Recorder {
	return &audit.Recorder{Log: newStderrLogger(e), Now: func() time.Time { return time.Now().UTC() }}
}

func adminCreate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "admin create", "portico admin create --username NAME [--email EMAIL] [--name NAME]",
		"Creates a local admin; the password is asked twice on a terminal or read from standard input.")
	username := fs.String("username", "", "sign-in name (required)")
	email := fs.String("email", "", "email address; admins can sign in with it too")
	name := fs.String("name", "", "display name")
	if err := parse(fs, args); err != nil {
		return err
	}
	u := strings.TrimSpace(*username)
	if u == "" || strings.ContainsAny(u, " \t\r\n") || len(u) > 100 {
		fmt.Fprintln(e.stderr, "--username is required: letters, digits and . _ - @, without spaces, at most 100 characters")
		return errUsage
	}
	if *email != "" && (!strings.Contains(*email, "@") || strings.ContainsAny(*email, " \r\n")) {
		fmt.Fprintln(e.stderr, "--email must be an email address such as ops@example.com")
		return errUsage
	}
	cfg, st, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.LocalAdminByLogin(ctx, u); err == nil {
		return fmt.Errorf("an admin named %q already exists; use `portico admin passwd --username %s` to set a new password", u, u)
	}
	hash, err := newPasswordHash(ctx, e, cfg, u, *email)
	if err != nil {
		return err
	}
	adm := &store.Admin{Username: u, Email: *email, DisplayName: strings.TrimSpace(*name), PasswordHash: hash, Active: true, CreatedAt: time.Now().UTC()}
	err = st.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateAdmin(ctx, adm); err != nil {
			return err
		}
		return recorder(e).Record(ctx, tx, audit.AdminCreated, audit.System,
			audit.Target{Kind: store.KindAdmin, ID: fmt.Sprint(adm.ID), Label: adm.Username}, map[string]any{"via": "portico admin create"})
	})
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("the username or email is already used by another admin")
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Admin %q created. Sign in at %s/admin/login\n", adm.Username, cfg.BaseURL)
	return nil
}

func adminPasswd(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "admin passwd", "portico admin passwd --username NAME",
		"Sets a new password for a local admin and ends all of their sessions.")
	username := fs.String("username", "", "the admin's sign-in name (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if strings.TrimSpace(*username) == "" {
		fmt.Fprintln(e.stderr, "--username is required")
		return errUsage
	}
	cfg, st, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	adm, err := st.LocalAdminByLogin(ctx, *username)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no local admin named %q (see `portico admin list`)", *username)
	}
	if err != nil {
		return err
	}
	hash, err := newPasswordHash(ctx, e, cfg, adm.Username, adm.Email)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	err = st.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetAdminPassword(ctx, adm.ID, hash, false, true, now); err != nil {
			return err
		}
		if _, err := tx.DeleteSessionsOf(ctx, store.KindAdmin, adm.ID, 0); err != nil {
			return err
		}
		if err := tx.RevokeTokens(ctx, store.KindAdmin, adm.ID, now); err != nil {
			return err
		}
		return recorder(e).Record(ctx, tx, audit.AdminPassword, audit.System,
			audit.Target{Kind: store.KindAdmin, ID: fmt.Sprint(adm.ID), Label: adm.Username}, map[string]any{"via": "portico admin passwd"})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Password of admin %q changed; their sessions have been ended.\n", adm.Username)
	return nil
}

func adminList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "admin list", "portico admin list", "Lists admins with their source, state and last sign-in.")
	if err := parse(fs, args); err != nil {
		return err
	}
	_, st, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	admins, err := st.ListAdmins(ctx)
	if err != nil {
		return err
	}
	if len(admins) == 0 {
		fmt.Fprintln(e.stdout, "No admins yet. Create one with: portico admin create --username NAME")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tEMAIL\tSOURCE\tSTATE\tLAST SIGN-IN")
	for _, a := range admins {
		state, last := "active", "never"
		if !a.Active {
			state = "inactive"
		}
		if a.LastLoginAt != nil {
			last = a.LastLoginAt.Format("2006-01-02 15:04 UTC")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.Username, a.Email, a.Source, state, last)
	}
	return tw.Flush()
}
