package store_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

// adminListFixture creates accounts in every state the admin list knows:
//
//	ada     active, password, scope A, signed in at t0+2h
//	bea     active, password, all customers, signed in at t0+1h
//	cyd     inactive, password, scope A and B
//	dee     no password, open invitation, scope B
//	eve     no password, expired invitation, scope C
//	fay     no password, no invitation at all, name with % and _
func adminListFixture(t *testing.T, s *store.Store) map[string]*store.Account {
	t.Helper()
	ctx := context.Background()
	out := map[string]*store.Account{}
	mk := func(key, email, first, last string, hash bool, active, all bool, created time.Time, scope ...string) {
		a := &store.Account{Email: email, FirstName: first, LastName: last, Active: active, AllCustomers: all, Scope: scope, CreatedAt: created}
		if hash {
			a.PasswordHash = "$argon2id$x"
		}
		mustTx(t, s, func(tx *store.Tx) error { return tx.CreateAccount(ctx, a) })
		out[key] = a
	}
	mk("ada", "ada@acme.example", "Ada", "Lovelace", true, true, false, t0, "A")
	mk("bea", "bea@acme.example", "Bea", "Arthur", true, true, true, t0.Add(time.Minute))
	mk("cyd", "cyd@acme.example", "Cyd", "Charisse", true, false, false, t0.Add(2*time.Minute), "A", "B")
	mk("dee", "dee@other.example", "Dee", "Dee", false, true, false, t0.Add(3*time.Minute), "B")
	mk("eve", "eve@other.example", "Eve", "Arden", false, true, false, t0.Add(4*time.Minute), "C")
	mk("fay", "fay@other.example", "100%", "Fay_x", false, true, false, t0.Add(5*time.Minute), "C")
	mustTx(t, s, func(tx *store.Tx) error {
		if err := tx.TouchAccountLogin(ctx, out["ada"].ID, t0.Add(2*time.Hour)); err != nil {
			return err
		}
		if err := tx.TouchAccountLogin(ctx, out["bea"].ID, t0.Add(time.Hour)); err != nil {
			return err
		}
		for _, tok := range []store.Token{
			{TokenHash: "dee-old", Purpose: "invitation", PrincipalKind: store.KindCustomer, PrincipalID: out["dee"].ID, CreatedAt: t0, ExpiresAt: t0.Add(12 * time.Hour)},
			{TokenHash: "dee-new", Purpose: "invitation", PrincipalKind: store.KindCustomer, PrincipalID: out["dee"].ID, CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)},
			{TokenHash: "eve", Purpose: "invitation", PrincipalKind: store.KindCustomer, PrincipalID: out["eve"].ID, CreatedAt: t0.Add(-48 * time.Hour), ExpiresAt: t0.Add(-24 * time.Hour)},
			// A reset link is not an invitation.
			{TokenHash: "fay-reset", Purpose: "reset", PrincipalKind: store.KindCustomer, PrincipalID: out["fay"].ID, CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)},
		} {
			if err := tx.CreateToken(ctx, &tok); err != nil {
				return err
			}
		}
		return nil
	})
	return out
}

func emailsOf(rows []store.AccountRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = strings.SplitN(r.Email, "@", 2)[0]
	}
	return out
}

