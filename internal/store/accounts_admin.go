package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Account states the admin list filters on. They partition the accounts:
// every account is in exactly one of them.
const (
	AccountActive   = "active"   // active, with a password
	AccountInactive = "inactive" // deactivated
	AccountInvited  = "invited"  // active, no password yet, an invitation link still open
	AccountExpired  = "expired"  // active, no password yet, no open invitation link
)

// Sort keys of ListAccountsPage.
const (
	AccountSortName      = "name"
	AccountSortEmail     = "email"
	AccountSortLastLogin = "last_sign_in"
	AccountSortCreated   = "created"
)

// AllCustomersFilter, as AccountQuery.Customer, matches only the accounts
// that see every customer.
const AllCustomersFilter = "*"

// AccountQuery narrows, orders and pages ListAccountsPage. Zero values
// match everything, sorted by name.
type AccountQuery struct {
	// Search matches a substring of the name or the email, ignoring case
	// (ASCII letters only on SQLite, whose LOWER folds nothing else).
	Search string
	// Status is "" for every account, or one of AccountActive,
	// AccountInactive, AccountInvited and AccountExpired.
	Status string
	// Customer is a customer key: the accounts whose scope names it or
	// that see all customers. AllCustomersFilter means only the latter.
	Customer string
	// Sort is one of the AccountSort keys; "" sorts by name.
	Sort string
	Desc bool
	// Limit (1 to 1000; else 50) and Offset page the result.
	Limit, Offset int
	// Now decides whether an invitation is still open.
	Now time.Time
}

// AccountRow is one account in the admin list: the account with its scope
// and, when an invitation link is open, when the newest one expires.
type AccountRow struct {
	Account
	InvitationExpiresAt *time.Time
}

// ErrBadQuery means an AccountQuery names an unknown status or sort key; the
// caller validates input first, so this is a programming error.
var ErrBadQuery = errors.New("store: unknown status or sort key")

// openInvitation is the condition "account a has an unused, unexpired
// invitation link"; $N is the current time.
const openInvitation = `EXISTS (SELECT 1 FROM one_time_tokens t WHERE t.principal_kind = 'customer' AND t.principal_id = a.id
	AND t.purpose = 'invitation' AND t.used_at IS NULL AND t.expires_at > %s)`

// accountOrder are the ORDER BY clauses per sort key and direction. They
// are fixed strings (no input reaches them) and end in the id, so paging
// is stable. Never-signed-in accounts count as the oldest sign-ins on both
// engines (SQLite and PostgreSQL put NULLs at opposite ends by default).
var accountOrder = map[string][2]string{
	AccountSortName: {
		`LOWER(CASE WHEN TRIM(a.first_name || ' ' || a.last_name) = '' THEN a.email ELSE TRIM(a.first_name || ' ' || a.last_name) END) ASC, a.email ASC, a.id ASC`,
		`LOWER(CASE WHEN TRIM(a.first_name || ' ' || a.last_name) = '' THEN a.email ELSE TRIM(a.first_name || ' ' || a.last_name) END) DESC, a.email DESC, a.id DESC`,
	},
	AccountSortEmail: {`a.email ASC, a.id ASC`, `a.email DESC, a.id DESC`},
	AccountSortLastLogin: {
		`CASE WHEN a.last_login_at IS NULL THEN 0 ELSE 1 END ASC, a.last_login_at ASC, a.id ASC`,
		`CASE WHEN a.last_login_at IS NULL THEN 0 ELSE 1 END DESC, a.last_login_at DESC, a.id DESC`,
	},
	AccountSortCreated: {`a.created_at ASC, a.id ASC`, `a.created_at DESC, a.id DESC`},
}

