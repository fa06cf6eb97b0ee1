package invoicepdf

import (
	"math"
	"strconv"
	"strings"

	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/image"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/components/text"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/consts/border"
	"github.com/johnfercher/maroto/v2/pkg/consts/extension"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/props"
)

// Page geometry in millimetres (A4 portrait). The grid has one unit per
// millimetre of text width, so column sizes below read as widths.
const (
	pageHeight   = 297.0
	marginSide   = 15.0
	marginTop    = 14.0
	marginBottom = 12.0
	gridSize     = 180
	footerHeight = 10.0
	cellPad      = 2.0 // horizontal padding inside table cells
)

// Widths of the lines table's columns.
const (
	wDesc   = 94
	wQty    = 22
	wUnit   = 30
	wAmount = 34
)

// Colours.
var (
	colInk        = props.Color{Red: 29, Green: 36, Blue: 51}
	colMuted      = props.Color{Red: 91, Green: 100, Blue: 116}
	colRule       = props.Color{Red: 214, Green: 219, Blue: 226}
	colWhite      = props.Color{Red: 255, Green: 255, Blue: 255}
	colPaid       = props.Color{Red: 22, Green: 121, Blue: 61}
	colOverdue    = props.Color{Red: 180, Green: 35, Blue: 24}
	colUnpaid     = props.Color{Red: 181, Green: 71, Blue: 8}
	defaultAccent = props.Color{Red: 31, Green: 78, Blue: 121}
)

// tint mixes c with white, keeping share of c: the background of the amount
// due box and the balance row.
func tint(c props.Color, share float64) props.Color {
	mix := func(v int) int { return int(math.Round(float64(v)*share + 255*(1-share))) }
	return props.Color{Red: mix(c.Red), Green: mix(c.Green), Blue: mix(c.Blue)}
}

// Faces used in the document.
var (
	fTitle    = face{bold: true, size: 22}
	fNumber   = face{bold: true, size: 11}
	fBizName  = face{bold: true, size: 16}
	fName     = face{bold: true, size: 11}
	fBody     = face{size: 9}
	fBodyBold = face{bold: true, size: 9}
	fSmall    = face{size: 8.5}
	fLabel    = face{bold: true, size: 7.5}
	fAmount   = face{bold: true, size: 17}
	fStatus   = face{bold: true, size: 10}
	fTotal    = face{bold: true, size: 10}
	fFooter   = face{size: 7.5}
	fContName = face{bold: true, size: 10}
)

// block is a cell's content under construction: text lines stacked from
// the top, or a logo.
type block struct {
	width      float64
	padL, padR float64
	items      []item
	h          float64
	logo       *logoImage
	logoW      float64
	logoH      float64
	style      *props.Cell
}

type item struct {
	s     string
	top   float64
	f     face
	color props.Color
	align align.Type
}

func newBlock(width float64) *block { return &block{width: width} }

func (b *block) pad(l, r float64) *block { b.padL, b.padR = l, r; return b }

// inner is the width text may use.
func (b *block) inner() float64 { return b.width - b.padL - b.padR }

// text wraps s and stacks its lines.
func (b *block) text(s string, f face, c props.Color, a align.Type) *block {
	if s == "" {
		return b
	}
	return b.lines(f.wrap(s, b.inner()), f, c, a)
}

// lines stacks already wrapped lines.
func (b *block) lines(lines []string, f face, c props.Color, a align.Type) *block {
	for _, l := range lines {
		b.items = append(b.items, item{s: l, top: b.h, f: f, color: c, align: a})
		b.h += f.lineHeight()
	}
	return b
}

func (b *block) gap(mm float64) *block { b.h += mm; return b }

// setLogo fits the logo in a w × h box, keeping its aspect ratio.
func (b *block) setLogo(l *logoImage, w, h float64) *block {
	ratio := float64(l.height) / float64(l.width)
	lw, lh := w, w*ratio
	if lh > h {
		lw, lh = h/ratio, h
	}
	b.logo, b.logoW, b.logoH = l, lw, lh
	b.h = math.Max(b.h, lh)
	return b
}

// placed is a row ready for the page, with its height.
type placed struct {
	row core.Row
	h   float64
}

