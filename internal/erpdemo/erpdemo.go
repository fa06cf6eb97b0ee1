// Package erpdemo builds the demo ERP: a database that looks like a
// warehouse's ERP (customers, inventory lots, and the projects, invoices and
// time entries a client portal shows), filled with realistic and
// deterministic data, so the demo, the tests and the benchmarks all read
// the same rows for the same seed without a real ERP at hand.
//
// The values are chosen to be awkward on purpose: part codes with leading
// zeros, long descriptions, commas, quotes, accents, emoji, right-to-left
// text, markup and spreadsheet formula prefixes, NULLs. Anything that
// renders or exports these rows should be tested against them.
package erpdemo

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"time"
)

// DefaultInventoryRows is the inventory size when Options leaves it zero.
const DefaultInventoryRows = 20000

// DefaultSeed is the seed used when Options leaves it zero, so every demo
// shows the same data.
const DefaultSeed uint64 = 0x5eed_2026

// generatorVersion changes whenever the generated data changes for the same
// options, so CreateSQLite rebuilds files made by an older generator
// instead of reusing them.
const generatorVersion = 3

// Random streams: each table family draws from its own stream, so the size
// of the inventory never changes the projects, invoices or time entries.
const (
	streamCustomers = iota + 1
	streamProducts
	streamLots
	streamClient
	streamInvoiceProjects
)

// Options say how much demo data to make and from which seed.
type Options struct {
	// InventoryRows is the number of inventory lots (default 20,000; the
	// benchmarks use 100,000 and 1,000,000).
	InventoryRows int
	// Seed selects the data; zero means DefaultSeed.
	Seed uint64
	// Anchor is the day every date is relative to, so the demo always looks
	// current; zero means today (UTC). Only its date counts.
	Anchor time.Time
}

// withDefaults fills in the zero values and reduces the anchor to midnight
// UTC of its calendar day.
func (o Options) withDefaults() (Options, error) {
	if o.InventoryRows < 0 {
		return o, fmt.Errorf("erpdemo: InventoryRows is %d; it must be 0 (the default %d) or more", o.InventoryRows, DefaultInventoryRows)
	}
	if o.InventoryRows == 0 {
		o.InventoryRows = DefaultInventoryRows
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.Anchor.IsZero() {
		o.Anchor = time.Now().UTC()
	}
	y, m, d := o.Anchor.Date()
	o.Anchor = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return o, nil
}

func (o Options) rng(stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(o.Seed, stream))
}

// Dialects are the engines Write can fill.
var Dialects = []string{"sqlite", "postgres", "mysql"}

// Write creates the demo tables (customers, inventory, projects, invoices,
// invoice_lines, time_entries) in db and fills them for the given dialect
// ("sqlite", "postgres" or "mysql"). The tables must not exist yet: Write
// never drops anything, because db may be someone's real database. Rows go
// in as multi-row INSERTs through one prepared statement, in transactions
// of bounded size; indexes are built after the rows, which is faster.
func Write(ctx context.Context, db *sql.DB, dialect string, o Options) error {
	d, err := dialectNamed(dialect)
	if err != nil {
		return err
	}
	if o, err = o.withDefaults(); err != nil {
		return err
	}
	w := &writer{db: db, d: d}
	for _, t := range tables {
		if _, err := db.ExecContext(ctx, d.createTable(t)); err != nil {
			return fmt.Errorf("erpdemo: create table %s (%s): %w", t.name, dialect, err)
		}
	}
	g := newGenerator(o)
	loads := []struct {
		table string
		fill  func(emit func(...any) error) error
	}{
		{"customers", g.customers},
		{"inventory", g.inventory},
		{"projects", g.projects},
		{"invoices", g.invoices},
		{"invoice_lines", g.invoiceLines},
		{"time_entries", g.timeEntries},
	}
	for _, l := range loads {
		if err := w.load(ctx, tableNamed(l.table), l.fill); err != nil {
			return err
		}
	}
	for _, t := range tables {
		for _, ix := range t.indexes {
			q := fmt.Sprintf("CREATE INDEX ix_%s_%s ON %s (%s)", t.name, ix, t.name, ix)
			if _, err := db.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("erpdemo: index %s(%s): %w", t.name, ix, err)
			}
		}
	}
	return nil
}