func TestListAccountsPage(t *testing.T) {
	ctx := context.Background()
	now := t0.Add(3 * time.Hour)
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := adminListFixture(t, s)
		list := func(t *testing.T, q store.AccountQuery) ([]store.AccountRow, int) {
			t.Helper()
			q.Now = now
			rows, total, err := s.ListAccountsPage(ctx, q)
			if err != nil {
				t.Fatalf("%+v: %v", q, err)
			}
			return rows, total
		}
		for _, tc := range []struct {
			name  string
			q     store.AccountQuery
			want  []string
			total int
		}{
			{"EveryoneByName", store.AccountQuery{}, []string{"fay", "ada", "bea", "cyd", "dee", "eve"}, 6},
			{"ByNameDescending", store.AccountQuery{Desc: true}, []string{"eve", "dee", "cyd", "bea", "ada", "fay"}, 6},
			{"ByEmail", store.AccountQuery{Sort: store.AccountSortEmail}, []string{"ada", "bea", "cyd", "dee", "eve", "fay"}, 6},
			{"ByCreatedNewestFirst", store.AccountQuery{Sort: store.AccountSortCreated, Desc: true}, []string{"fay", "eve", "dee", "cyd", "bea", "ada"}, 6},
			{"LastSignInNewestFirstNeverLast", store.AccountQuery{Sort: store.AccountSortLastLogin, Desc: true}, []string{"ada", "bea", "fay", "eve", "dee", "cyd"}, 6},
			{"LastSignInOldestFirstNeverFirst", store.AccountQuery{Sort: store.AccountSortLastLogin}, []string{"cyd", "dee", "eve", "fay", "bea", "ada"}, 6},
			{"Active", store.AccountQuery{Status: store.AccountActive}, []string{"ada", "bea"}, 2},
			{"Inactive", store.AccountQuery{Status: store.AccountInactive}, []string{"cyd"}, 1},
			{"Invited", store.AccountQuery{Status: store.AccountInvited}, []string{"dee"}, 1},
			{"InvitationExpiredOrNeverSent", store.AccountQuery{Status: store.AccountExpired}, []string{"fay", "eve"}, 2},
			{"SearchEmailIgnoringCase", store.AccountQuery{Search: "  OTHER.Example "}, []string{"fay", "dee", "eve"}, 3},
			{"SearchFullName", store.AccountQuery{Search: "ada love"}, []string{"ada"}, 1},
			{"SearchLastThenFirst", store.AccountQuery{Search: "arden eve"}, []string{"eve"}, 1},
			{"PercentIsLiteral", store.AccountQuery{Search: "%"}, []string{"fay"}, 1},
			{"UnderscoreIsLiteral", store.AccountQuery{Search: "_x"}, []string{"fay"}, 1},
			{"BackslashIsLiteral", store.AccountQuery{Search: `\`}, nil, 0},
			{"InjectionFindsNothing", store.AccountQuery{Search: `%' OR 1=1 --`}, nil, 0},
			{"CustomerIncludesAllCustomerAccounts", store.AccountQuery{Customer: "A"}, []string{"ada", "bea", "cyd"}, 3},
			{"CustomerB", store.AccountQuery{Customer: "B", Sort: store.AccountSortEmail}, []string{"bea", "cyd", "dee"}, 3},
			{"OnlyAllCustomers", store.AccountQuery{Customer: store.AllCustomersFilter}, []string{"bea"}, 1},
			{"UnknownCustomer", store.AccountQuery{Customer: "Z' OR '1'='1"}, []string{"bea"}, 1},
			{"Combined", store.AccountQuery{Customer: "C", Status: store.AccountExpired, Search: "eve"}, []string{"eve"}, 1},
			{"FirstPage", store.AccountQuery{Sort: store.AccountSortEmail, Limit: 4}, []string{"ada", "bea", "cyd", "dee"}, 6},
			{"SecondPage", store.AccountQuery{Sort: store.AccountSortEmail, Limit: 4, Offset: 4}, []string{"eve", "fay"}, 6},
			{"FarPastTheEnd", store.AccountQuery{Limit: 50, Offset: 50 * 999998}, nil, 6},
		} {
			t.Run(tc.name, func(t *testing.T) {
				rows, total := list(t, tc.q)
				if got := emailsOf(rows); !reflect.DeepEqual(got, append([]string{}, tc.want...)) && !(len(got) == 0 && len(tc.want) == 0) {
					t.Errorf("got %v, want %v", got, tc.want)
				}
				if total != tc.total {
					t.Errorf("total = %d, want %d", total, tc.total)
				}
			})
		}
		t.Run("RowsCarryScopeAndInvitation", func(t *testing.T) {
			rows, _ := list(t, store.AccountQuery{Sort: store.AccountSortEmail})
			by := map[string]store.AccountRow{}
			for _, r := range rows {
				by[strings.SplitN(r.Email, "@", 2)[0]] = r
			}
			if got := by["cyd"].Scope; !reflect.DeepEqual(got, []string{"A", "B"}) {
				t.Errorf("cyd scope = %v", got)
			}
			if !by["bea"].AllCustomers || len(by["bea"].Scope) != 0 {
				t.Errorf("bea: all=%v scope=%v", by["bea"].AllCustomers, by["bea"].Scope)
			}
			if e := by["dee"].InvitationExpiresAt; e == nil || !e.Equal(t0.Add(24*time.Hour)) {
				t.Errorf("dee invitation expires %v, want the newest link's %v", e, t0.Add(24*time.Hour))
			}
			for _, k := range []string{"ada", "eve", "fay"} {
				if by[k].InvitationExpiresAt != nil {
					t.Errorf("%s has an open invitation: %v", k, by[k].InvitationExpiresAt)
				}
			}
			if by["ada"].LastLoginAt == nil || !by["ada"].LastLoginAt.Equal(t0.Add(2*time.Hour)) {
				t.Errorf("ada last sign-in = %v", by["ada"].LastLoginAt)
			}
		})
		t.Run("InvitationExpiresAtTheBoundary", func(t *testing.T) {
			rows, _, err := s.ListAccountsPage(ctx, store.AccountQuery{Status: store.AccountInvited, Now: t0.Add(24 * time.Hour)})
			if err != nil || len(rows) != 0 {
				t.Errorf("at its expiry the invitation still counts: %v %v", emailsOf(rows), err)
			}
			rows, _, _ = s.ListAccountsPage(ctx, store.AccountQuery{Status: store.AccountExpired, Now: t0.Add(24 * time.Hour)})
			if got := emailsOf(rows); !reflect.DeepEqual(got, []string{"fay", "dee", "eve"}) {
				t.Errorf("expired at the boundary: %v", got)
			}
		})
		t.Run("UnknownStatusOrSortRefused", func(t *testing.T) {
			for _, q := range []store.AccountQuery{{Status: "deleted"}, {Sort: "email;DROP TABLE accounts"}} {
				if _, _, err := s.ListAccountsPage(ctx, q); !errors.Is(err, store.ErrBadQuery) {
					t.Errorf("%+v: %v, want ErrBadQuery", q, err)
				}
			}
		})
		t.Run("ScopeKeysInUse", func(t *testing.T) {
			keys, err := s.ScopeKeysInUse(ctx)
			if err != nil || !reflect.DeepEqual(keys, []string{"A", "B", "C"}) {
				t.Errorf("keys = %v, %v", keys, err)
			}
		})
		t.Run("LatestInvitation", func(t *testing.T) {
			inv, err := s.LatestInvitation(ctx, fx["dee"].ID)
			if err != nil || inv == nil || !inv.Open(now) {
				t.Fatalf("dee: %+v, %v", inv, err)
			}
			if inv, _ := s.LatestInvitation(ctx, fx["eve"].ID); inv == nil || inv.Open(now) || !inv.ExpiresAt.Equal(t0.Add(-24*time.Hour)) {
				t.Errorf("eve: %+v", inv)
			}
			if inv, err := s.LatestInvitation(ctx, fx["fay"].ID); inv != nil || err != nil {
				t.Errorf("fay never invited: %+v, %v", inv, err)
			}
			mustTx(t, s, func(tx *store.Tx) error { return tx.RevokeTokens(ctx, store.KindCustomer, fx["dee"].ID, now) })
			if inv, _ := s.LatestInvitation(ctx, fx["dee"].ID); inv == nil || inv.Open(now) || inv.Closed == nil {
				t.Errorf("revoked invitation still open: %+v", inv)
			}
		})
	})
}

