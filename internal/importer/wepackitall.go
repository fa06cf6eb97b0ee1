package importer

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/source"
	"github.com/portico-dev/portico/internal/store"
)

// WePackItAllDrivers are the engines the WePackItAll import reads: the
// original runs on SQL Server; a copy may have been moved elsewhere.
var WePackItAllDrivers = []string{"sqlserver", "postgres", "mysql", "sqlite"}

// The columns read from the original's tables, named as it creates them
// (database/customer_data.py and database/audit_log.py). Tables and
// columns are found whatever their case.
var (
	wpiaCustomerColumns = []string{"customer_id", "first_name", "last_name", "email", "password_hash",
		"erp_customer_name", "is_active", "created_date", "last_login_date", "must_reset_password"}
	wpiaAuditColumns = []string{"log_id", "timestamp", "admin_username", "action_type",
		"target_customer_id", "target_customer_email", "details"}
)

// wpiaActions maps the original's action types to Portico's. Types not
// listed are kept as they are (their entries are shown, but the audit
// page's event filter does not offer them).
var wpiaActions = map[string]audit.Action{
	"CUSTOMER_LOGIN":           audit.SignIn,
	"CUSTOMER_LOGOUT":          audit.SignOut,
	"CUSTOMER_CREATE":          audit.AccountCreated,
	"CUSTOMER_UPDATE":          audit.AccountUpdated,
	"CUSTOMER_PW_SET_BY_ADMIN": audit.PasswordChanged,
	"CUSTOMER_DEACTIVATE":      audit.AccountDeactivated,
	"CUSTOMER_REACTIVATE":      audit.AccountReactivated,
	"ADMIN_PW_RESET_EMAIL":     audit.TempPasswordSent,
	"CUSTOMER_SESSION_KICK":    audit.SessionEnded,
	"SYSTEM_SETTING_CHANGE":    audit.SettingsChanged,
}

// WePackItAllAction is the Portico action an original action type becomes,
// and whether it is one Portico knows (false: kept as it was).
func WePackItAllAction(original string) (audit.Action, bool) {
	a, ok := wpiaActions[strings.ToUpper(strings.TrimSpace(original))]
	if !ok {
		return audit.Action(strings.TrimSpace(original)), false
	}
	return a, true
}

// ParseScope reads the original's erp_customer_name as it did: exactly
// "All" is every customer; otherwise the names joined by "|", here trimmed,
// de-duplicated and sorted. Anything else that reads "All" after trimming
// (" All", "All|x") was a customer name to the original, which then showed
// no data or only x, so it stays one here: the import never widens access.
func ParseScope(raw string) (all bool, keys []string) {
	if raw == "All" {
		return true, nil
	}
	return false, store.NormalizeKeys(strings.Split(raw, "|"))
}

// WePackItAll imports the original WePackItAll portal's Customers (as
// accounts) and AuditLog (as imported audit entries) from its database.
func WePackItAll(ctx context.Context, st *store.Store, o Options) (*Report, error) {
	r := newRun(o, "wepackitall", "WePackItAll portal")
	r.rep.AuditLog = true
	r.rep.TimeZone = r.o.Location.String()
	r.rep.NotImported = []string{
		"ActiveSessions: sessions do not carry over; people sign in again on Portico, with the same password.",
		"PasswordResetTokens: the original created this table but never used it.",
	}
	src, err := r.openSource(ctx, WePackItAllDrivers)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	hint := " (--dsn must name the original portal's own database, DB_NAME in its .env, usually CustomerPortalDB, not the ERP)"
	customers, err := findTable(ctx, src, r.rep.Title, "Customers", wpiaCustomerColumns, hint)
	if err != nil {
		return nil, err
	}
	auditLog, err := findTable(ctx, src, r.rep.Title, "AuditLog", wpiaAuditColumns, hint)
	if err != nil {
		return nil, err
	}
	people, emails, err := r.readWePackItAllCustomers(ctx, src, customers)
	if err != nil {
		return nil, err
	}
	return r.inTx(ctx, st, func(tx *store.Tx) error {
		if err := r.importPeople(ctx, tx, people); err != nil {
			return err
		}
		return r.importWePackItAllAudit(ctx, tx, src, auditLog, emails)
	})
}

