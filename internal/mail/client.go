package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// message is one email ready to hand to SMTP.
type message struct {
	id          string // Message-ID without the angle brackets
	to, subject string
	text, html  string
	date        time.Time
}

// transport sends messages with one SMTP configuration.
type transport struct {
	settings    Settings
	tlsConfig   *tls.Config // nil: system roots
	dialTimeout time.Duration
	sendTimeout time.Duration
}

// buildMsg turns a message into a go-mail Msg with From, Reply-To, BCC and
// a stable Message-ID, text first and HTML as its alternative.
func (t *transport) buildMsg(m message) (*gomail.Msg, error) {
	if strings.ContainsAny(m.subject, "\r\n") || strings.ContainsAny(m.to, "\r\n") || strings.ContainsAny(m.id, "\r\n<>") {
		return nil, ErrHeaderInjection
	}
	msg := gomail.NewMsg()
	if err := msg.From(t.settings.From); err != nil {
		return nil, fmt.Errorf("the From address %q is not valid", t.settings.From)
	}
	if err := msg.To(m.to); err != nil {
		return nil, fmt.Errorf("the recipient address %q is not valid", m.to)
	}
	if t.settings.ReplyTo != "" {
		if err := msg.ReplyTo(t.settings.ReplyTo); err != nil {
			return nil, fmt.Errorf("the Reply-To address %q is not valid", t.settings.ReplyTo)
		}
	}
	if t.settings.BCC != "" {
		if err := msg.Bcc(t.settings.BCC); err != nil {
			return nil, fmt.Errorf("the BCC address %q is not valid", t.settings.BCC)
		}
	}
	msg.Subject(m.subject)
	msg.SetMessageIDWithValue(m.id)
	msg.SetDateWithValue(m.date)
	msg.SetBodyString(gomail.TypeTextPlain, m.text)
	if m.html != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.html)
	}
	return msg, nil
}

// fromDomain is the domain of the From address, used in Message-IDs so they
// are unique to this sender.
func fromDomain(from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		if i := strings.LastIndexByte(a.Address, '@'); i >= 0 {
			return a.Address[i+1:]
		}
	}
	return "portico.invalid"
}

// send delivers one message over a fresh connection. The connection is
// closed after sendTimeout whatever happens, because go-mail's own timeout
// is per command and a slow server could otherwise hold a send for minutes.
func (t *transport) send(ctx context.Context, m message) error {
	msg, err := t.buildMsg(m)
	if err != nil {
		return permanent(err)
	}
	var stops []func() bool
	var mu sync.Mutex
	defer func() {
		mu.Lock()
		for _, stop := range stops {
			stop()
		}
		mu.Unlock()
	}()
	c, err := t.client(func(conn net.Conn) {
		timer := time.AfterFunc(t.sendTimeout, func() { conn.Close() })
		mu.Lock()
		stops = append(stops, timer.Stop)
		mu.Unlock()
	})
	if err != nil {
		return permanent(err)
	}
	ctx, cancel := context.WithTimeout(ctx, t.sendTimeout)
	defer cancel()
	return c.DialAndSendWithContext(ctx, msg)
}

