-- Branding: the portal's name, accent colour and logo, and optional
-- overrides per customer. scope is '' for the whole portal, otherwise a
-- customer key; an empty name, accent or logo_id means "inherit" (the
-- customer falls back to the portal's, the portal to its configuration).
-- Logos are stored re-encoded as PNG under the hex SHA-256 of those bytes,
-- so a logo's URL never changes meaning and can be cached for ever.

-- +goose Up
CREATE TABLE brands (
    scope      TEXT PRIMARY KEY,
    name       TEXT NOT NULL DEFAULT '',
    accent     TEXT NOT NULL DEFAULT '',
    logo_id    TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL DEFAULT ''
);

CREATE TABLE brand_logos (
    id         TEXT PRIMARY KEY,
    png        BLOB NOT NULL,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE brand_logos;
DROP TABLE brands;
