package erpdemo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

// generator produces every demo row. It is created per Write, so two
// writes with the same options produce identical rows.
type generator struct {
	o     Options
	dates map[int]string

	products  []product
	bySlot    [][]int     // regular product indexes per customer slot; the last slot is "no customer"
	slotCum   []float64   // cumulative slot weights, for picking a lot's owner
	specialAt map[int]int // lot index -> index in products of the hostile product placed there
	firstSpec int         // index in products of the first special product
	client    *clientData
}

type product struct {
	customer  string
	part      string
	custPart  any // string or nil
	desc      any // string or nil
	unit      string
	shelfDays int   // 0: the lots do not expire (exp_date NULL)
	qty       int64 // fixed on-hand quantity in thousandths, for special lots; 0 = drawn
}

func newGenerator(o Options) *generator {
	g := &generator{o: o, dates: map[int]string{}}
	g.planProducts()
	g.client = g.planClient()
	return g
}

// day returns the date off days from the anchor as YYYY-MM-DD, which every
// engine accepts for a DATE column and the SQLite driver reads back as a
// time.
func (g *generator) day(off int) string {
	if s, ok := g.dates[off]; ok {
		return s
	}
	s := g.o.Anchor.AddDate(0, 0, off).Format(time.DateOnly)
	g.dates[off] = s
	return s
}

func (g *generator) customers(emit func(...any) error) error {
	for _, c := range customerList {
		if err := emit(c.name, c.name, c.city, c.country, currencyOf(c.country)); err != nil {
			return err
		}
	}
	return nil
}

// planProducts decides how much stock each customer holds and builds the
// product catalogue. In the original ERP a part belongs to one customer
// (the product's owner, not the lot's), so lots inherit customer, part,
// description and unit from their product.
func (g *generator) planProducts() {
	rows := g.o.InventoryRows
	cr := g.o.rng(streamCustomers)
	pr := g.o.rng(streamProducts)

	// A few large customers and a long tail, as in any warehouse. The
	// first customer is the demo account's, given a fair share so its grid
	// is not nearly empty; a sliver of stock has no owning customer at all,
	// as products without a customer link do in the original ERP.
	n := len(customerList)
	weights := make([]float64, n+1)
	total := 0.0
	for i := range n {
		weights[i] = math.Exp(cr.NormFloat64() * 0.8)
		if i == 0 {
			weights[i] = 1.5
		}
		total += weights[i]
	}
	weights[n] = total * 0.004
	total += weights[n]
	g.slotCum = make([]float64, n+1)
	acc := 0.0
	for i, w := range weights {
		acc += w / total
		g.slotCum[i] = acc
	}
	g.slotCum[n] = 1

	nParts := min(max(rows/8, 60), 30000)
	used := map[string]bool{}
	g.bySlot = make([][]int, n+1)
	for slot := range n + 1 {
		customer, initials := "", "GEN"
		if slot < n {
			customer = customerList[slot].name
			initials = initialsOf(customer)
		}
		count := max(3, int(math.Round(float64(nParts)*weights[slot]/total)))
		style := pr.IntN(5)
		for range count {
			p := g.newProduct(pr, customer, initials, style, used)
			g.bySlot[slot] = append(g.bySlot[slot], len(g.products))
			g.products = append(g.products, p)
		}
	}

	// The hostile products get one lot each, spread evenly through the
	// table, so they show up whatever the size and sort.
	g.firstSpec = len(g.products)
	g.specialAt = map[int]int{}
	for k, s := range specials {
		p := product{customer: customerList[k%6].name, part: s.part, desc: s.desc, unit: s.unit, shelfDays: 365, qty: s.qty}
		if s.custPart != "" {
			p.custPart = s.custPart
		}
		g.products = append(g.products, p)
		g.specialAt[(k+1)*rows/(len(specials)+1)] = g.firstSpec + k
	}
}

func (g *generator) newProduct(r *rand.Rand, customer, initials string, style int, used map[string]bool) product {
	var part string
	for {
		switch style {
		case 0: // leading zeros and a variant letter: 00123-A
			part = fmt.Sprintf("%05d-%c", 1+r.IntN(99999), 'A'+rune(r.IntN(6)))
		case 1: // all digits, zero-padded: 0004512 must stay text
			part = fmt.Sprintf("%07d", 1+r.IntN(999999))
		case 2:
			part = fmt.Sprintf("%s-%04d", initials, r.IntN(10000))
		case 3:
			part = fmt.Sprintf("%d", 100000+r.IntN(900000))
		default:
			part = fmt.Sprintf("%s%03d-R%d", pick(r, partPrefixes), r.IntN(1000), 1+r.IntN(4))
		}
		if !used[part] {
			used[part] = true
			break
		}
	}
	unit := pickWeighted(r, units, unitWeights)
	p := product{customer: customer, part: part, unit: unit, desc: describe(r, unit)}
	if r.IntN(100) < 55 {
		p.custPart = fmt.Sprintf("%s-%05d", initials, r.IntN(100000))
	}
	if r.IntN(100) >= 5 {
		p.shelfDays = 180 + r.IntN(916)
	}
	return p
}

