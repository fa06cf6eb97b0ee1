package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"
)

// Kind names one of the portal's emails.
type Kind int

// The emails the portal sends.
const (
	Invitation Kind = iota + 1
	ResetLink
	TemporaryPassword
	PasswordChanged
	Test
)

// String names the kind, for logs.
func (k Kind) String() string {
	switch k {
	case Invitation:
		return "invitation"
	case ResetLink:
		return "reset link"
	case TemporaryPassword:
		return "temporary password"
	case PasswordChanged:
		return "password changed"
	case Test:
		return "test"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Data fills in an email. Link is the full set-password or sign-in URL,
// built by the caller from the configured public URL (never from the
// request's Host header); BaseURL is that public URL.
type Data struct {
	Business     string
	Name         string
	Link         string
	Expiry       time.Duration
	TempPassword string
	BaseURL      string
	// Staff addresses a member of the business's staff (an admin of the
	// portal) rather than a customer, which changes the wording.
	Staff bool
	// AccountID is the customer account the email goes to (0 for staff):
	// the Outbox picks the branding of the email by it.
	AccountID int64
	// Look is the branding: colours and logo. Its Business, when set, is
	// used where Business is empty. The zero Look is the built-in look.
	Look Look
}

// Look is the branding of an email. Colours are "#rrggbb"; one that is
// not is ignored, so nothing but a colour ever reaches a style attribute.
type Look struct {
	Business string
	// Accent colours the button and the top rule; AccentText is the
	// button's text colour (chosen for contrast); Link colours links and
	// must read on white.
	Accent, AccentText, Link string
	// LogoURL is the absolute URL of the logo shown above the email, drawn
	// at LogoWidth × LogoHeight pixels; empty shows the name only.
	LogoURL               string
	LogoWidth, LogoHeight int
}

// Built-in email colours, used when the branding sets none.
const (
	defaultAccent     = "#1d4ed8"
	defaultAccentText = "#ffffff"
)

// colour returns c when it is a "#rrggbb" colour, else fallback.
func colour(c, fallback string) string {
	if len(c) != 7 || c[0] != '#' {
		return fallback
	}
	for _, r := range strings.ToLower(c[1:]) {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return fallback
		}
	}
	return strings.ToLower(c)
}

//go:embed templates/email.html templates/email.txt
var templateFS embed.FS

var (
	htmlTmpl = htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/email.html"))
	textTmpl = texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/email.txt"))
)

// view is what both templates render; one shape for every kind keeps the
// emails consistent.
type view struct {
	Subject, Business, Heading, Greeting string
	Paragraphs                           []string
	Secret                               string
	Button, Link                         string
	Expiry, Closing, BaseURL             string
	// Accent, AccentText and LinkColour are checked "#rrggbb" colours.
	Accent, AccentText, LinkColour string
	// Logo is the logo's URL (http or https only), drawn LogoWidth ×
	// LogoHeight.
	Logo                  string
	LogoWidth, LogoHeight int
	// LogoWithName shows the name beside a squarish logo (an emblem); a
	// wide one (a wordmark) stands for the name.
	LogoWithName bool
}

// ErrHeaderInjection is returned when a value that ends up in a header
// holds a line break.
var ErrHeaderInjection = errors.New("mail: line break in a value used in an email header")

// Compose renders an email of kind k: a subject line, a plain-text body and
// an HTML alternative. It refuses line breaks in the business and person
// names (they reach the Subject header) and links that are not http(s).
func Compose(k Kind, d Data) (subject, text, html string, err error) {
	if d.Business == "" {
		d.Business = d.Look.Business
	}
	if strings.ContainsAny(d.Business, "\r\n") || strings.ContainsAny(d.Name, "\r\n") {
		return "", "", "", ErrHeaderInjection
	}
	business := strings.TrimSpace(d.Business)
	if business == "" {
		business = "Customer portal"
	}
	v := view{Business: business, BaseURL: strings.TrimSpace(d.BaseURL), Greeting: "Hello,"}
	v.Accent, v.AccentText, v.LinkColour = defaultAccent, defaultAccentText, defaultAccent
	if a := colour(d.Look.Accent, ""); a != "" {
		v.Accent, v.AccentText, v.LinkColour = a, colour(d.Look.AccentText, defaultAccentText), colour(d.Look.Link, defaultAccent)
	}
	if u, err := url.Parse(d.Look.LogoURL); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		v.Logo, v.LogoWidth, v.LogoHeight = d.Look.LogoURL, d.Look.LogoWidth, d.Look.LogoHeight
		if v.LogoWidth <= 0 || v.LogoHeight <= 0 {
			v.LogoWidth, v.LogoHeight = 48, 48
		}
		v.LogoWithName = v.LogoWidth < 2*v.LogoHeight
	}
	if n := strings.TrimSpace(d.Name); n != "" {
		v.Greeting = "Hello " + n + ","
	}
	needLink := func() error {
		u, err := url.Parse(d.Link)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("mail: %s email needs an absolute http(s) link, got %q", k, d.Link)
		}
		v.Link = d.Link
		return nil
	}
	expiry := ""
	if d.Expiry > 0 {
		expiry = humanDuration(d.Expiry)
	}
	switch k {
	case Invitation:
		if err := needLink(); err != nil {
			return "", "", "", err
		}
		v.Subject = "Your invitation to the " + business + " portal"
		v.Heading = "You are invited to the " + business + " portal"
		v.Paragraphs = []string{business + " has created an account for you on its customer portal, where you can see your orders, invoices and documents.", "To start, choose your password:"}
		if d.Staff {
			v.Subject = "You are now an administrator of the " + business + " portal"
			v.Heading = "You are invited to run the " + business + " portal"
			v.Paragraphs = []string{"You have been added as an administrator of the " + business + " customer portal, where you will manage customer accounts, emails and settings.", "To start, choose your password:"}
		}
		v.Button = "Set your password"
		if expiry != "" {
			v.Expiry = "This link works once and expires in " + expiry + "."
		}
		v.Closing = "If you did not expect this invitation, you can ignore this email."
	case ResetLink:
		if err := needLink(); err != nil {
			return "", "", "", err
		}
		v.Subject = "Reset your " + business + " portal password"
		v.Heading = "Reset your password"
		v.Paragraphs = []string{"We received a request to reset the password of your " + business + " portal account. To choose a new password, use this link:"}
		v.Button = "Choose a new password"
		if expiry != "" {
			v.Expiry = "This link works once and expires in " + expiry + "."
		}
		v.Closing = "If you did not ask for this, you can ignore this email: your password stays as it is."
	case TemporaryPassword:
		if d.TempPassword == "" {
			return "", "", "", errors.New("mail: temporary password email needs the password")
		}
		if d.Link != "" {
			if err := needLink(); err != nil {
				return "", "", "", err
			}
			v.Button = "Sign in"
		}
		v.Subject = "Your temporary " + business + " portal password"
		v.Heading = "Your temporary password"
		v.Paragraphs = []string{"An administrator of " + business + " has set a temporary password for your portal account:"}
		v.Secret = d.TempPassword
		if expiry != "" {
			v.Expiry = "This password works once and expires in " + expiry + ". When you sign in, you will be asked to choose a new password."
		} else {
			v.Expiry = "When you sign in, you will be asked to choose a new password."
		}
		v.Closing = "If you did not expect this email, contact " + business + "."
	case PasswordChanged:
		// Nothing secret and no token: this goes to the stored address to
		// warn the owner, who may not be the person who made the change.
		v.Subject = "Your " + business + " portal password was changed"
		v.Heading = "Your password was changed"
		v.Paragraphs = []string{"The password of your " + business + " portal account was just changed."}
		v.Closing = "If you made this change, there is nothing else to do. If you did not, contact " + business + " at once, or use \"Forgot password\" on the portal's sign-in page to choose a new one."
		if d.Staff {
			v.Closing = "If you made this change, there is nothing else to do. If you did not, ask another administrator of the portal to send you a reset link at once."
		}
	case Test:
		v.Subject = "Test email from the " + business + " portal"
		v.Heading = "Your email settings work"
		v.Paragraphs = []string{"This is a test email sent from the email settings of the " + business + " portal. If you can read it, the portal can deliver mail."}
	default:
		return "", "", "", fmt.Errorf("mail: unknown email kind %d", int(k))
	}
	var tb, hb bytes.Buffer
	if err := textTmpl.Execute(&tb, v); err != nil {
		return "", "", "", fmt.Errorf("mail: render text: %w", err)
	}
	if err := htmlTmpl.Execute(&hb, v); err != nil {
		return "", "", "", fmt.Errorf("mail: render HTML: %w", err)
	}
	return v.Subject, tb.String(), hb.String(), nil
}

// humanDuration writes a lifetime the way people say it: "24 hours",
// "30 minutes", "7 days".
func humanDuration(d time.Duration) string {
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return plural(int64(d/(24*time.Hour)), "day")
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int64(d/time.Hour), "hour")
	case d >= time.Minute:
		return plural(int64((d+time.Minute-1)/time.Minute), "minute")
	}
	return plural(int64((d+time.Second-1)/time.Second), "second")
}
