package outbox_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/apptest"
	"github.com/advocate-org/advocate/app/load"
	advmail "github.com/advocate-org/advocate/app/mail"
	"github.com/advocate-org/advocate/app/mail/mailtest"
	"github.com/advocate-org/advocate/app/outbox"
	"github.com/advocate-org/advocate/app/store/views"
)

func flush(t *testing.T, x *outbox.Outbox) int {
	t.Helper()
	n, err := x.Flush(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDeliversLetterAndCopy(t *testing.T) {
	e := newEnv(t, "", app.DeliverySettings{OrgName: "Friends of Guan Heng", ReplyToSupporter: true})
	s := e.add(t, sub{offices: []string{"TLHRC@mail.house.gov", ""}})
	srv := mailtest.Start(t, mailtest.Options{})
	x := e.outbox(t, smtpSender(t, srv.URL(), 0), nil)
	if n := flush(t, x); n != 2 {
		t.Fatalf("handled %d deliveries, want 2", n)
	}
	got := srv.Received()
	if len(got) != 2 || srv.Conns() != 1 {
		t.Fatalf("received %d messages over %d connections", len(got), srv.Conns())
	}
	var office, copy *parsedMail
	for _, r := range got {
		p := parseMail(t, r.Data)
		switch {
		case len(r.To) == 1 && r.To[0] == "TLHRC@mail.house.gov":
			office = &p
		case len(r.To) == 1 && r.To[0] == s.Supporter.Email:
			copy = &p
		default:
			t.Fatalf("unexpected recipients %q", r.To)
		}
		if r.From != "letters@advocate.example" {
			t.Errorf("envelope from %q", r.From)
		}
	}
	if from, err := office.header.AddressList("From"); err != nil || len(from) != 1 ||
		from[0].Name != "José Núñez via Friends of Guan Heng" || from[0].Address != "letters@advocate.example" {
		t.Errorf("office From %v (%v)", from, err)
	}
	if got := decoded(t, office.header.Get("Reply-To")); !strings.Contains(got, s.Supporter.Email) {
		t.Errorf("office Reply-To %q", got)
	}
	if got := decoded(t, office.header.Get("Subject")); got != "Please help free Guan Heng" {
		t.Errorf("office Subject %q", got)
	}
	pdfBytes := office.attachments["free-guan-heng-letter-to-McGovern.pdf"]
	if !bytes.HasPrefix(pdfBytes, []byte("%PDF-")) {
		t.Errorf("office attachments %v", keys(office.attachments))
	}
	if !strings.Contains(office.text, "Dear Representative McGovern:") || !strings.Contains(office.html, "<p>Please help.</p>") {
		t.Errorf("office body:\n%s\n%s", office.text, office.html)
	}
	if strings.Contains(office.text, "/s/"+s.Token) {
		t.Error("the supporter's private link must not go to an office")
	}
	if copy.header.Get("Auto-Submitted") != "auto-generated" || !strings.Contains(copy.text, "https://letters.example.org/s/"+s.Token) {
		t.Errorf("copy:\n%v\n%s", copy.header, copy.text)
	}
	if strings.Contains(copy.text, "/confirm/") {
		t.Error("no confirmation link without double opt-in")
	}
	if b := copy.attachments["letters-free-guan-heng.pdf"]; !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Errorf("copy attachments %v", keys(copy.attachments))
	}
	for _, d := range e.deliveries(t, s) {
		if d.Status != app.StatusSent || d.SentAt == nil || d.Attempts != 1 || d.LeaseOwner != "" || d.LeaseUntil != nil {
			t.Errorf("delivery after sending: %+v", d)
		}
		if want := outbox.MessageID(d, "advocate.example"); d.MessageID != want {
			t.Errorf("message id %q, want %q", d.MessageID, want)
		}
	}
	if n := flush(t, x); n != 0 || srv.Count() != 2 {
		t.Errorf("a second flush sent more: %d", n)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestTemporaryFailureIsRetried(t *testing.T) {
	e := newEnv(t, "", app.DeliverySettings{})
	s := e.add(t, sub{offices: []string{"office@house.example"}})
	srv := mailtest.Start(t, mailtest.Options{Reply: func(n int, _ mailtest.Received) error {
		if n <= 2 {
			return mailtest.Temp("mailbox busy")
		}
		return nil
	}})
	x := e.outbox(t, smtpSender(t, srv.URL(), 0), nil)
	flush(t, x)
	ds := e.deliveries(t, s)
	for _, d := range ds {
		if d.Status != app.StatusFailed || d.NextAttemptAt == nil || !strings.Contains(d.LastError, "451") {
			t.Fatalf("after a 451: %+v", d)
		}
	}
	waitFor(t, func() bool {
		flush(t, x)
		return statuses(e.deliveries(t, s)) == "email:sent copy:sent"
	})
	for _, d := range e.deliveries(t, s) {
		if d.Attempts != 2 || d.LastError != "" {
			t.Errorf("after the retry: %+v", d)
		}
	}
	if srv.Count() != 2 || srv.Attempts() != 4 {
		t.Errorf("accepted %d of %d attempts", srv.Count(), srv.Attempts())
	}
}

func TestPermanentFailureIsDead(t *testing.T) {
	e := newEnv(t, "", app.DeliverySettings{})
	s := e.add(t, sub{offices: []string{"nobody@house.example"}})
	srv := mailtest.Start(t, mailtest.Options{RcptReply: func(to string) error {
		if strings.HasPrefix(to, "nobody@") {
			return mailtest.Perm("no such user")
		}
		return nil
	}})
	x := e.outbox(t, smtpSender(t, srv.URL(), 0), nil)
	flush(t, x)
	time.Sleep(150 * time.Millisecond) // past any retry time
	flush(t, x)
	var dead, sent int
	for _, d := range e.deliveries(t, s) {
		switch {
		case d.Channel == app.ChannelEmail && d.Status == app.StatusDead && d.Attempts == 1 && strings.Contains(d.LastError, "550"):
			dead++
		case d.Channel == app.ChannelCopy && d.Status == app.StatusSent:
			sent++
		default:
			t.Errorf("unexpected %+v", d)
		}
	}
	if dead != 1 || sent != 1 || srv.Count() != 1 {
		t.Errorf("dead %d, sent %d, received %d", dead, sent, srv.Count())
	}
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	e := newEnv(t, "", app.DeliverySettings{})
	s := e.add(t, sub{offices: []string{"office@house.example"}})
	srv := mailtest.Start(t, mailtest.Options{Reply: func(int, mailtest.Received) error { return mailtest.Temp("later") }})
	x := e.outbox(t, smtpSender(t, srv.URL(), 0), func(o *outbox.Options) { o.MaxAttempts = 3 })
	waitFor(t, func() bool {
		flush(t, x)
		return statuses(e.deliveries(t, s)) == "email:dead copy:dead"
	})
	for _, d := range e.deliveries(t, s) {
		if d.Attempts != 3 || !strings.Contains(d.LastError, "gave up after 3 attempts") {
			t.Errorf("%+v", d)
		}
	}
}

func TestStalledServerTimesOutAndIsRetried(t *testing.T) {
	e := newEnv(t, "", app.DeliverySettings{})
	s := e.add(t, sub{offices: []string{"office@house.example"}})
	silent := mailtest.Silent(t)
	x := e.outbox(t, smtpSender(t, "smtp://"+silent, 150*time.Millisecond), nil)
	start := time.Now()
	flush(t, x)
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("a stalled server held the worker for %v", took)
	}
	for _, d := range e.deliveries(t, s) {
		if d.Status != app.StatusFailed || d.NextAttemptAt == nil {
			t.Fatalf("after a timeout: %+v", d)
		}
	}
	// The server comes back (another one takes its place).
	srv := mailtest.Start(t, mailtest.Options{})
	x = e.outbox(t, smtpSender(t, srv.URL(), 0), nil)
	waitFor(t, func() bool {
		flush(t, x)
		return statuses(e.deliveries(t, s)) == "email:sent copy:sent"
	})
	if srv.Count() != 2 {
		t.Errorf("received %d", srv.Count())
	}
}

// forgetfulStore loses every outcome, like a worker that crashes right
// after the SMTP server accepted the batch.
type forgetfulStore struct{ outbox.Store }

func (forgetfulStore) FinishDeliveries(context.Context, string, []app.Delivery, time.Time) ([]bool, error) {
	return nil, errors.New("crashed")
}

func TestCrashMidBatchLosesNothing(t *testing.T) {
	e := newEnv(t, "", app.DeliverySettings{})
	var subs []*app.Submission
	for i := 0; i < 5; i++ {
		subs = append(subs, e.add(t, sub{offices: []string{"office@house.example"}}))
	}
	srv := mailtest.Start(t, mailtest.Options{})

	// Worker A claims a batch of 4 and dies before sending anything.
	ctx := context.Background()
	claimed, err := e.db.Outbox.ClaimDeliveries(ctx, "worker-a", 4, time.Now(), time.Now().Add(300*time.Millisecond))
	if err != nil || len(claimed) != 4 {
		t.Fatalf("claim: %d %v", len(claimed), err)
	}
	// Worker B sends a batch of 3 and dies before recording it.
	b, err := outbox.New(outbox.Options{Store: forgetfulStore{views.Outbox(e.db)}, Sender: smtpSender(t, srv.URL(), 0),
		Composer: e.composer, Owner: "worker-b", BatchSize: 3, Lease: time.Second, SendTimeout: 400 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := b.RunOnce(ctx); n != 3 || err != nil {
		t.Fatalf("worker b: %d %v", n, err)
	}
	if srv.Count() != 3 {
		t.Fatalf("worker b sent %d", srv.Count())
	}
	// A healthy worker sends the rest now and the leased rows once their
	// leases expire.
	c := e.outbox(t, smtpSender(t, srv.URL(), 0), func(o *outbox.Options) { o.Owner = "worker-c" })
	flush(t, c)
	if srv.Count() != 6 {
		t.Fatalf("before the leases expire %d were sent, want 6", srv.Count())
	}
	waitFor(t, func() bool {
		if err := c.Maintain(ctx, false); err != nil {
			t.Fatal(err)
		}
		flush(t, c)
		for _, s := range subs {
			for _, d := range e.deliveries(t, s) {
				if d.Status != app.StatusSent {
					return false
				}
			}
		}
		return true
	})
	// Every delivery arrived; only worker B's batch arrived twice, with the
	// same Message-ID both times.
	seen := map[string]int{}
	for _, r := range srv.Received() {
		p := parseMail(t, r.Data)
		seen[p.header.Get("Message-Id")]++
	}
	twice := 0
	for id, n := range seen {
		switch n {
		case 1:
		case 2:
			twice++
		default:
			t.Errorf("%s arrived %d times", id, n)
		}
	}
	if len(seen) != 10 || twice != 3 {
		t.Errorf("%d distinct messages, %d repeated; want 10 and 3", len(seen), twice)
	}
}

func TestRestartReleasesOwnLeasesAtOnce(t *testing.T) {
	e := newEnv(t, "", app.DeliverySettings{})
	s := e.add(t, sub{offices: []string{"office@house.example"}})
	ctx := context.Background()
	if _, err := e.db.Outbox.ClaimDeliveries(ctx, "web-1", 10, time.Now(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	srv := mailtest.Start(t, mailtest.Options{})
	x := e.outbox(t, smtpSender(t, srv.URL(), 0), func(o *outbox.Options) { o.Owner = "web-1" })
	if err := x.Maintain(ctx, true); err != nil {
		t.Fatal(err)
	}
	flush(t, x)
	if got := statuses(e.deliveries(t, s)); got != "email:sent copy:sent" {
		t.Errorf("after restart: %s", got)
	}
}

func TestDoubleOptIn(t *testing.T) {
	e := newEnv(t, "", app.DeliverySettings{DoubleOptIn: true, ConfirmWithinHours: 48})
	s := e.add(t, sub{offices: []string{"office@house.example"}, confirm: true})
	srv := mailtest.Start(t, mailtest.Options{})
	x := e.outbox(t, smtpSender(t, srv.URL(), 0), nil)
	flush(t, x)
	if got := statuses(e.deliveries(t, s)); got != "email:unconfirmed copy:sent" {
		t.Fatalf("before confirming: %s", got)
	}
	p := parseMail(t, srv.Received()[0].Data)
	link := "https://letters.example.org/confirm/" + s.ConfirmToken
	if !strings.Contains(p.text, link) || !strings.Contains(p.html, link) ||
		!strings.HasPrefix(decoded(t, p.header.Get("Subject")), "Please confirm") {
		t.Fatalf("copy without a confirmation link:\n%s", p.text)
	}
	ctx := context.Background()
	found, err := e.db.Submissions.FindSubmissionByConfirmToken(ctx, s.ConfirmToken)
	if err != nil || found.ID != s.ID || found.Confirmed() {
		t.Fatalf("find by confirm token: %+v %v", found, err)
	}
	n, err := e.db.Submissions.ConfirmSubmission(ctx, s.ID, time.Now(), s.CreatedAt.Add(48*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("confirm: %d %v", n, err)
	}
	if n, err := e.db.Submissions.ConfirmSubmission(ctx, s.ID, time.Now(), s.CreatedAt.Add(48*time.Hour)); err != nil || n != 0 {
		t.Errorf("second confirm: %d %v", n, err)
	}
	flush(t, x)
	if got := statuses(e.deliveries(t, s)); got != "email:sent copy:sent" {
		t.Errorf("after confirming: %s", got)
	}

	// Another supporter never confirms: the office email expires.
	old := e.add(t, sub{offices: []string{"office@house.example"}, confirm: true, created: time.Now().Add(-49 * time.Hour)})
	if err := x.Maintain(ctx, false); err != nil {
		t.Fatal(err)
	}
	flush(t, x)
	if got := statuses(e.deliveries(t, old)); got != "email:expired copy:sent" {
		t.Errorf("unconfirmed past the deadline: %s", got)
	}
	_, err = e.db.Submissions.ConfirmSubmission(ctx, old.ID, time.Now(), old.CreatedAt.Add(48*time.Hour))
	if app.ErrorCodeOf(err) != app.ECONFLICT {
		t.Errorf("late confirmation: %v", err)
	}
	if srv.Count() != 3 {
		t.Errorf("received %d, want 3", srv.Count())
	}
}

func TestRatePerDomain(t *testing.T) {
	e := newEnv(t, "", app.DeliverySettings{})
	var subs []*app.Submission
	for i := 0; i < 4; i++ {
		subs = append(subs, e.add(t, sub{email: "same" + string(rune('a'+i)) + "@gmail.example",
			offices: []string{"a@house.example", "b@house.example"}}))
	}
	srv := mailtest.Start(t, mailtest.Options{})
	// 30 a minute: bursts of 3, then one every 2s (longer than a worker
	// waits inside a batch).
	x := e.outbox(t, smtpSender(t, srv.URL(), 0), func(o *outbox.Options) { o.RatePerDomain = 30; o.BatchSize = 50 })
	start := time.Now()
	flush(t, x)
	// 3 per domain at once; a slow run (the race detector) may see the
	// schedule allow one more per domain every 2 s it took.
	most := 6 + 2*int(time.Since(start)/(2*time.Second))
	sent := srv.Count()
	if sent < 6 || sent > most {
		t.Fatalf("sent %d in the first burst, want 3 per domain (at most %d in %s)", sent, most, time.Since(start))
	}
	queued := 0
	for _, s := range subs {
		for _, d := range e.deliveries(t, s) {
			if d.Status == app.StatusQueued {
				queued++
				// Deferred, not tried: the next attempt is set from when
				// the domain's schedule allows it, which a slow run may
				// already have reached.
				if d.Attempts != 0 || d.NextAttemptAt == nil || !d.NextAttemptAt.After(start) {
					t.Errorf("deferred delivery %+v", d)
				}
			}
		}
	}
	if queued != 12-sent {
		t.Errorf("%d deferred, want %d", queued, 12-sent)
	}
}

func TestNoSMTPFilesMessages(t *testing.T) {
	e := newEnv(t, "", app.DeliverySettings{})
	s := e.add(t, sub{offices: []string{"office@house.example"}})
	dir := filepath.Join(t.TempDir(), "outbox")
	x := e.outbox(t, advmail.NewFileSender(dir), nil)
	flush(t, x)
	if got := statuses(e.deliveries(t, s)); got != "email:filed copy:filed" {
		t.Errorf("statuses %s", got)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil || len(files) != 2 {
		t.Fatalf("files %v %v", files, err)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	parseMail(t, raw)
}

func TestHostileInputCannotInjectHeaders(t *testing.T) {
	e := newEnv(t, "", app.DeliverySettings{ReplyToSupporter: true,
		OrgName: "Org\r\nBcc: org-victim@evil.example"})
	s := e.add(t, sub{
		first: "Eve\r\nBcc: victim@evil.example\r\n", last: "Mallory\nX-Injected: yes",
		subject:   "Help\r\nBcc: victim@evil.example\r\n\r\n<html>",
		recipient: "O\"Neil\r\nContent-Type: text/html",
		offices:   []string{"office@house.example"},
	})
	srv := mailtest.Start(t, mailtest.Options{})
	x := e.outbox(t, smtpSender(t, srv.URL(), 0), nil)
	flush(t, x)
	got := srv.Received()
	if len(got) != 2 {
		t.Fatalf("received %d: %s", len(got), statuses(e.deliveries(t, s)))
	}
	for _, r := range got {
		if len(r.To) != 1 || strings.Contains(r.To[0], "evil") {
			t.Errorf("envelope recipients %q", r.To)
		}
		head, _, _ := bytes.Cut(r.Data, []byte("\r\n\r\n"))
		for _, line := range strings.Split(string(head), "\r\n") {
			name, _, _ := strings.Cut(line, ":")
			if strings.EqualFold(name, "Bcc") || strings.EqualFold(name, "X-Injected") {
				t.Errorf("injected header %q", line)
			}
		}
		p := parseMail(t, r.Data)
		for name := range p.attachments {
			if strings.ContainsAny(name, "\"\r\n ") {
				t.Errorf("attachment name %q", name)
			}
		}
	}
}

func TestRunSendsAndStops(t *testing.T) {
	e := newEnv(t, "", app.DeliverySettings{})
	srv := mailtest.Start(t, mailtest.Options{})
	x := e.outbox(t, smtpSender(t, srv.URL(), 0), func(o *outbox.Options) { o.PollInterval = time.Hour; o.Workers = 2 })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- x.Run(ctx) }()
	s := e.add(t, sub{offices: []string{"office@house.example"}})
	x.Wake()
	waitFor(t, func() bool { return statuses(e.deliveries(t, s)) == "email:sent copy:sent" })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
}

// TestQueuedOnTheSharedLoadWakesTheOutbox: the supporter journey never
// sees the outbox; telling the load they share that emails were queued is
// enough for an idle worker to send them long before its next poll.
func TestQueuedOnTheSharedLoadWakesTheOutbox(t *testing.T) {
	e := newEnv(t, "", app.DeliverySettings{})
	srv := mailtest.Start(t, mailtest.Options{})
	shared := load.New()
	x := e.outbox(t, smtpSender(t, srv.URL(), 0), func(o *outbox.Options) { o.PollInterval = time.Hour; o.Load = shared })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- x.Run(ctx) }()
	defer func() { cancel(); <-done }()
	s := e.add(t, sub{offices: []string{"office@house.example"}})
	// A word said while the worker's first look was under way may be
	// taken by that look before the row was visible; say it again until
	// the emails go (never an hour: nothing but the word wakes it).
	waitFor(t, func() bool {
		shared.Queued()
		return statuses(e.deliveries(t, s)) == "email:sent copy:sent"
	})
}

// TestTwoInstancesNeverSendTwice runs two outboxes, each with its own
// database connections as two app instances would, against one database:
// every delivery must arrive exactly once.
func TestTwoInstancesNeverSendTwice(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "shared.db")
			if db == "postgres" {
				dsn = apptest.PostgresDSN(t)
			}
			e := newEnv(t, dsn, app.DeliverySettings{})
			const n = 25
			for i := 0; i < n; i++ {
				e.add(t, sub{offices: []string{"office@house.example", "other@senate.example"}})
			}
			srv := mailtest.Start(t, mailtest.Options{})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var wg sync.WaitGroup
			for i, owner := range []string{"instance-1", "instance-2"} {
				inst := &env{db: openDB(t, dsn), campaign: e.campaign, composer: e.composer}
				x := inst.outbox(t, smtpSender(t, srv.URL(), 0), func(o *outbox.Options) {
					o.Owner, o.Workers, o.BatchSize, o.PollInterval = owner, 2+i, 7, 5*time.Millisecond
				})
				wg.Add(1)
				go func() {
					defer wg.Done()
					x.Run(ctx)
				}()
			}
			waitFor(t, func() bool { return srv.Attempts() >= 3*n })
			time.Sleep(100 * time.Millisecond) // let a double send show up
			cancel()
			wg.Wait()
			seen := map[string]int{}
			conns := map[int]bool{}
			for _, r := range srv.Received() {
				seen[parseMail(t, r.Data).header.Get("Message-Id")]++
				conns[r.Conn] = true
			}
			for id, c := range seen {
				if c != 1 {
					t.Errorf("%s sent %d times", id, c)
				}
			}
			if len(seen) != 3*n || srv.Count() != 3*n {
				t.Errorf("%d distinct of %d received, want %d", len(seen), srv.Count(), 3*n)
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
			t.Logf("%d messages over %d connections", srv.Count(), len(conns))
		})
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	// Generous: PDFs render slowly under the race detector.
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alwaysBusy is a load that reports supporters being answered every time
// it is asked, and counts the questions.
type alwaysBusy struct {
	*load.Signal
	asked *atomic.Int64
}

func (b alwaysBusy) Busy() bool { b.asked.Add(1); return true }

// TestGivesWayWhileSupportersSubmit: while Load reports supporters being
// answered, the outbox still sends everything, one rendering at a time, and
// asks again for every message.
func TestGivesWayWhileSupportersSubmit(t *testing.T) {
	e := newEnv(t, "", app.DeliverySettings{})
	var subs []*app.Submission
	for range 3 {
		subs = append(subs, e.add(t, sub{offices: []string{"office@house.example", "other@senate.example"}}))
	}
	srv := mailtest.Start(t, mailtest.Options{})
	var asked atomic.Int64
	x := e.outbox(t, smtpSender(t, srv.URL(), 0), func(o *outbox.Options) {
		o.Load = alwaysBusy{Signal: load.New(), asked: &asked}
		o.BusyRest = 2
		o.ComposeWorkers = 4
	})
	if n := flush(t, x); n != 9 {
		t.Fatalf("flushed %d, want 9", n)
	}
	for _, s := range subs {
		if got := statuses(e.deliveries(t, s)); strings.Count(got, ":sent") != 3 {
			t.Fatalf("while busy: %s", got)
		}
	}
	if srv.Count() != 9 || asked.Load() != 9 {
		t.Fatalf("received %d, Load asked %d times", srv.Count(), asked.Load())
	}
}

// The link sent again (ResendCopy) says why it came, and goes only to the
// supporter's address with their own link.
func TestResentCopySaysWhy(t *testing.T) {
	e := newEnv(t, "", app.DeliverySettings{})
	s := e.add(t, sub{offices: []string{""}})
	srv := mailtest.Start(t, mailtest.Options{})
	x := e.outbox(t, smtpSender(t, srv.URL(), 0), nil)
	flush(t, x)
	first := parseMail(t, srv.Received()[0].Data)
	if strings.Contains(first.text, "send the link to your letters") {
		t.Fatalf("a first copy says it is sent again:\n%s", first.text)
	}
	if ok, err := e.db.Submissions.ResendCopy(context.Background(), s.ID, time.Now(), 0); err != nil || !ok {
		t.Fatalf("resend: %v %v", ok, err)
	}
	waitFor(t, func() bool { flush(t, x); return len(srv.Received()) == 2 })
	r := srv.Received()[1]
	again := parseMail(t, r.Data)
	if len(r.To) != 1 || r.To[0] != s.Supporter.Email {
		t.Fatalf("sent again to %q", r.To)
	}
	for _, body := range []string{again.text, again.html} {
		if !strings.Contains(body, "send the link to your letters") || !strings.Contains(body, "/s/"+s.Token) {
			t.Fatalf("the copy sent again:\n%s", body)
		}
	}
}