// makeRow lays blocks side by side; the row is as tall as the tallest
// block plus the padding.
func makeRow(padTop, padBottom float64, style *props.Cell, blocks ...*block) placed {
	content := 0.0
	for _, b := range blocks {
		content = math.Max(content, b.h)
	}
	h := padTop + content + padBottom
	cols := make([]core.Col, 0, len(blocks))
	for _, b := range blocks {
		c := col.New(int(b.width))
		for _, it := range b.items {
			st := fontstyle.Normal
			if it.f.bold {
				st = fontstyle.Bold
			}
			color := it.color
			c.Add(text.New(it.s, props.Text{
				Top:    padTop + it.top,
				Left:   b.padL,
				Right:  b.padR,
				Family: fontFamily,
				Style:  st,
				Size:   it.f.size,
				Color:  &color,
				Align:  it.align,
			}))
		}
		if b.logo != nil {
			c.Add(image.NewFromBytes(b.logo.png, extension.Png, logoRect(b, h, padTop)))
		}
		if b.style != nil {
			c.WithStyle(b.style)
		}
		cols = append(cols, c)
	}
	r := row.New(h).Add(cols...)
	if style != nil {
		r.WithStyle(style)
	}
	return placed{row: r, h: h}
}

// logoRect positions the logo at the top left of its cell. maroto scales an
// image to fit the whole cell and then applies Percent, so the percentage
// is worked back from the size wanted.
func logoRect(b *block, rowH, top float64) props.Rect {
	inner := float64(b.logo.height) / float64(b.logo.width)
	outer := rowH / b.width
	p := b.logoW / b.width
	if inner > outer {
		p = b.logoW * inner / rowH
	}
	return props.Rect{Left: 0, Top: top, Percent: math.Min(100, p*100)}
}

// spacer is an empty row.
func spacer(h float64) placed { return placed{row: row.New(h), h: h} }

// rule is a filled bar across the page.
func rule(h float64, c props.Color) placed {
	return placed{row: row.New(h).Add(col.New(gridSize)).WithStyle(&props.Cell{BackgroundColor: &c}), h: h}
}

// pageBody is the rows of one page above its footer.
type pageBody struct {
	rows []placed
	used float64
	// fresh is true while the page holds only its repeated headers:
	// whatever comes next goes on it even if it is too tall, rather than
	// opening page after page.
	fresh bool
}

// layout flows the invoice into pages. maroto can break pages by itself but
// cannot repeat the table heading only where the table continues, nor print
// "Page N of M" in a footer of our own, so every row here has a known
// height and the pages are cut before maroto sees them.
type layout struct {
	in      *invoice
	pages   []*pageBody
	cur     *pageBody
	avail   float64 // body height of a page, above the footer
	inTable bool
}

func newLayout(in *invoice) *layout {
	l := &layout{in: in, avail: pageHeight - marginTop - marginBottom - footerHeight}
	l.cur = &pageBody{}
	l.pages = []*pageBody{l.cur}
	return l
}

func (l *layout) fits(h float64) bool { return l.cur.used+h <= l.avail }

// place puts p on the current page, or on a new one if it does not fit.
func (l *layout) place(p placed) {
	if !l.fits(p.h) && !l.cur.fresh {
		l.newPage()
	}
	l.put(p)
}

func (l *layout) put(p placed) {
	l.cur.rows = append(l.cur.rows, p)
	l.cur.used += p.h
	l.cur.fresh = false
}

// newPage starts a continuation page: a compact header and, inside the
// table, its heading again.
func (l *layout) newPage() {
	l.cur = &pageBody{}
	l.pages = append(l.pages, l.cur)
	for _, p := range l.continuationHeader() {
		l.put(p)
	}
	if l.inTable {
		l.put(l.tableHeading())
	}
	l.cur.fresh = true
}

func (l *layout) build() {
	for _, p := range l.firstPageHeader() {
		l.put(p)
	}
	l.table()
	l.totals()
	l.notes()
}

