package erpdemo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the demo ERP is a SQLite file
)

// metaTable records how a demo ERP file was made, so CreateSQLite can tell
// whether an existing file is the one asked for.
const metaTable = "demo_meta"

// CreateSQLite makes the demo ERP as a SQLite file at path, or reuses the
// file already there when its meta table says it was made with the same
// InventoryRows and Seed by this generator (and, if o.Anchor is set, for
// the same day). It reports whether the file was reused. A reused file is
// opened read-only and left untouched; otherwise the file is built at
// path+".tmp" and renamed over path, so a crash or a cancelled build never
// leaves a half-written ERP behind.
func CreateSQLite(ctx context.Context, path string, o Options) (reused bool, err error) {
	anchorGiven := !o.Anchor.IsZero()
	if o, err = o.withDefaults(); err != nil {
		return false, err
	}
	if meta, err := readMeta(ctx, path); err == nil &&
		meta["generator_version"] == strconv.Itoa(generatorVersion) &&
		meta["inventory_rows"] == strconv.Itoa(o.InventoryRows) &&
		meta["seed"] == strconv.FormatUint(o.Seed, 10) &&
		(!anchorGiven || meta["anchor"] == o.Anchor.Format(time.DateOnly)) {
		return true, nil
	}
	tmp := path + ".tmp"
	for _, p := range []string{tmp, tmp + "-journal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return false, fmt.Errorf("erpdemo: remove leftover %s: %w", p, err)
		}
	}
	if err := build(ctx, tmp, o); err != nil {
		os.Remove(tmp)
		return false, err
	}
	if err := syncFile(tmp); err != nil {
		os.Remove(tmp)
		return false, err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return false, fmt.Errorf("erpdemo: move the new demo ERP into place: %w", err)
	}
	syncDir(filepath.Dir(path))
	return false, nil
}

func build(ctx context.Context, path string, o Options) error {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return fmt.Errorf("erpdemo: open %s: %w", path, err)
	}
	defer db.Close()
	// One connection, so the pragmas below apply to every statement. The
	// file is private until it is renamed into place and is thrown away if
	// anything fails, so there is nothing for a journal or fsyncs to
	// protect while it is being written.
	db.SetMaxOpenConns(1)
	for _, p := range []string{"PRAGMA journal_mode=OFF", "PRAGMA synchronous=OFF", "PRAGMA temp_store=MEMORY", "PRAGMA cache_size=-65536"} {
		if _, err := db.ExecContext(ctx, p); err != nil {
			return fmt.Errorf("erpdemo: %s: %w", p, err)
		}
	}
	if err := Write(ctx, db, "sqlite", o); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE "+metaTable+" (key TEXT PRIMARY KEY, value TEXT NOT NULL)"); err != nil {
		return fmt.Errorf("erpdemo: create %s: %w", metaTable, err)
	}
	for k, v := range map[string]string{
		"generator_version": strconv.Itoa(generatorVersion),
		"inventory_rows":    strconv.Itoa(o.InventoryRows),
		"seed":              strconv.FormatUint(o.Seed, 10),
		"anchor":            o.Anchor.Format(time.DateOnly),
		"created_at":        time.Now().UTC().Format(time.RFC3339),
	} {
		if _, err := db.ExecContext(ctx, "INSERT INTO "+metaTable+" (key, value) VALUES (?, ?)", k, v); err != nil {
			return fmt.Errorf("erpdemo: write %s: %w", metaTable, err)
		}
	}
	// The ERP is only ever read after this; fresh statistics let SQLite
	// pick the customer index for scoped queries.
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("erpdemo: analyze: %w", err)
	}
	return db.Close()
}

// readMeta reads the meta table of an existing demo ERP without changing
// the file: it is opened read-only, and a missing file is not created.
func readMeta(ctx context.Context, path string) (map[string]string, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", readOnlyURI(path))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT key, value FROM "+metaTable)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	meta := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		meta[k] = v
	}
	return meta, rows.Err()
}

// readOnlyURI turns a file path into a SQLite URI opening it read-only;
// the URI form is needed because the driver ignores mode=ro on plain
// paths.
func readOnlyURI(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") { // Windows: C:/x becomes /C:/x
		p = "/" + p
	}
	return (&url.URL{Scheme: "file", Path: p, RawQuery: "mode=ro"}).String()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("erpdemo: open %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("erpdemo: sync %s: %w", path, err)
	}
	return f.Close()
}

// syncDir makes the rename durable where the platform allows; Windows
// cannot sync a directory, and the rename has happened either way.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
