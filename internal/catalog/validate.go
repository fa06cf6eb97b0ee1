package catalog

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/portico-dev/portico/internal/dataset"
	"github.com/portico-dev/portico/internal/source"
)

var (
	// Dataset and source names appear in URLs (/data/{name}) and messages.
	nameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,40}$`)
	// Column names appear in URLs (f.<name>, sort=<name>) and are quoted
	// into the scope filter; lower case avoids PostgreSQL folding unquoted
	// aliases to lower case behind the author's back.
	columnRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
	envRE    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

	columnTypes = []dataset.ColumnType{dataset.Text, dataset.Number, dataset.Integer, dataset.Money, dataset.Date, dataset.DateTime}
	aligns      = []string{"left", "right", "center"}
)

// problems collects every validation message of one file.
type problems struct {
	file string
	errs []error
}

func (p *problems) add(format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s: %s", p.file, fmt.Sprintf(format, args...)))
}

func (p *problems) err() error { return errors.Join(p.errs...) }

func label(kind string, i int, name string) string {
	if name == "" {
		return fmt.Sprintf("%s #%d", kind, i+1)
	}
	return fmt.Sprintf("%s %q", kind, name)
}

// validate turns the merged file into a Catalog, or reports every problem.
func validate(file string, doc *fileDoc, env func(string) (string, bool), dir string) (*Catalog, error) {
	p := &problems{file: file}
	cat := &Catalog{}

	seenSrc := map[string]bool{}
	for i, fs := range doc.Sources {
		cfg, ok := validateSource(p, i, fs, env, dir)
		if fs.Name != "" {
			if seenSrc[fs.Name] {
				p.add("source %q is declared twice; source names must be unique", fs.Name)
				continue
			}
			seenSrc[fs.Name] = true
		}
		if ok {
			cat.Sources = append(cat.Sources, cfg)
		}
	}
	var srcNames []string
	for _, s := range doc.Sources {
		if s.Name != "" {
			srcNames = append(srcNames, fmt.Sprintf("%q", s.Name))
		}
	}

	seenDS := map[string]bool{}
	inventory := ""
	roleAt := map[Role]string{}
	for i, fd := range doc.Datasets {
		if fd.Name != "" {
			if seenDS[fd.Name] {
				p.add("dataset %q is declared twice; dataset names must be unique", fd.Name)
				continue
			}
			seenDS[fd.Name] = true
		}
		spec := validateDataset(p, i, fd, seenSrc, srcNames)
		if fd.Role != "" {
			rd := validateRole(p, label("dataset", i, fd.Name), fd, spec)
			if rd == nil {
				continue
			}
			if prev, dup := roleAt[rd.Role]; dup {
				p.add("datasets %q and %q both have role = %q; only one dataset can have a role, remove it from one of them",
					prev, spec.Name, rd.Role)
				continue
			}
			roleAt[rd.Role] = spec.Name
			cat.Roles = append(cat.Roles, rd)
			continue
		}
		if fd.Statuses != nil {
			p.add("%s: [dataset.statuses] applies only to a dataset with role = %q or %q", label("dataset", i, fd.Name), RoleProjects, RoleInvoices)
		}
		if spec.Page == PageInventory {
			if inventory != "" {
				p.add("datasets %q and %q both have page = %q; only one dataset can be the inventory page, give the other page = %q",
					inventory, spec.Name, PageInventory, PageData)
			} else {
				inventory = spec.Name
			}
		}
		cat.Datasets = append(cat.Datasets, spec)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return cat, nil
}

func validateSource(p *problems, i int, fs fileSource, env func(string) (string, bool), dir string) (source.Config, bool) {
	n := len(p.errs)
	at := label("source", i, fs.Name)
	cfg := source.Config{Name: fs.Name, Driver: fs.Driver, DSNEnv: fs.DSNEnv, CustomersSQL: strings.TrimSpace(fs.CustomersSQL)}
	switch {
	case fs.Name == "":
		p.add("%s: name is missing; give every [[source]] a name for datasets to refer to", at)
	case !nameRE.MatchString(fs.Name):
		p.add("%s: name must start with a lower-case letter and hold only a-z, 0-9, _ and - (at most 41 characters)", at)
	}
	switch {
	case fs.Driver == "":
		p.add("%s: driver is missing; use one of %s", at, strings.Join(source.Drivers, ", "))
	case !slices.Contains(source.Drivers, fs.Driver):
		p.add("%s: driver %q is not supported; use one of %s", at, fs.Driver, strings.Join(source.Drivers, ", "))
	}

	switch {
	case fs.DSN != "" && fs.DSNEnv != "":
		p.add("%s: set either dsn or dsn_env, not both", at)
	case fs.DSNEnv != "":
		if !envRE.MatchString(fs.DSNEnv) {
			p.add("%s: dsn_env %q is not an environment variable name; write the variable's name (e.g. PORTICO_ERP_DSN), not its value", at, fs.DSNEnv)
			break
		}
		v, ok := env(fs.DSNEnv)
		switch {
		case !ok:
			p.add("%s: set the environment variable %s (named by dsn_env)", at, fs.DSNEnv)
		case strings.TrimSpace(v) == "":
			p.add("%s: the environment variable %s (named by dsn_env) is empty; set it to the connection string", at, fs.DSNEnv)
		default:
			cfg.DSN = strings.TrimSpace(v)
		}
	case fs.DSN != "":
		if fs.Driver != "sqlite" && hasPassword(fs.DSN) {
			p.add("%s: dsn holds a password; put the connection string in an environment variable and name it with dsn_env, so the password stays out of this file", at)
			break
		}
		cfg.DSN = fs.DSN
		if fs.Driver == "sqlite" && dir != "" && !strings.HasPrefix(fs.DSN, "file:") && !filepath.IsAbs(fs.DSN) {
			cfg.DSN = filepath.Join(dir, fs.DSN)
		}
	case fs.Driver == "sqlite" && fs.fromPreset != "":
		p.add("%s: dsn is missing; the preset %q cannot know the SQLite file's path: declare [[source]] name = %q with driver and dsn in this file, which replaces the preset's",
			at, fs.fromPreset, fs.Name)
	case fs.Driver == "sqlite":
		p.add("%s: dsn is missing; set it to the SQLite database file's path", at)
	default:
		p.add("%s: dsn_env is missing; set it to the name of the environment variable that holds the connection string (e.g. dsn_env = \"PORTICO_ERP_DSN\")", at)
	}

	durations := []struct {
		key string
		d   duration
		to  *time.Duration
	}{
		{"query_timeout", fs.QueryTimeout, &cfg.QueryTimeout},
		{"connect_timeout", fs.ConnectTimeout, &cfg.ConnectTimeout},
		{"breaker_cooldown", fs.BreakerCooldown, &cfg.BreakerCooldown},
	}
	for _, d := range durations {
		if !d.d.set {
			continue
		}
		v, err := time.ParseDuration(strings.TrimSpace(d.d.text))
		switch {
		case err != nil:
			p.add("%s: %s %q is not a duration; write it like \"10s\", \"1m30s\" or \"500ms\"", at, d.key, d.d.text)
		case v <= 0:
			p.add("%s: %s %q must be positive (leave it out for the default)", at, d.key, d.d.text)
		default:
			*d.to = v
		}
	}
	for _, c := range []struct {
		key string
		v   *int
		to  *int
	}{{"max_open_conns", fs.MaxOpenConns, &cfg.MaxOpenConns}, {"breaker_failures", fs.BreakerFailures, &cfg.BreakerFailures}} {
		if c.v == nil {
			continue
		}
		if *c.v < 1 {
			p.add("%s: %s is %d; it must be at least 1 (leave it out for the default)", at, c.key, *c.v)
			continue
		}
		*c.to = *c.v
	}
	if cfg.CustomersSQL != "" {
		if err := source.ValidateSelect(cfg.CustomersSQL); err != nil {
			p.add("%s: customers_sql: %v", at, err)
		}
	}
	return cfg, len(p.errs) == n
}

var (
	// user:password@ in URLs and in MySQL's DSN form.
	userPassRE = regexp.MustCompile(`^[^@/]*:[^@/]*@`)
	// password=… or pwd=… in key-value DSNs (SQL Server ADO and ODBC,
	// libpq) and in URL queries.
	passwordKeyRE = regexp.MustCompile(`(?i)(^|[;&?\s])\s*(password|pwd)\s*=`)
)

// hasPassword reports whether a connection string carries a password in
// any of the forms the drivers accept.
func hasPassword(dsn string) bool {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			return true
		}
	}
	if !strings.Contains(dsn, "://") && userPassRE.MatchString(dsn) {
		return true
	}
	return passwordKeyRE.MatchString(dsn)
}

func validateDataset(p *problems, i int, fd fileDataset, sources map[string]bool, srcNames []string) *dataset.Spec {
	at := label("dataset", i, fd.Name)
	spec := &dataset.Spec{
		Name: fd.Name, Title: strings.TrimSpace(fd.Title), Source: fd.Source, SQL: strings.TrimSpace(fd.SQL),
		CustomerColumn: fd.CustomerColumn, KeyColumn: fd.KeyColumn, Page: fd.Page, Refresh: DefaultRefresh,
	}
	switch {
	case fd.Name == "":
		p.add("%s: name is missing; it is the dataset's URL name, e.g. name = \"open_orders\" for /data/open_orders", at)
	case !nameRE.MatchString(fd.Name):
		p.add("%s: name must start with a lower-case letter and hold only a-z, 0-9, _ and - (at most 41 characters), since it appears in URLs", at)
	}
	if spec.Title == "" {
		spec.Title = humanize(fd.Name)
	}
	known := "declare one with [[source]]"
	if len(srcNames) > 0 {
		known = "declared: " + strings.Join(srcNames, ", ")
	}
	switch {
	case fd.Source == "":
		p.add("%s: source is missing; name the [[source]] it reads from (%s)", at, known)
	case !sources[fd.Source]:
		p.add("%s: source %q is not declared (%s)", at, fd.Source, known)
	}
	switch fd.Page {
	case "":
		spec.Page = PageData
	case PageInventory, PageData:
	default:
		p.add("%s: page %q is not %q or %q", at, fd.Page, PageInventory, PageData)
	}
	if spec.SQL == "" {
		p.add("%s: sql is missing; write the SELECT that returns the dataset's rows with its canonical column names", at)
	} else if err := source.ValidateSelect(spec.SQL); err != nil {
		p.add("%s: sql: %v", at, err)
	}
	if fd.Refresh.set {
		v, err := time.ParseDuration(strings.TrimSpace(fd.Refresh.text))
		switch {
		case err != nil:
			p.add("%s: refresh %q is not a duration; write it like \"60s\", \"5m\" or \"0s\" (read live on every request)", at, fd.Refresh.text)
		case v < 0:
			p.add("%s: refresh %q is negative; use \"0s\" to read live on every request or a duration such as \"60s\"", at, fd.Refresh.text)
		default:
			spec.Refresh = v
		}
	}

	// Columns.
	if len(fd.Columns) == 0 {
		p.add("%s: no columns; declare each column the SQL returns with [[dataset.column]]", at)
	}
	seen := map[string]bool{}
	for j, fc := range fd.Columns {
		cat := fmt.Sprintf("%s: %s", at, label("column", j, fc.Name))
		col := dataset.Column{Name: fc.Name, Label: strings.TrimSpace(fc.Label), Type: dataset.ColumnType(fc.Type),
			Format: fc.Format, Align: fc.Align, Hidden: fc.Hidden, Facet: fc.Facet}
		switch {
		case fc.Name == "":
			p.add("%s: name is missing; use the name the SQL returns the column under", cat)
		case !columnRE.MatchString(fc.Name):
			p.add("%s: name must be lower-case letters, digits and _ (alias the column in the SQL, e.g. AS on_hand_qty)", cat)
		case seen[fc.Name]:
			p.add("%s: declared twice", cat)
		}
		seen[fc.Name] = true
		if col.Type == "" {
			col.Type = dataset.Text
		} else if !slices.Contains(columnTypes, col.Type) {
			names := make([]string, len(columnTypes))
			for k, t := range columnTypes {
				names[k] = string(t)
			}
			p.add("%s: type %q is not one of %s", cat, fc.Type, strings.Join(names, ", "))
		}
		if col.Align != "" && !slices.Contains(aligns, col.Align) {
			p.add("%s: align %q is not one of %s (or leave it out: numbers right, the rest left)", cat, fc.Align, strings.Join(aligns, ", "))
		}
		if col.Label == "" {
			col.Label = humanize(fc.Name)
		}
		if fc.Searchable != nil {
			col.Searchable = *fc.Searchable
		} else {
			col.Searchable = col.Type == dataset.Text
		}
		spec.Columns = append(spec.Columns, col)
	}
	for _, ref := range []struct{ key, col, why string }{
		{"customer_column", fd.CustomerColumn, "the column holding the ERP customer key, which the scope filters on"},
		{"key_column", fd.KeyColumn, "a column unique per row, the last sort tie-breaker"},
	} {
		switch {
		case ref.col == "":
			p.add("%s: %s is missing; name %s", at, ref.key, ref.why)
		case !seen[ref.col]:
			p.add("%s: %s %q is not one of its columns; declare it with [[dataset.column]] or fix the name", at, ref.key, ref.col)
		}
	}
	sorted := map[string]bool{}
	for _, s := range fd.DefaultSort {
		name, desc := strings.CutPrefix(strings.TrimSpace(s), "-")
		switch {
		case name == "":
			p.add("%s: default_sort has an empty entry; write column names, with \"-\" in front for descending", at)
		case !seen[name]:
			p.add("%s: default_sort %q: no column %q in this dataset", at, s, name)
		case sorted[name]:
			p.add("%s: default_sort names %q twice", at, name)
		default:
			sorted[name] = true
			spec.DefaultSort = append(spec.DefaultSort, dataset.SortKey{Column: name, Desc: desc})
		}
	}
	return spec
}

// humanize turns a canonical name into a default label: "on_hand_qty"
// becomes "On hand qty".
func humanize(name string) string {
	s := strings.NewReplacer("_", " ", "-", " ").Replace(name)
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
