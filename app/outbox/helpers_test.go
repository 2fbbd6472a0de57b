package outbox_test

import (
	"context"
	"fmt"
	"net/mail"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter/pdf"
	advmail "github.com/advocate-org/advocate/app/mail"
	"github.com/advocate-org/advocate/app/mail/mailtest"
	"github.com/advocate-org/advocate/app/outbox"
	"github.com/advocate-org/advocate/app/store"
	"github.com/advocate-org/advocate/app/store/views"
	"github.com/advocate-org/advocate/templates"
)

// env is a migrated database with one campaign.
type env struct {
	db       *store.DB
	campaign *app.Campaign
	composer *outbox.Composer
	seq      int
}

var (
	makerOnce sync.Once
	maker     *pdf.Maker
	makerErr  error
)

func pdfMaker(tb testing.TB) *pdf.Maker {
	makerOnce.Do(func() { maker, makerErr = pdf.New(pdf.Options{}) })
	if makerErr != nil {
		tb.Fatal(makerErr)
	}
	return maker
}

func openDB(tb testing.TB, dsn string) *store.DB {
	tb.Helper()
	if dsn == "" {
		dsn = filepath.Join(tb.TempDir(), "advocate.db")
	}
	db, err := store.Open(context.Background(), store.Options{DSN: dsn})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return db
}

func newEnv(tb testing.TB, dsn string, settings app.DeliverySettings) *env {
	tb.Helper()
	db := openDB(tb, dsn)
	c := &app.Campaign{Slug: "free-guan-heng", Title: "Free Guan Heng", Status: app.CampaignOpen, Delivery: settings}
	if err := db.Campaigns.CreateCampaign(context.Background(), c); err != nil {
		tb.Fatal(err)
	}
	return &env{db: db, campaign: c, composer: newComposer(tb)}
}