func TestAccountProfileChanges(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a := newAccount(t, s, "first@acme.example", "A")
		b := newAccount(t, s, "second@acme.example", "A")
		if _, err := s.DB().ExecContext(ctx, `UPDATE accounts SET username = 'nick' WHERE id = $1`, b.ID); err != nil {
			t.Fatal(err)
		}
		t.Run("EmailTakenIgnoresCaseAndCountsUsernames", func(t *testing.T) {
			mustTx(t, s, func(tx *store.Tx) error {
				for _, tc := range []struct {
					email  string
					except int64
					want   bool
				}{{"SECOND@acme.example", 0, true}, {"second@acme.example", b.ID, false}, {"nick", a.ID, true}, {"free@acme.example", 0, false}, {" First@Acme.Example ", a.ID, false}} {
					got, err := tx.AccountEmailTaken(ctx, tc.email, tc.except)
					if err != nil || got != tc.want {
						t.Errorf("%q except %d: %v, %v; want %v", tc.email, tc.except, got, err, tc.want)
					}
				}
				return nil
			})
		})
		t.Run("UpdateStoresLowerCase", func(t *testing.T) {
			mustTx(t, s, func(tx *store.Tx) error {
				return tx.UpdateAccountProfile(ctx, a.ID, "Grace", "Hopper", " Grace@Navy.Example ", t0.Add(time.Hour))
			})
			got, _ := s.AccountByID(ctx, a.ID)
			if got.Email != "grace@navy.example" || got.FirstName != "Grace" || got.LastName != "Hopper" || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
				t.Errorf("after update: %+v", got)
			}
		})
		t.Run("ConflictAndNotFound", func(t *testing.T) {
			err := s.InTx(ctx, func(tx *store.Tx) error {
				return tx.UpdateAccountProfile(ctx, a.ID, "X", "Y", "Second@acme.example", t0)
			})
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("taken email: %v, want ErrConflict", err)
			}
			err = s.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateAccountProfile(ctx, 99999, "X", "Y", "z@acme.example", t0) })
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("unknown id: %v, want ErrNotFound", err)
			}
		})
		t.Run("LockAccountReadsScope", func(t *testing.T) {
			mustTx(t, s, func(tx *store.Tx) error {
				got, err := tx.LockAccount(ctx, b.ID)
				if err != nil || got.Email != "second@acme.example" || !reflect.DeepEqual(got.Scope, []string{"A"}) {
					t.Errorf("lock: %+v, %v", got, err)
				}
				if _, err := tx.LockAccount(ctx, 99999); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("unknown id: %v", err)
				}
				return nil
			})
		})
	})
}

func TestEscapeLike(t *testing.T) {
	for in, want := range map[string]string{`50%`: `50\%`, `a_b`: `a\_b`, `c:\x`: `c:\\x`, `plain`: `plain`} {
		if got := store.EscapeLike(in); got != want {
			t.Errorf("EscapeLike(%q) = %q, want %q", in, got, want)
		}
	}
}
