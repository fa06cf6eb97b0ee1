package mail

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/secretbox"
	"github.com/portico-dev/portico/internal/store"
)

// Outbox composes the portal's emails and queues them in the portal
// database, inside the caller's transaction: the email exists if and only if
// the change that caused it was committed, and a request never waits on SMTP.
type Outbox struct {
	// Business names the portal in every email.
	Business string
	// BaseURL is the configured public URL; every link is built on it,
	// never on the request's Host header.
	BaseURL string
	// Box seals every body, since each may hold a secret (a link's token,
	// a temporary password): it is encrypted at rest until the sender or the
	// console opens it. Without a Box only secret-free emails can be queued.
	Box *secretbox.Box
	// Look, when set, gives the branding of an email to the customer
	// account accountID (0: the portal's branding, for staff). It reads
	// through tx, so an account created in the same transaction is found.
	Look func(ctx context.Context, tx *store.Tx, accountID int64) (Look, error)
}

// Link returns the absolute URL of path (which starts with "/") on the
// configured public URL.
func (o *Outbox) Link(path string) string {
	return strings.TrimRight(o.BaseURL, "/") + path
}

// Enqueue composes an email of kind k to the stored address to and adds it
// to the outbox through tx. Business and BaseURL are filled in from o, and
// the branding from o.Look for the recipient d.AccountID.
func (o *Outbox) Enqueue(ctx context.Context, tx *store.Tx, k Kind, to string, d Data, now time.Time) error {
	if o.Look != nil && d.Look == (Look{}) {
		l, err := o.Look(ctx, tx, d.AccountID)
		if err != nil {
			return fmt.Errorf("mail: branding of %s email: %w", k, err)
		}
		d.Look = l
	}
	if d.Business == "" {
		d.Business = d.Look.Business
	}
	if d.Business == "" {
		d.Business = o.Business
	}
	if d.BaseURL == "" {
		d.BaseURL = o.BaseURL
	}
	subject, text, html, err := Compose(k, d)
	if err != nil {
		return err
	}
	e := &store.Email{To: to, Subject: subject, BodyText: text, BodyHTML: html, CreatedAt: now, Hidden: d.TempPassword != ""}
	if o.Box == nil && (d.TempPassword != "" || k == Invitation || k == ResetLink) {
		return fmt.Errorf("mail: %s email holds a secret but the outbox has no key to seal it", k)
	}
	if o.Box != nil {
		if e.BodyText, err = o.Box.Seal(text); err != nil {
			return err
		}
		if e.BodyHTML, err = o.Box.Seal(html); err != nil {
			return err
		}
		e.Sealed = true
	}
	return tx.EnqueueEmail(ctx, e)
}

// Open returns e with its bodies in clear text: sealed rows are decrypted
// (for the sender, and for the demo's outbox viewer).
func (o *Outbox) Open(e store.Email) (store.Email, error) {
	if !e.Sealed {
		return e, nil
	}
	if o.Box == nil {
		return e, fmt.Errorf("mail: email %d is sealed and no key is configured", e.ID)
	}
	var err error
	if e.BodyText, err = o.Box.Open(e.BodyText); err != nil {
		return e, err
	}
	if e.BodyHTML, err = o.Box.Open(e.BodyHTML); err != nil {
		return e, err
	}
	e.Sealed = false
	return e, nil
}
