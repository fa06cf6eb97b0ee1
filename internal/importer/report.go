package importer

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// maxListed bounds each list in the written report; the counts stay exact.
const maxListed = 50

// Write prints the report for the operator: the counts, then who was
// skipped and why, and everything else that needs a decision.
func (r *Report) Write(w io.Writer) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	if r.DryRun {
		p("Import from the %s database (dry run: nothing was changed; a real run would do this)", r.Title)
	} else {
		p("Import from the %s database", r.Title)
	}
	p("")
	a := r.Accounts
	p("Accounts: %d new, %d updated, %d unchanged, %d skipped", a.New, a.Updated, a.Unchanged, a.Skipped)
	items(w, "Updated (what changed):", r.Updated)
	items(w, "Skipped:", r.Skipped)
	items(w, "Without a password (they need an invitation or a reset link from the admin console):", r.NoPassword)
	names(w, "Portico password kept, because it was set in Portico (or upgraded at a sign-in) after an earlier import; --overwrite-passwords replaces it:", r.PasswordsKept)
	names(w, "Portico password replaced by the original's (--overwrite-passwords); their sessions were ended:", r.PasswordsOverwritten)
	items(w, "Notes:", r.Notes)

	if len(r.NewCustomers) > 0 {
		p("Customers: %d added to Portico's customer list", len(r.NewCustomers))
	}
	if len(r.UnknownCustomers) > 0 {
		keys := make([]string, 0, len(r.UnknownCustomers))
		for k := range r.UnknownCustomers {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var list []Item
		for _, k := range keys {
			list = append(list, Item{fmt.Sprintf("%q", k), "named by " + strings.Join(r.UnknownCustomers[k], ", ")})
		}
		items(w, "Unknown customers: not in the ERP's customer list, so these accounts see nothing of them until the name is corrected (in the admin console) or appears in the ERP:", list)
	}
	if r.AuditLog {
		entries := "entries"
		if r.Audit.New == 1 {
			entries = "entry"
		}
		p("Audit log: %d %s imported, %d imported before", r.Audit.New, entries, r.Audit.Unchanged)
	}
	if r.TimeZone != "" {
		p("The original's times were read as %s time (--timezone).", r.TimeZone)
	}
	if len(r.NotImported) > 0 {
		p("Not imported:")
		for _, n := range r.NotImported {
			p("  %s", n)
		}
	}
	p("")
	switch {
	case r.DryRun:
		p("Dry run: nothing was changed. Run again without --dry-run to import.")
	case !r.Changed():
		p("Nothing to change: Portico already has everything this import brings. Nothing was recorded.")
	default:
		p("Done, in one transaction; recorded in the audit log as one %q event.", Imported)
	}
}

func items(w io.Writer, title string, list []Item) {
	if len(list) == 0 {
		return
	}
	fmt.Fprintf(w, "  %s\n", title)
	for i, it := range list {
		if i == maxListed {
			fmt.Fprintf(w, "    … and %d more\n", len(list)-maxListed)
			break
		}
		fmt.Fprintf(w, "    %s: %s\n", it.Who, it.Why)
	}
}

func names(w io.Writer, title string, list []string) {
	if len(list) == 0 {
		return
	}
	fmt.Fprintf(w, "  %s\n", title)
	for i, n := range list {
		if i == maxListed {
			fmt.Fprintf(w, "    … and %d more\n", len(list)-maxListed)
			break
		}
		fmt.Fprintf(w, "    %s\n", n)
	}
}
