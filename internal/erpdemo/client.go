package erpdemo

import (
	"fmt"
	"math/rand/v2"
)

// clientData holds the client-portal tables, planned together because
// their rows refer to each other: time entries to projects (and a
// project's last activity to its latest entry), lines to invoices (and an
// invoice's totals to its lines). They are small, so they are built in
// memory and then emitted.
type clientData struct {
	projects []projectRow
	entries  []entryRow
	invoices []invoiceRow
	lines    []lineRow
}

type projectRow struct {
	id                        int64
	customer, name, status    string
	budgetHours, budgetAmount any // decimal or nil
	start                     string
	lastActivity              any // "YYYY-MM-DD HH:MM:SS" or nil
	startAgo, endAgo          int
	latestAgo                 int // days since the latest time entry
}

type entryRow struct {
	id, project    int64
	customer, date string
	hours          decimal
	description    any
	person         string
	billable       bool
}

type invoiceRow struct {
	id                                   int64
	customer, number, status, issue, due string
	issueAgo                             int // days since the issue date
	dueAgo                               int // days since the due date; negative when not yet due
	currency                             string
	subtotal, tax, total, paid           int64 // cents
	project                              int64 // the project billed; 0 for none (NULL)
}

type lineRow struct {
	id, invoice                 int64
	description                 string
	quantity, unitPrice, amount int64 // hundredths, cents, cents
}

func (g *generator) planClient() *clientData {
	r := g.o.rng(streamClient)
	// Which project an invoice bills is drawn from a stream of its own, so
	// linking invoices to projects changes no other value.
	rp := g.o.rng(streamInvoiceProjects)
	cd := &clientData{}
	var projectID, entryID, invoiceID, lineID int64
	for ci, c := range customerList {
		// Projects: a few per customer, each with its own run of time
		// entries between its start and its end (today while active).
		firstProject := len(cd.projects)
		names := append([]string(nil), projectNames...)
		r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		for k := range 2 + r.IntN(4) {
			projectID++
			p := projectRow{id: projectID, customer: c.name, name: names[k]}
			p.status = pickWeighted(r, []string{"active", "completed", "on_hold"}, []int{55, 35, 10})
			if ci == 0 && k < 2 {
				p.status = "active" // the demo account's customer has work in progress
			}
			p.startAgo = 30 + r.IntN(540)
			if ci == 0 && k == 0 && p.startAgo < 360 {
				// The demo account's customer has a long-running
				// engagement that every one of its invoices (the oldest
				// is under a year old) can bill.
				p.startAgo += 330
			}
			switch p.status {
			case "active":
				p.endAgo = 0
			case "completed":
				p.endAgo = r.IntN(p.startAgo - 14)
			default:
				p.endAgo = 7 + r.IntN(min(60, p.startAgo-8))
			}
			p.start = g.day(-p.startAgo)
			if r.IntN(10) > 0 {
				hours := int64(40+r.IntN(760)) * 100
				rate := int64(55 + r.IntN(66))
				p.budgetHours = decimal{hours, 2}
				p.budgetAmount = decimal{hours * rate, 2}
			}
			latest := -1 << 30
			for range 10 + r.IntN(30) {
				entryID++
				ago := p.endAgo + r.IntN(p.startAgo-p.endAgo+1)
				// People work on weekdays; move weekend entries to Friday.
				switch g.o.Anchor.AddDate(0, 0, -ago).Weekday() {
				case 6:
					ago++
				case 0:
					ago += 2
				}
				ago = min(ago, p.startAgo)
				latest = max(latest, -ago)
				e := entryRow{id: entryID, project: projectID, customer: c.name, date: g.day(-ago),
					hours: decimal{int64(1+r.IntN(32)) * 25, 2}, person: pick(r, staff), billable: r.IntN(100) < 85}
				if r.IntN(20) > 0 {
					e.description = pick(r, tasks)
				}
				cd.entries = append(cd.entries, e)
			}
			p.latestAgo = -latest
			p.lastActivity = fmt.Sprintf("%s %02d:%02d:%02d", g.day(latest), 8+r.IntN(10), r.IntN(60), r.IntN(60))
			cd.projects = append(cd.projects, p)
		}

		// Invoices: roughly monthly, newest first in time, with statuses
		// that agree with their dates (only unpaid past-due ones are
		// overdue, drafts are recent).
		currency, taxBP := currencyOf(c.country), taxRate[c.country]
		first := len(cd.invoices)
		terms := []int{14, 30, 45, 60}[r.IntN(4)]
		n := 8 + r.IntN(5)
		for j := range n {
			invoiceID++
			issueAgo := (n-1-j)*30 + r.IntN(10)
			dueAgo := issueAgo - terms
			inv := invoiceRow{id: invoiceID, customer: c.name, currency: currency, issue: g.day(-issueAgo), due: g.day(-dueAgo),
				issueAgo: issueAgo, dueAgo: dueAgo}
			inv.number = fmt.Sprintf("INV-%d-%05d", g.o.Anchor.AddDate(0, 0, -issueAgo).Year(), 1000+invoiceID)
			for range 1 + r.IntN(15) {
				lineID++
				l := lineRow{id: lineID, invoice: invoiceID}
				svc := services[r.IntN(len(services))]
				l.description = svc.name
				if svc.hourly {
					l.quantity = int64(1+r.IntN(160)) * 25
				} else {
					l.quantity = int64(1+r.IntN(svc.maxQty)) * 100
				}
				l.unitPrice = svc.minCents + r.Int64N(svc.maxCents-svc.minCents+1)
				l.amount = (l.quantity*l.unitPrice + 50) / 100
				inv.subtotal += l.amount
				cd.lines = append(cd.lines, l)
			}
			inv.tax = (inv.subtotal*int64(taxBP) + 5000) / 10000
			inv.total = inv.subtotal + inv.tax
			v := r.IntN(100)
			switch {
			case issueAgo < 6 && v < 60:
				inv.status = "draft"
			case v < 3:
				inv.status = "cancelled"
			case dueAgo <= 0: // not yet due
				inv.status = pickWeighted(r, []string{"sent", "paid", "partially_paid"}, []int{70, 25, 5})
			default:
				inv.status = pickWeighted(r, []string{"paid", "partially_paid", "overdue"}, []int{78, 7, 15})
			}
			switch inv.status {
			case "paid":
				inv.paid = inv.total
			case "partially_paid":
				inv.paid = inv.total * int64(20+r.IntN(61)) / 100
			}
			cd.invoices = append(cd.invoices, inv)
		}
		if ci == 0 {
			showcase(cd.invoices[first:])
		}
		linkProjects(rp, cd.invoices[first:], cd.projects[firstProject:], ci == 0)
	}
	return cd
}

