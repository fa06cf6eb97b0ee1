package catalog

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
)

// The presets are datasets files embedded in the binary, so a preset and
// the file a user would write for it cannot drift apart: both are read by
// the same parser and checked by the same validation.
var (
	//go:embed presets/demo.toml
	demoTOML string
	//go:embed presets/deacom.toml
	deacomTOML string
	//go:embed presets/timetracker.toml
	timetrackerTOML string
)

// erpPathToken stands for the demo ERP's path in presets/demo.toml.
const erpPathToken = `"@ERP_PATH@"`

// PresetOptions are what a preset needs from its caller.
type PresetOptions struct {
	// DemoERPPath is the demo ERP's SQLite file, for the "demo" preset.
	DemoERPPath string
	// Env looks up environment variables to resolve dsn_env (the "deacom"
	// preset reads PORTICO_DEACOM_DSN, "timetracker" reads
	// PORTICO_TIMETRACKER_DSN); nil means os.LookupEnv.
	Env func(string) (string, bool)
}

// Presets lists the shipped presets' names.
func Presets() []string {
	names := make([]string, 0, len(presetText))
	for n := range presetText {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

var presetText = map[string]func(erpPath string) string{
	"demo":        DemoFile,
	"deacom":      func(string) string { return deacomTOML },
	"timetracker": func(string) string { return timetrackerTOML },
}

// Preset returns a shipped preset, validated like a datasets file:
// "demo" reads the demo ERP at opts.DemoERPPath; "deacom" is the original
// portal's inventory query on a Deacom ERP (SQL Server), with its DSN from
// PORTICO_DEACOM_DSN; "timetracker" reads a TimeTracker database
// (PostgreSQL, DSN from PORTICO_TIMETRACKER_DSN) for the client-portal
// roles.
func Preset(name string, opts PresetOptions) (*Catalog, error) {
	return build(fmt.Sprintf("preset %q", name), &fileDoc{Preset: name}, opts.Env, opts, "")
}

// presetDoc decodes a preset for merging under a file's own entries.
func presetDoc(name, erpPath string) (*fileDoc, error) {
	text, ok := presetText[name]
	if !ok {
		quoted := make([]string, 0, len(presetText))
		for _, n := range Presets() {
			quoted = append(quoted, fmt.Sprintf("%q", n))
		}
		return nil, fmt.Errorf("preset %q is not a shipped preset; use one of %s, or remove the preset line and declare the sources and datasets yourself",
			name, strings.Join(quoted, ", "))
	}
	doc, err := decode("preset "+name, []byte(text(erpPath)))
	if err != nil {
		return nil, err
	}
	if doc.Preset != "" {
		return nil, fmt.Errorf("preset %q names another preset", name) // presets do not nest
	}
	for i := range doc.Sources {
		doc.Sources[i].fromPreset = name
	}
	return doc, nil
}

// DemoFile returns the demo's datasets file, reading the demo ERP at
// erpPath. The demo writes it into its data directory as a worked example;
// parsed, it gives the same catalog as Preset("demo").
func DemoFile(erpPath string) string {
	return strings.Replace(demoTOML, erpPathToken, tomlString(erpPath), 1)
}

// tomlString quotes s as a TOML basic string. Windows paths are full of
// backslashes, which a TOML string must escape.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
