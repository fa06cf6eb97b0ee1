package source

import "time"

// SetClock replaces the breaker's clock, so the engine tests in package
// source_test can pass the cooldown without sleeping.
func SetClock(s *Source, now func() time.Time) { s.breaker.now = now }
