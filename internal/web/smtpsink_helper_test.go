package web_test

import (
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/portico-dev/portico/internal/mail"
)

// mailSink is an in-process SMTP server (emersion/go-smtp) for the web
// tests: plain SMTP, no sign-in, like a local relay. It records what it
// receives; with refuse set it answers 550 to every recipient.
type mailSink struct {
	mu     sync.Mutex
	msgs   []mailSinkMessage
	refuse bool
	srv    *smtp.Server
	addr   string
}

// mailSinkMessage is one message the sink accepted.
type mailSinkMessage struct {
	From string
	To   []string
	Data string
}

func newMailSink(t *testing.T) *mailSink {
	t.Helper()
	s := &mailSink{}
	s.srv = smtp.NewServer(s)
	s.srv.Domain = "sink.test"
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.srv.ErrorLog = mailSinkQuietLog{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("sink listen: %v", err)
	}
	s.addr = ln.Addr().String()
	go s.srv.Serve(ln)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

type mailSinkQuietLog struct{}

func (mailSinkQuietLog) Printf(string, ...any) {}
func (mailSinkQuietLog) Println(...any)        {}

func (s *mailSink) port() int {
	_, p, _ := net.SplitHostPort(s.addr)
	n, _ := strconv.Atoi(p)
	return n
}

// settings point at the sink.
func (s *mailSink) settings() mail.Settings {
	return mail.Settings{Host: "127.0.0.1", Port: s.port(), Security: mail.SecurityNone, From: "Acme Portal <portal@acme.example>"}
}

func (s *mailSink) messages() []mailSinkMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]mailSinkMessage(nil), s.msgs...)
}

func (s *mailSink) setRefuse(v bool) { s.mu.Lock(); s.refuse = v; s.mu.Unlock() }

// NewSession implements smtp.Backend.
func (s *mailSink) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailSinkSession{s: s}, nil }

type mailSinkSession struct {
	s    *mailSink
	from string
	to   []string
}

func (ss *mailSinkSession) Mail(from string, _ *smtp.MailOptions) error { ss.from = from; return nil }

func (ss *mailSinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	refuse := ss.s.refuse
	ss.s.mu.Unlock()
	if refuse {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "Mailbox unavailable, internal detail xyz"}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *mailSinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, mailSinkMessage{From: ss.from, To: ss.to, Data: string(b)})
	ss.s.mu.Unlock()
	return nil
}

func (ss *mailSinkSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *mailSinkSession) Logout() error { return nil }

// mailSinkClosedPort returns a local port nothing listens on.
func mailSinkClosedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}
