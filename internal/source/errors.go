package source

import (
	"errors"
	"fmt"
)

// ErrUnavailable is wrapped by every failure to reach or query the ERP: the
// breaker being open, a refused connection, a deadline exceeded, an error
// from the driver or the engine. The web layer tests for it with errors.Is to
// show "unavailable right now" instead of an error page.
var ErrUnavailable = errors.New("source: unavailable")

// ErrBreakerOpen is wrapped (together with ErrUnavailable) by the error a
// query gets without being sent, because the breaker is open or its probe
// is still in flight. Callers can use it to tell "we did not even try" from a
// failure of this very query.
var ErrBreakerOpen = fmt.Errorf("%w: breaker open", ErrUnavailable)

// ErrNoCustomersSQL is returned by Customers when the source has no query
// listing the ERP's customers.
var ErrNoCustomersSQL = errors.New("source: no customers query configured")

// ErrTooManyKeys is wrapped by ScopedQuery's error when a scope names more
// customers than the engine can take as bound parameters in one query (see
// MaxScopeKeys). A caller may fall back to loading All and filtering in
// memory.
var ErrTooManyKeys = errors.New("source: too many customer keys for one query")

// unavailableError reads as one clear sentence for the operator while
// unwrapping to ErrUnavailable and to each cause, so errors.Is works for
// ErrUnavailable, context.DeadlineExceeded and driver errors alike.
type unavailableError struct {
	msg  string
	errs []error
}

func (e *unavailableError) Error() string   { return e.msg }
func (e *unavailableError) Unwrap() []error { return e.errs }

// unavailable builds an error wrapping ErrUnavailable (or a more specific
// sentinel that wraps it) and the causes; nil causes are dropped.
func unavailable(msg string, errs ...error) error {
	e := &unavailableError{msg: msg}
	for _, err := range errs {
		if err != nil {
			e.errs = append(e.errs, err)
		}
	}
	if !errors.Is(e, ErrUnavailable) {
		e.errs = append([]error{ErrUnavailable}, e.errs...)
	}
	return e
}
