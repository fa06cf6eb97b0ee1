// Package invoicepdf draws an invoice as a PDF document.
//
// It takes plain data and knows nothing of datasets, HTTP or the store: the
// caller fills an Invoice from whatever source it has and calls Render. The
// layout is A4 portrait: business name and logo with the "Invoice" title and
// number, the issue and due dates, the bill-to block with the amount due and
// the status, the lines table (its header repeated on every page it runs
// onto), the totals, the notes, and a footer with "Page N of M" on every page.
//
// Amounts and quantities are strings formatted by the caller, not numbers:
// the portal shows the same invoice as a web page, and formatting both from
// the same Display strings means the PDF can never disagree with the page by
// a rounding or a locale rule. This package does no arithmetic; the currency
// code is printed beside the column headings and the amounts due.
//
// Text is drawn with the Go fonts, embedded from golang.org/x/image, which
// cover every European Latin script, Greek and Cyrillic. Characters outside
// them fall back to their base letter when there is one ("ệ" → "e") and to
// "?" otherwise (CJK, emoji). Control and invisible format characters are
// removed, and very long fields are cut (see the max… constants).
package invoicepdf

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/johnfercher/maroto/v2"
	"github.com/johnfercher/maroto/v2/pkg/components/page"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/config"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/consts/pagesize"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/core/entity"
	"github.com/johnfercher/maroto/v2/pkg/props"
	"github.com/johnfercher/maroto/v2/pkg/repository"
	"github.com/phpdave11/gofpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// Party is a business or a customer as printed on the invoice.
type Party struct {
	// Name is printed in bold.
	Name string
	// Lines are printed under the name, one per line: street, town, VAT
	// number, email. At most maxPartyLines are shown.
	Lines []string
}

// Line is one row of the lines table. All four fields are display strings
// formatted by the caller (for example with dataset.Cell.Display), so that the
// PDF shows exactly what the invoice page shows. Description may contain
// line breaks; it wraps to its column.
type Line struct {
	Description string
	Quantity    string
	UnitPrice   string
	Amount      string
}

// Invoice is everything the PDF shows. Only Number is required; empty
// optional fields leave their row out (no Tax row without Tax, no due date
// without DueDate, and so on).
type Invoice struct {
	// Business is the issuer, printed at the top.
	Business Party
	// Logo is an optional PNG or JPEG, drawn at most about 60 × 18 mm at
	// the top left. A logo that is not a usable image makes Render fail with
	// an error wrapping ErrInvalidLogo.
	Logo []byte
	// Accent is an optional "#rrggbb" colour for the title, rules and table
	// heading (the portal's branding); empty means a dark blue. Anything
	// else makes Render fail with an error wrapping ErrInvalidAccent.
	Accent string

	// Customer is the bill-to party.
	Customer Party

	// Number is the invoice number; required.
	Number string
	// IssueDate and DueDate are printed as dates (YYYY-MM-DD, the portal's
	// unambiguous form); their time of day and location are not used. A
	// zero time leaves the row out.
	IssueDate, DueDate time.Time
	// Currency is the ISO code, for example "EUR", printed beside the
	// amounts' headings.
	Currency string

	// Lines are the invoice lines in order; none is fine.
	Lines []Line

	// Subtotal, Tax, Total, Paid and Balance are display strings like the
	// line amounts. Balance is the amount still due and is emphasised; when
	// it is empty, Total is shown as the amount due.
	Subtotal, Tax, Total, Paid, Balance string
	// TaxLabel names the tax row, for example "VAT 20 %"; empty means "Tax".
	TaxLabel string

	// Status is shown as a coloured label, upper-cased: green when it is
	// "Paid", red for "Overdue", amber for "Unpaid", "Open", "Due" or
	// "Partially paid", grey for anything else.
	Status string

	// Notes are printed after the totals: payment terms, bank details, a
	// thank-you. Line breaks are kept.
	Notes string
}

// ErrInvalidAccent is wrapped by the error Render returns for an Accent that
// is not a "#rrggbb" colour.
var ErrInvalidAccent = errors.New("invoicepdf: invalid accent colour")

// ErrNoNumber is returned by Render for an invoice without a number.
var ErrNoNumber = errors.New("invoicepdf: the invoice has no number")

// Render draws inv as a PDF and returns the document.
func Render(inv Invoice) ([]byte, error) {
	if err := loadFonts(); err != nil {
		return nil, fmt.Errorf("invoicepdf: load fonts: %w", err)
	}
	sortCatalogOnce.Do(func() { gofpdf.SetDefaultCatalogSort(true) })
	in, err := prepare(inv)
	if err != nil {
		return nil, err
	}
	l := newLayout(in)
	l.build()

	cfg := config.NewBuilder().
		WithPageSize(pagesize.A4).
		WithLeftMargin(marginSide).
		WithRightMargin(marginSide).
		WithTopMargin(marginTop).
		WithBottomMargin(marginBottom).
		WithMaxGridSize(gridSize).
		WithCustomFonts(fonts()).
		WithDefaultFont(&props.Font{Family: fontFamily, Style: fontstyle.Normal, Size: 9, Color: &colInk}).
		WithCompression(true).
		WithTitle("Invoice "+in.number, true).
		WithAuthor(in.business.name, true).
		WithSubject("Invoice "+in.number+" for "+in.customer.name, true).
		WithCreator("Portico", true).
		WithCreationDate(creationDate(inv)).
		Build()
	m := maroto.New(cfg)
	total := len(l.pages)
	for i, body := range l.pages {
		rows := make([]core.Row, 0, len(body.rows)+3)
		for _, r := range body.rows {
			rows = append(rows, r.row)
		}
		// Push the footer to the bottom of the page, less pageSlack.
		if gap := l.avail - body.used - pageSlack; gap > 0 {
			rows = append(rows, row.New(gap))
		}
		rows = append(rows, l.footer(i+1, total).row)
		m.AddPages(page.New().Add(rows...))
	}
	doc, err := m.Generate()
	if err != nil {
		return nil, fmt.Errorf("invoicepdf: generate: %w", err)
	}
	return doc.GetBytes(), nil
}

