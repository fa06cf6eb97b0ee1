-- Portico portal database, SQLite dialect. Times are UTC, stored as SQLite
-- text timestamps; booleans are 0/1. Keep in step with ../postgres.

-- +goose Up
CREATE TABLE admins (
    id                  INTEGER PRIMARY KEY,
    username            TEXT NOT NULL,
    email               TEXT,
    display_name        TEXT NOT NULL DEFAULT '',
    password_hash       TEXT,
    source              TEXT NOT NULL DEFAULT 'local',
    external_id         TEXT,
    active              BOOLEAN NOT NULL DEFAULT TRUE,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    last_login_at       TIMESTAMP,
    password_changed_at TIMESTAMP
);
CREATE UNIQUE INDEX admins_source_username ON admins (source, username);
CREATE UNIQUE INDEX admins_email ON admins (email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX admins_source_external ON admins (source, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE accounts (
    id                  INTEGER PRIMARY KEY,
    email               TEXT NOT NULL,
    username            TEXT,
    first_name          TEXT NOT NULL DEFAULT '',
    last_name           TEXT NOT NULL DEFAULT '',
    password_hash       TEXT,
    active              BOOLEAN NOT NULL DEFAULT TRUE,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    all_customers       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    last_login_at       TIMESTAMP,
    password_changed_at TIMESTAMP
);
CREATE UNIQUE INDEX accounts_email ON accounts (email);
CREATE UNIQUE INDEX accounts_username ON accounts (username) WHERE username IS NOT NULL;

CREATE TABLE customers (
    customer_key   TEXT PRIMARY KEY,
    display_name   TEXT NOT NULL DEFAULT '',
    portal_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);

CREATE TABLE account_scopes (
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    customer_key TEXT NOT NULL,
    PRIMARY KEY (account_id, customer_key)
);
CREATE INDEX account_scopes_customer ON account_scopes (customer_key);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    principal_id INTEGER NOT NULL,
    client_ip    TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);
CREATE INDEX sessions_principal ON sessions (kind, principal_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE one_time_tokens (
    id             INTEGER PRIMARY KEY,
    token_hash     TEXT NOT NULL UNIQUE,
    purpose        TEXT NOT NULL,
    principal_kind TEXT NOT NULL,
    principal_id   INTEGER NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL,
    used_at        TIMESTAMP
);
CREATE INDEX one_time_tokens_principal ON one_time_tokens (principal_kind, principal_id);

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           TIMESTAMP NOT NULL,
    action       TEXT NOT NULL,
    actor_kind   TEXT NOT NULL,
    actor_id     INTEGER,
    actor_label  TEXT NOT NULL DEFAULT '',
    target_kind  TEXT NOT NULL DEFAULT '',
    target_id    TEXT NOT NULL DEFAULT '',
    target_label TEXT NOT NULL DEFAULT '',
    client_ip    TEXT NOT NULL DEFAULT '',
    request_id   TEXT NOT NULL DEFAULT '',
    details      TEXT NOT NULL DEFAULT '',
    imported     BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_action ON audit_log (action, at);

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL DEFAULT ''
);

CREATE TABLE email_outbox (
    id              INTEGER PRIMARY KEY,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'queued',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until   TIMESTAMP,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP
);
CREATE INDEX email_outbox_due ON email_outbox (status, next_attempt_at);

CREATE TABLE login_throttle (
    bucket       TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);

-- +goose Down
DROP TABLE login_throttle;
DROP TABLE email_outbox;
DROP TABLE settings;
DROP TABLE audit_log;
DROP TABLE one_time_tokens;
DROP TABLE sessions;
DROP TABLE account_scopes;
DROP TABLE customers;
DROP TABLE accounts;
DROP TABLE admins;
