// Package mail turns Advocate's emails into MIME messages and hands them to
// a mail server (or, with none configured, to .eml files). It is the only
// package that imports gomail, and it closes the gaps gomail leaves open:
//
//   - every header value built from user input (names, subjects, file names)
//     is cleaned of control characters before gomail sees it, so a CR or LF
//     typed by a supporter cannot add a header (gomail writes attachment file
//     names and addresses verbatim);
//   - addresses are parsed and must be exactly one plain mailbox;
//   - the SMTP conversation runs over a connection with read and write
//     deadlines and a cancellable context, so a stalled server cannot hang a
//     worker (gomail's Dialer has neither);
//   - STARTTLS is required unless the server is on the loopback interface or
//     the operator turned the check off, so a man in the middle cannot strip
//     it (gomail silently sends in clear text when STARTTLS is missing).
//
// Failures are classified (see SendError) so the outbox can retry temporary
// ones with backoff and give up on permanent ones.
package mail

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"gopkg.in/gomail.v2"

	"github.com/advocate-org/advocate/app"
)

// Address is one mailbox: an optional display name and an email address.
type Address struct {
	Name  string
	Email string
}

// String formats the address for logs (not for headers).
func (a Address) String() string {
	if a.Name == "" {
		return "<" + a.Email + ">"
	}
	return a.Name + " <" + a.Email + ">"
}

// Attachment is a file sent with a message. Name is cleaned to a safe file
// name when the message is built.
type Attachment struct {
	Name        string
	ContentType string // default application/octet-stream
	Data        []byte
}

// Message is one email. Text is required; HTML, when set, is offered as an
// alternative to it.
type Message struct {
	// MessageID is "<local@host>"; stable per delivery so that a resend
	// after a crash is recognisably the same message.
	MessageID   string
	Date        time.Time
	From        Address
	To          []Address
	ReplyTo     *Address
	Subject     string
	Text        string
	HTML        string
	Attachments []Attachment
	// Headers are extra headers such as Auto-Submitted. Names must be
	// plain header tokens; values are cleaned like every other header.
	Headers map[string]string
}

// Limits on header content built from user input.
const (
	maxNameRunes    = 120
	maxSubjectRunes = 300
	maxFileName     = 100
)

