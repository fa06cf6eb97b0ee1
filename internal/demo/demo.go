// Package demo prepares the self-contained demo: a data directory with a
// generated secret key, a SQLite portal database, a demo admin and demo
// customer accounts with fixed, published passwords. Running it again
// reuses the directory and leaves changes made in it alone.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/auth/password"
	"github.com/portico-dev/portico/internal/catalog"
	"github.com/portico-dev/portico/internal/erpdemo"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/web"
)

// BusinessName is the demo's fictitious business.
const BusinessName = "Harbour Logistics"

// The published demo sign-ins. They exist only in demo data directories.
const (
	AdminUsername    = "admin"
	AdminPassword    = "demo-admin-harbour"
	CustomerEmail    = "alex@alderfinch.example"
	CustomerPassword = "demo-customer-harbour"
	AllEmail         = "morgan@harbourlogistics.example"
	AllPassword      = "demo-customer-harbour"
)

// Accounts lists the demo sign-ins as the sign-in pages show them.
func Accounts() []web.DemoAccount {
	return []web.DemoAccount{
		{Label: "Customer (one customer)", Login: CustomerEmail, Password: CustomerPassword},
		{Label: "Customer (all customers)", Login: AllEmail, Password: AllPassword},
		{Label: "Admin", Login: AdminUsername, Password: AdminPassword},
	}
}

// PrepareERP creates (or reuses) the demo ERP database in dir and writes
// the datasets file that reads it, unless one is already there (so edits to
// the worked example survive a restart). It returns the file's path.
func PrepareERP(ctx context.Context, dir string, rows int) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	erp := filepath.Join(dir, "erp.db")
	if _, err := erpdemo.CreateSQLite(ctx, erp, erpdemo.Options{InventoryRows: rows}); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "datasets.toml")
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		abs, _ := filepath.Abs(erp)
		if err := os.WriteFile(path, []byte(catalog.DemoFile(abs)), 0o600); err != nil {
			return "", err
		}
	}
	return path, nil
}

// Customers are the demo ERP's customers the demo accounts are scoped to.
var Customers = erpdemo.CustomerKeys()

// SecretKey returns the demo data directory's secret key, creating it the
// first time.
func SecretKey(dir string) (string, error) {
	path := filepath.Join(dir, "secret.key")
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return strings.TrimSpace(string(b)), nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	raw := make([]byte, 48)
	rand.Read(raw)
	key := base64.RawURLEncoding.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return key, nil
}

// Seed creates the demo customers, admin and accounts if they are missing.
// Existing rows are left as they are, so a demo that was played with keeps
// its changes. Later releases add the demo ERP here.
func Seed(ctx context.Context, st *store.Store, h *password.Hasher, now time.Time) error {
	hashOf := map[string]string{}
	hash := func(pw string) (string, error) {
		if v, ok := hashOf[pw]; ok {
			return v, nil
		}
		v, err := h.Hash(ctx, pw)
		hashOf[pw] = v
		return v, err
	}
	if _, err := st.LocalAdminByLogin(ctx, AdminUsername); errors.Is(err, store.ErrNotFound) {
		ah, err := hash(AdminPassword)
		if err != nil {
			return err
		}
		if err := st.InTx(ctx, func(tx *store.Tx) error {
			return tx.CreateAdmin(ctx, &store.Admin{Username: AdminUsername, DisplayName: "Demo Admin", Email: "admin@harbourlogistics.example",
				PasswordHash: ah, Active: true, CreatedAt: now})
		}); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	return st.InTx(ctx, func(tx *store.Tx) error {
		for _, c := range Customers {
			if err := tx.UpsertCustomer(ctx, &store.Customer{Key: c, DisplayName: c, PortalEnabled: true, CreatedAt: now}); err != nil {
				return err
			}
		}
		for _, a := range []store.Account{
			{Email: CustomerEmail, FirstName: "Alex", LastName: "Rivera", Scope: []string{Customers[0]}},
			{Email: AllEmail, FirstName: "Morgan", LastName: "Lee", AllCustomers: true},
		} {
			if _, err := st.AccountByLogin(ctx, a.Email); err == nil {
				continue
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			h, err := hash(CustomerPassword)
			if err != nil {
				return err
			}
			a.PasswordHash, a.Active, a.CreatedAt = h, true, now
			if err := tx.CreateAccount(ctx, &a); err != nil {
				return err
			}
		}
		return nil
	})
}

// InvitedEmail is a demo account that has been invited but has not chosen
// a password yet: its invitation waits in the outbox, so a newcomer can
// follow the whole flow from the admin console without an SMTP server.
const InvitedEmail = "jamie@alderfinch.example"

// SeedInvitation creates the invited demo account and queues its
// invitation, once; later runs leave it as it is.
func SeedInvitation(ctx context.Context, svc *auth.Service, now time.Time) error {
	if _, err := svc.Store.AccountByLogin(ctx, InvitedEmail); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	a := &store.Account{Email: InvitedEmail, FirstName: "Jamie", LastName: "Okafor", Active: true,
		Scope: []string{Customers[0]}, CreatedAt: now}
	return svc.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateAccount(ctx, a); err != nil {
			return err
		}
		return svc.SendInvitation(ctx, tx, auth.CustomerPerson(a), audit.System, false)
	})
}
