package mail_test

import (
	"bytes"
	"context"
	"errors"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	advmail "github.com/advocate-org/advocate/app/mail"
	"github.com/advocate-org/advocate/app/mail/mailtest"
)

var fakePDF = append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{0, 1, 2, 250, 13, 10, '.', '\n'}, 512)...)

func sampleMessage() *advmail.Message {
	return &advmail.Message{
		MessageID: "<delivery-42.0123456789abcdef@advocate.example>",
		Date:      time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC),
		From:      advmail.Address{Name: "José Müller via Free Guan Heng", Email: "letters@advocate.example"},
		To:        []advmail.Address{{Name: "Tom Lantos Human Rights Commission", Email: "TLHRC@mail.house.gov"}},
		ReplyTo:   &advmail.Address{Name: "José Müller", Email: "jose@example.org"},
		Subject:   "Free Guan Heng — a letter from Zoë in Albany",
		Text:      "Dear Co-Chair McGovern:\n\nPlease help.\n.\nA line with a lone dot above.\n\nSincerely,\nJosé",
		HTML:      "<p>Dear Co-Chair McGovern:</p><p>Please help.</p>",
		Attachments: []advmail.Attachment{
			{Name: "Letter to McGovern (José).pdf", ContentType: "application/pdf", Data: fakePDF},
		},
		Headers: map[string]string{"Auto-Submitted": "auto-generated"},
	}
}

