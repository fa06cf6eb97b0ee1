// Package timetrackertest creates the part of a TimeTracker
// (DRYTRIX/TimeTracker 5.10) database that the "timetracker" preset reads,
// on PostgreSQL or SQLite, so the preset is tested against the schema an
// installation has rather than one written to suit it.
//
// The DDL follows TimeTracker's SQLAlchemy models (app/models: client.py,
// project.py, invoice.py, time_entry.py, payments.py, user.py) as
// SQLAlchemy renders them for each engine: Integer primary keys (SERIAL on
// PostgreSQL), String(n) as VARCHAR(n), Numeric(p,s), Float as double
// precision, DateTime as a timestamp without time zone, Boolean, JSON. The
// tables clients, projects, invoices, invoice_items, time_entries and
// credit_notes have every column of the models; users has only the
// columns the preset reads and those a row needs (the real table has 113).
// Foreign keys to tables the preset does not read (quotes, tasks,
// invoice_templates, recurring_invoices, stock_items, warehouses) are
// plain integer columns.
package timetrackertest

import (
	"strings"
	"testing"

	"github.com/portico-dev/portico/internal/source/sourcetest"
)

// ddl is the schema with placeholders for what differs between engines.
var ddl = []string{
	`CREATE TABLE clients (
    id {{PK}},
    name VARCHAR(200) NOT NULL,
    description TEXT,
    contact_person VARCHAR(200),
    email VARCHAR(200),
    phone VARCHAR(50),
    address TEXT,
    default_hourly_rate NUMERIC(9, 2),
    status VARCHAR(20) NOT NULL,
    prepaid_hours_monthly NUMERIC(7, 2),
    prepaid_reset_day INTEGER NOT NULL,
    created_by INTEGER,
    created_at {{DT}} NOT NULL,
    updated_at {{DT}} NOT NULL,
    portal_enabled BOOLEAN DEFAULT {{FALSE}} NOT NULL,
    portal_username VARCHAR(80),
    portal_password_hash VARCHAR(255),
    password_setup_token VARCHAR(100),
    password_setup_token_expires {{DT}},
    portal_issues_enabled BOOLEAN DEFAULT {{TRUE}} NOT NULL,
    custom_fields {{JSON}}
)`,
	`CREATE UNIQUE INDEX ix_clients_name ON clients (name)`,
	`CREATE INDEX ix_clients_created_by ON clients (created_by)`,
	`CREATE UNIQUE INDEX ix_clients_portal_username ON clients (portal_username)`,
	`CREATE INDEX ix_clients_password_setup_token ON clients (password_setup_token)`,

	`CREATE TABLE users (
    id {{PK}},
    username VARCHAR(80) NOT NULL,
    email VARCHAR(200),
    full_name VARCHAR(200),
    role VARCHAR(20) NOT NULL,
    created_at {{DT}} NOT NULL,
    last_login {{DT}},
    is_active BOOLEAN NOT NULL,
    password_hash VARCHAR(255),
    auth_provider VARCHAR(20) DEFAULT 'local' NOT NULL,
    client_portal_enabled BOOLEAN DEFAULT {{FALSE}} NOT NULL,
    client_id INTEGER REFERENCES clients (id) ON DELETE SET NULL,
    portal_only BOOLEAN DEFAULT {{FALSE}} NOT NULL
)`,
	`CREATE UNIQUE INDEX ix_users_username ON users (username)`,
	`CREATE INDEX ix_users_email ON users (email)`,
	`CREATE INDEX ix_users_client_id ON users (client_id)`,

	`CREATE TABLE projects (
    id {{PK}},
    name VARCHAR(200) NOT NULL,
    client_id INTEGER NOT NULL REFERENCES clients (id),
    quote_id INTEGER,
    description TEXT,
    billable BOOLEAN NOT NULL,
    hourly_rate NUMERIC(9, 2),
    billing_ref VARCHAR(100),
    code VARCHAR(20),
    status VARCHAR(20) NOT NULL,
    estimated_hours {{FLOAT}},
    budget_amount NUMERIC(10, 2),
    budget_threshold_percent INTEGER NOT NULL,
    custom_fields {{JSON}},
    created_at {{DT}} NOT NULL,
    updated_at {{DT}} NOT NULL,
    archived_at {{DT}},
    archived_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    archived_reason TEXT,
    color VARCHAR(7)
)`,
	`CREATE INDEX ix_projects_name ON projects (name)`,
	`CREATE INDEX ix_projects_client_id ON projects (client_id)`,
	`CREATE INDEX ix_projects_quote_id ON projects (quote_id)`,
	`CREATE UNIQUE INDEX ix_projects_code ON projects (code)`,
	`CREATE INDEX ix_projects_archived_at ON projects (archived_at)`,
	`CREATE INDEX ix_projects_created_by ON projects (created_by)`,

	`CREATE TABLE invoices (
    id {{PK}},
    invoice_number VARCHAR(50) NOT NULL,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    client_name VARCHAR(200) NOT NULL,
    client_email VARCHAR(200),
    client_address TEXT,
    buyer_reference VARCHAR(200),
    client_id INTEGER NOT NULL REFERENCES clients (id),
    quote_id INTEGER,
    issue_date DATE NOT NULL,
    due_date DATE NOT NULL,
    status VARCHAR(20) NOT NULL,
    subtotal NUMERIC(10, 2) NOT NULL,
    tax_rate NUMERIC(5, 2) NOT NULL,
    tax_amount NUMERIC(10, 2) NOT NULL,
    total_amount NUMERIC(10, 2) NOT NULL,
    currency_code VARCHAR(3) NOT NULL,
    template_id INTEGER,
    recurring_invoice_id INTEGER,
    notes TEXT,
    terms TEXT,
    payment_date DATE,
    payment_method VARCHAR(50),
    payment_reference VARCHAR(100),
    payment_notes TEXT,
    amount_paid NUMERIC(10, 2),
    payment_status VARCHAR(20) NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at {{DT}} NOT NULL,
    updated_at {{DT}} NOT NULL,
    integration_metadata {{JSON}}
)`,
	`CREATE UNIQUE INDEX ix_invoices_invoice_number ON invoices (invoice_number)`,
	`CREATE INDEX ix_invoices_project_id ON invoices (project_id)`,
	`CREATE INDEX ix_invoices_client_id ON invoices (client_id)`,
	`CREATE INDEX ix_invoices_quote_id ON invoices (quote_id)`,
	`CREATE INDEX ix_invoices_template_id ON invoices (template_id)`,
	`CREATE INDEX ix_invoices_recurring_invoice_id ON invoices (recurring_invoice_id)`,

	`CREATE TABLE invoice_items (
    id {{PK}},
    invoice_id INTEGER NOT NULL REFERENCES invoices (id),
    description VARCHAR(500) NOT NULL,
    quantity NUMERIC(10, 2) NOT NULL,
    unit_price NUMERIC(10, 2) NOT NULL,
    total_amount NUMERIC(10, 2) NOT NULL,
    time_entry_ids VARCHAR(500),
    stock_item_id INTEGER,
    warehouse_id INTEGER,
    is_stock_item BOOLEAN NOT NULL,
    created_at {{DT}} NOT NULL
)`,
	`CREATE INDEX ix_invoice_items_invoice_id ON invoice_items (invoice_id)`,
	`CREATE INDEX ix_invoice_items_stock_item_id ON invoice_items (stock_item_id)`,

	`CREATE TABLE time_entries (
    id {{PK}},
    user_id INTEGER NOT NULL REFERENCES users (id),
    project_id INTEGER REFERENCES projects (id),
    client_id INTEGER REFERENCES clients (id),
    task_id INTEGER,
    start_time {{DT}} NOT NULL,
    end_time {{DT}},
    duration_seconds INTEGER,
    break_seconds INTEGER,
    paused_at {{DT}},
    notes TEXT,
    tags VARCHAR(500),
    source VARCHAR(20) NOT NULL,
    billable BOOLEAN NOT NULL,
    paid BOOLEAN NOT NULL,
    invoice_number VARCHAR(100),
    created_at {{DT}} NOT NULL,
    updated_at {{DT}} NOT NULL
)`,
	`CREATE INDEX ix_time_entries_user_id ON time_entries (user_id)`,
	`CREATE INDEX ix_time_entries_project_id ON time_entries (project_id)`,
	`CREATE INDEX ix_time_entries_client_id ON time_entries (client_id)`,
	`CREATE INDEX ix_time_entries_task_id ON time_entries (task_id)`,
	`CREATE INDEX ix_time_entries_start_time ON time_entries (start_time)`,
	`CREATE INDEX ix_time_entries_end_time ON time_entries (end_time)`,
	`CREATE INDEX ix_time_entries_paid ON time_entries (paid)`,

	`CREATE TABLE credit_notes (
    id {{PK}},
    invoice_id INTEGER NOT NULL REFERENCES invoices (id),
    credit_number VARCHAR(50) NOT NULL,
    amount NUMERIC(10, 2) NOT NULL,
    reason TEXT,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at {{DT}} NOT NULL,
    updated_at {{DT}} NOT NULL
)`,
	`CREATE INDEX ix_credit_notes_invoice_id ON credit_notes (invoice_id)`,
	`CREATE UNIQUE INDEX ix_credit_notes_credit_number ON credit_notes (credit_number)`,
}