// pageSlack is left unused at the bottom of every page. maroto fills the
// rest of a page with an empty row that ends exactly on gofpdf's page-break
// line, after rounding its height down to 1e-9 mm; if floating-point noise
// put that row a hair past the line, gofpdf would open one more, blank, page.
// The extra half of 1e-9 mm makes the rounding always land below the line.
const pageSlack = 0.05 + 0.5e-9

// sortCatalogOnce makes gofpdf write its resource dictionaries in a fixed
// order instead of Go's map order, so that the same invoice gives the same
// bytes (bar the modification date, which gofpdf always sets to now). The
// setting is process-wide; gofpdf has no other user in Portico.
var sortCatalogOnce sync.Once

// creationDate is the PDF's creation date: the issue date, so that the same
// invoice renders the same metadata every time.
func creationDate(inv Invoice) time.Time {
	if inv.IssueDate.IsZero() {
		return time.Time{} // maroto then leaves gofpdf's default (now)
	}
	return inv.IssueDate
}

// fonts gives each document its own copy of the font files: while
// subsetting, gofpdf appends to slices of the bytes it was given and so
// writes into them, which would race between concurrent renders and could
// corrupt the shared goregular.TTF.
func fonts() []*entity.CustomFont {
	f, _ := repository.New().
		AddUTF8FontFromBytes(fontFamily, fontstyle.Normal, bytes.Clone(goregular.TTF)).
		AddUTF8FontFromBytes(fontFamily, fontstyle.Bold, bytes.Clone(gobold.TTF)).
		Load() // cannot fail: no font is read from a file
	return f
}

// party and invoice are the cleaned, display-ready forms of the caller's data.
type party struct {
	name  string
	lines []string
}

type invoice struct {
	business, customer                  party
	logo                                *logoImage
	accent, statusColor                 props.Color
	number, issue, due, currency        string
	lines                               []Line
	subtotal, tax, total, paid, balance string
	taxLabel, status, notes             string
	// amountDue is what the box under the header shows: the balance, or
	// the total when there is no balance.
	amountDueLabel, amountDue string
}

func prepare(inv Invoice) (*invoice, error) {
	in := &invoice{
		business: cleanParty(inv.Business),
		customer: cleanParty(inv.Customer),
		number:   clean(inv.Number, false, maxShort),
		currency: strings.ToUpper(clean(inv.Currency, false, 12)),
		subtotal: clean(inv.Subtotal, false, maxShort),
		tax:      clean(inv.Tax, false, maxShort),
		total:    clean(inv.Total, false, maxShort),
		paid:     clean(inv.Paid, false, maxShort),
		balance:  clean(inv.Balance, false, maxShort),
		taxLabel: clean(inv.TaxLabel, false, 60),
		status:   clean(inv.Status, false, 40),
		notes:    clean(inv.Notes, true, maxNotes),
		accent:   defaultAccent,
	}
	if in.number == "" {
		return nil, ErrNoNumber
	}
	if in.taxLabel == "" {
		in.taxLabel = "Tax"
	}
	if !inv.IssueDate.IsZero() {
		in.issue = inv.IssueDate.Format(dateLayout)
	}
	if !inv.DueDate.IsZero() {
		in.due = inv.DueDate.Format(dateLayout)
	}
	if inv.Accent != "" {
		c, err := parseHex(inv.Accent)
		if err != nil {
			return nil, err
		}
		in.accent = c
	}
	if len(inv.Logo) > 0 {
		logo, err := prepareLogo(inv.Logo)
		if err != nil {
			return nil, err
		}
		in.logo = logo
	}
	in.lines = make([]Line, len(inv.Lines))
	for i, ln := range inv.Lines {
		in.lines[i] = Line{
			Description: clean(ln.Description, true, maxDescription),
			Quantity:    clean(ln.Quantity, false, maxShort),
			UnitPrice:   clean(ln.UnitPrice, false, maxShort),
			Amount:      clean(ln.Amount, false, maxShort),
		}
	}
	in.statusColor = statusColor(in.status)
	in.amountDueLabel, in.amountDue = "Balance due", in.balance
	if in.amountDue == "" {
		in.amountDueLabel, in.amountDue = "Amount due", in.total
	}
	return in, nil
}

func cleanParty(p Party) party {
	out := party{name: clean(p.Name, false, maxShort)}
	for _, l := range p.Lines {
		if len(out.lines) == maxPartyLines {
			break
		}
		if c := clean(l, false, maxShort); c != "" {
			out.lines = append(out.lines, c)
		}
	}
	return out
}

// dateLayout is how dates are printed: the portal's unambiguous form.
const dateLayout = "2006-01-02"

func parseHex(s string) (props.Color, error) {
	if len(s) != 7 || s[0] != '#' {
		return props.Color{}, fmt.Errorf("%w: %q, want #rrggbb", ErrInvalidAccent, s)
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return props.Color{}, fmt.Errorf("%w: %q, want #rrggbb", ErrInvalidAccent, s)
	}
	return props.Color{Red: int(v >> 16 & 0xff), Green: int(v >> 8 & 0xff), Blue: int(v & 0xff)}, nil
}

func statusColor(status string) props.Color {
	switch strings.ToLower(status) {
	case "paid":
		return colPaid
	case "overdue":
		return colOverdue
	case "unpaid", "open", "due", "partially paid", "partial":
		return colUnpaid
	}
	return colMuted
}