// linkProjects says which of the customer's projects each invoice bills.
// An invoice can bill a project that had started before the invoice was
// issued and is still active or had its last work logged no more than 45
// days before it (a final invoice comes a little after the work). About
// three in four invoices bill a project; the others are for storage and
// services outside any project. The demo account's customer has every
// invoice on a project except two (an old one and an open one): its
// long-running project can take any of them, so its project pages show
// paid and open invoices and have a draft and a cancelled one to leave
// out, and its invoice list has some outside any project.
func linkProjects(r *rand.Rand, invs []invoiceRow, projects []projectRow, showcase bool) {
	n := len(invs)
	for i := range invs {
		v := &invs[i]
		var candidates []int64
		for _, p := range projects {
			if p.startAgo > v.issueAgo && (p.status == "active" || p.latestAgo <= v.issueAgo+45) {
				candidates = append(candidates, p.id)
			}
		}
		// Both draws happen for every invoice, so one invoice's
		// candidates never change another invoice's project.
		linked := r.IntN(100) < 75
		pick := r.IntN(len(projects) + 1)
		if showcase {
			linked = i != 2 && i != n-4
		}
		if linked && len(candidates) > 0 {
			v.project = candidates[pick%len(candidates)]
		}
	}
}

// showcase gives the demo account's customer (the first) one invoice in
// every state the portal treats differently, whatever the random draws
// were: a cancelled and a draft invoice (never shown), a paid one, open
// ones (overdue or not as their due dates say), a partially paid one, and
// two in a second currency (one paid, one partially paid), so totals per
// currency show. Statuses still agree with the dates. The invoices are
// oldest first; there are at least eight.
func showcase(invs []invoiceRow) {
	n := len(invs)
	open := func(i int) string {
		if invs[i].dueAgo > 0 {
			return "overdue"
		}
		return "sent"
	}
	invs[0].status = "cancelled"
	invs[1].status, invs[1].currency = "paid", "EUR"
	invs[n-4].status = open(n - 4)
	invs[n-3].status, invs[n-3].currency = "partially_paid", "EUR"
	invs[n-2].status = open(n - 2)
	invs[n-1].status = "draft"
	for i := range invs {
		v := &invs[i]
		switch v.status {
		case "paid":
			v.paid = v.total
		case "partially_paid":
			v.paid = v.total * 40 / 100
		default:
			v.paid = 0
		}
	}
}

