package auth_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/auth/password"
	"github.com/portico-dev/portico/internal/clock"
	"github.com/portico-dev/portico/internal/mail"
	"github.com/portico-dev/portico/internal/secretbox"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

const (
	adminOldPassword = "river stone lantern morning"
	adminNewPassword = "quiet harbour violet lantern"
)

// adminService builds the auth service on st with cheap hashing, a fake
// clock, a sign-in lock after three failures and one local admin.
func adminService(t *testing.T, st *store.Store, edit ...func(*store.Admin)) (*auth.Service, *store.Admin, *clock.Fake) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := clock.NewFake(time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC))
	s := &auth.Service{
		Store: st, Hasher: password.NewHasher(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 0, 0),
		Clock: c, Audit: &audit.Recorder{Log: log, Now: c.Now}, Log: log, Secret: []byte("test"), Policy: password.DefaultPolicy(),
		Throttle:         auth.Throttle{MaxFailures: 3, Window: 15 * time.Minute, Lockout: 15 * time.Minute, MaxFailuresPerIP: 1000},
		CustomerSessions: auth.SessionPolicy{Idle: time.Hour, Absolute: time.Hour},
		AdminSessions:    auth.SessionPolicy{Idle: time.Hour, Absolute: time.Hour},
		Outbox:           &mail.Outbox{Business: "Acme Warehousing", BaseURL: "https://portal.acme.example", Box: secretbox.New("test-secret-key-0123456789abcdefghijklmnop")},
		InvitationTTL:    24 * time.Hour, ForgotTTL: time.Hour,
	}
	ctx := context.Background()
	h, err := s.Hasher.Hash(ctx, adminOldPassword)
	if err != nil {
		t.Fatal(err)
	}
	adm := &store.Admin{Username: "harriet", Email: "Harriet.Quay@acme.example", DisplayName: "Harriet Quay",
		PasswordHash: h, Active: true, CreatedAt: c.Now()}
	for _, e := range edit {
		e(adm)
	}
	if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.CreateAdmin(ctx, adm) }); err != nil {
		t.Fatal(err)
	}
	return s, adm, c
}

func adminSessions(t *testing.T, st *store.Store, id int64) []store.Session {
	t.Helper()
	list, err := st.ListSessions(context.Background(), store.KindAdmin, id)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func startAdminSession(t *testing.T, s *auth.Service, id int64) string {
	t.Helper()
	var token string
	err := s.Store.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		token, _, err = s.StartSession(context.Background(), tx, store.KindAdmin, id, "192.0.2.9", "test")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func TestChangeAdminPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s, adm, _ := adminService(t, st)
		old := startAdminSession(t, s, adm.ID)
		err := st.InTx(ctx, func(tx *store.Tx) error {
			return s.SendResetLink(ctx, tx, auth.AdminPerson(adm), audit.System)
		})
		if err != nil {
			t.Fatal(err)
		}
		mails, _ := st.ListEmails(ctx, 10)
		opened, err := s.Outbox.Open(mails[0])
		if err != nil {
			t.Fatal(err)
		}
		mails[0] = opened
		m := regexp.MustCompile(`token=([A-Za-z0-9_-]+)`).FindStringSubmatch(mails[0].BodyText)
		if m == nil {
			t.Fatal("no link in the reset email")
		}
		resetToken := m[1]
		if _, err := s.CheckLink(ctx, auth.PurposeReset, resetToken); err != nil {
			t.Fatalf("fresh reset link: %v", err)
		}

		cur := func(pw string) *string { return &pw }
		refusals := []struct {
			name    string
			current *string
			newPw   string
			want    error
			reason  string
		}{
			{"WrongCurrent", cur("not my password at all"), adminNewPassword, auth.ErrWrongCurrentPassword, ""},
			{"TooShort", cur(adminOldPassword), "short one", nil, "at least 15 characters"},
			{"Common", cur(adminOldPassword), "passwordpassword", nil, "too common"},
			{"Username", cur(adminOldPassword), "harriet harriet 2026!", nil, "email address or the name"},
			{"DisplayName", cur(adminOldPassword), "QuayQuayQuay2026!!", nil, "email address or the name"},
			{"Same", cur(adminOldPassword), adminOldPassword, auth.ErrSamePassword, ""},
		}
		for _, tc := range refusals {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.ChangeAdminPassword(ctx, adm, tc.current, tc.newPw, "192.0.2.9", "test")
				var pe *password.PolicyError
				switch {
				case tc.want != nil && !errors.Is(err, tc.want):
					t.Fatalf("err = %v, want %v", err, tc.want)
				case tc.reason != "" && (!errors.As(err, &pe) || !strings.Contains(pe.Reason, tc.reason)):
					t.Fatalf("err = %v, want a policy refusal saying %q", err, tc.reason)
				}
				if _, err := s.ResolveSession(ctx, store.KindAdmin, old, "192.0.2.9", "test"); err != nil {
					t.Errorf("a refused change ended the session: %v", err)
				}
			})
		}
		wrong, _, _ := st.ListAudit(ctx, store.AuditFilter{Action: string(audit.PasswordChanged)})
		if len(wrong) != 1 || wrong[0].TargetKind != store.KindAdmin || wrong[0].ActorLabel != "harriet" || !strings.Contains(wrong[0].Details, "wrong current password") {
			t.Fatalf("audit after a wrong current password = %+v", wrong)
		}

		token, err := s.ChangeAdminPassword(ctx, adm, cur(adminOldPassword), adminNewPassword, "192.0.2.9", "test")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ResolveSession(ctx, store.KindAdmin, old, "192.0.2.9", "test"); !errors.Is(err, auth.ErrNoSession) {
			t.Errorf("old session survived the change: %v", err)
		}
		if _, err := s.ResolveSession(ctx, store.KindAdmin, token, "192.0.2.9", "test"); err != nil {
			t.Errorf("fresh session does not resolve: %v", err)
		}
		if n := len(adminSessions(t, st, adm.ID)); n != 1 {
			t.Errorf("%d sessions after the change, want 1", n)
		}
		if _, err := s.CheckLink(ctx, auth.PurposeReset, resetToken); !errors.Is(err, auth.ErrInvalidLink) {
			t.Errorf("reset link still valid after the change: %v", err)
		}
		if _, err := s.SignInAdmin(ctx, "harriet", adminOldPassword, "192.0.2.9", "test"); !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Errorf("old password still signs in: %v", err)
		}
		if _, err := s.SignInAdmin(ctx, "harriet", adminNewPassword, "192.0.2.9", "test"); err != nil {
			t.Errorf("new password does not sign in: %v", err)
		}
		mails, _ = st.ListEmails(ctx, 10)
		if len(mails) > 0 {
			if mails[0], err = s.Outbox.Open(mails[0]); err != nil {
				t.Fatal(err)
			}
		}
		if len(mails) != 2 || mails[0].To != "harriet.quay@acme.example" || !strings.Contains(mails[0].Subject, "password") ||
			strings.Contains(mails[0].BodyText+mails[0].BodyHTML, adminNewPassword) {
			t.Errorf("password-changed notice = %+v", mails[0])
		}
		entries, _, _ := st.ListAudit(ctx, store.AuditFilter{Action: string(audit.PasswordChanged)})
		if len(entries) != 2 || !strings.Contains(entries[0].Details, `"forced":false`) || strings.Contains(entries[0].Details, adminNewPassword) {
			t.Errorf("audit of the change = %+v", entries[0])
		}
	})
}

