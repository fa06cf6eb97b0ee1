package mail

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/clock"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/store/storetest"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// enqueue composes an invitation for to and puts it in the outbox.
func enqueue(t *testing.T, st *store.Store, clk clock.Clock, to, link string) store.Email {
	t.Helper()
	subject, text, htmlBody, err := Compose(Invitation, Data{Business: "Acme", Name: "Ada", Link: link, Expiry: 24 * time.Hour, BaseURL: "https://portal.acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	e := store.Email{To: to, Subject: subject, BodyText: text, BodyHTML: htmlBody, CreatedAt: clk.Now()}
	if err := st.InTx(context.Background(), func(tx *store.Tx) error { return tx.EnqueueEmail(context.Background(), &e) }); err != nil {
		t.Fatal(err)
	}
	return e
}

func newSender(st *store.Store, clk clock.Clock, sk *sink) *Sender {
	return &Sender{
		Store:    st,
		Clock:    clk,
		Settings: func(context.Context) (Settings, error) { return sk.settings(), nil },
		// A fixed jitter of 0.5 makes the spread factor exactly 1.
		Jitter:      func() float64 { return 0.5 },
		TLSConfig:   sk.client,
		DialTimeout: 5 * time.Second,
		SendTimeout: 10 * time.Second,
	}
}

func emailByID(t *testing.T, st *store.Store, id int64) store.Email {
	t.Helper()
	all, err := st.ListEmails(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		if e.ID == id {
			return e
		}
	}
	t.Fatalf("email %d not in the outbox", id)
	return store.Email{}
}

// parsed is a received message taken apart.
type parsed struct {
	Header      netmail.Header
	Subject     string
	ContentType string
	Text, HTML  string
}

func parse(t *testing.T, raw []byte) parsed {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse message: %v", err)
	}
	var p parsed
	p.Header = m.Header
	dec := new(mime.WordDecoder)
	if p.Subject, err = dec.DecodeHeader(m.Header.Get("Subject")); err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	p.ContentType = mt
	if mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %s, want multipart/alternative", mt)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(part) // quoted-printable is decoded by NextPart
		pt, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		switch pt {
		case "text/plain":
			p.Text = string(b)
		case "text/html":
			p.HTML = string(b)
		default:
			t.Fatalf("unexpected part %s", pt)
		}
	}
	return p
}

var (
	textLinkRE = regexp.MustCompile(`https?://\S+`)
	hrefRE     = regexp.MustCompile(`href="([^"]+)"`)
)

func TestDeliverQueued(t *testing.T) {
	for _, implicit := range []bool{false, true} {
		name := "starttls"
		if implicit {
			name = "tls"
		}
		t.Run(name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				sk := newSink(t, implicit)
				clk := clock.NewFake(t0)
				link := "https://portal.acme.example/password/set?token=AbC_123-xyz"
				e := enqueue(t, st, clk, "ada@customer.example", link)
				sent, failed, err := newSender(st, clk, sk).RunOnce(context.Background())
				if err != nil || sent != 1 || failed != 0 {
					t.Fatalf("RunOnce = %d, %d, %v; want 1 sent", sent, failed, err)
				}
				msgs := sk.messages()
				if len(msgs) != 1 {
					t.Fatalf("sink got %d messages, want 1", len(msgs))
				}
				if msgs[0].From != "portal@acme.example" || len(msgs[0].To) != 2 || msgs[0].To[0] != "ada@customer.example" || msgs[0].To[1] != "archive@acme.example" {
					t.Fatalf("envelope = %q → %q", msgs[0].From, msgs[0].To)
				}
				p := parse(t, msgs[0].Data)
				if p.Header.Get("Bcc") != "" {
					t.Error("the BCC address is visible in the headers")
				}
				checks := []struct{ header, want string }{
					{"From", `"Acme Portal" <portal@acme.example>`},
					{"To", "<ada@customer.example>"},
					{"Reply-To", `"Support" <support@acme.example>`},
					{"Message-Id", fmt.Sprintf("<outbox-%d@acme.example>", e.ID)},
				}
				for _, c := range checks {
					if got := p.Header.Get(c.header); got != c.want {
						t.Errorf("%s = %q, want %q", c.header, got, c.want)
					}
				}
				if p.Subject != "Your invitation to the Acme portal" {
					t.Errorf("Subject = %q", p.Subject)
				}
				if got := textLinkRE.FindAllString(p.Text, -1); len(got) == 0 || got[0] != link {
					t.Errorf("links in text part = %q, want %q first", got, link)
				}
				for _, m := range hrefRE.FindAllStringSubmatch(p.HTML, -1) {
					if html.UnescapeString(m[1]) != link {
						t.Errorf("HTML link %q, want %q", m[1], link)
					}
				}
				if !strings.Contains(p.HTML, "expires in 24 hours") || !strings.Contains(p.Text, "expires in 24 hours") {
					t.Error("expiry missing from a part")
				}
				got := emailByID(t, st, e.ID)
				if got.Status != store.EmailSent || got.SentAt == nil || got.Attempts != 1 {
					t.Errorf("row = %+v, want sent after 1 attempt", got)
				}
			})
		})
	}
}

func TestSMTPDownThenBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		sk := newSink(t, false)
		clk := clock.NewFake(t0)
		s := newSender(st, clk, sk)
		e := enqueue(t, st, clk, "ada@customer.example", "https://portal.acme.example/password/set?token=t1")
		sk.down()
		ctx := context.Background()
		for i, wait := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute} {
			if sent, failed, err := s.RunOnce(ctx); err != nil || sent != 0 || failed != 0 {
				t.Fatalf("attempt %d: RunOnce = %d, %d, %v", i+1, sent, failed, err)
			}
			got := emailByID(t, st, e.ID)
			if got.Status != store.EmailQueued || got.Attempts != i+1 {
				t.Fatalf("attempt %d: row = %s after %d attempts", i+1, got.Status, got.Attempts)
			}
			if want := clk.Now().Add(wait); !got.NextAttemptAt.Equal(want) {
				t.Fatalf("attempt %d: next attempt %v, want %v", i+1, got.NextAttemptAt, want)
			}
			if !strings.Contains(got.LastError, "Connection refused") {
				t.Fatalf("last error %q does not say the connection was refused", got.LastError)
			}
			// Not due yet: nothing is claimed and no attempt is counted.
			clk.Advance(wait - time.Second)
			s.RunOnce(ctx)
			if again := emailByID(t, st, e.ID); again.Attempts != i+1 {
				t.Fatalf("row was tried before it was due")
			}
			clk.Advance(time.Second)
		}
		sk.up()
		if sent, _, err := s.RunOnce(ctx); err != nil || sent != 1 {
			t.Fatalf("after the server is back: sent %d, %v", sent, err)
		}
		clk.Advance(48 * time.Hour)
		if sent, _, _ := s.RunOnce(ctx); sent != 0 {
			t.Fatalf("a sent row was sent again")
		}
		if n := len(sk.messages()); n != 1 {
			t.Fatalf("sink got %d messages, want exactly 1", n)
		}
		if got := emailByID(t, st, e.ID); got.Status != store.EmailSent || got.LastError != "" {
			t.Fatalf("row = %s %q", got.Status, got.LastError)
		}
	})
}

func TestServerReplies(t *testing.T) {
	tests := []struct {
		name       string
		mode       sinkMode
		wantStatus string
		wantFailed int
		wantErr    []string
	}{
		{"451 is retried", sinkTempFail, store.EmailQueued, 0, []string{"try again later", "451"}},
		{"550 fails at once", sinkPermFail, store.EmailFailed, 1, []string{"refused the recipient", "550"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := storetest.Open(t, storetest.SQLite(t))
			sk := newSink(t, false)
			sk.setMode(tt.mode)
			clk := clock.NewFake(t0)
			e := enqueue(t, st, clk, "ada@customer.example", "https://portal.acme.example/x")
			_, failed, err := newSender(st, clk, sk).RunOnce(context.Background())
			if err != nil || failed != tt.wantFailed {
				t.Fatalf("RunOnce failed=%d err=%v, want failed=%d", failed, err, tt.wantFailed)
			}
			got := emailByID(t, st, e.ID)
			if got.Status != tt.wantStatus {
				t.Fatalf("status %s, want %s", got.Status, tt.wantStatus)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(got.LastError, w) {
					t.Errorf("last error %q lacks %q", got.LastError, w)
				}
			}
			if strings.Contains(got.LastError, "xyz") {
				t.Errorf("last error %q echoes the server's text", got.LastError)
			}
			if tt.wantStatus == store.EmailQueued && !got.NextAttemptAt.Equal(t0.Add(time.Minute)) {
				t.Errorf("next attempt %v, want %v", got.NextAttemptAt, t0.Add(time.Minute))
			}
		})
	}
}

