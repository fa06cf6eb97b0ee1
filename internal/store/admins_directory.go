package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sources of admin accounts. A local admin has a password hash in the
// portal database; a directory admin signs in against Active Directory or
// OpenLDAP and is keyed by the directory's stable id (objectGUID or
// entryUUID) in external_id, never by name or email, so a local admin and
// a directory admin with the same name or email are always two admins.
const (
	SourceLocal     = "local"
	SourceDirectory = "directory"
)

// maxDirectoryText bounds names copied from the directory; no real
// account name or display name is longer.
const maxDirectoryText = 200

// DirectoryIdentity is what the directory says about a person who signed
// in: the stable id and the names to show.
type DirectoryIdentity struct {
	ExternalID  string
	Username    string
	Email       string
	DisplayName string
}

// DirectoryAdminByLogin finds a directory admin by the username or email
// last copied from the directory, case-insensitively. Sign-in uses it only
// to count failures against a known admin before the directory is asked;
// who the person is, is decided by the directory's stable id.
func (s *Store) DirectoryAdminByLogin(ctx context.Context, login string) (*Admin, error) {
	login = strings.ToLower(strings.TrimSpace(login))
	if login == "" {
		return nil, ErrNotFound
	}
	return scanAdmin(s.r.QueryRowContext(ctx, `SELECT `+adminColumns+` FROM admins
		WHERE source = $1 AND (username = $2 OR email = $2) ORDER BY id LIMIT 1`, SourceDirectory, login))
}

// UpsertDirectoryAdmin finds the directory admin with this stable id, or
// creates it (active) on the first sign-in, and brings its username, email
// and display name up to date with the directory. It never reads or
// changes a local admin, and never changes whether an admin is active: an
// admin deactivated in Portico stays deactivated. created says whether the
// admin is new.
//
// Names that would collide are adjusted rather than refused, so a sign-in
// the directory accepted is never lost to a naming accident: a username
// held by another directory admin (someone renamed, whose old name was
// given to a new person) gets the first characters of the stable id
// appended, and an email held by any other admin is left empty (email is
// optional; it must stay unique because sign-in accepts it as a login).
func (tx *Tx) UpsertDirectoryAdmin(ctx context.Context, id DirectoryIdentity, at time.Time) (*Admin, bool, error) {
	if strings.TrimSpace(id.ExternalID) == "" {
		return nil, false, errors.New("store: a directory admin needs the directory's stable id")
	}
	existing, err := scanAdmin(tx.tx.QueryRowContext(ctx, `SELECT `+adminColumns+` FROM admins
		WHERE source = $1 AND external_id = $2`, SourceDirectory, id.ExternalID))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, false, err
	}
	username, err := tx.directoryUsername(ctx, id)
	if err != nil {
		return nil, false, err
	}
	email, err := tx.directoryEmail(ctx, id)
	if err != nil {
		return nil, false, err
	}
	display := clip(strings.TrimSpace(id.DisplayName), maxDirectoryText)

	if existing == nil {
		a := &Admin{Username: username, Email: email, DisplayName: display, Source: SourceDirectory,
			ExternalID: id.ExternalID, Active: true, CreatedAt: at}
		if err := tx.CreateAdmin(ctx, a); err != nil {
			return nil, false, err
		}
		a.UpdatedAt = at
		return a, true, nil
	}
	if existing.Username == username && existing.Email == email && existing.DisplayName == display {
		return existing, false, nil
	}
	var emailArg *string
	if email != "" {
		emailArg = &email
	}
	if err := execOne(ctx, tx.tx, "update directory admin", `UPDATE admins SET username = $1, email = $2, display_name = $3,
		updated_at = $4 WHERE id = $5 AND source = $6`, username, nullString(emailArg), display, at, existing.ID, SourceDirectory); err != nil {
		if isUnique(err) {
			return nil, false, ErrConflict
		}
		return nil, false, err
	}
	existing.Username, existing.Email, existing.DisplayName, existing.UpdatedAt = username, email, display, at
	return existing, false, nil
}

// directoryUsername is the username to store for id: the directory's
// account name, lower-cased, unless another directory admin holds it.
func (tx *Tx) directoryUsername(ctx context.Context, id DirectoryIdentity) (string, error) {
	suffix := id.ExternalID
	if len(suffix) > 8 {
		suffix = suffix[:8]
	}
	name := clip(strings.ToLower(strings.TrimSpace(id.Username)), maxDirectoryText)
	if name == "" {
		return "directory-" + suffix, nil
	}
	var n int
	err := tx.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM admins WHERE source = $1 AND username = $2
		AND (external_id IS NULL OR external_id <> $3)`, SourceDirectory, name, id.ExternalID).Scan(&n)
	if err != nil {
		return "", fmt.Errorf("store: check directory admin username: %w", err)
	}
	if n > 0 {
		return name + "-" + suffix, nil
	}
	return name, nil
}

// directoryEmail is the email to store for id: the directory's, unless any
// other admin (local or directory) holds it, or it is not plausible.
func (tx *Tx) directoryEmail(ctx context.Context, id DirectoryIdentity) (string, error) {
	email := strings.ToLower(strings.TrimSpace(id.Email))
	if email == "" || len(email) > 320 || !strings.Contains(email, "@") {
		return "", nil
	}
	var n int
	err := tx.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM admins WHERE email = $1
		AND NOT (source = $2 AND external_id = $3)`, email, SourceDirectory, id.ExternalID).Scan(&n)
	if err != nil {
		return "", fmt.Errorf("store: check directory admin email: %w", err)
	}
	if n > 0 {
		return "", nil
	}
	return email, nil
}

// SessionCheckedAt returns when the group membership behind a directory
// admin's session was last confirmed, or nil when it has not been since
// the sign-in (which confirmed it).
func (s *Store) SessionCheckedAt(ctx context.Context, id int64) (*time.Time, error) {
	var at sql.NullTime
	err := s.r.QueryRowContext(ctx, `SELECT checked_at FROM sessions WHERE id = $1`, id).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: read checked_at of session %d: %w", id, err)
	}
	return nullTime(at), nil
}

// MarkSessionChecked records that the session's group membership was
// confirmed at at.
func (s *Store) MarkSessionChecked(ctx context.Context, id int64, at time.Time) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE sessions SET checked_at = $1 WHERE id = $2`, at, id); err != nil {
		return fmt.Errorf("store: mark session %d checked: %w", id, err)
	}
	return nil
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n]
}
