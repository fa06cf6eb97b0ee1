// Package source holds read-only connections to the business's ERP
// database: one Dialect per engine (placeholders, quoting, row limits),
// read-only transactions where the engine allows, a deadline on every query,
// bounded pools, and a breaker that answers "unavailable" at once while the
// ERP is down instead of piling requests up on it.
package source

import "time"

// Drivers are the ERP engines a source can use.
var Drivers = []string{"sqlserver", "postgres", "mysql", "sqlite"}

// Config is one source as configured in the datasets file.
type Config struct {
	Name   string // referenced by datasets
	Driver string // sqlserver, postgres, mysql or sqlite
	// DSN is the connection string. It comes from the environment variable
	// named by DSNEnv (or, for the demo, is written out); it is never logged.
	DSN    string
	DSNEnv string
	// QueryTimeout is the deadline of every query (default 10s).
	QueryTimeout time.Duration
	// ConnectTimeout bounds opening a connection (default 3s).
	ConnectTimeout time.Duration
	// MaxOpenConns bounds the pool (default 10).
	MaxOpenConns int
	// BreakerFailures consecutive failures open the breaker (default 5) for
	// BreakerCooldown (default 30s).
	BreakerFailures int
	BreakerCooldown time.Duration
	// CustomersSQL lists the ERP's customers for the admin's scope checklist:
	// a SELECT returning the customer key first and, optionally, a display
	// name second.
	CustomersSQL string
}