// EscapeLike escapes the LIKE wildcards % and _ (and the escape character
// \ itself), for a pattern used with ESCAPE '\'.
func EscapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ListAccountsPage returns one page of accounts for the admin list, with
// their scopes and open invitations, and how many accounts match in all.
// Filtering, sorting and paging happen in SQL, with every value bound as a
// parameter.
func (s *Store) ListAccountsPage(ctx context.Context, q AccountQuery) ([]AccountRow, int, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if needle := strings.ToLower(strings.TrimSpace(q.Search)); needle != "" {
		p := arg("%" + EscapeLike(needle) + "%")
		where = append(where, fmt.Sprintf(`(LOWER(a.email) LIKE %[1]s ESCAPE '\' OR LOWER(a.first_name || ' ' || a.last_name) LIKE %[1]s ESCAPE '\'
			OR LOWER(a.last_name || ' ' || a.first_name) LIKE %[1]s ESCAPE '\')`, p))
	}
	noPassword := `COALESCE(a.password_hash, '') = ''`
	switch q.Status {
	case "":
	case AccountActive:
		where = append(where, `a.active AND NOT (`+noPassword+`)`)
	case AccountInactive:
		where = append(where, `NOT a.active`)
	case AccountInvited:
		where = append(where, `a.active AND `+noPassword+` AND `+fmt.Sprintf(openInvitation, arg(q.Now)))
	case AccountExpired:
		where = append(where, `a.active AND `+noPassword+` AND NOT `+fmt.Sprintf(openInvitation, arg(q.Now)))
	default:
		return nil, 0, ErrBadQuery
	}
	switch q.Customer {
	case "":
	case AllCustomersFilter:
		where = append(where, `a.all_customers`)
	default:
		where = append(where, `(a.all_customers OR EXISTS (SELECT 1 FROM account_scopes s WHERE s.account_id = a.id AND s.customer_key = `+arg(q.Customer)+`))`)
	}
	sortKey := q.Sort
	if sortKey == "" {
		sortKey = AccountSortName
	}
	order, ok := accountOrder[sortKey]
	if !ok {
		return nil, 0, ErrBadQuery
	}
	orderBy := order[0]
	if q.Desc {
		orderBy = order[1]
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts a`+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count accounts: %w", err)
	}
	limit := q.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	lim, off := arg(limit), arg(max(q.Offset, 0))
	rows, err := s.r.QueryContext(ctx, `SELECT `+prefixed("a.", accountColumns)+` FROM accounts a`+cond+
		` ORDER BY `+orderBy+` LIMIT `+lim+` OFFSET `+off, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list accounts: %w", err)
	}
	var out []AccountRow
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			rows.Close()
			return nil, 0, err
		}
		out = append(out, AccountRow{Account: *a})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("store: list accounts: %w", err)
	}
	if len(out) == 0 {
		return out, total, nil
	}
	ids := make([]int64, len(out))
	at := map[int64]*AccountRow{}
	for i := range out {
		ids[i] = out[i].ID
		at[out[i].ID] = &out[i]
	}
	scopes, err := s.scopesOf(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	for id, keys := range scopes {
		at[id].Scope = keys
	}
	invites, err := s.OpenInvitations(ctx, KindCustomer, q.Now, ids...)
	if err != nil {
		return nil, 0, err
	}
	for id, exp := range invites {
		at[id].InvitationExpiresAt = &exp
	}
	return out, total, nil
}

// inList writes "$k, $k+1, …" for the ids, appending them to args.
func inList[T any](args []any, ids []T) (string, []any) {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteString(", ")
		}
		args = append(args, id)
		fmt.Fprintf(&b, "$%d", len(args))
	}
	return b.String(), args
}

// scopesOf reads the scope keys of several accounts, each list sorted.
func (s *Store) scopesOf(ctx context.Context, ids []int64) (map[int64][]string, error) {
	list, args := inList(nil, ids)
	rows, err := s.r.QueryContext(ctx, `SELECT account_id, customer_key FROM account_scopes WHERE account_id IN (`+list+`)
		ORDER BY account_id, customer_key`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: read scopes: %w", err)
	}
	defer rows.Close()
	out := map[int64][]string{}
	for rows.Next() {
		var id int64
		var k string
		if err := rows.Scan(&id, &k); err != nil {
			return nil, fmt.Errorf("store: read scopes: %w", err)
		}
		out[id] = append(out[id], k)
	}
	return out, rows.Err()
}

// Invitation is the newest invitation link of an account, open or not.
type Invitation struct {
	SentAt    time.Time
	ExpiresAt time.Time
	// Closed is when it was used or revoked (a newer link, a password
	// change and a deactivation all revoke); nil while it is open or
	// merely expired.
	Closed *time.Time
}

// Open reports whether the link still works at now.
func (i *Invitation) Open(now time.Time) bool {
	return i != nil && i.Closed == nil && i.ExpiresAt.After(now)
}

// LatestInvitation returns the newest invitation link sent to an account,
// or nil when none was ever sent.
func (s *Store) LatestInvitation(ctx context.Context, accountID int64) (*Invitation, error) {
	var inv Invitation
	var closed sql.NullTime
	err := s.r.QueryRowContext(ctx, `SELECT created_at, expires_at, used_at FROM one_time_tokens
		WHERE principal_kind = 'customer' AND principal_id = $1 AND purpose = 'invitation'
		ORDER BY created_at DESC, id DESC LIMIT 1`, accountID).Scan(&inv.SentAt, &inv.ExpiresAt, &closed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: read invitation of account %d: %w", accountID, err)
	}
	inv.SentAt, inv.ExpiresAt, inv.Closed = utc(inv.SentAt), utc(inv.ExpiresAt), nullTime(closed)
	return &inv, nil
}

// ScopeKeysInUse returns every customer key some account's scope names,
// sorted, for the list's customer filter.
func (s *Store) ScopeKeysInUse(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT customer_key FROM account_scopes ORDER BY customer_key`)
	if err != nil {
		return nil, fmt.Errorf("store: list scope keys: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("store: list scope keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// LockAccount reads an account inside the transaction, holding its row on
// PostgreSQL until the transaction ends, so two admins saving the same
// account at once are applied one after the other and each audit entry's
// "from" is what the change really replaced. SQLite's write transactions
// never overlap in the first place.
func (tx *Tx) LockAccount(ctx context.Context, id int64) (*Account, error) {
	if tx.s.Dialect != Postgres {
		return accountWhere(ctx, tx.tx, `id = $1`, id)
	}
	a, err := scanAccount(tx.tx.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = $1 FOR UPDATE`, id))
	if err != nil {
		return nil, err
	}
	if a.Scope, err = accountScope(ctx, tx.tx, a.ID); err != nil {
		return nil, err
	}
	return a, nil
}

// AccountEmailTaken reports whether another account than exceptID (0 for
// none) signs in with email, as its email or as its username: sign-in
// accepts either in one field. The email is compared lower-cased.
func (tx *Tx) AccountEmailTaken(ctx context.Context, email string, exceptID int64) (bool, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var n int
	err := tx.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts WHERE (email = $1 OR username = $1) AND id <> $2`, email, exceptID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: check account email: %w", err)
	}
	return n > 0, nil
}

// UpdateAccountProfile stores an account's names and email (lower-cased).
// A taken email gives ErrConflict, an unknown id ErrNotFound.
func (tx *Tx) UpdateAccountProfile(ctx context.Context, id int64, first, last, email string, at time.Time) error {
	email = strings.ToLower(strings.TrimSpace(email))
	err := execOne(ctx, tx.tx, "update account", `UPDATE accounts SET first_name = $1, last_name = $2, email = $3, updated_at = $4 WHERE id = $5`,
		first, last, email, at, id)
	if isUnique(err) {
		return ErrConflict
	}
	return err
}