var (
	messageIDRE  = regexp.MustCompile(`^<[A-Za-z0-9!#$%&'*+/=?^_{|}~.-]{1,200}@[A-Za-z0-9.-]{1,200}>$`)
	headerNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,60}$`)
)

// reservedHeaders are set by Message fields only.
var reservedHeaders = map[string]bool{
	"from": true, "to": true, "cc": true, "bcc": true, "reply-to": true, "subject": true, "date": true,
	"message-id": true, "mime-version": true, "content-type": true, "content-transfer-encoding": true,
	"sender": true, "return-path": true,
}

// CleanHeader makes s safe as the text of a header: control characters
// (CR and LF included) and Unicode line separators are removed or turned
// into spaces, runs of white space collapse, and the result is cut to max
// runes (0: no limit). Invalid UTF-8 is dropped.
func CleanHeader(s string, max int) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\r' || r == '\n' || r == '\t' || r == '\u2028' || r == '\u2029' || r == '\u0085':
			return ' '
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r) && r != '\u200d':
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if max > 0 && utf8.RuneCountInString(s) > max {
		s = strings.TrimSpace(string([]rune(s)[:max-1])) + "…"
	}
	return s
}

// CleanFileName returns a file name made only of ASCII letters, digits,
// '.', '-' and '_' (accents are dropped from letters, spaces become '-'),
// so that it can go into a Content-Disposition header as is.
func CleanFileName(name string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToValidUTF8(name, "")) {
		switch {
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '_'):
			b.WriteRune(r)
		case unicode.IsSpace(r) || r == '/' || r == '\\':
			b.WriteByte('-')
		}
	}
	out := b.String()
	if strings.HasPrefix(out, ".") && !strings.HasPrefix(strings.TrimSpace(name), ".") {
		out = "attachment" + out // nothing was left of the stem
	}
	out = strings.Trim(out, ".-")
	for strings.Contains(out, "--") {
		out = strings.ReplaceAll(out, "--", "-")
	}
	for strings.Contains(out, "..") {
		out = strings.ReplaceAll(out, "..", ".")
	}
	if len(out) > maxFileName {
		ext := ""
		if i := strings.LastIndexByte(out, '.'); i > 0 && len(out)-i <= 10 {
			ext = out[i:]
		}
		out = out[:maxFileName-len(ext)] + ext
	}
	if out == "" || out[0] == '.' {
		out = "attachment" + out
	}
	return out
}

// ParseAddress checks that email is exactly one plain address (no display
// name, no comments, no line breaks, not at an IP address: app.CheckEmail,
// the one rule for every address) and returns it.
func ParseAddress(email string) (string, error) {
	switch app.CheckEmail(email) {
	case nil:
		return email, nil
	case app.ErrEmailIPLiteral:
		return "", fmt.Errorf("mail: %q is at an IP address, not a domain name", email)
	}
	if email == "" {
		return "", fmt.Errorf("mail: empty address")
	}
	return "", fmt.Errorf("mail: %q is not a valid address", email)
}

// envelope is what the SMTP conversation needs besides the content.
type envelope struct {
	from string
	to   []string
}

// build checks m and turns it into a gomail message. Errors are permanent:
// the same message will never build.
func (m *Message) build() (*gomail.Message, envelope, error) {
	var env envelope
	fail := func(format string, args ...any) (*gomail.Message, envelope, error) {
		return nil, env, &SendError{Op: "compose", Err: fmt.Errorf(format, args...)}
	}
	if !messageIDRE.MatchString(m.MessageID) {
		return fail("mail: message id %q is not <local@host>", m.MessageID)
	}
	from, err := ParseAddress(m.From.Email)
	if err != nil {
		return fail("from: %w", err)
	}
	if len(m.To) == 0 {
		return fail("mail: no recipient")
	}
	if strings.TrimSpace(m.Text) == "" {
		return fail("mail: no text body")
	}
	g := gomail.NewMessage(gomail.SetCharset("UTF-8"), gomail.SetEncoding(gomail.QuotedPrintable))
	env.from = from
	g.SetAddressHeader("From", from, CleanHeader(m.From.Name, maxNameRunes))
	to := make([]string, 0, len(m.To))
	for _, a := range m.To {
		addr, err := ParseAddress(a.Email)
		if err != nil {
			return fail("to: %w", err)
		}
		env.to = append(env.to, addr)
		to = append(to, g.FormatAddress(addr, CleanHeader(a.Name, maxNameRunes)))
	}
	// Already encoded by FormatAddress; set without a second encoding.
	g.SetHeaders(map[string][]string{"To": to})
	if m.ReplyTo != nil {
		addr, err := ParseAddress(m.ReplyTo.Email)
		if err != nil {
			return fail("reply-to: %w", err)
		}
		g.SetAddressHeader("Reply-To", addr, CleanHeader(m.ReplyTo.Name, maxNameRunes))
	}
	g.SetHeader("Subject", CleanHeader(m.Subject, maxSubjectRunes))
	g.SetHeader("Message-ID", m.MessageID)
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	g.SetDateHeader("Date", date)
	for k, v := range m.Headers {
		if !headerNameRE.MatchString(k) || reservedHeaders[strings.ToLower(k)] {
			return fail("mail: header %q may not be set", k)
		}
		g.SetHeader(k, CleanHeader(v, 500))
	}
	g.SetBody("text/plain", normalizeBody(m.Text))
	if m.HTML != "" {
		g.AddAlternative("text/html", normalizeBody(m.HTML))
	}
	for _, a := range m.Attachments {
		name := CleanFileName(a.Name)
		ct := a.ContentType
		if ct == "" || !contentTypeRE.MatchString(ct) {
			ct = "application/octet-stream"
		}
		data := a.Data
		g.Attach(name,
			gomail.SetHeader(map[string][]string{
				"Content-Type":        {ct + `; name="` + name + `"`},
				"Content-Disposition": {`attachment; filename="` + name + `"`},
			}),
			gomail.SetCopyFunc(func(w io.Writer) error {
				_, err := w.Write(data)
				return err
			}))
	}
	return g, env, nil
}

var contentTypeRE = regexp.MustCompile(`^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+$`)

// normalizeBody gives the body CRLF-free LF line ends (gomail writes CRLF)
// and valid UTF-8.
func normalizeBody(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// WriteTo writes m in RFC 5322 form, as it goes over the wire.
func (m *Message) WriteTo(w io.Writer) (int64, error) {
	g, _, err := m.build()
	if err != nil {
		return 0, err
	}
	return g.WriteTo(w)
}

// Bytes returns m in RFC 5322 form.
func (m *Message) Bytes() ([]byte, error) {
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
