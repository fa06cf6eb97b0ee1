package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/auth/directory"
	"github.com/portico-dev/portico/internal/config"
	"github.com/portico-dev/portico/internal/store"
)

// SettingDirectory is the settings row holding directory sign-in as one
// JSON value, the bind password inside it sealed with the secret key. Once
// the row exists it takes the place of every PORTICO_LDAP_* variable, even
// when it says "turned off".
const SettingDirectory = "directory.settings"

// Re-check interval of a directory admin's group membership during a
// session: the default, and the bounds an admin may choose.
const (
	DefaultDirectoryRecheck = 15 * time.Minute
	MinDirectoryRecheck     = time.Minute
	MaxDirectoryRecheck     = 24 * time.Hour
)

// Where the directory settings in force come from.
const (
	DirectoryFromDatabase    = "database"
	DirectoryFromEnvironment = "environment"
	DirectoryFromNowhere     = "none"
)

// DirectoryCacheFor is how long an instance uses the directory client it
// built before reading the settings again, as IdleCacheFor does for the
// idle timeouts: a change saved on another instance applies here within
// this time, and at once on the instance that saved it.
const DirectoryCacheFor = 30 * time.Second

// DirectorySettings is directory sign-in for admins as configured.
type DirectorySettings struct {
	// Enabled is false when directory sign-in is turned off (or not set up).
	Enabled bool
	// Config says how to reach the directory. Its BindPassword is the
	// plain password: for connecting only, never for display.
	Config directory.Config
	// Recheck is how often group membership is checked again during a
	// session; zero means DefaultDirectoryRecheck.
	Recheck time.Duration
}

// DirectoryFromEnv turns the PORTICO_LDAP_* variables into settings; an
// empty URL means the environment sets up no directory.
func DirectoryFromEnv(c config.LDAPConfig) DirectorySettings {
	return DirectorySettings{
		Enabled: strings.TrimSpace(c.URL) != "",
		Config: directory.Config{
			URL: c.URL, StartTLS: c.StartTLS, SkipVerify: c.SkipVerify, CAFile: c.CAFile,
			BindDN: c.BindDN, BindPassword: c.BindPassword, BaseDN: c.BaseDN, UserFilter: c.UserFilter,
			Kind: c.Kind, AdminGroupDN: c.AdminGroup, Timeout: c.Timeout,
		},
		Recheck: c.Recheck,
	}
}

func (d DirectorySettings) recheck() time.Duration {
	if d.Recheck <= 0 {
		return DefaultDirectoryRecheck
	}
	return d.Recheck
}

// Validate checks enabled settings (see directory.Config.Validate) and the
// re-check interval, returning every problem as a *directory.FieldError
// (read them with directory.FieldErrors). Settings that are turned off
// are not checked.
func (d DirectorySettings) Validate() error {
	if !d.Enabled {
		return nil
	}
	err := d.Config.Validate()
	if d.Recheck != 0 && (d.Recheck < MinDirectoryRecheck || d.Recheck > MaxDirectoryRecheck) {
		err = errors.Join(err, &directory.FieldError{Field: "Recheck",
			Message: fmt.Sprintf("choose between %s and %s (default %s)", FormatDuration(MinDirectoryRecheck), FormatDuration(MaxDirectoryRecheck), FormatDuration(DefaultDirectoryRecheck))})
	}
	return err
}

// FormatDuration writes a duration the short way people type it: "15m"
// rather than "15m0s".
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// storedDirectory is the JSON under SettingDirectory.
type storedDirectory struct {
	Enabled            bool   `json:"enabled"`
	URL                string `json:"url"`
	StartTLS           bool   `json:"start_tls"`
	SkipVerify         bool   `json:"skip_verify"`
	CAFile             string `json:"ca_file"`
	BindDN             string `json:"bind_dn"`
	BindPasswordSealed string `json:"bind_password_sealed"`
	BaseDN             string `json:"base_dn"`
	UserFilter         string `json:"user_filter"`
	Kind               string `json:"kind"`
	AdminGroupDN       string `json:"admin_group_dn"`
	Timeout            string `json:"timeout"`
	Recheck            string `json:"recheck"`
}

// errDirectoryPasswordUnreadable means the stored bind password cannot be
// decrypted: the secret key changed since it was saved.
var errDirectoryPasswordUnreadable = errors.New("the stored bind password cannot be decrypted (was the secret key changed?); enter it again on the directory settings page")