func (l *layout) firstPageHeader() []placed {
	in := l.in
	var out []placed

	// Logo (or business name) and the title.
	left := newBlock(110)
	if in.logo != nil {
		left.setLogo(in.logo, 70, 18)
	} else {
		left.text(in.business.name, fBizName, colInk, align.Left)
	}
	right := newBlock(70).
		text("INVOICE", fTitle, in.accent, align.Right).
		gap(0.5).
		text(in.number, fNumber, colInk, align.Right)
	out = append(out, makeRow(0, 0, nil, left, right))

	// Business details and the dates.
	biz := newBlock(110).pad(0, 8)
	if in.logo != nil {
		biz.text(in.business.name, fName, colInk, align.Left).gap(0.5)
	}
	for _, line := range in.business.lines {
		biz.text(line, fSmall, colMuted, align.Left)
	}
	labels, values := newBlock(32), newBlock(38)
	pair := func(label, value string) {
		if value == "" {
			return
		}
		lines := fBody.wrap(value, values.inner())
		labels.lines([]string{label}, fBody, colMuted, align.Left).gap(float64(len(lines)-1) * fBody.lineHeight())
		values.lines(lines, fBodyBold, colInk, align.Right)
	}
	pair("Issue date", in.issue)
	pair("Due date", in.due)
	pair("Currency", in.currency)
	out = append(out, makeRow(4, 5, nil, biz, labels, values))
	out = append(out, rule(0.6, in.accent), spacer(7))

	// Bill to, and the amount due with the status.
	billTo := newBlock(96).pad(0, 6)
	if in.customer.name != "" || len(in.customer.lines) > 0 {
		billTo.lines([]string{"BILL TO"}, fLabel, in.accent, align.Left).gap(1).
			text(in.customer.name, fName, colInk, align.Left).gap(0.5)
		for _, line := range in.customer.lines {
			billTo.text(line, fBody, colMuted, align.Left)
		}
	}
	if in.amountDue == "" && in.due == "" && in.status == "" {
		if billTo.h > 0 {
			out = append(out, makeRow(0, 0, nil, billTo), spacer(9))
		}
		return out
	}
	due := newBlock(84).pad(5, 5)
	bg := tint(in.accent, 0.08)
	due.style = &props.Cell{BackgroundColor: &bg}
	due.gap(4).text(strings.ToUpper(in.amountDueLabel)+currencySuffix(in.currency), fLabel, colMuted, align.Left).gap(1)
	if in.amountDue != "" {
		due.text(in.amountDue, fAmount, colInk, align.Left)
	}
	if in.due != "" {
		due.gap(0.5).text("Due "+in.due, fBody, colMuted, align.Left)
	}
	if in.status != "" {
		due.gap(1.5).text(strings.ToUpper(in.status), fStatus, in.statusColor, align.Left)
	}
	due.gap(4)
	out = append(out, makeRow(0, 0, nil, billTo, due), spacer(9))
	return out
}

func currencySuffix(cur string) string {
	if cur == "" {
		return ""
	}
	return " (" + cur + ")"
}

func (l *layout) continuationHeader() []placed {
	in := l.in
	name := newBlock(100).text(in.business.name, fContName, colInk, align.Left)
	ref := newBlock(80).text("Invoice "+in.number+" (continued)", fBody, colMuted, align.Right)
	return []placed{makeRow(0, 2.5, nil, name, ref), rule(0.3, colRule), spacer(5)}
}

// tableHeading is the lines table's heading row.
func (l *layout) tableHeading() placed {
	bg := l.in.accent
	h := func(w float64, s string, a align.Type) *block {
		return newBlock(w).pad(cellPad, cellPad).text(s, fLabel, colWhite, a)
	}
	return makeRow(1.9, 1.8, &props.Cell{BackgroundColor: &bg},
		h(wDesc, "DESCRIPTION", align.Left),
		h(wQty, "QTY", align.Right),
		h(wUnit, "UNIT PRICE", align.Right),
		h(wAmount, "AMOUNT"+currencySuffix(l.in.currency), align.Right))
}

// Padding of the table's rows. A line box puts a third of the font size
// under the baseline, so text looks centred with a little more padding on
// top than below.
const (
	itemPadTop    = 1.6
	itemPadBottom = 1.4
)

var itemStyle = &props.Cell{BorderType: border.Bottom, BorderColor: &colRule, BorderThickness: 0.2}

// itemRow is one table row: a slice of a line's description and, on its
// first slice, the numbers.
func itemRow(desc []string, ln *Line) placed {
	d := newBlock(wDesc).pad(cellPad, cellPad).lines(desc, fBody, colInk, align.Left)
	num := func(w float64, s string) *block {
		return newBlock(w).pad(cellPad, cellPad).text(s, fBody, colInk, align.Right)
	}
	q, u, a := num(wQty, ""), num(wUnit, ""), num(wAmount, "")
	if ln != nil {
		q, u, a = num(wQty, ln.Quantity), num(wUnit, ln.UnitPrice), num(wAmount, ln.Amount)
	}
	return makeRow(itemPadTop, itemPadBottom, itemStyle, d, q, u, a)
}

