-- Views per section for the analytics page: one row per UTC day and
-- section ("/", "/inventory", "/data/<dataset>"), counting full page loads
-- by signed-in customers. day is 'YYYY-MM-DD' text on both engines, so the
-- same comparisons and the same upsert work everywhere.

-- +goose Up
CREATE TABLE section_views (
    day     TEXT NOT NULL,
    section TEXT NOT NULL,
    views   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, section)
);

-- +goose Down
DROP TABLE section_views;
