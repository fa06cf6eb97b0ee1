// Package catalog reads the datasets file: the TOML file (PORTICO_CONFIG)
// that declares the ERP sources Portico reads and the datasets customers
// see, and the presets shipped in the binary ("demo", "deacom" and
// "timetracker") that can be named instead of written out. Everything is validated at load time,
// with every problem reported at once, each naming the file, the source or
// dataset and the field, and saying what to fix: a portal that starts has
// a datasets file that makes sense. docs/datasets.md documents the format.
package catalog

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/portico-dev/portico/internal/dataset"
	"github.com/portico-dev/portico/internal/source"
)

// Catalog is a validated datasets file: the sources, with their DSNs
// resolved from the environment, the grid datasets (the inventory and the
// /data pages) and the role datasets (projects, invoices, invoice lines,
// time entries), each in file order. Role datasets are kept apart from
// the grids on purpose: their rows are shown only through the rules of
// their pages (draft invoices never), so nothing lists them as a grid.
type Catalog struct {
	Sources  []source.Config
	Datasets []*dataset.Spec
	Roles    []*RoleDataset
}

// Dataset returns the grid dataset with that name (role datasets are
// found with Role).
func (c *Catalog) Dataset(name string) (*dataset.Spec, bool) {
	for _, d := range c.Datasets {
		if d.Name == name {
			return d, true
		}
	}
	return nil, false
}

// Source returns the source with that name.
func (c *Catalog) Source(name string) (source.Config, bool) {
	for _, s := range c.Sources {
		if s.Name == name {
			return s, true
		}
	}
	return source.Config{}, false
}

// Inventory returns the dataset shown at /inventory (page = "inventory"),
// if the catalog has one; validation allows at most one.
func (c *Catalog) Inventory() (*dataset.Spec, bool) {
	for _, d := range c.Datasets {
		if d.Page == PageInventory {
			return d, true
		}
	}
	return nil, false
}

// Pages a dataset can appear on.
const (
	// PageInventory is the inventory grid at /inventory, linked from the
	// navigation and summarised on the dashboard.
	PageInventory = "inventory"
	// PageData is a grid of its own at /data/{name}.
	PageData = "data"
)

// DefaultRefresh is how long a snapshot is served when a dataset does not
// say: fresh enough for stock levels, and at most one ERP query per
// dataset, scope and minute.
const DefaultRefresh = 60 * time.Second

// Load reads and validates the datasets file at path. env looks up
// environment variables (os.LookupEnv in production; nil means
// os.LookupEnv) to resolve each source's dsn_env. A relative sqlite dsn is
// taken relative to the file's directory, so a datasets file and its SQLite
// ERP can move together.
func Load(path string, env func(string) (string, bool)) (*Catalog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("datasets file: %w (check PORTICO_CONFIG)", err)
	}
	return parse(path, data, env, PresetOptions{}, filepath.Dir(path))
}

// Parse is Load for the contents of a datasets file; name is the file name
// used in messages. Relative sqlite paths are left as they are.
func Parse(name string, data []byte, env func(string) (string, bool)) (*Catalog, error) {
	return parse(name, data, env, PresetOptions{}, "")
}

func parse(name string, data []byte, env func(string) (string, bool), opts PresetOptions, dir string) (*Catalog, error) {
	doc, err := decode(name, data)
	if err != nil {
		return nil, err
	}
	return build(name, doc, env, opts, dir)
}

// build merges the named preset under the file's own entries and
// validates the result.
func build(name string, doc *fileDoc, env func(string) (string, bool), opts PresetOptions, dir string) (*Catalog, error) {
	if env == nil {
		env = os.LookupEnv
	}
	if doc.Preset != "" {
		base, err := presetDoc(doc.Preset, opts.DemoERPPath)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		doc = merge(base, doc)
	}
	return validate(name, doc, env, dir)
}

// merge returns base with over's sources and datasets on top: an entry of
// over replaces base's entry of the same name where it stood, and new
// entries follow base's. Entries are replaced whole, never field by field,
// so what a dataset does can be read in one place.
func merge(base, over *fileDoc) *fileDoc {
	out := &fileDoc{}
	srcAt := map[string]int{}
	for _, s := range base.Sources {
		srcAt[s.Name] = len(out.Sources)
		out.Sources = append(out.Sources, s)
	}
	for _, s := range over.Sources {
		if i, ok := srcAt[s.Name]; ok && s.Name != "" {
			out.Sources[i] = s
			delete(srcAt, s.Name) // a second entry of the name is a duplicate, reported as such
			continue
		}
		out.Sources = append(out.Sources, s)
	}
	dsAt := map[string]int{}
	for _, d := range base.Datasets {
		dsAt[d.Name] = len(out.Datasets)
		out.Datasets = append(out.Datasets, d)
	}
	for _, d := range over.Datasets {
		if i, ok := dsAt[d.Name]; ok && d.Name != "" {
			out.Datasets[i] = d
			delete(dsAt, d.Name)
			continue
		}
		out.Datasets = append(out.Datasets, d)
	}
	return out
}
