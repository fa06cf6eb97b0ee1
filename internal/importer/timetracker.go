package importer

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/source"
	"github.com/portico-dev/portico/internal/store"
)

// TimeTrackerDrivers are the engines TimeTracker runs on.
var TimeTrackerDrivers = []string{"postgres", "sqlite", "mysql"}

// The columns read from TimeTracker's tables (app/models/client.py and
// user.py).
var (
	ttClientColumns = []string{"id", "name", "email", "contact_person", "status", "portal_enabled",
		"portal_username", "portal_password_hash", "created_at"}
	ttUserColumns = []string{"id", "username", "email", "full_name", "is_active", "password_hash",
		"client_portal_enabled", "client_id", "created_at", "last_login"}
)

// ttClient is what the user rows need of their client.
type ttClient struct {
	name   string
	active bool
}

// TimeTracker imports TimeTracker's client portal sign-ins: every client
// with portal access, and every user with the legacy client portal flag,
// becomes an account scoped to that client. The customer key is the
// client's name, as the "timetracker" preset's datasets name customers.
// TimeTracker stores times in UTC; Options.Location is not used.
func TimeTracker(ctx context.Context, st *store.Store, o Options) (*Report, error) {
	o.Location = time.UTC
	r := newRun(o, "timetracker", "TimeTracker")
	r.rep.NotImported = []string{
		"Password setup links (clients.password_setup_token): send a Portico invitation instead.",
		"Dashboard preferences, notifications and the activity feed: Portico has its own.",
		"TimeTracker keeps no audit log of its client portal, so there is none to carry over.",
	}
	src, err := r.openSource(ctx, TimeTrackerDrivers)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	hint := " (--dsn must name TimeTracker's database, the one its DATABASE_URL names)"
	clients, err := findTable(ctx, src, r.rep.Title, "clients", ttClientColumns, hint)
	if err != nil {
		return nil, err
	}
	users, err := findTable(ctx, src, r.rep.Title, "users", ttUserColumns, hint)
	if err != nil {
		return nil, err
	}
	people, byID, err := r.readTimeTrackerClients(ctx, src, clients)
	if err != nil {
		return nil, err
	}
	more, err := r.readTimeTrackerUsers(ctx, src, users, byID)
	if err != nil {
		return nil, err
	}
	people = append(people, more...)
	return r.inTx(ctx, st, func(tx *store.Tx) error {
		return r.importPeople(ctx, tx, people)
	})
}

func (r *run) readTimeTrackerClients(ctx context.Context, src *source.Source, t *table) ([]person, map[int64]ttClient, error) {
	var people []person
	byID := map[int64]ttClient{}
	err := src.Query(ctx, t.selectAll(src.Dialect(), ttClientColumns), nil, func(rows *sql.Rows) error {
		for rows.Next() {
			v, err := scanRow(rows, len(ttClientColumns))
			if err != nil {
				return err
			}
			id, _, err := integer(v[0])
			if err != nil {
				return fmt.Errorf("clients: id: %w", err)
			}
			where := func(col string, err error) error {
				return fmt.Errorf("clients row with id %d: %s: %w", id, col, err)
			}
			name := text(v[1])
			c := ttClient{name: name, active: text(v[4]) == "active"}
			byID[id] = c
			enabled, err := boolean(v[5])
			if err != nil {
				return where("portal_enabled", err)
			}
			origin := fmt.Sprintf("client %q (id %d)", name, id)
			username := strings.TrimSpace(text(v[6]))
			switch {
			case !enabled:
				r.skip(origin, "portal access not enabled")
				continue
			case username == "":
				r.skip(origin, "portal enabled but no portal username set")
				continue
			}
			p := person{origin: origin, email: text(v[2]), username: username, hash: strings.TrimSpace(text(v[7])),
				noHashWhy: "no portal password set in TimeTracker yet", active: c.active, scope: []string{name},
				emailHint: "give the client an email in TimeTracker, or make its portal username an email address, and import again"}
			if strings.TrimSpace(p.email) == "" && looksLikeEmail(username) {
				p.email = username
			}
			// A client is a company; the account is named after its
			// contact person, or after the company when there is none.
			p.first = strings.TrimSpace(text(v[3]))
			if p.first == "" {
				p.first = strings.TrimSpace(name)
			}
			created, err := timestamp(v[8], time.UTC)
			if err != nil {
				return where("created_at", err)
			}
			if created != nil {
				p.created = *created
			}
			people = append(people, p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read clients from the %s database: %w", r.rep.Title, err)
	}
	return people, byID, nil
}

func (r *run) readTimeTrackerUsers(ctx context.Context, src *source.Source, t *table, clients map[int64]ttClient) ([]person, error) {
	var people []person
	err := src.Query(ctx, t.selectAll(src.Dialect(), ttUserColumns), nil, func(rows *sql.Rows) error {
		for rows.Next() {
			v, err := scanRow(rows, len(ttUserColumns))
			if err != nil {
				return err
			}
			id, _, err := integer(v[0])
			if err != nil {
				return fmt.Errorf("users: id: %w", err)
			}
			where := func(col string, err error) error {
				return fmt.Errorf("users row with id %d: %s: %w", id, col, err)
			}
			portal, err := boolean(v[6])
			if err != nil {
				return where("client_portal_enabled", err)
			}
			if !portal {
				continue // staff, not a client portal user
			}
			username := strings.TrimSpace(text(v[1]))
			origin := fmt.Sprintf("user %q (id %d)", username, id)
			clientID, ok, err := integer(v[7])
			if err != nil {
				return where("client_id", err)
			}
			c, found := clients[clientID]
			switch {
			case !ok:
				r.skip(origin, "client portal flag set but no client chosen")
				continue
			case !found:
				r.skip(origin, fmt.Sprintf("client portal flag set but client %d does not exist", clientID))
				continue
			}
			active, err := boolean(v[4])
			if err != nil {
				return where("is_active", err)
			}
			p := person{origin: origin, email: text(v[2]), username: username, hash: strings.TrimSpace(text(v[5])),
				noHashWhy: "no password in TimeTracker (the user signs in through LDAP or single sign-on there)",
				active:    active && c.active, scope: []string{c.name},
				emailHint: "give the user an email in TimeTracker and import again"}
			if strings.TrimSpace(p.email) == "" && looksLikeEmail(username) {
				p.email = username
			}
			p.first, p.last = splitName(text(v[3]))
			created, err := timestamp(v[8], time.UTC)
			if err != nil {
				return where("created_at", err)
			}
			if created != nil {
				p.created = *created
			}
			if p.lastLogin, err = timestamp(v[9], time.UTC); err != nil {
				return where("last_login", err)
			}
			people = append(people, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read users from the %s database: %w", r.rep.Title, err)
	}
	return people, nil
}