func (g *generator) projects(emit func(...any) error) error {
	for _, p := range g.client.projects {
		if err := emit(p.id, p.customer, p.name, p.status, p.budgetHours, p.budgetAmount, p.start, p.lastActivity); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) timeEntries(emit func(...any) error) error {
	for _, e := range g.client.entries {
		if err := emit(e.id, e.customer, e.project, e.date, e.hours, e.description, e.person, e.billable); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) invoices(emit func(...any) error) error {
	for _, v := range g.client.invoices {
		var project any // NULL for an invoice outside any project
		if v.project != 0 {
			project = v.project
		}
		if err := emit(v.id, v.customer, v.number, v.status, v.issue, v.due, v.currency,
			decimal{v.subtotal, 2}, decimal{v.tax, 2}, decimal{v.total, 2}, decimal{v.paid, 2}, project); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) invoiceLines(emit func(...any) error) error {
	for _, l := range g.client.lines {
		if err := emit(l.id, l.invoice, l.description, decimal{l.quantity, 2}, decimal{l.unitPrice, 2}, decimal{l.amount, 2}); err != nil {
			return err
		}
	}
	return nil
}

// taxRate is VAT in basis points by country (sales tax is left out for the
// US, as many B2B invoices there carry none).
var taxRate = map[string]int{"US": 0, "GB": 2000, "IE": 2300, "DE": 1900, "FR": 2000, "NL": 2100, "IT": 2200,
	"ES": 2100, "AT": 2000, "BE": 2100, "FI": 2550, "PT": 2300}

var projectNames = []string{
	"Spring catalogue kitting", "Warehouse relabelling (EU regulation)", "Returns processing", "Seasonal co-packing: gift sets",
	"Cycle count & stock audit", "Display assembly for retail launch", "Cold-chain validation", "Pallet rework after transit damage",
	"Sample fulfilment programme", "Subscription box assembly", "E-commerce pick & pack", "Bundles \"2+1\" shrink-wrapping",
	"Customs documentation support", "Label compliance update", "Café line launch — Ireland",
}

var staff = []string{"Aisha Khan", "Ben Carter", "Chloé Martin", "Dmitri Volkov", "Siobhán O'Connor", "José Álvarez",
	"Kenji Watanabe", "Lena Fischer", "Marcus Reid", "Priya Nair", "Tomás Ruiz", "Zoë Chen"}

var tasks = []string{"Picking and packing orders", "Relabelling cartons for the EU market", "Cycle count, aisle C",
	"Kitting gift sets", "Quality check on inbound lot", "Customer call: delivery schedule", "Preparing customs paperwork",
	"Pallet wrapping and staging", "Returns triage", "Reporting & stock reconciliation", "Training new temp staff (2 people)",
	"Rework: damaged outer cartons, \"fragile\" re-marking"}

var services = []struct {
	name               string
	hourly             bool
	maxQty             int
	minCents, maxCents int64
}{
	{"Pallet storage, per pallet per week", false, 400, 350, 900},
	{"Pick & pack, per order line", false, 5000, 45, 180},
	{"Inbound receiving, per pallet", false, 120, 800, 2200},
	{"Kitting labour, per hour", true, 0, 3200, 5800},
	{"Relabelling, per carton", false, 3000, 20, 75},
	{"Shrink-wrap, per pallet", false, 200, 400, 1200},
	{"Outbound freight — LTL", false, 12, 9000, 45000},
	{"Customs clearance fee", false, 4, 4500, 17500},
	{"Cycle count, per location", false, 800, 60, 150},
	{"Returns processing, per unit", false, 900, 90, 350},
	{"Special handling: fragile items", true, 0, 3800, 6500},
	{"Stretch film & consumables", false, 50, 1500, 6000},
}
