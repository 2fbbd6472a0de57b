package outbox

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter/pdf"
	"github.com/advocate-org/advocate/app/mail"
)

// Composer turns a delivery into an email: the letter to an office, or the
// supporter's copy (with the confirmation link under double opt-in), each
// with PDFs attached. Templates are parsed once by NewComposer.
type Composer struct {
	from     mail.Address
	host     string
	baseURL  string
	loc      *time.Location
	pdf      *pdf.Maker
	officeT  *texttemplate.Template
	officeH  *htmltemplate.Template
	copyT    *texttemplate.Template
	copyH    *htmltemplate.Template
	copySubj *texttemplate.Template
	groupT   *texttemplate.Template // several letters to one inbox
	groupH   *htmltemplate.Template
}

// ComposerOptions wires a Composer.
type ComposerOptions struct {
	// From is the campaign's sending address (ADVOCATE_MAIL_FROM); its
	// name is used when a campaign has no organization name.
	From mail.Address
	// BaseURL is the public site URL for links in emails
	// (https://letters.example.org).
	BaseURL string
	// Templates holds office.txt, office.html, copy.txt, copy.html and
	// office-group.txt, office-group.html
	// (templates.Emails()).
	Templates fs.FS
	PDF       *pdf.Maker
	// Location dates letters (default America/New_York).
	Location *time.Location
}

// NewComposer parses the email templates; a broken one is an error at
// start-up rather than at the first send.
func NewComposer(o ComposerOptions) (*Composer, error) {
	if _, err := mail.ParseAddress(o.From.Email); err != nil {
		return nil, fmt.Errorf("outbox: sender address: %w", err)
	}
	if o.PDF == nil {
		return nil, fmt.Errorf("outbox: a PDF maker is required")
	}
	if o.Location == nil {
		loc, err := time.LoadLocation("America/New_York")
		if err != nil {
			loc = time.UTC
		}
		o.Location = loc
	}
	c := &Composer{
		from: o.From, baseURL: strings.TrimRight(o.BaseURL, "/"), loc: o.Location, pdf: o.PDF,
		host: o.From.Email[strings.LastIndexByte(o.From.Email, '@')+1:],
	}
	funcs := map[string]any{
		"paragraphs": paragraphs,
		"inc":        func(i int) int { return i + 1 },
		"emailed": func(l app.Letter) bool {
			for _, d := range l.Deliveries {
				if d.Channel == app.ChannelEmail {
					return true
				}
			}
			return false
		},
	}
	hfuncs := htmltemplate.FuncMap{"lines": func(s string) htmltemplate.HTML {
		parts := strings.Split(s, "\n")
		for i, p := range parts {
			parts[i] = htmltemplate.HTMLEscapeString(p)
		}
		return htmltemplate.HTML(strings.Join(parts, "<br>"))
	}}
	for k, v := range funcs {
		hfuncs[k] = v
	}
	read := func(name string) (string, error) {
		b, err := fs.ReadFile(o.Templates, name)
		if err != nil {
			return "", fmt.Errorf("outbox: email template %s: %w", name, err)
		}
		return string(b), nil
	}
	var err error
	text := func(name, src string) *texttemplate.Template {
		if err != nil {
			return nil
		}
		var t *texttemplate.Template
		t, err = texttemplate.New(name).Funcs(funcs).Option("missingkey=error").Parse(src)
		if err != nil {
			err = fmt.Errorf("outbox: email template %s: %w", name, err)
		}
		return t
	}
	html := func(name, src string) *htmltemplate.Template {
		if err != nil {
			return nil
		}
		var t *htmltemplate.Template
		t, err = htmltemplate.New(name).Funcs(hfuncs).Option("missingkey=error").Parse(src)
		if err != nil {
			err = fmt.Errorf("outbox: email template %s: %w", name, err)
		}
		return t
	}
	src := map[string]string{}
	for _, name := range []string{"office.txt", "office.html", "copy.txt", "copy.html", "office-group.txt", "office-group.html"} {
		if src[name], err = read(name); err != nil {
			return nil, err
		}
	}
	subject, body, ok := strings.Cut(src["copy.txt"], "\n")
	subject, hasSubject := strings.CutPrefix(strings.TrimSpace(subject), "Subject:")
	if !ok || !hasSubject {
		return nil, fmt.Errorf("outbox: email template copy.txt must start with a \"Subject:\" line")
	}
	c.copySubj = text("copy.subject", strings.TrimSpace(subject))
	c.copyT = text("copy.txt", strings.TrimLeft(body, "\n"))
	c.officeT = text("office.txt", src["office.txt"])
	c.officeH = html("office.html", src["office.html"])
	c.copyH = html("copy.html", src["copy.html"])
	c.groupT = text("office-group.txt", src["office-group.txt"])
	c.groupH = html("office-group.html", src["office-group.html"])
	if err != nil {
		return nil, err
	}
	return c, nil
}