var replacers = map[string]*strings.Replacer{
	"postgres": strings.NewReplacer("{{PK}}", "SERIAL NOT NULL PRIMARY KEY", "{{DT}}", "TIMESTAMP WITHOUT TIME ZONE",
		"{{FLOAT}}", "DOUBLE PRECISION", "{{JSON}}", "JSON", "{{TRUE}}", "true", "{{FALSE}}", "false"),
	"sqlite": strings.NewReplacer("{{PK}}", "INTEGER NOT NULL PRIMARY KEY", "{{DT}}", "DATETIME",
		"{{FLOAT}}", "FLOAT", "{{JSON}}", "JSON", "{{TRUE}}", "1", "{{FALSE}}", "0"),
}

// Schema returns the CREATE statements for "postgres" or "sqlite", in an
// order that satisfies the foreign keys. clients.created_by and
// users.client_id refer to each other; TimeTracker's models add one of the
// two afterwards, and here clients.created_by is left without its
// constraint, which the preset never notices.
func Schema(engine string) []string {
	r, ok := replacers[engine]
	if !ok {
		panic("timetrackertest: TimeTracker runs on postgres or sqlite, not " + engine)
	}
	out := make([]string, len(ddl))
	for i, s := range ddl {
		out[i] = r.Replace(s)
	}
	return out
}