// client configures go-mail from the settings.
// watch is called with every connection opened, to bound its lifetime.
func (t *transport) client(watch func(net.Conn)) (*gomail.Client, error) {
	s := t.settings
	tc := &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
	if t.tlsConfig != nil {
		tc = t.tlsConfig.Clone()
		if tc.ServerName == "" {
			tc.ServerName = s.Host
		}
	}
	dialer := &net.Dialer{Timeout: t.dialTimeout}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		var conn net.Conn
		var err error
		if s.Security == SecurityTLS {
			// Return the *tls.Conn itself: go-mail checks for it to know
			// the connection is encrypted before offering PLAIN/LOGIN.
			conn, err = (&tls.Dialer{NetDialer: dialer, Config: tc}).DialContext(ctx, network, addr)
		} else {
			conn, err = dialer.DialContext(ctx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		watch(conn)
		return conn, nil
	}
	opts := []gomail.Option{
		gomail.WithPort(s.Port),
		gomail.WithTimeout(t.dialTimeout),
		gomail.WithTLSConfig(tc),
		gomail.WithDialContextFunc(dial),
	}
	switch s.Security {
	case SecurityTLS:
		// The dial function already wrapped the connection in TLS, so
		// go-mail must not try STARTTLS on top of it.
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case SecurityStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.Username != "" {
		opts = append(opts, gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
	}
	if h, err := os.Hostname(); err != nil || h == "" {
		opts = append(opts, gomail.WithHELO("localhost"))
	}
	return gomail.NewClient(s.Host, opts...)
}

// permanentError marks a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

func permanent(err error) error { return permanentError{err} }

// Failure is a delivery failure explained for an admin: what went wrong in
// words, and whether trying again later may help. It carries the SMTP
// status code but not the server's text, which can be long, localized or
// contain details of the server setup.
type Failure struct {
	Temporary bool
	Code      int // SMTP reply code, 0 when none was received
	Message   string
	err       error
}

// Error returns the admin-facing message.
func (f *Failure) Error() string { return f.Message }

// Unwrap gives the underlying error, for logs.
func (f *Failure) Unwrap() error { return f.err }

// classify turns an error from go-mail or the network into a Failure.
func classify(err error, s Settings) *Failure {
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	f := &Failure{err: err, Temporary: true}
	var pe permanentError
	if errors.As(err, &pe) {
		f.Temporary = false
		f.Message = pe.Error()
		return f
	}
	code := smtpCode(err)
	f.Code = code
	msg := err.Error()
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var hostErr x509.HostnameError
	var unkAuth x509.UnknownAuthorityError
	var recErr tls.RecordHeaderError
	var alert tls.AlertError
	var netErr net.Error
	var sendErr *gomail.SendError
	isSend := errors.As(err, &sendErr)
	switch {
	case errors.As(err, &dnsErr):
		f.Message = fmt.Sprintf("The mail server name %q could not be found (DNS lookup failed). Check the host name.", s.Host)
	case errors.Is(err, syscall.ECONNREFUSED):
		f.Message = fmt.Sprintf("Connection refused by %s: no mail server is listening there. Check the host and port, and that the server is running.", addr)
	case errors.As(err, &certErr), errors.As(err, &hostErr), errors.As(err, &unkAuth):
		f.Temporary = false
		f.Message = fmt.Sprintf("The TLS certificate of %s is not trusted (%s). Check the host name matches the server's certificate, or ask your provider for the right host.", addr, certReason(err))
	case errors.As(err, &recErr):
		f.Temporary = false
		f.Message = fmt.Sprintf("TLS handshake with %s failed: the server did not answer with TLS. For port 587 choose STARTTLS; implicit TLS is usually port 465.", addr)
	case errors.As(err, &alert), strings.Contains(msg, "tls:"):
		f.Temporary = false
		f.Message = fmt.Sprintf("TLS handshake with %s failed. Check the security setting (STARTTLS or TLS) and the port.", addr)
	case strings.Contains(msg, "does not support STARTTLS"):
		f.Temporary = false
		f.Message = fmt.Sprintf("%s does not offer STARTTLS. Choose implicit TLS (usually port 465) if the server supports it, or ask your provider for the right port.", addr)
	case strings.Contains(msg, "SMTP AUTH failed") || strings.Contains(msg, "does not support SMTP AUTH") || strings.Contains(msg, "AUTH") && strings.Contains(msg, "not supported"):
		f.Temporary = code >= 400 && code < 500
		if strings.Contains(msg, "support") && code == 0 {
			f.Temporary = false
			f.Message = fmt.Sprintf("%s does not offer a sign-in method the portal can use (PLAIN or LOGIN over an encrypted connection). Check the security setting, or clear the username if the server needs no sign-in.", addr)
		} else {
			f.Message = "The mail server rejected the username or password" + codeSuffix(code) + ". Check them, and whether your provider needs an app password."
		}
	case isSend && sendErr.Reason == gomail.ErrSMTPMailFrom:
		f.Temporary = code >= 400 && code < 500
		if f.Temporary {
			f.Message = fmt.Sprintf("The mail server did not accept the sender address %q for now%s; it asked to try again later.", s.From, codeSuffix(code))
		} else {
			f.Message = fmt.Sprintf("The mail server refused the sender address %q%s. Use a From address the account may send as.", s.From, codeSuffix(code))
		}
	case isSend && sendErr.Reason == gomail.ErrSMTPRcptTo:
		f.Temporary = code >= 400 && code < 500
		if f.Temporary {
			f.Message = "The mail server did not accept the recipient for now" + codeSuffix(code) + "; it asked to try again later."
		} else {
			f.Message = "The mail server refused the recipient address" + codeSuffix(code) + ". Check the address."
		}
	case code >= 500:
		f.Temporary = false
		f.Message = "The mail server refused the message" + codeSuffix(code) + "."
	case code >= 400:
		f.Message = "The mail server asked to try again later" + codeSuffix(code) + "."
	case errors.As(err, &netErr) && netErr.Timeout(), errors.Is(err, context.DeadlineExceeded):
		f.Message = fmt.Sprintf("No answer from %s in time. Check the host and port, and that a firewall allows outgoing connections.", addr)
	case errors.Is(err, net.ErrClosed), errors.Is(err, syscall.ECONNRESET), strings.Contains(msg, "EOF"):
		f.Message = fmt.Sprintf("The connection to %s was closed unexpectedly. For implicit TLS use port 465; for STARTTLS use port 587.", addr)
	default:
		f.Message = fmt.Sprintf("Could not send through %s%s.", addr, codeSuffix(code))
	}
	return f
}

func codeSuffix(code int) string {
	if code == 0 {
		return ""
	}
	return fmt.Sprintf(" (SMTP %d)", code)
}

// certReason says briefly why a certificate was not trusted.
func certReason(err error) string {
	var hostErr x509.HostnameError
	var unk x509.UnknownAuthorityError
	var inv x509.CertificateInvalidError
	switch {
	case errors.As(err, &hostErr):
		return "it is not valid for this host name"
	case errors.As(err, &unk):
		return "it is signed by an unknown authority"
	case errors.As(err, &inv) && inv.Reason == x509.Expired:
		return "it has expired or is not yet valid"
	}
	return "it failed verification"
}

// smtpCode finds the SMTP reply code in err, if the server sent one.
func smtpCode(err error) int {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return tp.Code
	}
	var se *gomail.SendError
	if errors.As(err, &se) {
		if c := se.ErrorCode(); c != 0 {
			return c
		}
	}
	// go-mail flattens some replies into strings such as "550 5.1.1 ...".
	for _, part := range strings.Split(err.Error(), ": ") {
		if len(part) >= 3 && (part[0] == '4' || part[0] == '5') {
			if c, e := strconv.Atoi(part[:3]); e == nil && (len(part) == 3 || part[3] == ' ' || part[3] == '-') {
				return c
			}
		}
	}
	return 0
}

// TestConnection sends the Test email, signed with the business's name, to
// to directly, not through the outbox, so the admin sees the result at
// once. tc is the TLS client configuration the sender uses (nil: the system
// roots). The error, if any, is a *Failure whose message says what to fix.
func TestConnection(ctx context.Context, s Settings, to string, tc *tls.Config, business string) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if !s.Configured() {
		return errors.New("No mail server is set: enter a host first")
	}
	if err := checkAddress(to); err != nil {
		return fmt.Errorf("Test recipient: %w", err)
	}
	subject, text, html, err := Compose(Test, Data{Business: business})
	if err != nil {
		return err
	}
	t := &transport{settings: s, tlsConfig: tc, dialTimeout: 10 * time.Second, sendTimeout: 30 * time.Second}
	id := fmt.Sprintf("test-%d@%s", time.Now().UnixNano(), fromDomain(s.From))
	if err := t.send(ctx, message{id: id, to: to, subject: subject, text: text, html: html, date: time.Now()}); err != nil {
		return classify(err, s)
	}
	return nil
}
