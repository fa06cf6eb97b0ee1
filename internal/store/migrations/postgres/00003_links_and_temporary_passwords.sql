-- Temporary passwords expire and work for one sign-in: password_expires_at
-- holds the end of that window (NULL for a password the person chose).
-- failed_streak counts consecutive failed sign-ins across every window; at
-- 100 only a reset link or a temporary password unlocks the account.
-- sealed marks outbox rows whose bodies are encrypted at rest (they hold
-- links with tokens, or a temporary password); hidden marks those the admin
-- console never opens (a temporary password is in them).

-- +goose Up
ALTER TABLE accounts ADD COLUMN password_expires_at TIMESTAMPTZ;
ALTER TABLE accounts ADD COLUMN failed_streak INTEGER NOT NULL DEFAULT 0;
ALTER TABLE admins ADD COLUMN password_expires_at TIMESTAMPTZ;
ALTER TABLE admins ADD COLUMN failed_streak INTEGER NOT NULL DEFAULT 0;
ALTER TABLE email_outbox ADD COLUMN sealed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE email_outbox ADD COLUMN hidden BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE email_outbox DROP COLUMN hidden;
ALTER TABLE email_outbox DROP COLUMN sealed;
ALTER TABLE admins DROP COLUMN failed_streak;
ALTER TABLE admins DROP COLUMN password_expires_at;
ALTER TABLE accounts DROP COLUMN failed_streak;
ALTER TABLE accounts DROP COLUMN password_expires_at;
