// Package source holds read-only connections to the business's ERP
// database: one Dialect per engine (placeholders, quoting, row limits),
// read-only transactions where the engine allows, a deadline on every query,
// bounded pools, and a breaker that answers "unavailable" at once while the
// ERP is down instead of piling requests up on it.
package source

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

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

// The defaults Open applies to a Config's zero values.
const (
	// DefaultQueryTimeout is the deadline of every query.
	DefaultQueryTimeout = 10 * time.Second
	// DefaultConnectTimeout bounds opening a connection.
	DefaultConnectTimeout = 3 * time.Second
	// DefaultMaxOpenConns bounds each source's pool.
	DefaultMaxOpenConns = 10
	// DefaultBreakerFailures consecutive failures open the breaker.
	DefaultBreakerFailures = 5
	// DefaultBreakerCooldown is how long an open breaker answers at once.
	DefaultBreakerCooldown = 30 * time.Second
)

// WithDefaults returns c with the defaults in place of zero values, as Open
// uses it; the configuration reference and `portico check` show these.
func (c Config) WithDefaults() Config {
	if c.QueryTimeout == 0 {
		c.QueryTimeout = DefaultQueryTimeout
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.MaxOpenConns == 0 {
		c.MaxOpenConns = DefaultMaxOpenConns
	}
	if c.BreakerFailures == 0 {
		c.BreakerFailures = DefaultBreakerFailures
	}
	if c.BreakerCooldown == 0 {
		c.BreakerCooldown = DefaultBreakerCooldown
	}
	return c
}

// normalize applies the defaults and refuses what Open cannot use, saying
// what to fix.
func (c Config) normalize() (Config, error) {
	c = c.WithDefaults()
	if !slices.Contains(Drivers, c.Driver) {
		return c, fmt.Errorf("source %q: unknown driver %q: use one of %s", c.Name, c.Driver, strings.Join(Drivers, ", "))
	}
	if strings.TrimSpace(c.DSN) == "" {
		if c.DSNEnv != "" {
			return c, fmt.Errorf("source %q: no connection string: set the environment variable %s to the %s DSN", c.Name, c.DSNEnv, c.Driver)
		}
		return c, fmt.Errorf("source %q: no connection string (DSN) configured", c.Name)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"query timeout", c.QueryTimeout}, {"connect timeout", c.ConnectTimeout}, {"breaker cooldown", c.BreakerCooldown}} {
		if d.v < 0 {
			return c, fmt.Errorf("source %q: %s is %s; it must be positive", c.Name, d.name, d.v)
		}
	}
	if c.MaxOpenConns < 0 {
		return c, fmt.Errorf("source %q: max open connections is %d; it must be positive", c.Name, c.MaxOpenConns)
	}
	if c.BreakerFailures < 0 {
		return c, fmt.Errorf("source %q: breaker failures is %d; it must be positive", c.Name, c.BreakerFailures)
	}
	return c, nil
}