// loadDirectory reads the settings in force and where they come from. When
// the stored password cannot be decrypted, the other settings come back
// with an empty password and errDirectoryPasswordUnreadable.
func (s *Service) loadDirectory(ctx context.Context) (DirectorySettings, string, error) {
	raw, err := s.Store.Setting(ctx, SettingDirectory)
	if errors.Is(err, store.ErrNotFound) {
		if s.DirectoryEnv.Enabled {
			return s.DirectoryEnv, DirectoryFromEnvironment, nil
		}
		return DirectorySettings{}, DirectoryFromNowhere, nil
	}
	if err != nil {
		return DirectorySettings{}, DirectoryFromDatabase, err
	}
	var v storedDirectory
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return DirectorySettings{}, DirectoryFromDatabase, fmt.Errorf("auth: the stored directory settings are unreadable: %w", err)
	}
	d := DirectorySettings{Enabled: v.Enabled, Config: directory.Config{
		URL: v.URL, StartTLS: v.StartTLS, SkipVerify: v.SkipVerify, CAFile: v.CAFile, BindDN: v.BindDN,
		BaseDN: v.BaseDN, UserFilter: v.UserFilter, Kind: v.Kind, AdminGroupDN: v.AdminGroupDN,
	}}
	// Durations were written by SaveDirectory; one that does not parse
	// (edited by hand) falls back to the default rather than failing.
	d.Config.Timeout, _ = time.ParseDuration(v.Timeout)
	d.Recheck, _ = time.ParseDuration(v.Recheck)
	if v.BindPasswordSealed != "" {
		pw, err := s.Box.Open(v.BindPasswordSealed)
		if err != nil {
			return d, DirectoryFromDatabase, errDirectoryPasswordUnreadable
		}
		d.Config.BindPassword = pw
	}
	return d, DirectoryFromDatabase, nil
}

// DirectoryStatus is what the settings page shows: the settings in force
// and where they come from, never a password.
type DirectoryStatus struct {
	// Settings are the settings in force, BindPassword always empty.
	Settings    DirectorySettings
	HasPassword bool
	Source      string // DirectoryFromDatabase, DirectoryFromEnvironment or DirectoryFromNowhere
	// Env is what PORTICO_LDAP_* say (BindPassword empty), whether or not
	// they are in force.
	Env            DirectorySettings
	EnvHasPassword bool
	// Problem says why the settings in force cannot be used (unreadable,
	// or invalid), for the page to show; nil when they can.
	Problem error
}

// DirectoryStatus reads the settings straight from the database (no
// cache), for the settings page.
func (s *Service) DirectoryStatus(ctx context.Context) (DirectoryStatus, error) {
	d, source, err := s.loadDirectory(ctx)
	st := DirectoryStatus{Source: source, Env: s.DirectoryEnv, EnvHasPassword: s.DirectoryEnv.Config.BindPassword != ""}
	st.Env.Config.BindPassword = ""
	switch {
	case errors.Is(err, errDirectoryPasswordUnreadable):
		st.Problem = err
	case err != nil:
		return st, err
	default:
		st.Problem = d.Validate()
	}
	st.HasPassword = d.Config.BindPassword != ""
	d.Config.BindPassword = ""
	st.Settings = d
	return st, nil
}

// directoryState is one instance's view of directory sign-in: the client
// built from the settings in force, or why there is none.
type directoryState struct {
	// configured is set when directory sign-in is on (saved, or from the
	// environment), whether or not the settings work.
	configured bool
	// client is nil when not configured or when the settings are unusable
	// (problem says why).
	client  *directory.Client
	problem error
	recheck time.Duration
}

// directoryCache holds one instance's directoryState; the zero value is
// ready to use.
type directoryCache struct {
	mu       sync.Mutex
	loaded   bool
	loadedAt time.Time
	state    *directoryState
	// downUntil holds off membership re-checks for a while after the
	// directory failed to answer one, so that an outage costs one
	// connection attempt per minute rather than one per request.
	downUntil time.Time
}