func TestGiveUpAfter24h(t *testing.T) {
	st := storetest.Open(t, storetest.SQLite(t))
	sk := newSink(t, false)
	sk.setMode(sinkTempFail)
	clk := clock.NewFake(t0)
	s := newSender(st, clk, sk)
	e := enqueue(t, st, clk, "ada@customer.example", "https://portal.acme.example/x")
	var got store.Email
	for range 100 {
		s.RunOnce(context.Background())
		got = emailByID(t, st, e.ID)
		if got.Status != store.EmailQueued {
			break
		}
		if got.NextAttemptAt.After(t0.Add(24 * time.Hour)) {
			t.Fatalf("next attempt %v is past the give-up time", got.NextAttemptAt)
		}
		clk.Advance(got.NextAttemptAt.Sub(clk.Now()))
	}
	if got.Status != store.EmailFailed {
		t.Fatalf("status %s, want failed", got.Status)
	}
	if clk.Now().Sub(t0) != 24*time.Hour {
		t.Errorf("gave up at %v after creation, want 24h", clk.Now().Sub(t0))
	}
	if !strings.Contains(got.LastError, "Gave up after 24 hours") || !strings.Contains(got.LastError, "451") {
		t.Errorf("last error %q", got.LastError)
	}
	// 1, 2, 4, 8, 16, 32 minutes, then hourly up to 24h: 6 + 22 retries + the first.
	if got.Attempts < 20 || got.Attempts > 40 {
		t.Errorf("%d attempts in 24h; the backoff looks wrong", got.Attempts)
	}
}

func TestBackoff(t *testing.T) {
	s := &Sender{}
	tests := []struct {
		attempts int
		jitter   float64
		want     time.Duration
	}{
		{1, 0.5, time.Minute},
		{2, 0.5, 2 * time.Minute},
		{3, 0.5, 4 * time.Minute},
		{7, 0.5, time.Hour},
		{50, 0.5, time.Hour},
		{1, 0, 48 * time.Second},
		{1, 0.999999999, 72 * time.Second},
		{50, 0, 48 * time.Minute},
	}
	for _, tt := range tests {
		s.Jitter = func() float64 { return tt.jitter }
		if got := s.backoff(tt.attempts).Round(time.Second); got != tt.want {
			t.Errorf("backoff(%d) with jitter %v = %v, want %v", tt.attempts, tt.jitter, got, tt.want)
		}
	}
}

func TestNotConfiguredKeepsMailQueued(t *testing.T) {
	st := storetest.Open(t, storetest.SQLite(t))
	clk := clock.NewFake(t0)
	e := enqueue(t, st, clk, "ada@customer.example", "https://portal.acme.example/x")
	s := &Sender{Store: st, Clock: clk, Settings: func(context.Context) (Settings, error) { return Settings{}, nil }}
	if sent, failed, err := s.RunOnce(context.Background()); sent != 0 || failed != 0 || err != nil {
		t.Fatalf("RunOnce = %d, %d, %v", sent, failed, err)
	}
	if got := emailByID(t, st, e.ID); got.Status != store.EmailQueued || got.Attempts != 0 {
		t.Fatalf("row = %s after %d attempts, want queued untouched", got.Status, got.Attempts)
	}
}

func TestHeaderInjectionInRowFails(t *testing.T) {
	st := storetest.Open(t, storetest.SQLite(t))
	sk := newSink(t, false)
	clk := clock.NewFake(t0)
	e := store.Email{To: "ada@customer.example", Subject: "Hi\r\nBcc: victim@evil.example", BodyText: "x", CreatedAt: clk.Now()}
	st.InTx(context.Background(), func(tx *store.Tx) error { return tx.EnqueueEmail(context.Background(), &e) })
	_, failed, err := newSender(st, clk, sk).RunOnce(context.Background())
	if err != nil || failed != 1 {
		t.Fatalf("RunOnce failed=%d err=%v, want 1 failed", failed, err)
	}
	if n := len(sk.messages()); n != 0 {
		t.Fatalf("a message with a line break in its subject was sent")
	}
}

