// Package pdftext reads back the text of the PDFs Portico draws, for tests
// that check an invoice by its words. The Go fonts are embedded with
// Identity-H encoding and an identity ToUnicode map (the invoicepdf tests
// check that), so each shown string is UTF-16BE.
package pdftext

import (
	"bytes"
	"errors"
	"strings"
	"unicode/utf16"

	"github.com/ledongthuc/pdf"
)

// Pages returns the text each page draws, one shown string a line.
func Pages(b []byte) ([]string, error) {
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		return nil, errors.New("pdftext: not a PDF")
	}
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, err
	}
	var pages []string
	for i := 1; i <= r.NumPage(); i++ {
		var out strings.Builder
		pdf.Interpret(r.Page(i).V.Key("Contents"), func(stk *pdf.Stack, op string) {
			args := make([]pdf.Value, stk.Len())
			for j := len(args) - 1; j >= 0; j-- {
				args[j] = stk.Pop()
			}
			if op != "Tj" {
				return
			}
			raw := args[0].RawString()
			units := make([]uint16, len(raw)/2)
			for k := range units {
				units[k] = uint16(raw[2*k])<<8 | uint16(raw[2*k+1])
			}
			out.WriteString(string(utf16.Decode(units)))
			out.WriteString("\n")
		})
		pages = append(pages, out.String())
	}
	return pages, nil
}

// Text returns the text of every page, one shown string a line.
func Text(b []byte) (string, error) {
	pages, err := Pages(b)
	return strings.Join(pages, ""), err
}