// inventory emits the lots. Every value is drawn from the lots stream in a
// fixed order, so the same options give the same table.
func (g *generator) inventory(emit func(...any) error) error {
	r := g.o.rng(streamLots)
	for i := range g.o.InventoryRows {
		var p *product
		if k, ok := g.specialAt[i]; ok {
			p = &g.products[k]
		} else {
			slot := sort.SearchFloat64s(g.slotCum, r.Float64())
			list := g.bySlot[min(slot, len(g.bySlot)-1)]
			p = &g.products[list[int(float64(len(list))*math.Pow(r.Float64(), 1.5))]]
		}
		status := pickWeighted(r, statuses, statusWeights)
		recAgo := int(730 * math.Pow(r.Float64(), 1.7))
		txnAgo := r.IntN(recAgo + 1)
		rec := g.day(-recAgo)
		var exp any
		if p.shelfDays > 0 {
			exp = g.day(p.shelfDays - recAgo)
		}
		qty := p.qty
		if qty == 0 {
			qty = drawQty(r, p.unit)
		}
		var userLot string
		if r.IntN(100) < 70 {
			userLot = fmt.Sprintf("L%s%s%s-%02d", rec[2:4], rec[5:7], rec[8:10], 1+r.IntN(12))
		} else {
			userLot = fmt.Sprintf("B%06d", r.IntN(1000000))
		}
		var ref any
		switch v := r.IntN(100); {
		case v < 70:
			ref = fmt.Sprintf("RCV-%07d", r.IntN(10000000))
		case v < 92:
			ref = fmt.Sprintf("ASN %d", 40000+r.IntN(60000))
		}
		var po any
		switch v := r.IntN(100); {
		case v < 62:
			po = fmt.Sprintf("PO-%06d", r.IntN(1000000))
		case v < 77:
			po = fmt.Sprintf("4500%06d", r.IntN(1000000))
		}
		if err := emit(int64(i+1), p.customer, p.part, p.custPart, p.desc, decimal{qty, 3}, p.unit,
			drawBin(r, status), ref, userLot, exp, g.day(-txnAgo), rec, po, status); err != nil {
			return err
		}
	}
	return nil
}

func drawQty(r *rand.Rand, unit string) int64 {
	switch unit {
	case "EA":
		return int64(1+int(4999*math.Pow(r.Float64(), 3))) * 1000
	case "CS":
		return int64(1+r.IntN(400)) * 1000
	case "PLT":
		return int64(1+r.IntN(30)) * 1000
	case "KG":
		return 500 + r.Int64N(2_500_000)
	default: // LB, to the hundredth
		return (1 + r.Int64N(500_000)) * 10
	}
}

func drawBin(r *rand.Rand, status string) string {
	switch status {
	case "Quarantined":
		return fmt.Sprintf("QC-HOLD-%02d", 1+r.IntN(4))
	case "Pending QC":
		return fmt.Sprintf("QC-%02d", 1+r.IntN(6))
	}
	switch v := r.IntN(100); {
	case v < 3:
		return fmt.Sprintf("DOCK-%d", 1+r.IntN(4))
	case v < 5:
		return fmt.Sprintf("FLOOR-%02d", 1+r.IntN(12))
	}
	return fmt.Sprintf("%c-%02d-%02d", 'A'+rune(r.IntN(8)), 1+r.IntN(24), 1+r.IntN(5))
}

func initialsOf(name string) string {
	var b strings.Builder
	for _, w := range strings.Fields(name) {
		c := w[0]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c >= 'A' && c <= 'Z' {
			b.WriteByte(c)
		}
		if b.Len() == 3 {
			break
		}
	}
	for b.Len() < 3 {
		b.WriteByte('X')
	}
	return b.String()
}