func (l *layout) table() {
	lh := fBody.lineHeight()
	heading := l.tableHeading()
	if !l.fits(heading.h + itemPadTop + 2*lh + itemPadBottom) {
		l.newPage()
	}
	l.put(heading)
	l.inTable = true
	defer func() { l.inTable = false }()

	if len(l.in.lines) == 0 {
		empty := newBlock(gridSize).pad(cellPad, cellPad).text("This invoice has no lines.", fBody, colMuted, align.Left)
		l.place(makeRow(itemPadTop+1, itemPadBottom+1, itemStyle, empty))
		return
	}
	freshRoom := l.avail - l.continuationHeight() - heading.h
	for i := range l.in.lines {
		ln := &l.in.lines[i]
		desc := fBody.wrap(ln.Description, wDesc-2*cellPad)
		first := ln
		for len(desc) > 0 {
			full := itemRow(desc, first)
			if l.fits(full.h) {
				l.put(full)
				break
			}
			room := int((l.avail - l.cur.used - itemPadTop - itemPadBottom) / lh)
			// Short lines move whole to the next page; long ones are split,
			// but never leaving fewer than two lines behind.
			if !l.cur.fresh && (full.h <= freshRoom/3 || room < 2) {
				l.newPage()
				continue
			}
			room = max(room, 1)
			l.put(itemRow(desc[:room], first))
			desc, first = desc[room:], nil
			l.newPage()
		}
	}
}

// continuationHeight is the height of the header of a continuation page.
func (l *layout) continuationHeight() float64 {
	h := 0.0
	for _, p := range l.continuationHeader() {
		h += p.h
	}
	return h
}

func (l *layout) totals() {
	in := l.in
	var rows []placed
	line := func(label, value string, f face, top bool, bg *props.Color) {
		if value == "" {
			return
		}
		lb := newBlock(50).pad(cellPad, cellPad).text(label, f, colInk, align.Left)
		vb := newBlock(wAmount).pad(cellPad, cellPad).text(value, f, colInk, align.Right)
		if !f.bold {
			lb.items[0].color = colMuted
		}
		var st *props.Cell
		if top || bg != nil {
			st = &props.Cell{BackgroundColor: bg}
			if top {
				st.BorderType, st.BorderColor, st.BorderThickness = border.Top, &colInk, 0.3
			}
		}
		lb.style, vb.style = st, st
		rows = append(rows, makeRow(1.7, 1.5, nil, newBlock(gridSize-50-wAmount), lb, vb))
	}
	withCur := func(v string) string {
		if v == "" || in.currency == "" {
			return v
		}
		return in.currency + " " + v
	}
	rows = append(rows, spacer(3))
	line("Subtotal", in.subtotal, fBody, false, nil)
	line(in.taxLabel, in.tax, fBody, false, nil)
	line("Total", withCur(in.total), fTotal, in.subtotal != "" || in.tax != "", nil)
	line("Paid", in.paid, fBody, false, nil)
	bg := tint(in.accent, 0.08)
	line("Balance due", withCur(in.balance), fTotal, false, &bg)

	h := 0.0
	for _, r := range rows {
		h += r.h
	}
	if !l.fits(h) {
		l.newPage()
	}
	for _, r := range rows {
		l.put(r)
	}
}

func (l *layout) notes() {
	if l.in.notes == "" {
		return
	}
	lines := fBody.wrap(l.in.notes, gridSize)
	lh := fBody.lineHeight()
	label := makeRow(8, 1.5, nil, newBlock(gridSize).lines([]string{"NOTES"}, fLabel, l.in.accent, align.Left))
	if !l.fits(label.h + lh*float64(min(2, len(lines)))) {
		l.newPage()
	}
	l.put(label)
	for _, s := range lines {
		l.place(makeRow(0, 0, nil, newBlock(gridSize).lines([]string{s}, fBody, colMuted, align.Left)))
	}
}

// footer is the last row of every page.
func (l *layout) footer(n, total int) placed {
	in := l.in
	ref := "Invoice " + in.number
	if in.business.name != "" {
		ref = in.business.name + " · " + ref
	}
	left := newBlock(130).lines([]string{fFooter.truncate(ref, 125)}, fFooter, colMuted, align.Left)
	right := newBlock(50).text("Page "+strconv.Itoa(n)+" of "+strconv.Itoa(total), fFooter, colMuted, align.Right)
	const padTop = 3.0
	return makeRow(padTop, footerHeight-padTop-fFooter.lineHeight(),
		&props.Cell{BorderType: border.Top, BorderColor: &colRule, BorderThickness: 0.2}, left, right)
}
