-- Sections switched off per customer: one row per customer and section
-- ("projects", "invoices", "time_entries", or "data/" and a grid dataset's
-- name). A section with no row is on, so a section added to the
-- configuration later appears for every customer until an admin switches
-- it off.

-- +goose Up
CREATE TABLE customer_sections_off (
    customer_key TEXT NOT NULL,
    section      TEXT NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (customer_key, section)
);

-- +goose Down
DROP TABLE customer_sections_off;