func newSender(t testing.TB, o advmail.SMTPOptions) *advmail.SMTPSender {
	t.Helper()
	s, err := advmail.NewSMTP(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func send(t *testing.T, s advmail.Sender, msgs ...*advmail.Message) []error {
	t.Helper()
	ctx := context.Background()
	sess, err := s.Open(ctx)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer sess.Close()
	var errs []error
	for _, m := range msgs {
		errs = append(errs, sess.Send(ctx, m))
	}
	return errs
}

// parsed is a received message taken apart.
type parsed struct {
	header      mail.Header
	text, html  string
	attachName  string
	attachType  string
	attachBytes []byte
}

func decodeHeader(t *testing.T, v string) string {
	t.Helper()
	return mailtest.DecodeHeader(t, v)
}

func parse(t *testing.T, raw []byte) parsed {
	t.Helper()
	m := mailtest.Parse(t, raw)
	if m.MediaType != "multipart/mixed" {
		t.Fatalf("content type %q", m.Header.Get("Content-Type"))
	}
	p := parsed{header: m.Header, text: m.Text, html: m.HTML}
	if len(m.Attachments) > 0 {
		a := m.Attachments[len(m.Attachments)-1]
		p.attachName, p.attachType, p.attachBytes = a.Name, a.Type, a.Data
	}
	return p
}

func TestSendWithAttachment(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	s := newSender(t, advmail.SMTPOptions{URL: srv.URL()})
	m := sampleMessage()
	for _, err := range send(t, s, m) {
		if err != nil {
			t.Fatal(err)
		}
	}
	got := srv.Received()
	if len(got) != 1 {
		t.Fatalf("received %d messages", len(got))
	}
	r := got[0]
	if r.From != "letters@advocate.example" || len(r.To) != 1 || r.To[0] != "TLHRC@mail.house.gov" {
		t.Errorf("envelope %q -> %q", r.From, r.To)
	}
	p := parse(t, r.Data)
	checks := map[string]string{
		"From":       `"José Müller via Free Guan Heng" <letters@advocate.example>`,
		"Reply-To":   `"José Müller" <jose@example.org>`,
		"Subject":    "Free Guan Heng — a letter from Zoë in Albany",
		"Message-Id": "<delivery-42.0123456789abcdef@advocate.example>",
	}
	for h, want := range checks {
		if got := decodeHeader(t, p.header.Get(h)); got != want && !(h != "Subject" && sameAddress(t, got, want)) {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if d, err := p.header.Date(); err != nil || !d.Equal(m.Date) {
		t.Errorf("Date %v (%v)", d, err)
	}
	if p.header.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", p.header.Get("Auto-Submitted"))
	}
	for _, h := range []string{"From", "Subject", "Reply-To"} {
		if raw := p.header.Get(h); !isASCII(raw) {
			t.Errorf("%s is not encoded: %q", h, raw)
		}
	}
	if !strings.Contains(p.text, "A line with a lone dot above.") || !strings.Contains(p.text, "\r\n.\r\n") {
		t.Errorf("text body = %q", p.text)
	}
	if !strings.Contains(p.html, "<p>Please help.</p>") {
		t.Errorf("html body = %q", p.html)
	}
	if p.attachName != "Letter-to-McGovern-Jose.pdf" || p.attachType != "application/pdf" {
		t.Errorf("attachment %q (%s)", p.attachName, p.attachType)
	}
	if !bytes.Equal(p.attachBytes, fakePDF) {
		t.Errorf("attachment bytes differ (%d vs %d)", len(p.attachBytes), len(fakePDF))
	}
}

func sameAddress(t *testing.T, a, b string) bool {
	x, err1 := mail.ParseAddress(a)
	y, err2 := mail.ParseAddress(b)
	return err1 == nil && err2 == nil && x.Name == y.Name && x.Address == y.Address
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func TestSessionReusesConnection(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	s := newSender(t, advmail.SMTPOptions{URL: srv.URL()})
	var msgs []*advmail.Message
	for i := 0; i < 5; i++ {
		m := sampleMessage()
		m.MessageID = "<m" + string(rune('a'+i)) + "@x.example>"
		msgs = append(msgs, m)
	}
	for _, err := range send(t, s, msgs...) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if srv.Count() != 5 || srv.Conns() != 1 {
		t.Errorf("count %d over %d connections, want 5 over 1", srv.Count(), srv.Conns())
	}
}

func TestReplyErrorsAreClassified(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{Reply: func(n int, _ mailtest.Received) error {
		switch n {
		case 1:
			return mailtest.Temp("greylisted, try later")
		case 2:
			return mailtest.Perm("no such mailbox")
		}
		return nil
	}})
	s := newSender(t, advmail.SMTPOptions{URL: srv.URL()})
	errs := send(t, s, sampleMessage(), sampleMessage(), sampleMessage())
	var se *advmail.SendError
	if !errors.As(errs[0], &se) || se.Code != 451 || !advmail.IsTemporary(errs[0]) {
		t.Errorf("first send: %v", errs[0])
	}
	if !errors.As(errs[1], &se) || se.Code != 550 || advmail.IsTemporary(errs[1]) {
		t.Errorf("second send: %v", errs[1])
	}
	if errs[2] != nil {
		t.Errorf("the session should survive reply errors: %v", errs[2])
	}
	if srv.Count() != 1 || srv.Conns() != 1 {
		t.Errorf("accepted %d over %d connections", srv.Count(), srv.Conns())
	}
}

func TestSilentServerTimesOut(t *testing.T) {
	addr := mailtest.Silent(t)
	s := newSender(t, advmail.SMTPOptions{URL: "smtp://" + addr, Timeout: 200 * time.Millisecond})
	start := time.Now()
	_, err := s.Open(context.Background())
	if err == nil || !advmail.IsTemporary(err) {
		t.Fatalf("open = %v, want a temporary error", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("took %v to give up", took)
	}
}

func TestContextCancelsStalledSend(t *testing.T) {
	addr := mailtest.Silent(t)
	s := newSender(t, advmail.SMTPOptions{URL: "smtp://" + addr, Timeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := s.Open(ctx); err == nil || !advmail.IsTemporary(err) {
		t.Fatalf("open = %v", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("took %v despite the context", took)
	}
}

func TestSlowDataAnswerTimesOut(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{DataDelay: 2 * time.Second})
	s := newSender(t, advmail.SMTPOptions{URL: srv.URL(), Timeout: 200 * time.Millisecond})
	errs := send(t, s, sampleMessage(), sampleMessage())
	if errs[0] == nil || !advmail.IsTemporary(errs[0]) {
		t.Fatalf("send = %v, want a temporary timeout", errs[0])
	}
	if errs[1] == nil {
		t.Error("a timed-out session must not be reused")
	}
}

func TestSTARTTLS(t *testing.T) {
	plain := mailtest.Start(t, mailtest.Options{})
	s := newSender(t, advmail.SMTPOptions{URL: plain.URL()})
	advmail.TreatAsRemote(s)
	if _, err := s.Open(context.Background()); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("a remote server without STARTTLS must be refused, got %v", err)
	}
	s = newSender(t, advmail.SMTPOptions{URL: plain.URL(), AllowPlaintext: true})
	advmail.TreatAsRemote(s)
	if errs := send(t, s, sampleMessage()); errs[0] != nil {
		t.Errorf("plaintext explicitly allowed: %v", errs[0])
	}

	secure := mailtest.Start(t, mailtest.Options{STARTTLS: true, User: "advocate", Password: "p@ss word"})
	s = newSender(t, advmail.SMTPOptions{URL: "smtp://advocate:p%40ss%20word@" + secure.Addr, TLSConfig: secure.ClientTLS()})
	advmail.TreatAsRemote(s)
	if errs := send(t, s, sampleMessage()); errs[0] != nil {
		t.Fatalf("send over STARTTLS: %v", errs[0])
	}
	if secure.Count() != 1 {
		t.Errorf("received %d", secure.Count())
	}
	// An untrusted certificate fails (temporarily: the operator can fix it).
	s = newSender(t, advmail.SMTPOptions{URL: secure.URL()})
	if _, err := s.Open(context.Background()); err == nil || !advmail.IsTemporary(err) {
		t.Errorf("untrusted certificate: %v", err)
	}
}

func TestAuthFailure(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{User: "u", Password: "right"})
	s := newSender(t, advmail.SMTPOptions{URL: "smtp://u:wrong@" + srv.Addr})
	_, err := s.Open(context.Background())
	var se *advmail.SendError
	if !errors.As(err, &se) || se.Op != "auth" || !se.Temporary || se.Code != 535 {
		t.Errorf("open = %#v", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("the password leaks into the error: %v", err)
	}
}

func TestHeaderInjection(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	s := newSender(t, advmail.SMTPOptions{URL: srv.URL()})
	evil := "Eve\r\nBcc: victim@evil.example\r\n\r\nbody"
	m := sampleMessage()
	m.From.Name = evil
	m.To[0].Name = "Office\nBcc: victim@evil.example"
	m.ReplyTo.Name = "Jane\rBcc: victim@evil.example"
	m.Subject = "Hello\r\nBcc: victim@evil.example\u2028X-Injected: yes"
	m.Attachments[0].Name = "letter\".pdf\r\nContent-Type: text/html\r\n\r\n<script>"
	m.Headers = map[string]string{"X-Campaign": "free\r\nBcc: victim@evil.example"}
	if errs := send(t, s, m); errs[0] != nil {
		t.Fatal(errs[0])
	}
	r := srv.Received()[0]
	if len(r.To) != 1 || r.To[0] != "TLHRC@mail.house.gov" {
		t.Errorf("envelope recipients %q", r.To)
	}
	head, _, _ := bytes.Cut(r.Data, []byte("\r\n\r\n"))
	for _, line := range strings.Split(string(head), "\r\n") {
		name, _, _ := strings.Cut(line, ":")
		if strings.EqualFold(name, "Bcc") || strings.EqualFold(name, "X-Injected") {
			t.Errorf("injected header line %q", line)
		}
	}
	p := parse(t, r.Data)
	if got := decodeHeader(t, p.header.Get("Subject")); strings.ContainsAny(got, "\r\n\u2028") || !strings.HasPrefix(got, "Hello Bcc:") {
		t.Errorf("subject %q", got)
	}
	if strings.ContainsAny(p.attachName, "\"\r\n<>") || p.attachType != "application/pdf" {
		t.Errorf("attachment %q (%s)", p.attachName, p.attachType)
	}
	if !bytes.Equal(p.attachBytes, fakePDF) {
		t.Error("attachment content changed")
	}

	// Addresses are not cleaned but refused: they decide where mail goes.
	for _, bad := range []string{
		"a@b.example\r\nRCPT TO:<victim@evil.example>",
		"a@b.example>\r\nBcc: victim@evil.example",
		"Jane <jane@b.example>",
		"jane@b.example, victim@evil.example",
		"",
		"no-at-sign",
	} {
		for _, where := range []string{"from", "to", "reply-to"} {
			m := sampleMessage()
			switch where {
			case "from":
				m.From.Email = bad
			case "to":
				m.To[0].Email = bad
			case "reply-to":
				m.ReplyTo.Email = bad
			}
			if _, err := m.Bytes(); err == nil || advmail.IsTemporary(err) {
				t.Errorf("%s %q accepted (%v)", where, bad, err)
			}
		}
	}
	m = sampleMessage()
	m.MessageID = "<a@b>\r\nBcc: x@y"
	if _, err := m.Bytes(); err == nil {
		t.Error("a forged message id was accepted")
	}
	m = sampleMessage()
	m.Headers = map[string]string{"Bcc": "victim@evil.example"}
	if _, err := m.Bytes(); err == nil {
		t.Error("a reserved header was accepted")
	}
	if srv.Count() != 1 {
		t.Errorf("%d messages reached the server", srv.Count())
	}
}

func TestCleanHeader(t *testing.T) {
	for in, want := range map[string]string{
		"  plain  ":                "plain",
		"two\r\nlines":             "two lines",
		"tab\there":                "tab here",
		"nul\x00byte\x7f":          "nulbyte",
		"sep\u2028par\u2029next":   "sep par next",
		"bidi\u202eoverride":       "bidioverride",
		"bad utf8 \xff\xfe end":    "bad utf8 end",
		"Zoë Ångström — ok":        "Zoë Ångström — ok",
		strings.Repeat("x", 10):    strings.Repeat("x", 10),
		"emoji 🙂 stays (not ours)": "emoji 🙂 stays (not ours)",
	} {
		if got := advmail.CleanHeader(in, 0); got != want {
			t.Errorf("CleanHeader(%q) = %q, want %q", in, got, want)
		}
	}
	if got := advmail.CleanHeader(strings.Repeat("é", 50), 10); got != strings.Repeat("é", 9)+"…" {
		t.Errorf("cut = %q", got)
	}
}

func TestCleanFileName(t *testing.T) {
	for in, want := range map[string]string{
		"letter.pdf":                       "letter.pdf",
		"Letter to José Núñez.pdf":         "Letter-to-Jose-Nunez.pdf",
		`a"b.pdf`:                          "ab.pdf",
		"x\r\nContent-Type: text/html.pdf": "x-Content-Type-text-html.pdf",
		"../../etc/passwd":                 "etc-passwd",
		"":                                 "attachment",
		"...":                              "attachment",
		".hidden":                          "hidden",
		"中文.pdf":                           "attachment.pdf",
		strings.Repeat("a", 300) + ".pdf":  strings.Repeat("a", 96) + ".pdf",
	} {
		if got := advmail.CleanFileName(in); got != want {
			t.Errorf("CleanFileName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFileSender(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	f := advmail.NewFileSender(dir)
	if f.Live() {
		t.Error("the file sink is not live")
	}
	m := sampleMessage()
	for _, err := range send(t, f, m, m) {
		if err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 || entries[0].Name() != "delivery-42.0123456789abcdef_advocate.example.eml" {
		t.Fatalf("files %v (%v)", entries, err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, entries[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	if p := parse(t, raw); !bytes.Equal(p.attachBytes, fakePDF) {
		t.Error("filed attachment differs")
	}
}

func TestNewSMTPRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "http://x", "smtp://", "smtp://host:99999", "mail.example.org:25"} {
		if _, err := advmail.NewSMTP(advmail.SMTPOptions{URL: u}); err == nil {
			t.Errorf("NewSMTP(%q) accepted", u)
		}
	}
	s, err := advmail.NewSMTP(advmail.SMTPOptions{URL: "smtps://user:secret@mail.example.org"})
	if err != nil || s.String() != "smtps://mail.example.org:465" {
		t.Errorf("%v %v", s, err)
	}
}
