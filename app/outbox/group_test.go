package outbox_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/apptest"
	"github.com/advocate-org/advocate/app/mail/mailtest"
	"github.com/advocate-org/advocate/app/outbox"
)

var tlhrcMembers = []string{"McGovern", "Smith", "Lee", "Kim", "Lee", "Nunez"}

// tlhrcSub is a submission with six letters to the commission's one inbox
// and one to an executive office.
func tlhrcSub() sub {
	offices := make([]string, 0, 7)
	for range tlhrcMembers {
		offices = append(offices, "TLHRC@mail.house.gov")
	}
	return sub{offices: append(offices, "secretary@dhs.example"), names: tlhrcMembers}
}

// TestOneEmailPerInbox: six letters of one submission to one inbox leave as
// one email with six PDFs, also when the batch boundary falls among them
// (batch size 4), on both databases; every delivery is marked sent with
// that email's Message-ID, and the staff totals stay exact.
func TestOneEmailPerInbox(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "advocate.db")
			if db == "postgres" {
				dsn = apptest.PostgresDSN(t)
			}
			e := newEnv(t, dsn, app.DeliverySettings{OrgName: "Friends of Guan Heng"})
			s1 := e.add(t, tlhrcSub())
			s2 := e.add(t, tlhrcSub())
			srv := mailtest.Start(t, mailtest.Options{})
			x := e.outbox(t, smtpSender(t, srv.URL(), 0), func(o *outbox.Options) { o.BatchSize = 4 })
			if n := flush(t, x); n != 16 {
				t.Fatalf("handled %d deliveries, want 16", n)
			}
			// Per submission: the commission, DHS, the copy.
			if srv.Count() != 6 {
				t.Fatalf("received %d messages, want 6", srv.Count())
			}
			groups := 0
			for _, r := range srv.Received() {
				if r.To[0] != "TLHRC@mail.house.gov" {
					continue
				}
				groups++
				p := parseMail(t, r.Data)
				if got := decoded(t, p.header.Get("Subject")); got != "6 letters from José Núñez: Please help free Guan Heng" {
					t.Errorf("subject %q", got)
				}
				if to := decoded(t, p.header.Get("To")); !strings.Contains(to, "Tom Lantos Human Rights Commission") {
					t.Errorf("To %q", to)
				}
				want := []string{"McGovern", "Smith", "Lee", "Kim", "Lee-2", "Nunez"}
				if len(p.attachments) != len(want) {
					t.Errorf("attachments %v", keys(p.attachments))
				}
				for _, w := range want {
					if b := p.attachments["free-guan-heng-letter-to-"+w+".pdf"]; !bytes.HasPrefix(b, []byte("%PDF-")) {
						t.Errorf("no PDF for %s in %v", w, keys(p.attachments))
					}
				}
				for _, name := range tlhrcMembers {
					if !strings.Contains(p.text, "Dear Representative "+name+":") || !strings.Contains(p.text, "- The Honorable James P. "+name+", Commissioner") {
						t.Errorf("letter to %s missing from the text:\n%s", name, p.text)
					}
				}
				if !strings.Contains(p.text, "Letter 6 of 6") || !strings.Contains(p.html, "Letter 6 of 6") {
					t.Errorf("body:\n%s\n%s", p.text, p.html)
				}
			}
			if groups != 2 {
				t.Errorf("%d emails to the commission, want one per submission (2)", groups)
			}
			for _, s := range []*app.Submission{s1, s2} {
				ids := map[string]int{}
				for _, d := range e.deliveries(t, s) {
					if d.Status != app.StatusSent || d.SentAt == nil || d.Attempts != 1 || d.LeaseOwner != "" {
						t.Errorf("delivery after sending: %+v", d)
					}
					if d.To == "TLHRC@mail.house.gov" {
						ids[d.MessageID]++
					}
				}
				if len(ids) != 1 {
					t.Errorf("the commission's deliveries carry message ids %v, want one", ids)
				}
			}
			drift, err := e.db.Stats.RebuildStats(context.Background(), true)
			if err != nil || len(drift) != 0 {
				t.Errorf("stats drift after grouped sends: %v %v", drift, err)
			}
		})
	}
}