// TestTwoSendersOnePostgres runs two instances' senders against one
// PostgreSQL database: every row must reach the server exactly once.
func TestTwoSendersOnePostgres(t *testing.T) {
	target := storetest.Postgres(t)
	st1, st2 := storetest.Open(t, target), storetest.Open(t, target)
	sk := newSink(t, false)
	clk := clock.NewFake(t0)
	const n = 50
	for i := range n {
		enqueue(t, st1, clk, fmt.Sprintf("user%d@customer.example", i), "https://portal.acme.example/x")
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for _, st := range []*store.Store{st1, st2} {
		s := newSender(st, clk, sk)
		s.Batch = 5
		wg.Add(1)
		go func() {
			defer wg.Done()
			for idle := 0; idle < 3; {
				sent, failed, err := s.RunOnce(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				if failed != 0 {
					t.Errorf("%d failed", failed)
				}
				mu.Lock()
				total += sent
				mu.Unlock()
				if sent == 0 {
					idle++
					time.Sleep(20 * time.Millisecond)
				} else {
					idle = 0
				}
			}
		}()
	}
	wg.Wait()
	msgs := sk.messages()
	if len(msgs) != n || total != n {
		t.Fatalf("server got %d messages, senders counted %d; want %d", len(msgs), total, n)
	}
	seen := map[string]bool{}
	for _, m := range msgs {
		id := parse(t, m.Data).Header.Get("Message-Id")
		if seen[id] {
			t.Fatalf("message %s delivered twice", id)
		}
		seen[id] = true
	}
	all, _ := st1.ListEmails(context.Background(), 100)
	for _, e := range all {
		if e.Status != store.EmailSent || e.Attempts != 1 {
			t.Fatalf("row %d: %s after %d attempts", e.ID, e.Status, e.Attempts)
		}
	}
}

func TestRunDeliversUntilCancelled(t *testing.T) {
	st := storetest.Open(t, storetest.SQLite(t))
	sk := newSink(t, false)
	clk := clock.NewFake(t0)
	s := newSender(st, clk, sk)
	s.Interval = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	// Mail queued while the sender runs goes out on a later round.
	for i := range 3 {
		enqueue(t, st, clk, fmt.Sprintf("u%d@customer.example", i), "https://portal.acme.example/x")
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(sk.messages()) < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
	if n := len(sk.messages()); n != 3 {
		t.Fatalf("sink got %d messages, want 3", n)
	}
}

// TestLeaseHandBack: rows whose lease could run out before their send
// finishes are handed back rather than sent late, when another instance
// may already have claimed them.
func TestLeaseHandBack(t *testing.T) {
	st := storetest.Open(t, storetest.SQLite(t))
	sk := newSink(t, false)
	clk := clock.NewFake(t0)
	s := newSender(st, clk, sk)
	s.Batch = 3
	s.SendTimeout = 5 * time.Second
	// Room for the first send only: any time spent on it eats the margin.
	s.Lease = s.SendTimeout + 5*time.Millisecond
	for i := range 3 {
		enqueue(t, st, clk, fmt.Sprintf("u%d@customer.example", i), "https://portal.acme.example/x")
	}
	// Make the first send take longer than the margin.
	sk.setDelay(20 * time.Millisecond)
	for round := 1; round <= 3; round++ {
		sent, _, err := s.RunOnce(context.Background())
		if err != nil || sent != 1 {
			t.Fatalf("round %d: sent %d, %v; want 1 and the rest handed back", round, sent, err)
		}
	}
	if n := len(sk.messages()); n != 3 {
		t.Fatalf("sink got %d messages, want 3", n)
	}
	all, _ := st.ListEmails(context.Background(), 10)
	for _, e := range all {
		if e.Status != store.EmailSent {
			t.Fatalf("row %d is %s", e.ID, e.Status)
		}
	}
}