// paragraphs splits plain text on blank lines.
func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// MessageID is the stable Message-ID of a delivery: the same on every
// attempt, so a message repeated after a crash is recognisably a duplicate
// (mail servers and clients drop it), and unguessable from the id alone.
func MessageID(dl app.Delivery, host string) string {
	h := sha256.Sum256([]byte("advocate-delivery:" + strconv.FormatInt(dl.ID, 10) + ":" +
		strconv.FormatInt(dl.LetterID, 10) + ":" + dl.CreatedAt.UTC().Format(time.RFC3339Nano)))
	return "<delivery-" + strconv.FormatInt(dl.ID, 10) + "." + hex.EncodeToString(h[:8]) + "@" + host + ">"
}

// ComposeError is a delivery that can never be composed (its letter is
// gone, its supporter erased, its text unprintable): the outbox gives up on
// it at once.
type ComposeError struct{ Err error }

func (e *ComposeError) Error() string { return "compose: " + e.Err.Error() }
func (e *ComposeError) Unwrap() error { return e.Err }

// officeData is what office.txt and office.html see.
type officeData struct {
	Campaign         *app.Campaign
	Supporter        app.Supporter
	Letter           app.Letter
	OrgName          string
	ReplyToSupporter bool
}

// copyData is what copy.txt and copy.html see.
type copyData struct {
	Campaign   *app.Campaign
	Supporter  app.Supporter
	Letters    []app.Letter
	OrgName    string
	ThanksURL  string
	ConfirmURL string // empty unless the submission awaits confirmation
	ConfirmBy  string // "July 4, 2026 at 3:04 PM EDT"
	// Again is true when this copy went out before and is sent again
	// (the "send me my link again" form, or a repeat submission).
	Again bool
}