// TestOneEmailPerInboxFailsAndRetriesTogether: a refused group leaves every
// letter in it failed with one retry time, and the retry sends one email.
func TestOneEmailPerInboxFailsAndRetriesTogether(t *testing.T) {
	e := newEnv(t, "", app.DeliverySettings{})
	s := e.add(t, tlhrcSub())
	var retried atomic.Bool
	srv := mailtest.Start(t, mailtest.Options{Reply: func(_ int, r mailtest.Received) error {
		if r.To[0] == "TLHRC@mail.house.gov" && !retried.Load() {
			retried.Store(true)
			return mailtest.Temp("mailbox busy")
		}
		return nil
	}})
	x := e.outbox(t, smtpSender(t, srv.URL(), 0), nil)
	flush(t, x)
	var next string
	failed := 0
	for _, d := range e.deliveries(t, s) {
		if d.To != "TLHRC@mail.house.gov" {
			continue
		}
		if d.Status != app.StatusFailed || d.NextAttemptAt == nil || !strings.Contains(d.LastError, "451") {
			t.Fatalf("after a 451: %+v", d)
		}
		if next != "" && next != d.NextAttemptAt.String() {
			t.Errorf("retry times differ: %s and %s", next, d.NextAttemptAt)
		}
		next = d.NextAttemptAt.String()
		failed++
	}
	if failed != 6 {
		t.Fatalf("%d failed, want 6", failed)
	}
	waitFor(t, func() bool {
		flush(t, x)
		return !strings.Contains(statuses(e.deliveries(t, s)), "failed")
	})
	tlhrc := 0
	for _, r := range srv.Received() {
		if r.To[0] == "TLHRC@mail.house.gov" {
			tlhrc++
		}
	}
	if tlhrc != 1 || srv.Attempts() != 4 {
		t.Errorf("commission got %d emails in %d attempts in all, want 1 in 4", tlhrc, srv.Attempts())
	}
	for _, d := range e.deliveries(t, s) {
		if d.Status != app.StatusSent || d.To == "TLHRC@mail.house.gov" && d.Attempts != 2 {
			t.Errorf("after the retry: %+v", d)
		}
	}
	if drift, err := e.db.Stats.RebuildStats(context.Background(), true); err != nil || len(drift) != 0 {
		t.Errorf("stats drift: %v %v", drift, err)
	}
}

// TestTwoInstancesGroupEachLetterOnce runs two outboxes against one
// database with small batches, so that groups are often split between
// claims: every letter must reach the commission exactly once, and every
// delivery end sent.
func TestTwoInstancesGroupEachLetterOnce(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "shared.db")
			if db == "postgres" {
				dsn = apptest.PostgresDSN(t)
			}
			e := newEnv(t, dsn, app.DeliverySettings{})
			const n = 8
			for i := 0; i < n; i++ {
				e.add(t, tlhrcSub())
			}
			srv := mailtest.Start(t, mailtest.Options{})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var wg sync.WaitGroup
			for i, owner := range []string{"instance-1", "instance-2"} {
				inst := &env{db: openDB(t, dsn), campaign: e.campaign, composer: e.composer}
				x := inst.outbox(t, smtpSender(t, srv.URL(), 0), func(o *outbox.Options) {
					o.Owner, o.Workers, o.BatchSize, o.PollInterval = owner, 2, 3+i, 5*time.Millisecond
				})
				wg.Add(1)
				go func() {
					defer wg.Done()
					x.Run(ctx)
				}()
			}
			letters := func() int {
				c := 0
				for _, r := range srv.Received() {
					if r.To[0] == "TLHRC@mail.house.gov" {
						c += len(parseMail(t, r.Data).attachments)
					}
				}
				return c
			}
			waitFor(t, func() bool { return letters() >= 6*n })
			time.Sleep(100 * time.Millisecond) // let a double send show up
			cancel()
			wg.Wait()
			if got := letters(); got != 6*n {
				t.Errorf("the commission received %d letters, want %d", got, 6*n)
			}
			stats, err := e.db.Outbox.OutboxStats(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range stats {
				if c.Channel != app.ChannelDownload && c.Status != app.StatusSent {
					t.Errorf("left %d %s deliveries %s", c.Count, c.Channel, c.Status)
				}
			}
			if drift, err := e.db.Stats.RebuildStats(context.Background(), true); err != nil || len(drift) != 0 {
				t.Errorf("stats drift: %v %v", drift, err)
			}
			t.Logf("%d messages for %d submissions", srv.Count(), n)
		})
	}
}