// Create makes the schema in a fresh database.
func Create(tb testing.TB, db sourcetest.DB) {
	tb.Helper()
	db.Exec(tb, Schema(db.Name)...)
}

// Seed rows, written as literals both engines read the same way
// (timestamps as SQLAlchemy writes them on SQLite, with microseconds).
const (
	// Clients are the customer keys the preset scopes by.
	ClientAcme   = "Acme d'Été GmbH"
	ClientGlobex = "Globex & Co"
	ClientIdle   = "Initech"
)

// Seed fills the schema with two clients' projects, invoices, lines, time
// entries and credit notes, covering what the preset must get right:
// drafts and cancelled invoices, an invoice paid in full whose workflow
// status still says sent, a credit note, several currencies, a running
// timer, time billed to a client directly, entries without notes, a user
// without a full name. Today, for the overdue rules, is 2025-03-14.
func Seed(tb testing.TB, db sourcetest.DB) {
	tb.Helper()
	const ts = "'2025-01-01 08:00:00.000000'"
	db.Exec(tb,
		`INSERT INTO clients (id, name, status, prepaid_reset_day, created_at, updated_at, portal_enabled, portal_issues_enabled, email)
		 VALUES (1, 'Acme d''Été GmbH', 'active', 1, `+ts+`, `+ts+`, TRUE, TRUE, 'ap@acme.example'),
		        (2, 'Globex & Co', 'active', 1, `+ts+`, `+ts+`, FALSE, TRUE, NULL),
		        (3, 'Initech', 'inactive', 1, `+ts+`, `+ts+`, FALSE, TRUE, NULL)`,
		`INSERT INTO users (id, username, full_name, role, created_at, is_active, auth_provider, client_portal_enabled, portal_only)
		 VALUES (1, 'zoe', 'Zoë Ørsted', 'admin', `+ts+`, TRUE, 'local', FALSE, FALSE),
		        (2, 'ben', NULL, 'user', `+ts+`, TRUE, 'local', FALSE, FALSE),
		        (3, 'kim', '', 'user', `+ts+`, TRUE, 'local', FALSE, FALSE)`,
		`INSERT INTO projects (id, name, client_id, billable, code, status, estimated_hours, budget_amount, budget_threshold_percent, created_at, updated_at, description)
		 VALUES (10, 'Website relaunch', 1, TRUE, 'WEB', 'active', 40.0, 6000.00, 80, `+ts+`, `+ts+`, 'New site'),
		        (11, 'Audit 2024', 1, TRUE, 'AUD', 'archived', NULL, NULL, 80, `+ts+`, `+ts+`, NULL),
		        (12, 'Support', 1, TRUE, NULL, 'inactive', 10.5, NULL, 80, `+ts+`, `+ts+`, NULL),
		        (20, 'Globex ERP', 2, TRUE, 'GLX', 'active', 100.0, 15000.00, 80, `+ts+`, `+ts+`, NULL)`,
		// Invoices of Acme: one per interesting state.
		`INSERT INTO invoices (id, invoice_number, project_id, client_name, client_id, issue_date, due_date, status, subtotal, tax_rate, tax_amount, total_amount, currency_code, amount_paid, payment_status, created_by, created_at, updated_at)
		 VALUES (100, 'INV-2025-0001', 10, 'Acme', 1, '2025-01-10', '2025-02-09', 'paid',      1000.00, 19.00, 190.00, 1190.00, 'EUR', 1190.00, 'fully_paid',     1, `+ts+`, `+ts+`),
		        (101, 'INV-2025-0002', 10, 'Acme', 1, '2025-02-10', '2025-03-12', 'sent',       500.00, 19.00,  95.00,  595.00, 'EUR',  200.00, 'partially_paid', 1, `+ts+`, `+ts+`),
		        (102, 'INV-2025-0003', 10, 'Acme', 1, '2025-03-01', '2025-03-31', 'draft',     9000.00,  0.00,   0.00, 9000.00, 'EUR',    0.00, 'unpaid',         1, `+ts+`, `+ts+`),
		        (103, 'INV-2025-0004', 11, 'Acme', 1, '2025-01-20', '2025-02-19', 'cancelled', 8000.00,  0.00,   0.00, 8000.00, 'EUR',    0.00, 'unpaid',         1, `+ts+`, `+ts+`),
		        (104, 'INV-2025-0005', 11, 'Acme', 1, '2025-02-15', '2025-03-14', 'issued',     300.00,  0.00,   0.00,  300.00, 'USD',    NULL, 'unpaid',         1, `+ts+`, `+ts+`),
		        (105, 'INV-2025-0006', 12, 'Acme', 1, '2025-01-05', '2025-02-04', 'sent',       250.00,  0.00,   0.00,  250.00, 'USD',  250.00, 'fully_paid',     1, `+ts+`, `+ts+`),
		        (106, 'INV-2025-0007', 12, 'Acme', 1, '2025-02-01', '2025-03-01', 'overdue',    400.00,  0.00,   0.00,  400.00, 'EUR',    0.00, 'unpaid',         1, `+ts+`, `+ts+`),
		        (200, 'INV-2025-0100', 20, 'Globex', 2, '2025-02-01', '2025-03-01', 'sent',    7000.00,  0.00,   0.00, 7000.00, 'GBP',    0.00, 'unpaid',         1, `+ts+`, `+ts+`)`,
		`INSERT INTO credit_notes (id, invoice_id, credit_number, amount, reason, created_by, created_at, updated_at)
		 VALUES (1, 106, 'CN-0001', 100.00, 'Goodwill', 1, `+ts+`, `+ts+`)`,
		`INSERT INTO invoice_items (id, invoice_id, description, quantity, unit_price, total_amount, is_stock_item, created_at)
		 VALUES (1, 100, 'Design — phase 1', 10.00, 100.00, 1000.00, FALSE, `+ts+`),
		        (2, 101, 'Développement', 4.00, 100.00, 400.00, FALSE, `+ts+`),
		        (3, 101, 'Hosting, 12 months', 1.00, 100.00, 100.00, FALSE, `+ts+`),
		        (4, 102, 'Draft work', 1.00, 9000.00, 9000.00, FALSE, `+ts+`),
		        (5, 200, 'Globex ERP rollout', 70.00, 100.00, 7000.00, FALSE, `+ts+`)`,
		`INSERT INTO time_entries (id, user_id, project_id, client_id, start_time, end_time, duration_seconds, notes, source, billable, paid, created_at, updated_at)
		 VALUES (1000, 1, 10, NULL, '2025-03-13 09:00:00.000000', '2025-03-13 11:30:00.000000', 9000, 'Wireframes', 'manual', TRUE, FALSE, `+ts+`, `+ts+`),
		        (1001, 2, 10, NULL, '2025-03-12 14:00:00.000000', '2025-03-12 14:20:00.000000', 1200, NULL, 'manual', TRUE, FALSE, `+ts+`, `+ts+`),
		        (1002, 3, 10, NULL, '2025-03-12 15:00:00.000000', '2025-03-12 15:20:00.000000', 1200, 'Review', 'auto', FALSE, FALSE, `+ts+`, `+ts+`),
		        (1003, 1, 10, NULL, '2025-03-14 08:00:00.000000', NULL, NULL, 'Timer still running', 'auto', TRUE, FALSE, `+ts+`, `+ts+`),
		        (1004, 1, 11, NULL, '2024-12-20 23:30:00.000000', '2024-12-21 01:30:00.000000', 7200, 'Year-end audit', 'manual', TRUE, TRUE, `+ts+`, `+ts+`),
		        (1005, 2, NULL, 1, '2025-03-03 10:00:00.000000', '2025-03-03 11:00:00.000000', 3600, 'Direct phone support', 'manual', TRUE, FALSE, `+ts+`, `+ts+`),
		        (1006, 1, 20, NULL, '2025-03-10 09:00:00.000000', '2025-03-10 17:00:00.000000', 28800, 'Globex workshop', 'manual', TRUE, FALSE, `+ts+`, `+ts+`)`,
	)
}
