-- Two-factor authentication and directory sign-in.
--
-- second_factors holds one TOTP secret per person (customer account or
-- admin), sealed with the secret key like every stored secret;
-- confirmed_at stays NULL until the person proves the enrollment with a
-- code. last_step is the last time step a code was accepted for, so a code
-- never works twice (the UPDATE that advances it is the check).
-- recovery_codes are single-use codes, stored as hashes.
-- customers.require_second_factor makes a customer's accounts enroll.
-- sessions.checked_at is when a directory admin's group membership was last
-- confirmed for that session.

-- +goose Up
CREATE TABLE second_factors (
    principal_kind TEXT NOT NULL,
    principal_id   BIGINT NOT NULL,
    secret_sealed  TEXT NOT NULL,
    confirmed_at   TIMESTAMPTZ,
    last_step      BIGINT NOT NULL DEFAULT 0,
    created_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (principal_kind, principal_id)
);

CREATE TABLE recovery_codes (
    principal_kind TEXT NOT NULL,
    principal_id   BIGINT NOT NULL,
    code_hash      TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    used_at        TIMESTAMPTZ,
    PRIMARY KEY (principal_kind, principal_id, code_hash)
);

ALTER TABLE customers ADD COLUMN require_second_factor BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE sessions ADD COLUMN checked_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE sessions DROP COLUMN checked_at;
ALTER TABLE customers DROP COLUMN require_second_factor;
DROP TABLE recovery_codes;
DROP TABLE second_factors;
