package mail

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// sinkMode says how the test SMTP server answers.
type sinkMode int

const (
	sinkAccept   sinkMode = iota
	sinkTempFail          // 451 on RCPT
	sinkPermFail          // 550 on RCPT
)

// received is one message the sink accepted.
type received struct {
	From string
	To   []string
	Data []byte
}

// sink is an in-process SMTP server (emersion/go-smtp) that records what it
// receives; it offers STARTTLS with a self-signed certificate and AUTH PLAIN
// after TLS, like a typical submission server.
type sink struct {
	t        *testing.T
	mu       sync.Mutex
	mode     sinkMode
	delay    time.Duration // before accepting each message
	user     string
	pass     string
	msgs     []received
	srv      *smtp.Server
	ln       net.Listener
	addr     string
	implicit bool
	client   *tls.Config // trusts the sink's certificate
}

func newSink(t *testing.T, implicitTLS bool) *sink {
	t.Helper()
	return newSinkTLS(t, implicitTLS, true)
}

// newSinkTLS can also make a sink without any TLS (withTLS false), which
// then offers neither STARTTLS nor AUTH.
func newSinkTLS(t *testing.T, implicitTLS, withTLS bool) *sink {
	t.Helper()
	cert, pool := selfSigned(t)
	s := &sink{t: t, user: "portal", pass: "s3cret-pass", implicit: implicitTLS,
		client: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	s.srv = smtp.NewServer(s)
	s.srv.Domain = "sink.test"
	if withTLS {
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.srv.ErrorLog = quietLog{}
	s.start("127.0.0.1:0")
	t.Cleanup(func() { s.srv.Close() })
	return s
}

type quietLog struct{}

func (quietLog) Printf(string, ...any) {}
func (quietLog) Println(...any)        {}

func (s *sink) start(addr string) {
	s.t.Helper()
	var ln net.Listener
	var err error
	for range 50 {
		// Re-listening on the port just closed can briefly fail.
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("sink listen: %v", err)
	}
	if s.implicit {
		ln = tls.NewListener(ln, s.srv.TLSConfig)
	}
	s.mu.Lock()
	s.ln, s.addr = ln, ln.Addr().String()
	s.mu.Unlock()
	go s.srv.Serve(ln)
}

// down closes the listener, so connections are refused.
func (s *sink) down() {
	s.mu.Lock()
	ln := s.ln
	s.mu.Unlock()
	ln.Close()
}

// up listens again on the same port.
func (s *sink) up() { s.start(s.addr) }

func (s *sink) setMode(m sinkMode) { s.mu.Lock(); s.mode = m; s.mu.Unlock() }

func (s *sink) setDelay(d time.Duration) { s.mu.Lock(); s.delay = d; s.mu.Unlock() }

func (s *sink) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

func (s *sink) port() int {
	_, p, _ := net.SplitHostPort(s.addr)
	n, _ := strconv.Atoi(p)
	return n
}

// settings returns SMTP settings pointing at the sink.
func (s *sink) settings() Settings {
	sec := SecurityStartTLS
	if s.implicit {
		sec = SecurityTLS
	}
	return Settings{Host: "127.0.0.1", Port: s.port(), Security: sec, Username: s.user, Password: s.pass,
		From: "Acme Portal <portal@acme.example>", ReplyTo: "Support <support@acme.example>", BCC: "archive@acme.example"}
}

// NewSession implements smtp.Backend.
func (s *sink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }

type sinkSession struct {
	s      *sink
	authed bool
	from   string
	to     []string
}

func (ss *sinkSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *sinkSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.s.user || pass != ss.s.pass {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	mode := ss.s.mode
	ss.s.mu.Unlock()
	switch mode {
	case sinkTempFail:
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Greylisted, internal detail xyz"}
	case sinkPermFail:
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "Mailbox unavailable, internal detail xyz"}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	delay := ss.s.delay
	ss.s.mu.Unlock()
	time.Sleep(delay)
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, received{From: ss.from, To: ss.to, Data: b})
	ss.s.mu.Unlock()
	return nil
}

func (ss *sinkSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *sinkSession) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "sink.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