func newComposer(tb testing.TB) *outbox.Composer {
	tb.Helper()
	comp, err := outbox.NewComposer(outbox.ComposerOptions{
		From:      advmail.Address{Name: "Advocate", Email: "letters@advocate.example"},
		BaseURL:   "https://letters.example.org/",
		Templates: templates.Emails(),
		PDF:       pdfMaker(tb),
		Location:  time.UTC,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return comp
}

// sub describes a submission to store.
type sub struct {
	first, last string
	email       string
	offices     []string // one letter per entry; "" means no email address
	confirm     bool     // double opt-in: a confirmation token, emails held
	subject     string
	recipient   string // recipient last name
	// names, when set, gives letter i's recipient its own last name and a
	// seat on the Tom Lantos Human Rights Commission.
	names   []string
	created time.Time
	// unapproved leaves the office addresses unapproved (the outbox must
	// refuse them); otherwise each is approved for TLHRC.
	unapproved bool
}

// approve records email as an approved address of subject, the way the
// first hand edit of the rosters records the imported ones.
func (e *env) approve(tb testing.TB, subject, email string) {
	tb.Helper()
	ctx := context.Background()
	v, err := e.db.Roster.KeptRosterVersion(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	if _, _, err := e.db.Roster.SaveKeptRosterAddresses(ctx, &app.Roster{}, v, "test",
		app.AddressUpdate{Trust: map[string]string{subject: email}}); err != nil {
		tb.Fatal(err)
	}
}

func (e *env) add(tb testing.TB, s sub) *app.Submission {
	tb.Helper()
	e.seq++
	now := s.created
	if now.IsZero() {
		now = time.Now().UTC()
	}
	if s.first == "" {
		s.first, s.last = "José", "Núñez"
	}
	if s.email == "" {
		s.email = fmt.Sprintf("supporter%d@example.org", e.seq)
	}
	if s.subject == "" {
		s.subject = "Please help free Guan Heng"
	}
	if s.recipient == "" {
		s.recipient = "McGovern"
	}
	in := &app.Submission{
		CampaignID: e.campaign.ID,
		Supporter: app.Supporter{FirstName: s.first, LastName: s.last, Email: s.email, Address1: "12 State St",
			City: "Albany", State: "NY", Zip: "12202", CreatedAt: now},
		Token:     fmt.Sprintf("tok%023d", e.seq),
		DedupKey:  fmt.Sprintf("dedup-%d", e.seq),
		CreatedAt: now,
	}
	if s.confirm {
		in.ConfirmToken = fmt.Sprintf("cfm%023d", e.seq)
	}
	for i, office := range s.offices {
		d := 7
		last := s.recipient
		roles := []app.TargetRole{{CommitteeCode: "TLHRC", CommitteeName: "Tom Lantos Human Rights Commission"}}
		if i < len(s.names) {
			last = s.names[i]
			roles = []app.TargetRole{{CommitteeCode: "TLHRC", CommitteeName: "Tom Lantos Human Rights Commission", Title: "Commissioner"}}
		}
		l := app.Letter{
			CampaignID: e.campaign.ID,
			Recipient: app.Target{Key: fmt.Sprintf("leg:X%06d", i), Kind: app.TargetCommittee, Name: "James P. " + last,
				LastName: last, Roles: roles, Title: "Representative", Honorific: "The Honorable", Chamber: app.House,
				State: "MA", District: &d, AddressLines: []string{"370 Cannon House Office Building", "Washington, DC 20515"}},
			Subject:   s.subject,
			Body:      "Dear Representative " + last + ":\n\nPlease help.\n\nSincerely,\n\n" + s.first + " " + s.last,
			CreatedAt: now,
			Deliveries: []app.Delivery{{Channel: app.ChannelDownload, Status: app.StatusPending,
				CreatedAt: now, UpdatedAt: now}},
		}
		if office != "" {
			if !s.unapproved {
				e.approve(tb, "commission:TLHRC", office)
			}
			dl := app.Delivery{Channel: app.ChannelEmail, To: office, Status: app.StatusQueued, NextAttemptAt: &now,
				CreatedAt: now, UpdatedAt: now}
			if s.confirm {
				due := now.Add(e.campaign.Delivery.ConfirmWithin())
				dl.Status, dl.NextAttemptAt = app.StatusUnconfirmed, &due
			}
			l.Deliveries = append(l.Deliveries, dl)
		}
		in.Letters = append(in.Letters, l)
	}
	in.Letters[0].Deliveries = append(in.Letters[0].Deliveries, app.Delivery{Channel: app.ChannelCopy, To: s.email,
		Status: app.StatusQueued, NextAttemptAt: &now, CreatedAt: now, UpdatedAt: now})
	created, err := e.db.Submissions.CreateSubmission(context.Background(), in)
	if err != nil || !created {
		tb.Fatalf("create submission: %v %v", created, err)
	}
	return in
}

func (e *env) outbox(tb testing.TB, sender advmail.Sender, tweak func(*outbox.Options)) *outbox.Outbox {
	tb.Helper()
	o := outbox.Options{
		Store: views.Outbox(e.db), Sender: sender, Composer: e.composer,
		RetryBase: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond,
		PollInterval: 20 * time.Millisecond, SendTimeout: 5 * time.Second,
	}
	if tweak != nil {
		tweak(&o)
	}
	x, err := outbox.New(o)
	if err != nil {
		tb.Fatal(err)
	}
	return x
}

func smtpSender(tb testing.TB, url string, timeout time.Duration) *advmail.SMTPSender {
	tb.Helper()
	s, err := advmail.NewSMTP(advmail.SMTPOptions{URL: url, Timeout: timeout})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// deliveries returns every email/copy delivery of the submission.
func (e *env) deliveries(tb testing.TB, s *app.Submission) []app.Delivery {
	tb.Helper()
	got, err := e.db.Submissions.FindSubmissionByToken(context.Background(), s.Token)
	if err != nil {
		tb.Fatal(err)
	}
	var out []app.Delivery
	for _, l := range got.Letters {
		for _, d := range l.Deliveries {
			if d.Channel != app.ChannelDownload {
				out = append(out, d)
			}
		}
	}
	return out
}

func statuses(ds []app.Delivery) string {
	var parts []string
	for _, d := range ds {
		parts = append(parts, string(d.Channel)+":"+string(d.Status))
	}
	return strings.Join(parts, " ")
}

// parsedMail is a received message taken apart.
type parsedMail struct {
	header      mail.Header
	text, html  string
	attachments map[string][]byte
}

func parseMail(tb testing.TB, raw []byte) parsedMail {
	tb.Helper()
	m := mailtest.Parse(tb, raw)
	p := parsedMail{header: m.Header, text: strings.ReplaceAll(m.Text, "\r\n", "\n"), html: m.HTML, attachments: map[string][]byte{}}
	for _, a := range m.Attachments {
		p.attachments[a.Name] = a.Data
	}
	return p
}

func decoded(tb testing.TB, v string) string {
	tb.Helper()
	return mailtest.DecodeHeader(tb, v)
}
