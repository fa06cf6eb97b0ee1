package web

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/portico-dev/portico/internal/audit"
	"github.com/portico-dev/portico/internal/billing"
	"github.com/portico-dev/portico/internal/brand"
	"github.com/portico-dev/portico/internal/invoicepdf"
	"github.com/portico-dev/portico/internal/store"
)

// invoicePDF serves /invoices/{id}.pdf: the invoice drawn on the server
// from the same scoped data and the same formatting as its page, and
// recorded in the audit log as an export.
func (s *Server) invoicePDF(w http.ResponseWriter, r *http.Request, id string) {
	_, d, ok := s.loadInvoice(w, r, id)
	if !ok {
		return
	}
	acct := stateOf(r).account
	br := s.invoiceBrand(r, acct)
	doc := invoicepdf.Invoice{
		Business:  invoicepdf.Party{Name: br.Name},
		Logo:      br.logo,
		Accent:    br.accent,
		Customer:  invoicepdf.Party{Name: s.customerName(r.Context(), d.Customer)},
		Number:    d.Number,
		IssueDate: d.IssueDate.Time(),
		DueDate:   d.DueDate.Time(),
		Currency:  d.Currency,
		Status:    badgeOf(d.Invoice).Label,
	}
	// The PDF prints the currency beside the headings, so amounts go
	// without it, formatted exactly as the page formats them.
	amount := func(v billing.Decimal) string { return v.Format(billing.CurrencyDecimals(d.Currency)) }
	doc.Subtotal, doc.Total, doc.Paid, doc.Balance = amount(d.Subtotal), amount(d.Total), amount(d.AmountPaid), amount(d.Balance)
	if d.Tax != 0 {
		doc.Tax = amount(d.Tax)
	}
	for _, l := range d.Lines {
		f := formatLine(l, d.Currency)
		doc.Lines = append(doc.Lines, invoicepdf.Line{Description: f.Description, Quantity: f.Quantity, UnitPrice: f.UnitPrice, Amount: f.Amount})
	}
	if d.Overdue {
		doc.Notes = fmt.Sprintf("This invoice is %d day%s overdue.", d.DaysOverdue, plural(d.DaysOverdue))
	}
	b, err := invoicepdf.Render(doc)
	if errors.Is(err, invoicepdf.ErrInvalidLogo) {
		// A stored logo the PDF cannot use must not cost the invoice.
		s.Log.Warn("invoice PDF without its logo", "request_id", requestID(r), "err", err)
		doc.Logo = nil
		b, err = invoicepdf.Render(doc)
	}
	if err != nil {
		s.serverError(w, r, fmt.Errorf("web: invoice %s PDF: %w", d.ID, err))
		return
	}
	if err := s.Auth.Audit.Record(r.Context(), s.Store, audit.DataExported,
		audit.Actor{Kind: store.KindCustomer, ID: acct.ID, Label: acct.Email},
		audit.Target{Kind: "invoice", ID: d.ID, Label: d.Number},
		map[string]any{"invoice": d.Number, "format": "pdf"}); err != nil {
		// An export nobody can trace is not handed out.
		s.serverError(w, r, fmt.Errorf("web: audit invoice PDF: %w", err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, invoiceFilename(d.Number)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// pdfBrand is the branding an invoice PDF is drawn with.
type pdfBrand struct {
	Name   string
	accent string // dark enough for white text and for text on white paper
	logo   []byte // the stored PNG, or nil
}

// invoiceBrand is the branding of the account's PDFs: the same as its
// pages (its customer's override when scoped to exactly one customer). A
// branding or logo that cannot be read leaves the defaults, not an error.
func (s *Server) invoiceBrand(r *http.Request, acct *store.Account) pdfBrand {
	b, err := s.Brand.ForAccount(r.Context(), acct)
	if err != nil {
		s.Log.Warn("branding unavailable for an invoice PDF; using the defaults", "request_id", requestID(r), "err", err)
	}
	out := pdfBrand{Name: b.Name}
	if b.Accent != "" {
		out.accent = brand.OnWhite(b.Accent)
	}
	// A pale logo would vanish on white paper: the name is printed anyway.
	if b.LogoID != "" && b.LogoTone != brand.ToneLight {
		logo, err := s.Brand.Logo(r.Context(), b.LogoID)
		if err != nil {
			s.Log.Warn("logo unavailable for an invoice PDF", "request_id", requestID(r), "err", err)
		} else {
			out.logo = logo.PNG
		}
	}
	return out
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// invoiceFilename is invoice-<number>.pdf from characters safe in every
// file system and in a quoted header value; an ERP number is free text.
func invoiceFilename(number string) string {
	n := strings.Trim(unsafeFileChars.ReplaceAllString(number, "-"), "-.")
	if len(n) > 60 {
		n = strings.Trim(n[:60], "-.")
	}
	if n == "" {
		return "invoice.pdf"
	}
	return "invoice-" + n + ".pdf"
}