// Compose builds the email for dl, a delivery of one of sub's letters.
func (c *Composer) Compose(dl app.Delivery, sub *app.Submission, camp *app.Campaign, now time.Time) (*mail.Message, error) {
	var letter *app.Letter
	for i := range sub.Letters {
		if sub.Letters[i].ID == dl.LetterID {
			letter = &sub.Letters[i]
		}
	}
	switch {
	case letter == nil:
		return nil, &ComposeError{fmt.Errorf("letter %d is not in submission %d", dl.LetterID, sub.ID)}
	case sub.Supporter.ErasedAt != nil:
		return nil, &ComposeError{fmt.Errorf("the supporter's data was erased")}
	}
	org := strings.TrimSpace(camp.Delivery.OrgName)
	if org == "" {
		org = c.from.Name
	}
	m := &mail.Message{
		MessageID: MessageID(dl, c.host),
		Date:      now,
		To:        []mail.Address{{Email: dl.To}},
		Headers:   map[string]string{"X-Advocate-Campaign": camp.Slug},
	}
	switch dl.Channel {
	case app.ChannelEmail:
		d := officeData{Campaign: camp, Supporter: sub.Supporter, Letter: *letter, OrgName: org,
			ReplyToSupporter: camp.Delivery.ReplyToSupporter}
		sender := sub.Supporter.FullName() + " via " + firstNonEmpty(org, camp.Title)
		m.From = mail.Address{Name: sender, Email: c.from.Email}
		m.To[0].Name = letter.Recipient.Name
		if camp.Delivery.ReplyToSupporter {
			m.ReplyTo = &mail.Address{Name: sub.Supporter.FullName(), Email: sub.Supporter.Email}
		}
		m.Subject = letter.Subject
		var err error
		if m.Text, err = execText(c.officeT, d); err != nil {
			return nil, err
		}
		if m.HTML, err = execHTML(c.officeH, d); err != nil {
			return nil, err
		}
		b, err := c.render(sub, []app.Letter{*letter})
		if err != nil {
			return nil, err
		}
		m.Attachments = []mail.Attachment{{
			Name: camp.Slug + "-letter-to-" + letter.Recipient.LastName + ".pdf", ContentType: "application/pdf", Data: b,
		}}
	case app.ChannelCopy:
		d := copyData{Campaign: camp, Supporter: sub.Supporter, Letters: sub.Letters, OrgName: org,
			ThanksURL: c.baseURL + "/s/" + sub.Token, Again: dl.SentAt != nil}
		if !sub.Confirmed() && sub.ConfirmToken != "" {
			d.ConfirmURL = c.baseURL + "/confirm/" + sub.ConfirmToken
			d.ConfirmBy = sub.CreatedAt.Add(camp.Delivery.ConfirmWithin()).In(c.loc).Format("January 2, 2006 at 3:04 PM MST")
		}
		m.From = mail.Address{Name: firstNonEmpty(org, camp.Title), Email: c.from.Email}
		m.To[0].Name = sub.Supporter.FullName()
		m.Headers["Auto-Submitted"] = "auto-generated"
		var err error
		if m.Subject, err = execText(c.copySubj, d); err != nil {
			return nil, err
		}
		if m.Text, err = execText(c.copyT, d); err != nil {
			return nil, err
		}
		if m.HTML, err = execHTML(c.copyH, d); err != nil {
			return nil, err
		}
		b, err := c.render(sub, sub.Letters)
		if err != nil {
			return nil, err
		}
		m.Attachments = []mail.Attachment{{Name: "letters-" + camp.Slug + ".pdf", ContentType: "application/pdf", Data: b}}
	default:
		return nil, &ComposeError{fmt.Errorf("channel %q is not sent by email", dl.Channel)}
	}
	// A message that cannot be built now never will be (bad address...).
	if _, err := m.Bytes(); err != nil {
		return nil, &ComposeError{err}
	}
	return m, nil
}

func (c *Composer) render(sub *app.Submission, letters []app.Letter) ([]byte, error) {
	docs := make([]pdf.Letter, len(letters))
	for i, l := range letters {
		docs[i] = pdf.StoredLetter(sub, l, c.loc)
	}
	var b bytes.Buffer
	var err error
	if len(docs) == 1 {
		err = c.pdf.WriteLetter(&b, docs[0])
	} else {
		err = c.pdf.WriteCombined(&b, docs)
	}
	if err != nil {
		if app.ErrorCodeOf(err) == app.EINVALID || app.ErrorCodeOf(err) == app.ETOOLARGE {
			return nil, &ComposeError{err}
		}
		return nil, err
	}
	return b.Bytes(), nil
}

func execText(t *texttemplate.Template, d any) (string, error) {
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return "", &ComposeError{fmt.Errorf("template %s: %w", t.Name(), err)}
	}
	return tidy(b.String()), nil
}

func execHTML(t *htmltemplate.Template, d any) (string, error) {
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return "", &ComposeError{fmt.Errorf("template %s: %w", t.Name(), err)}
	}
	return b.String(), nil
}

// tidy trims trailing spaces and keeps at most one blank line in a row, so
// that template conditionals do not leave gaps in plain-text mail.
func tidy(s string) string {
	var out []string
	blank := 0
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \t")
		if line == "" {
			blank++
			continue
		}
		if blank > 0 && len(out) > 0 {
			out = append(out, "")
		}
		blank = 0
		out = append(out, line)
	}
	return strings.Join(out, "\n") + "\n"
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