// dirState returns the directory state in force on this instance,
// reading the settings at most once per DirectoryCacheFor. It never fails:
// when the settings cannot be read it keeps the previous state (or none)
// and logs a warning.
func (s *Service) dirState(ctx context.Context) *directoryState {
	c := &s.dir
	c.mu.Lock()
	defer c.mu.Unlock()
	now := s.Clock.Now()
	if c.loaded && now.Sub(c.loadedAt) < DirectoryCacheFor && !now.Before(c.loadedAt) {
		return c.state
	}
	d, source, err := s.loadDirectory(ctx)
	switch {
	case err != nil && !errors.Is(err, errDirectoryPasswordUnreadable):
		s.Log.Warn("could not read the directory settings; keeping the previous ones", "err", err)
		if c.state == nil {
			c.state = &directoryState{recheck: DefaultDirectoryRecheck}
		}
	case !d.Enabled:
		c.state = &directoryState{recheck: d.recheck()}
	default:
		st := &directoryState{configured: true, recheck: d.recheck(), problem: err}
		if st.problem == nil {
			st.problem = d.Validate()
		}
		if st.problem == nil {
			st.client, st.problem = directory.New(d.Config)
		}
		if st.problem != nil {
			s.Log.Warn("directory sign-in is set up but cannot be used; directory admins cannot sign in until the settings are fixed",
				"source", source, "problem", st.problem.Error())
		}
		c.state = st
	}
	c.loaded, c.loadedAt = true, now
	return c.state
}

// forgetDirectory makes the next use read the settings again.
func (s *Service) forgetDirectory() {
	c := &s.dir
	c.mu.Lock()
	c.loaded = false
	c.downUntil = time.Time{}
	c.mu.Unlock()
}

// DirectoryEnabled reports whether directory sign-in is on, for the sign-in
// page's wording.
func (s *Service) DirectoryEnabled(ctx context.Context) bool {
	return s.dirState(ctx).configured
}

// DirectoryRecheck is the re-check interval in force.
func (s *Service) DirectoryRecheck(ctx context.Context) time.Duration {
	return s.dirState(ctx).recheck
}

// resolvePassword fills in the bind password the form left empty (the
// field is write-only) from the settings in force. It refuses to when the
// URL or the bind DN changed: the stored password is only ever sent to
// the server and account it was saved for, so pointing the settings at
// another server takes the password typed again.
func (s *Service) resolvePassword(ctx context.Context, d *DirectorySettings) (kept bool, err error) {
	if d.Config.BindPassword != "" {
		return false, nil
	}
	cur, _, err := s.loadDirectory(ctx)
	if errors.Is(err, errDirectoryPasswordUnreadable) {
		return false, &directory.FieldError{Field: "BindPassword", Message: "the stored password cannot be decrypted (was the secret key changed?): type it again"}
	}
	if err != nil {
		return false, err
	}
	if cur.Config.BindPassword == "" {
		return false, nil // Validate asks for one
	}
	if !sameAccount(cur.Config, d.Config) {
		return false, &directory.FieldError{Field: "BindPassword",
			Message: "type the bind password again: the URL or the bind DN changed, and the stored password is only sent to the server and account it was saved for"}
	}
	d.Config.BindPassword = cur.Config.BindPassword
	return true, nil
}

func sameAccount(a, b directory.Config) bool {
	return strings.EqualFold(strings.TrimSpace(a.URL), strings.TrimSpace(b.URL)) &&
		strings.EqualFold(strings.TrimSpace(a.BindDN), strings.TrimSpace(b.BindDN))
}

// trimDirectory trims the text settings (never the password).
func trimDirectory(d DirectorySettings) DirectorySettings {
	c := &d.Config
	c.URL, c.CAFile, c.BindDN, c.BaseDN = strings.TrimSpace(c.URL), strings.TrimSpace(c.CAFile), strings.TrimSpace(c.BindDN), strings.TrimSpace(c.BaseDN)
	c.UserFilter, c.Kind, c.AdminGroupDN = strings.TrimSpace(c.UserFilter), strings.ToLower(strings.TrimSpace(c.Kind)), strings.TrimSpace(c.AdminGroupDN)
	return d
}