func pick(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

func pickWeighted(r *rand.Rand, list []string, weights []int) string {
	total := 0
	for _, w := range weights {
		total += w
	}
	v := r.IntN(total)
	for i, w := range weights {
		if v < w {
			return list[i]
		}
		v -= w
	}
	return list[len(list)-1]
}

var (
	units         = []string{"EA", "CS", "KG", "LB", "PLT"}
	unitWeights   = []int{45, 25, 12, 8, 10}
	statuses      = []string{"Available", "Allocated", "Pending QC", "On Hold", "Quarantined"}
	statusWeights = []int{72, 12, 6, 5, 5}
	partPrefixes  = []string{"BX", "LBL", "JAR", "CTN", "PLT", "TIN"}
)

// describe writes a product description that reads like a real ERP's:
// dimensions with inch marks, commas, accents, the odd emoji, and now and
// then a long run of handling notes.
func describe(r *rand.Rand, unit string) string {
	var s string
	switch unit {
	case "EA":
		switch r.IntN(7) {
		case 0:
			s = fmt.Sprintf("Folding carton %d×%d×%d mm, SBS %dpt, 4/c + aqueous", 60+r.IntN(200), 40+r.IntN(120), 20+r.IntN(300), 14+2*r.IntN(5))
		case 1:
			s = fmt.Sprintf("Glass jar %d ml, %s lid", []int{50, 120, 250, 500, 750}[r.IntN(5)], pick(r, lids))
		case 2:
			s = fmt.Sprintf("Thermal transfer label %s, %s/roll", pick(r, labelSizes), pick(r, []string{"500", "1,000", "2,500"}))
		case 3:
			s = fmt.Sprintf("Pump bottle %d ml, PET, %s", []int{100, 200, 300, 500}[r.IntN(4)], pick(r, colours))
		case 4:
			s = fmt.Sprintf("Gift box, rigid, %s finish, magnetic closure", pick(r, finishes))
		case 5:
			s = fmt.Sprintf("Counter display, corrugated, holds %d units", 6*(1+r.IntN(8)))
		default:
			s = fmt.Sprintf("Tin, hinged lid, %d g — %q print", 50*(1+r.IntN(6)), pick(r, goods))
		}
	case "CS":
		switch r.IntN(3) {
		case 0:
			s = fmt.Sprintf(`Shipper case %dx%dx%d", %d ECT, kraft, %d/bundle`, 8+r.IntN(16), 6+r.IntN(12), 4+r.IntN(12), []int{32, 44, 48}[r.IntN(3)], []int{10, 20, 25}[r.IntN(3)])
		case 1:
			s = fmt.Sprintf("Master carton %d × %d-pack, %s", 2+r.IntN(6), []int{4, 6, 12}[r.IntN(3)], pick(r, goods))
		default:
			s = fmt.Sprintf("%s, case of %d", pick(r, goods), []int{6, 12, 24, 48}[r.IntN(4)])
		}
	case "KG":
		switch r.IntN(4) {
		case 0:
			s = fmt.Sprintf("Green coffee, %s, %d kg sack", pick(r, origins), []int{60, 69, 70}[r.IntN(3)])
		case 1:
			s = fmt.Sprintf("Shea butter, unrefined, %d kg pail", []int{5, 10, 20}[r.IntN(3)])
		default:
			s = pick(r, bulkGoods)
		}
	case "LB":
		s = fmt.Sprintf(pick(r, poundGoods), []int{25, 50, 55}[r.IntN(3)])
	default:
		if r.IntN(2) == 0 {
			s = pick(r, palletGoods)
		} else {
			s = fmt.Sprintf("Pallet of %s, %d cases", pick(r, goods), 20+r.IntN(60))
		}
	}
	if r.IntN(100) < 30 {
		s += " — " + pick(r, editions)
	}
	if r.IntN(100) < 4 {
		notes := append([]string(nil), handlingNotes...)
		r.Shuffle(len(notes), func(i, j int) { notes[i], notes[j] = notes[j], notes[i] })
		s += ". Handling: "
		for i := 0; len(s) < 220 && i < len(notes); i++ {
			if i > 0 {
				s += "; "
			}
			s += notes[i]
		}
	}
	return s
}

var (
	lids       = []string{"black phenolic", "gold metal", "bamboo", "white PP", "child-resistant"}
	labelSizes = []string{`4" x 6"`, `2" x 1"`, `3" x 2"`, `100 × 150 mm`}
	colours    = []string{"amber", "clear", "frosted", "cobalt blue", "matte black"}
	finishes   = []string{"matte black", "soft-touch", "kraft", "pearlescent", "linen-embossed"}
	goods      = []string{"Sparkling water 330 ml", "Jalapeño crisps 150 g", "Crème brûlée kit", "Rooibos tea, 20 bags",
		"Smørrebrød crackers", "Dog chews, beef, 12 ct", "Oat bars, 6 × 40 g", "Kombucha, ginger & lemon",
		"Scented candle, fig & cedar", "Hand cream 75 ml, lavender", "Espresso pods (compatible)", "Château rosé 75 cl",
		"Açaí bowl mix", "Mate cocido, 25 bags", "Pâte à tartiner, 400 g"}
	origins   = []string{"Colombia Supremo", "Ethiopia Yirgacheffe", "Brazil Santos", "Costa Rica Tarrazú", "Sumatra Mandheling"}
	bulkGoods = []string{"Cocoa powder 22/24, Dutch-processed, 25 kg", "Résine PET, granulés vierges, octabin",
		"Sea salt flakes, food grade, 20 kg", "Glycérine végétale 99,5 %", "Beeswax pellets, yellow, 25 kg",
		"Citric acid, anhydrous, E330"}
	poundGoods  = []string{"Cane sugar, granulated, %d lb bag", "LDPE pellets, natural, %d lb bag", "Almond flour, blanched, %d lb"}
	palletGoods = []string{"Euro pallet 1200×800, heat-treated (ISPM 15)", "Mixed pallet — returns awaiting inspection",
		"GMA pallet 48\" x 40\", grade A", "Stretch film 23 µm, 1,500 m rolls"}
	editions = []string{"Holiday 🎄 edition", "Organic 🌿", "Barista ☕ range", "Summer '26", `"Premium" line`,
		"Édition limitée", "Private label", "EU version", "Rev. B", "Promo 2+1"}
	handlingNotes = []string{"store below 25 °C", "keep dry", "stack max. 4 high", "FIFO rotation required",
		"customer approval on file (spec sheet rev. C)", "inspect seals on receipt", "do not double-stack on racking",
		"allergen: contains nuts", "re-label with the customer's SSCC before dispatch", "count by weight, tolerance ±0.5 %",
		"photograph damaged cartons and notify the account manager"}
)

// special is a product whose values probe how the portal escapes, sorts,
// searches and exports: markup, formula prefixes, control characters,
// right-to-left and bidi overrides, very long text, NULL and empty
// descriptions, part codes that spreadsheets would turn into numbers.
type special struct {
	part, custPart string
	desc           any // string or nil
	unit           string
	qty            int64 // thousandths; 0 = drawn like any other lot
}

// longText repeats a realistic sentence to exactly n characters.
func longText(n int) string {
	const sentence = "Long description for testing wrapping and exports: corrugated shipper, double wall, printed 2/c, \"fragile\" marks, stacking limit 3, accents éàü, emoji 📦. "
	var b strings.Builder
	for b.Len() < 4*n {
		b.WriteString(sentence)
	}
	return string([]rune(b.String())[:n])
}

var specials = []special{
	{"XSS-0001", "", "<script>alert(1)</script> Counter display, 24 ct", "EA", 24000},
	{"XSS-0002", "\"><b>bold</b>", `"><img src=x onerror=alert(1)> Shelf talker`, "EA", 0},
	{"=2+3", "", `=HYPERLINK("http://evil.example/","Open invoice")`, "EA", 0},
	{"+1-555-0100", "", "+44 20 7946 0958 hotline sticker", "EA", 0},
	{"-0042", "", `-20% clearance label, 2" round`, "EA", 0},
	{"@SUM(A1)", "@A1", `@channel starter kit, "deluxe"`, "CS", 0},
	{"TAB-0001", "", "\tTab-led description, tab first", "EA", 0},
	{"CR-0001", "", "\rCarriage-return-led description", "EA", 0},
	{"RTL-AR-01", "", "ملصق شحن للتصدير — Export shipping label, 100/roll", "EA", 0},
	{"RTL-HE-01", "", "תווית מוצר – Product label, 4\" × 6\"", "EA", 0},
	{"BIDI-0001", "", "Invoice copy \u202efdp.exe\u202c (right-to-left override)", "EA", 0},
	{"LONG-2000", "", longText(2000), "CS", 0},
	{"LONG-10K", "", longText(10240), "PLT", 9_876_543_210},
	{"NULL-DESC", "", nil, "KG", 1},
	{"EMPTY-DESC", "", "", "EA", 0},
	{"00123-A", "00123", "Café crème sachets, décaféiné — 200 × 5 g", "CS", 0},
	{"000456", "", "Cafe\u0301 au lait blend, 1 kg (decomposed accent)", "KG", 0},
	{"1E5", "1E5", "Cable ties 100 mm (a part code spreadsheets read as 100000)", "EA", 0},
	{"EMOJI-001", "", "Gift box 🎁 holiday edition 🎄 — family pack 👨‍👩‍👧‍👦", "EA", 0},
	{"SQL-0001", "", "Robert'); DROP TABLE inventory;-- label stock", "EA", 0},
	{"PAD-0001 ", " PAD", "Part code with a trailing space", "EA", 0},
}