func TestChangeAdminPasswordLocks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s, adm, c := adminService(t, st)
		wrong := "not my password at all"
		for i := range 3 {
			if _, err := s.ChangeAdminPassword(ctx, adm, &wrong, adminNewPassword, "192.0.2.9", "test"); !errors.Is(err, auth.ErrWrongCurrentPassword) {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
		}
		right := adminOldPassword
		if _, err := s.ChangeAdminPassword(ctx, adm, &right, adminNewPassword, "192.0.2.9", "test"); !errors.Is(err, auth.ErrTooManyAttempts) {
			t.Fatalf("after three wrong guesses, the right one: %v, want ErrTooManyAttempts", err)
		}
		if _, err := s.SignInAdmin(ctx, "harriet", adminOldPassword, "192.0.2.9", "test"); !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Errorf("sign-in is not locked by wrong current passwords: %v", err)
		}
		c.Advance(16 * time.Minute)
		if _, err := s.ChangeAdminPassword(ctx, adm, &right, adminNewPassword, "192.0.2.9", "test"); err != nil {
			t.Errorf("after the lock ran out: %v", err)
		}
	})
}

func TestChangeAdminPasswordForced(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s, adm, _ := adminService(t, st, func(a *store.Admin) { a.MustChangePassword = true })
		if _, err := s.ChangeAdminPassword(ctx, adm, nil, adminOldPassword, "192.0.2.9", "test"); !errors.Is(err, auth.ErrSamePassword) {
			t.Errorf("forced change to the same password: %v", err)
		}
		if _, err := s.ChangeAdminPassword(ctx, adm, nil, adminNewPassword, "192.0.2.9", "test"); err != nil {
			t.Fatal(err)
		}
		got, _ := st.AdminByID(ctx, adm.ID)
		if got.MustChangePassword || got.PasswordChangedAt == nil {
			t.Errorf("after a forced change: must=%v changed=%v", got.MustChangePassword, got.PasswordChangedAt)
		}
		entries, _, _ := st.ListAudit(ctx, store.AuditFilter{Action: string(audit.PasswordChanged)})
		if len(entries) != 1 || !strings.Contains(entries[0].Details, `"forced":true`) {
			t.Errorf("audit = %+v", entries)
		}
	})
}

func TestChangeAdminPasswordDirectoryAdmin(t *testing.T) {
	st := storetest.Open(t, storetest.SQLite(t))
	s, adm, _ := adminService(t, st, func(a *store.Admin) { a.Source, a.ExternalID, a.PasswordHash = "ldap", "uid=harriet", "" })
	cur := "anything at all here"
	if _, err := s.ChangeAdminPassword(context.Background(), adm, &cur, adminNewPassword, "192.0.2.9", "test"); !errors.Is(err, auth.ErrNotLocalAdmin) {
		t.Errorf("directory admin: %v, want ErrNotLocalAdmin", err)
	}
}