// DirectoryClientFor builds a client from settings typed into the form, an
// empty bind password standing for the one in force (see resolvePassword),
// for "test connection" and "test a user" before saving. Problems with the
// settings come back as *directory.FieldError values.
func (s *Service) DirectoryClientFor(ctx context.Context, d DirectorySettings) (*directory.Client, error) {
	d = trimDirectory(d)
	d.Enabled = true
	if _, err := s.resolvePassword(ctx, &d); err != nil {
		return nil, err
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return directory.New(d.Config)
}

// SaveDirectory validates and stores directory sign-in settings (the bind
// password sealed; an empty one keeps the password in force, see
// resolvePassword), audits what changed as settings_changed with the
// password masked, and applies the settings at once on this instance
// (within DirectoryCacheFor on the others). It reports whether anything
// changed. Problems with the settings are *directory.FieldError values.
//
// Settings that are turned off are stored too (keeping the other values,
// so turning it on again needs nothing retyped): once saved, the database
// takes the place of PORTICO_LDAP_* in either state.
func (s *Service) SaveDirectory(ctx context.Context, actor audit.Actor, d DirectorySettings) (bool, error) {
	d = trimDirectory(d)
	prev, source, prevErr := s.loadDirectory(ctx)
	if prevErr != nil && !errors.Is(prevErr, errDirectoryPasswordUnreadable) {
		return false, prevErr
	}
	typed := d.Config.BindPassword != ""
	if d.Enabled {
		if _, err := s.resolvePassword(ctx, &d); err != nil {
			return false, err
		}
	} else if !typed && sameAccount(prev.Config, d.Config) {
		d.Config.BindPassword = prev.Config.BindPassword
	}
	if err := d.Validate(); err != nil {
		return false, err
	}

	changes := directoryChanges(prev, d)
	switch {
	case typed && prev.Config.BindPassword == "":
		changes["bind_password"] = "set"
	case typed && prev.Config.BindPassword != d.Config.BindPassword:
		changes["bind_password"] = "changed"
	case !typed && d.Config.BindPassword == "" && prev.Config.BindPassword != "":
		changes["bind_password"] = "removed"
	}
	if source != DirectoryFromDatabase {
		changes["source"] = map[string]any{"from": source, "to": DirectoryFromDatabase}
	}
	if len(changes) == 0 && prevErr == nil {
		return false, nil
	}

	sealed := ""
	if d.Config.BindPassword != "" {
		var err error
		if sealed, err = s.Box.Seal(d.Config.BindPassword); err != nil {
			return false, err
		}
	}
	v := storedDirectory{
		Enabled: d.Enabled, URL: d.Config.URL, StartTLS: d.Config.StartTLS, SkipVerify: d.Config.SkipVerify,
		CAFile: d.Config.CAFile, BindDN: d.Config.BindDN, BindPasswordSealed: sealed, BaseDN: d.Config.BaseDN,
		UserFilter: d.Config.UserFilter, Kind: d.Config.Kind, AdminGroupDN: d.Config.AdminGroupDN,
	}
	if d.Config.Timeout > 0 {
		v.Timeout = d.Config.Timeout.String()
	}
	if d.Recheck > 0 {
		v.Recheck = d.Recheck.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return false, err
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetSetting(ctx, SettingDirectory, string(b), actor.Label, s.Clock.Now()); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.SettingsChanged, actor,
			audit.Target{Kind: "settings", ID: SettingDirectory, Label: "Directory sign-in"}, changes)
	})
	if err != nil {
		return false, err
	}
	s.forgetDirectory()
	return true, nil
}

// directoryChanges lists the settings that differ, from → to, without the
// password.
func directoryChanges(prev, next DirectorySettings) map[string]any {
	changes := audit.Changes{}
	diff := changes.Add
	p, n := prev.Config, next.Config
	diff("enabled", prev.Enabled, next.Enabled)
	diff("url", p.URL, n.URL)
	diff("start_tls", p.StartTLS, n.StartTLS)
	// Switching certificate verification off is the one change here that
	// weakens security by itself; it stands out in the log under its name.
	diff("skip_verify", p.SkipVerify, n.SkipVerify)
	diff("ca_file", p.CAFile, n.CAFile)
	diff("bind_dn", p.BindDN, n.BindDN)
	diff("base_dn", p.BaseDN, n.BaseDN)
	diff("user_filter", p.UserFilter, n.UserFilter)
	diff("kind", p.Kind, n.Kind)
	diff("admin_group_dn", p.AdminGroupDN, n.AdminGroupDN)
	diff("timeout", durationText(p.Timeout, directory.DefaultTimeout), durationText(n.Timeout, directory.DefaultTimeout))
	diff("recheck", durationText(prev.Recheck, DefaultDirectoryRecheck), durationText(next.Recheck, DefaultDirectoryRecheck))
	return changes
}

func durationText(d, def time.Duration) string {
	if d <= 0 {
		d = def
	}
	return FormatDuration(d)
}
