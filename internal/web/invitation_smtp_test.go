package web_test

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"regexp"
	"strings"
	"testing"

	"github.com/portico-dev/portico/internal/apptest"
	"github.com/portico-dev/portico/internal/store/storetest"
)

// mimeParts returns the decoded bodies of a message by content type,
// walking nested multiparts.
func mimeParts(t *testing.T, header map[string][]string, body io.Reader, out map[string]string) {
	t.Helper()
	h := mail.Header(header)
	ctype, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		t.Fatalf("content type %q: %v", h.Get("Content-Type"), err)
	}
	if strings.HasPrefix(ctype, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			mimeParts(t, p.Header, p, out)
		}
	}
	var r io.Reader = body
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		t.Fatalf("unexpected base64 part %s", ctype)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	out[ctype] = string(b)
}

// The invitation travels over real SMTP: the admin creates an account, the
// sender delivers the email to an in-process go-smtp server, the test
// reads the actual message (headers, plain-text and HTML parts, the link)
// and follows the link to a first sign-in; the password-changed notice
// then goes out the same way.
func TestInvitationOverSMTP(t *testing.T) {
	sink := newMailSink(t)
	in := apptest.StartWithMail(t, storetest.SQLite(t), nil, apptest.MailOptions{Env: sink.settings()})
	admin := accountsSetup(t, in)
	createViaForm(t, in, admin, accountForm())
	deliver(t, in, sink, 1)
	msgs := sink.messages()
	if len(msgs) != 1 || len(msgs[0].To) != 1 || msgs[0].To[0] != "robin.quay@example.com" {
		t.Fatalf("delivered: %+v", msgs)
	}
	m, err := mail.ReadMessage(strings.NewReader(msgs[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	if subj, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); !strings.Contains(subj, "invitation to the Acme Warehousing portal") {
		t.Errorf("subject %q", subj)
	}
	if to := m.Header.Get("To"); !strings.Contains(to, "robin.quay@example.com") {
		t.Errorf("To %q", to)
	}
	parts := map[string]string{}
	mimeParts(t, m.Header, m.Body, parts)
	text, html := parts["text/plain"], parts["text/html"]
	if text == "" || html == "" {
		t.Fatalf("parts: %v", keys(parts))
	}
	link := regexp.MustCompile(`https?://\S+/password/set\?token=[A-Za-z0-9_-]{43}`).FindString(text)
	if !strings.HasPrefix(link, in.App.Config.BaseURL.String()+"/password/set?token=") {
		t.Fatalf("no link on the public URL in the text part:\n%s", text)
	}
	if !strings.Contains(html, `href="`+link+`"`) || !strings.Contains(text, "expires in 24 hours") {
		t.Errorf("HTML part lacks the button link, or the text lacks the expiry")
	}

	c := in.Client(t)
	path := strings.TrimPrefix(link, in.App.Config.BaseURL.String())
	openLink(t, c, path)
	newPw := "harbour lantern quiet morning"
	if r := setPassword(c, newPw); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("set password: %d", r.StatusCode)
	}
	if r := c.SignIn("robin.quay@example.com", newPw); r.Header.Get("Location") != "/" {
		t.Fatalf("first sign-in: %d %q", r.StatusCode, r.Header.Get("Location"))
	}

	deliver(t, in, sink, 2)
	notice, err := mail.ReadMessage(strings.NewReader(sink.messages()[1].Data))
	if err != nil {
		t.Fatal(err)
	}
	parts = map[string]string{}
	mimeParts(t, notice.Header, notice.Body, parts)
	if strings.Contains(parts["text/plain"]+parts["text/html"], newPw) || strings.Contains(parts["text/plain"], "token=") ||
		!strings.Contains(parts["text/plain"], "password") {
		t.Errorf("password-changed notice:\n%s", parts["text/plain"])
	}
}

// deliver runs the sender until the sink holds n messages (the App's own
// background sender may deliver some first; either way each is sent once).
func deliver(t *testing.T, in *apptest.Instance, sink *mailSink, n int) {
	t.Helper()
	for range 50 {
		if _, _, err := in.App.Sender.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := len(sink.messages()); got >= n {
			if got > n {
				t.Fatalf("%d messages delivered, want %d", got, n)
			}
			return
		}
	}
	t.Fatalf("%d messages delivered, want %d", len(sink.messages()), n)
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