// Customer is one of the demo ERP's customers. Key is what the inventory's
// customer column holds and what portal scopes list: the ERP customer name,
// as in the original portal.
type Customer struct {
	Key     string
	Name    string
	City    string
	Country string // ISO 3166 alpha-2
	// Currency is the ISO 4217 code the customer is invoiced in (the
	// first customer also has a few invoices in EUR).
	Currency string
}

// Customers returns the demo ERP's customers in a fixed order; the first is
// the one the demo's single-customer account is scoped to.
func Customers() []Customer {
	out := make([]Customer, len(customerList))
	for i, c := range customerList {
		out[i] = Customer{Key: c.name, Name: c.name, City: c.city, Country: c.country, Currency: currencyOf(c.country)}
	}
	return out
}

// CustomerKeys returns the customer keys of Customers, in the same order.
func CustomerKeys() []string {
	out := make([]string, len(customerList))
	for i, c := range customerList {
		out[i] = c.name
	}
	return out
}

type customerSeed struct{ name, city, country string }

// currencyOf is a customer's billing currency: dollars in the US, pounds
// in Great Britain, euros elsewhere.
func currencyOf(country string) string {
	switch country {
	case "US":
		return "USD"
	case "GB":
		return "GBP"
	}
	return "EUR"
}

// customerList is invented; the first six are the names the demo accounts
// have always used. It deliberately holds an apostrophe, ampersands and
// accents, since customer keys travel through URLs, SQL parameters and
// filenames.
var customerList = []customerSeed{
	{"Alder & Finch Outfitters", "Portland", "US"},
	{"Bluewater Marine Supply", "Southampton", "GB"},
	{"Cobalt Coffee Roasters", "Seattle", "US"},
	{"Dunmore Pharma", "Cork", "IE"},
	{"Evergreen Garden Co.", "Bristol", "GB"},
	{"Foxglove Cosmetics", "Manchester", "GB"},
	{"O'Sullivan's Bakery Supplies", "Galway", "IE"},
	{"Société Laurentine de Cosmétiques", "Lyon", "FR"},
	{"Müller & Söhne Feinkost", "Hamburg", "DE"},
	{"Granite Peak Brewing", "Denver", "US"},
	{"Harbourside Pet Foods", "Liverpool", "GB"},
	{"Ironbridge Tools Ltd", "Telford", "GB"},
	{"Juniper Home Goods", "Austin", "US"},
	{"Kestrel Aerospace Components", "Toulouse", "FR"},
	{"Lumen Candle Works", "Utrecht", "NL"},
	{"Meridian Nutrition", "Rotterdam", "NL"},
	{"Northwind Apparel", "Minneapolis", "US"},
	{"Oakhaven Furniture", "Leeds", "GB"},
	{"Pinecrest Pharmaceuticals", "Mannheim", "DE"},
	{"Quayside Wine Merchants", "Bordeaux", "FR"},
	{"Redfern Electronics", "Eindhoven", "NL"},
	{"Saltmarsh Seafood Co.", "Aberdeen", "GB"},
	{"Tidewater Organics", "Savannah", "US"},
	{"Umbra Lighting", "Milan", "IT"},
	{"Verdant Botanicals", "Valencia", "ES"},
	{"Willowbrook Dairy", "Wexford", "IE"},
	{"Xenon Medical Devices", "Munich", "DE"},
	{"Yellowfin Sports Nutrition", "San Diego", "US"},
	{"Zephyr Outdoor Gear", "Innsbruck", "AT"},
	{"Ashgrove Stationers", "Edinburgh", "GB"},
	{"Brightwater Beverages", "Antwerp", "BE"},
	{"Cedar Lane Candles", "Burlington", "US"},
	{"Delft Blue Ceramics", "Delft", "NL"},
	{"Ember & Oak Grill Co.", "Nashville", "US"},
	{"Nordlys Frozen Foods", "Oulu", "FI"},
	{"Galápagos Trading Company", "Seville", "ES"},
	{"Hollis Print & Pack", "Cleveland", "US"},
	{"Isla Bonita Snacks", "Málaga", "ES"},
	{"Kingfisher Toys", "Norwich", "GB"},
	{"Corticeira do Norte", "Porto", "PT"},
}