// readWePackItAllCustomers reads every row of Customers, and maps each
// customer_id to its (lower-cased) email for the audit entries.
func (r *run) readWePackItAllCustomers(ctx context.Context, src *source.Source, t *table) ([]person, map[int64]string, error) {
	var people []person
	emails := map[int64]string{}
	err := src.Query(ctx, t.selectAll(src.Dialect(), wpiaCustomerColumns), nil, func(rows *sql.Rows) error {
		for rows.Next() {
			v, err := scanRow(rows, len(wpiaCustomerColumns))
			if err != nil {
				return err
			}
			id, _, err := integer(v[0])
			if err != nil {
				return fmt.Errorf("Customers: customer_id: %w", err)
			}
			where := func(col string, err error) error {
				return fmt.Errorf("Customers row with customer_id %d: %s: %w", id, col, err)
			}
			p := person{origin: fmt.Sprintf("Customers row %d", id), email: text(v[3]), first: strings.TrimSpace(text(v[1])),
				last: strings.TrimSpace(text(v[2])), hash: strings.TrimSpace(text(v[4])), rawScope: text(v[5])}
			if p.active, err = boolean(v[6]); err != nil {
				return where("is_active", err)
			}
			created, err := timestamp(v[7], r.o.Location)
			if err != nil {
				return where("created_date", err)
			}
			if created != nil {
				p.created = *created
			}
			if p.lastLogin, err = timestamp(v[8], r.o.Location); err != nil {
				return where("last_login_date", err)
			}
			if p.mustReset, err = boolean(v[9]); err != nil {
				return where("must_reset_password", err)
			}
			p.all, p.scope = ParseScope(p.rawScope)
			email := strings.ToLower(strings.TrimSpace(p.email))
			switch {
			case p.all:
			case len(p.scope) == 0:
				r.rep.Notes = append(r.rep.Notes, Item{email, "no customer in erp_customer_name: the account sees no data until an admin gives it customers (the original showed it none either)"})
			case slices.Contains(p.scope, "All"):
				r.rep.Notes = append(r.rep.Notes, Item{email, fmt.Sprintf("erp_customer_name %q is not exactly \"All\": kept as the customer name \"All\", as the original read it; choose \"All customers\" in the admin console if everything was meant", p.rawScope)})
			}
			emails[id] = email
			people = append(people, p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read Customers from the %s database: %w", r.rep.Title, err)
	}
	return people, emails, nil
}

// importWePackItAllAudit appends the original's audit log, oldest first,
// skipping rows imported before.
func (r *run) importWePackItAllAudit(ctx context.Context, tx *store.Tx, src *source.Source, t *table, emails map[int64]string) error {
	done, err := tx.ImportedAuditKeys(ctx, r.rep.Source)
	if err != nil {
		return err
	}
	err = src.Query(ctx, t.selectAll(src.Dialect(), wpiaAuditColumns), nil, func(rows *sql.Rows) error {
		for rows.Next() {
			v, err := scanRow(rows, len(wpiaAuditColumns))
			if err != nil {
				return err
			}
			id, ok, err := integer(v[0])
			if err != nil || !ok {
				return fmt.Errorf("AuditLog: log_id %v is not a whole number", v[0])
			}
			key := "AuditLog:" + strconv.FormatInt(id, 10)
			if done[key] {
				r.rep.Audit.Unchanged++
				continue
			}
			at, err := timestamp(v[1], r.o.Location)
			if err != nil || at == nil {
				if err == nil {
					err = fmt.Errorf("it is empty")
				}
				return fmt.Errorf("AuditLog row with log_id %d: timestamp: %w", id, err)
			}
			targetID, hasTarget, err := integer(v[4])
			if err != nil {
				return fmt.Errorf("AuditLog row with log_id %d: target_customer_id: %w", id, err)
			}
			e := r.wpiaEntry(key, text(v[2]), text(v[3]), targetID, hasTarget, text(v[5]), text(v[6]), emails)
			e.At = *at
			if err := tx.InsertImportedAudit(ctx, e); err != nil {
				return err
			}
			done[key] = true
			r.rep.Audit.New++
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read AuditLog from the %s database: %w", r.rep.Title, err)
	}
	return nil
}

// wpiaEntry turns one AuditLog row into a Portico audit entry: the action
// mapped, the actor and target as Portico names them, and the original
// row in the details.
func (r *run) wpiaEntry(key, adminName, actionType string, targetID int64, hasTarget bool, targetEmail, details string, emails map[int64]string) *store.AuditEntry {
	action, _ := WePackItAllAction(actionType)
	if action == "" {
		action = "imported_event"
	}
	d := map[string]any{
		store.ImportSourceField: r.rep.Source,
		store.ImportKeyField:    key,
		"original_action":       actionType,
		"original_actor":        adminName,
	}
	if details != "" {
		d["original_details"] = details
	}
	if hasTarget {
		d["original_customer_id"] = targetID
	}
	e := &store.AuditEntry{Action: string(action)}

	email := strings.ToLower(strings.TrimSpace(targetEmail))
	if email == "" && hasTarget {
		email = emails[targetID]
	}
	switch {
	case email != "":
		e.TargetKind, e.TargetLabel = store.KindCustomer, email
		if id, ok := r.accounts[email]; ok {
			e.TargetID = strconv.FormatInt(id, 10)
		}
	case hasTarget:
		e.TargetKind, e.TargetLabel = store.KindCustomer, fmt.Sprintf("customer %d of the original", targetID)
	case action == audit.SettingsChanged:
		e.TargetKind, e.TargetLabel = "setting", "3-hour session auto-kick (WePackItAll)"
	}

	admin := strings.TrimSpace(adminName)
	switch {
	case (action == audit.SignIn || action == audit.SignOut) && email != "":
		// The original wrote SYSTEM (or a signed-in admin's name) here;
		// the one who signed in or out was the customer.
		e.ActorKind, e.ActorLabel = store.KindCustomer, email
		e.ActorID = r.accounts[email]
	case admin == "" || strings.EqualFold(admin, "SYSTEM"):
		e.ActorKind, e.ActorLabel = audit.System.Kind, audit.System.Label
	default:
		e.ActorKind, e.ActorLabel = store.KindAdmin, strings.ToLower(admin)
	}

	if action == audit.SignIn {
		// "Login from IP: <address>"
		if _, ip, ok := strings.Cut(details, "IP:"); ok {
			if a, err := netip.ParseAddr(strings.TrimSpace(ip)); err == nil {
				e.ClientIP = a.String()
			}
		}
	}
	if action == audit.AccountUpdated {
		// {"field": {"from": old, "to": new}, …} becomes Portico's
		// {"from": {…}, "to": {…}} with Portico's field names.
		var changes map[string]struct {
			From any `json:"from"`
			To   any `json:"to"`
		}
		if json.Unmarshal([]byte(details), &changes) == nil && len(changes) > 0 {
			from, to := map[string]any{}, map[string]any{}
			for field, c := range changes {
				switch field {
				case "erp_customer_name":
					field = "scope"
				case "is_active":
					field = "active"
				}
				from[field], to[field] = c.From, c.To
			}
			d["from"], d["to"] = from, to
		}
	}
	b, _ := json.Marshal(d)
	e.Details = string(b)
	return e
}
