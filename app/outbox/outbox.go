// Package outbox sends the email deliveries that submissions queue in the
// deliveries table: letters to offices and commissions, and supporters'
// copies. The table is the queue, so nothing lives only in memory: a row is
// written in the same transaction as its letter, and a restart resumes.
//
// Workers claim due rows in batches under a lease (on PostgreSQL with
// SELECT ... FOR UPDATE SKIP LOCKED, so several app instances never take
// the same row), compose each email with its PDF, send the batch over one
// SMTP connection and record each outcome under the same lease. Temporary
// failures (4xx replies, timeouts, lost connections) are retried with
// exponential backoff and jitter; permanent ones (5xx replies, messages
// that cannot be built) and exhausted retries end as dead. A worker that
// crashes leaves its rows leased; when the lease expires they are retried,
// so at most that batch is sent twice, with the same Message-ID.
package outbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/load"
	"github.com/advocate-org/advocate/app/mail"
)

// Store is what the outbox needs from the database (store.Outbox with
// store.Campaigns and store.Roster: views.Outbox).
type Store interface {
	ClaimDeliveries(ctx context.Context, owner string, limit int, now, leaseUntil time.Time) ([]app.Delivery, error)
	ExtendLeases(ctx context.Context, owner string, ids []int64, until time.Time) ([]int64, error)
	FinishDeliveries(ctx context.Context, owner string, dls []app.Delivery, at time.Time) ([]bool, error)
	ReleaseLeases(ctx context.Context, owner string, now time.Time) (int64, error)
	ExpireUnconfirmed(ctx context.Context, now time.Time) (int64, error)
	FindSubmissionByLetter(ctx context.Context, letterID int64) (*app.Submission, error)
	FindCampaignByID(ctx context.Context, id int64) (*app.Campaign, error)
	// ApprovedDestinations returns, by subject ("executive:KEY",
	// "commission:CODE", "legislator:ID"), every address letters to it may
	// be emailed to: approved by an admin, or from the imported roster.
	ApprovedDestinations(ctx context.Context, subjects []string) (map[string][]string, error)
	ClaimDeliverySiblings(ctx context.Context, owner string, letterIDs []int64, now, leaseUntil time.Time) ([]app.Delivery, error)
}

// Options configures an Outbox. Store, Sender and Composer are required.
type Options struct {
	Store    Store
	Sender   mail.Sender
	Composer *Composer
	Logger   *slog.Logger
	Clock    app.Clock
	// Owner names this process in leases. Default: host name, process id
	// and a random suffix. Give a stable name per instance to have a
	// restarted instance reclaim its own leases at once rather than after
	// they expire.
	Owner string
	// Workers is how many batches this process sends at once, each over
	// its own connection (default 1).
	Workers int
	// BatchSize is how many deliveries a worker claims at once (default 20).
	BatchSize int
	// Lease is how long claimed rows stay reserved (default 5 minutes); a
	// worker extends it while it still sends.
	Lease time.Duration
	// SendTimeout bounds one message, connection included (default 2m).
	SendTimeout time.Duration
	// PollInterval is how often an idle worker looks for due rows
	// (default 2s; Load's wake-up shortens it).
	PollInterval time.Duration
	// MaintenanceInterval is how often expired leases are released and
	// unconfirmed submissions expired (default 1 minute).
	MaintenanceInterval time.Duration
	// MaxAttempts before a delivery is dead (default 10).
	MaxAttempts int
	// RetryBase and RetryMax shape the backoff: base·2^(attempt-1),
	// at most max, ±25% jitter (defaults 1 minute and 6 hours).
	RetryBase, RetryMax time.Duration
	// RatePerDomain caps messages per minute to one destination domain
	// from this process (0: no cap).
	RatePerDomain int
	// ComposeWorkers renders PDFs in parallel (default GOMAXPROCS).
	ComposeWorkers int
	// Load is shared with the supporter journey (*load.Signal has it): an
	// idle worker looks for due rows as soon as it says emails were
	// queued, and while it reports supporters being answered the outbox
	// gives way: it renders one message at a time and after each rests
	// BusyRest times as long as the rendering took, so the submissions
	// keep nearly all the CPU and the emails still go out at a modest pace
	// during a long surge. Nil: a signal of the outbox's own (never busy,
	// woken only by Wake).
	Load Load
	// BusyRest is that rest as a multiple of the rendering time (default 4:
	// at most a fifth of one core while busy).
	BusyRest int
}

// Load is what the outbox reads of the process it runs in.
type Load interface {
	Busy() bool
	Queued()
	Wake() <-chan struct{}
}

// Outbox sends queued deliveries. Create it with New, start Run.
type Outbox struct {
	o       Options
	log     *slog.Logger
	now     app.Clock
	limiter *domainLimiter
	// gentle is held by the one message rendering (and resting) while
	// Load reports busy, across all workers.
	gentle chan struct{}

	mu        sync.Mutex
	campaigns map[int64]cachedCampaign
}

type cachedCampaign struct {
	c  *app.Campaign
	at time.Time
}

// New checks the options and fills in defaults.
func New(o Options) (*Outbox, error) {
	if o.Store == nil || o.Sender == nil || o.Composer == nil {
		return nil, fmt.Errorf("outbox: store, sender and composer are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Owner == "" {
		o.Owner = defaultOwner()
	}
	def := func(p *time.Duration, d time.Duration) {
		if *p <= 0 {
			*p = d
		}
	}
	def(&o.Lease, 5*time.Minute)
	def(&o.SendTimeout, 2*time.Minute)
	def(&o.PollInterval, 2*time.Second)
	def(&o.MaintenanceInterval, time.Minute)
	def(&o.RetryBase, time.Minute)
	def(&o.RetryMax, 6*time.Hour)
	if o.Workers <= 0 {
		o.Workers = 1
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 20
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.ComposeWorkers <= 0 {
		o.ComposeWorkers = runtime.GOMAXPROCS(0)
	}
	if o.BusyRest <= 0 {
		o.BusyRest = 4
	}
	if o.Load == nil {
		o.Load = load.New()
	}
	if o.Lease < 2*o.SendTimeout {
		o.Lease = 2 * o.SendTimeout
	}
	return &Outbox{
		o: o, log: o.Logger, now: o.Clock, limiter: newDomainLimiter(o.RatePerDomain),
		gentle: make(chan struct{}, 1), campaigns: map[int64]cachedCampaign{},
	}, nil
}

func defaultOwner() string {
	host, _ := os.Hostname()
	var b [3]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// Sender is where messages go.
func (x *Outbox) Sender() mail.Sender { return x.o.Sender }

// Wake makes an idle worker look for due rows now (after a submission or a
// confirmation queued some). It never blocks.
func (x *Outbox) Wake() { x.o.Load.Queued() }

// Run sends until ctx ends: it first frees rows left leased by a stopped
// worker, then runs the workers and the periodic maintenance. A message
// being sent when ctx ends gets a few seconds to finish; claimed rows not
// yet sent are put back.
func (x *Outbox) Run(ctx context.Context) error {
	if err := x.Maintain(ctx, true); err != nil {
		x.log.Warn("outbox maintenance", "err", err)
	}
	x.log.Info("outbox started", "sender", x.o.Sender.String(), "owner", x.o.Owner, "workers", x.o.Workers)
	var wg sync.WaitGroup
	for i := 0; i < x.o.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x.work(ctx)
		}()
	}
	t := time.NewTicker(x.o.MaintenanceInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return nil
		case <-t.C:
			if err := x.Maintain(ctx, false); err != nil && ctx.Err() == nil {
				x.log.Warn("outbox maintenance", "err", err)
			}
		}
	}
}

// work is one worker's loop.
func (x *Outbox) work(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-x.o.Load.Wake():
		}
		n, err := x.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			x.log.Warn("outbox batch", "err", err)
		}
		next := x.o.PollInterval
		if n >= x.o.BatchSize && err == nil {
			next = 0 // more may be due
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(next)
	}
}

// Maintain releases leases that expired (and, at start, this owner's own)
// and expires unconfirmed office emails past their deadline.
func (x *Outbox) Maintain(ctx context.Context, starting bool) error {
	now := x.now()
	owner := ""
	if starting {
		owner = x.o.Owner
	}
	n, err := x.o.Store.ReleaseLeases(ctx, owner, now)
	if err != nil {
		return err
	}
	if n > 0 {
		x.log.Warn("outbox: retrying deliveries left by a stopped worker", "count", n)
	}
	e, err := x.o.Store.ExpireUnconfirmed(ctx, now)
	if err != nil {
		return err
	}
	if e > 0 {
		x.log.Info("outbox: unconfirmed office emails expired", "count", e)
	}
	return nil
}

// Flush sends batches until no delivery is due (or ctx ends) and returns
// how many deliveries it handled, for `advocate outbox flush` and tests.
func (x *Outbox) Flush(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := x.RunOnce(ctx)
		total += n
		if err != nil || n < x.o.BatchSize {
			return total, err
		}
	}
}

// job is one claimed delivery on its way out.
type job struct {
	d     app.Delivery
	msg   *mail.Message
	err   error         // composing failed
	ready chan struct{} // closed once msg or err is set
	held  bool          // the lease is still ours
	// also are the other deliveries this one message carries: letters of
	// the same submission to the same inbox (see group.go). They share
	// the lead's outcome.
	also []app.Delivery
}

// RunOnce claims one batch, sends it and records the outcomes. It returns
// how many deliveries it claimed.
func (x *Outbox) RunOnce(ctx context.Context) (int, error) {
	now := x.now()
	leaseUntil := now.Add(x.o.Lease)
	claimed, err := x.o.Store.ClaimDeliveries(ctx, x.o.Owner, x.o.BatchSize, now, leaseUntil)
	if err != nil || len(claimed) == 0 {
		return 0, err
	}
	claimed = append(claimed, x.claimSiblings(ctx, claimed, now, leaseUntil)...)
	jobs := make([]*job, len(claimed))
	for i, d := range claimed {
		jobs[i] = &job{d: d, held: true, ready: make(chan struct{})}
	}
	// Outcomes are recorded even when ctx ends mid-batch.
	rec := context.WithoutCancel(ctx)
	jobs = x.compose(ctx, jobs)
	x.send(ctx, rec, jobs, leaseUntil)
	return len(claimed), nil
}

// compose loads each delivery's submission and campaign, then builds the
// messages in the background, rendering PDFs in parallel; each job's ready
// channel closes when its message is built, so sending starts with the
// first one instead of waiting for the whole batch. Email deliveries of one
// submission to one inbox become one job (see groupJobs), so it returns the
// jobs to send.
func (x *Outbox) compose(ctx context.Context, jobs []*job) []*job {
	subs := map[int64]*app.Submission{} // by letter id
	for _, j := range jobs {
		if subs[j.d.LetterID] != nil {
			continue
		}
		s, err := x.o.Store.FindSubmissionByLetter(ctx, j.d.LetterID)
		if err != nil {
			if app.ErrorCodeOf(err) == app.ENOTFOUND {
				err = &ComposeError{err}
			}
			j.err = err
			continue
		}
		for _, l := range s.Letters {
			subs[l.ID] = s
		}
	}
	x.checkDestinations(ctx, jobs, subs)
	jobs = groupJobs(jobs, subs)
	now := x.now()
	type task struct {
		j    *job
		sub  *app.Submission
		camp *app.Campaign
	}
	var tasks []task
	for _, j := range jobs {
		if j.err != nil {
			close(j.ready)
			continue
		}
		sub := subs[j.d.LetterID]
		camp, err := x.campaign(ctx, sub.CampaignID)
		if err != nil {
			j.err = err
			close(j.ready)
			continue
		}
		tasks = append(tasks, task{j, sub, camp})
	}
	// Workers take tasks in claim order, so the first messages are ready
	// first.
	next := make(chan task)
	go func() {
		defer close(next)
		for _, t := range tasks {
			next <- t
		}
	}()
	for i := 0; i < min(x.o.ComposeWorkers, len(tasks)); i++ {
		go func() {
			for t := range next {
				x.render(t.j, t.sub, t.camp, now)
			}
		}()
	}
	return jobs
}

// checkDestinations refuses every office email whose address is not, at
// this moment, approved for the office its letter was made for. A
// submission only ever queues an approved address (the roster holds no
// other), so this is the second lock on the same door: whatever put the
// row there (an instance with a stale roster, a retried old row, a bug),
// an address an organizer typed and no admin approved receives nothing.
// Such a delivery ends dead with the reason; the letter stays available to
// download and print.
func (x *Outbox) checkDestinations(ctx context.Context, jobs []*job, subs map[int64]*app.Submission) {
	type check struct {
		j        *job
		subjects []string
		label    string
	}
	var checks []check
	var all []string
	for _, j := range jobs {
		if j.err != nil || j.d.Channel != app.ChannelEmail {
			continue
		}
		var l *app.Letter
		if sub := subs[j.d.LetterID]; sub != nil && sub.Supporter.ErasedAt == nil {
			for i := range sub.Letters {
				if sub.Letters[i].ID == j.d.LetterID {
					l = &sub.Letters[i]
				}
			}
		}
		if l == nil {
			continue // compose reports the missing letter or the erasure
		}
		c := check{j: j, subjects: app.SubjectsOf(l.Recipient), label: l.Recipient.Name}
		checks = append(checks, c)
		all = append(all, c.subjects...)
	}
	if len(checks) == 0 {
		return
	}
	dests, err := x.o.Store.ApprovedDestinations(ctx, all)
	for _, c := range checks {
		if err != nil {
			c.j.err = err // temporary: retried with backoff
			continue
		}
		ok := false
		for _, s := range c.subjects {
			for _, e := range dests[s] {
				if app.SameEmail(e, c.j.d.To) {
					ok = true
				}
			}
		}
		if !ok {
			c.j.err = &ComposeError{fmt.Errorf("not sent: %s is not an approved address for %s; "+
				"an admin must approve a change of address before letters are emailed to it", c.j.d.To, c.label)}
			x.log.Warn("outbox: refused an office email to an address no admin approved", "delivery", c.j.d.ID, "to", c.j.d.To)
		}
	}
}

// render builds one job's message; while supporters are being answered it
// takes its turn behind the gentle gate and rests afterwards (see
// Options.Load).
func (x *Outbox) render(j *job, sub *app.Submission, camp *app.Campaign, now time.Time) {
	if !x.o.Load.Busy() {
		j.msg, j.err = x.composeJob(j, sub, camp, now)
		close(j.ready)
		return
	}
	x.gentle <- struct{}{}
	start := time.Now()
	j.msg, j.err = x.composeJob(j, sub, camp, now)
	close(j.ready) // the message can go while this worker rests
	time.Sleep(min(time.Since(start)*time.Duration(x.o.BusyRest), maxRest))
	<-x.gentle
}

// maxRest bounds one rest after rendering while busy.
const maxRest = time.Second

func (x *Outbox) campaign(ctx context.Context, id int64) (*app.Campaign, error) {
	now := x.now()
	x.mu.Lock()
	c, ok := x.campaigns[id]
	x.mu.Unlock()
	if ok && now.Sub(c.at) < 30*time.Second && now.Sub(c.at) >= 0 {
		return c.c, nil
	}
	camp, err := x.o.Store.FindCampaignByID(ctx, id)
	if err != nil {
		if app.ErrorCodeOf(err) == app.ENOTFOUND {
			err = &ComposeError{err}
		}
		return nil, err
	}
	x.mu.Lock()
	x.campaigns[id] = cachedCampaign{c: camp, at: now}
	x.mu.Unlock()
	return camp, nil
}

// shutdownGrace is how long a message being sent may take to finish once
// the outbox is told to stop.
const shutdownGrace = 5 * time.Second

// maxInlineWait is the longest a worker waits for a domain's rate limit
// inside a batch; longer waits put the delivery back with a later due time.
const maxInlineWait = time.Second

// send delivers the composed jobs over one session (reopened once after a
// lost connection) and records every outcome with rec.
func (x *Outbox) send(ctx, rec context.Context, jobs []*job, leaseUntil time.Time) {
	// A message in flight when ctx ends gets shutdownGrace to finish.
	base, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()
	stopGrace := context.AfterFunc(ctx, func() { time.AfterFunc(shutdownGrace, cancelBase) })
	defer stopGrace()
	var sess mail.Session
	defer func() {
		if sess != nil {
			sess.Close()
		}
	}()
	out := &outcomes{x: x, rec: rec}
	defer out.flush()
	var openErr error
	reopened := false
	sent, failed := 0, 0
	for i, j := range jobs {
		if !j.held {
			continue
		}
		if ctx.Err() != nil {
			// Shutting down: put the rest back without counting an attempt
			// (once composing, which does not watch ctx, has finished).
			for _, r := range jobs[i:] {
				<-r.ready
				if r.held {
					x.requeue(out, r, x.now())
				}
			}
			break
		}
		<-j.ready
		if j.err != nil {
			x.finish(out, j, j.err)
			failed++
			continue
		}
		if openErr != nil {
			x.finish(out, j, openErr)
			failed++
			continue
		}
		if wait := x.limiter.reserve(domainOf(j.d.To), x.now()); wait > 0 {
			if wait > maxInlineWait {
				x.requeue(out, j, x.now().Add(wait))
				continue
			}
			time.Sleep(wait)
			if x.limiter.reserve(domainOf(j.d.To), x.now()) > 0 {
				x.requeue(out, j, x.now().Add(wait))
				continue
			}
		}
		out.flushIfDue(x.now())
		if time.Until(leaseUntil) < 2*x.o.SendTimeout {
			leaseUntil = x.extend(rec, jobs[i:])
			if !j.held {
				continue
			}
		}
		if sess == nil {
			octx, cancel := context.WithTimeout(base, x.o.SendTimeout)
			sess, openErr = x.o.Sender.Open(octx)
			cancel()
			if openErr != nil {
				sess = nil
				x.log.Warn("outbox: cannot reach the mail server", "sender", x.o.Sender.String(), "err", openErr)
				x.finish(out, j, openErr)
				failed++
				continue
			}
		}
		sctx, cancel := context.WithTimeout(base, x.o.SendTimeout)
		err := sess.Send(sctx, j.msg)
		cancel()
		x.finish(out, j, err)
		if err == nil {
			sent++
			continue
		}
		failed++
		var se *mail.SendError
		if errors.As(err, &se) && se.Temporary && se.Code == 0 {
			// The connection is gone; try one fresh one for the rest.
			sess.Close()
			sess = nil
			if reopened {
				openErr = err
			}
			reopened = true
		}
	}
	if sent+failed > 0 {
		x.log.Info("outbox batch", "sent", sent, "failed", failed, "sender", x.o.Sender.String())
	}
}

// extend renews the lease of the jobs still to send and marks the ones
// another worker took over.
func (x *Outbox) extend(rec context.Context, rest []*job) time.Time {
	until := x.now().Add(x.o.Lease)
	ids := make([]int64, 0, len(rest))
	for _, r := range rest {
		if r.held {
			ids = append(ids, r.d.ID)
			for _, m := range r.also {
				ids = append(ids, m.ID)
			}
		}
	}
	held, err := x.o.Store.ExtendLeases(rec, x.o.Owner, ids, until)
	if err != nil {
		// Keep going on the old lease; recording is owner-guarded anyway.
		x.log.Warn("outbox: extend lease", "err", err)
		return until
	}
	keep := make(map[int64]bool, len(held))
	for _, id := range held {
		keep[id] = true
	}
	for _, r := range rest {
		if r.held && !keep[r.d.ID] || r.held && !allKept(r.also, keep) {
			// A group another worker took part of is not sent here: the
			// parts still ours go back when this lease expires.
			r.held = false
			x.log.Warn("outbox: lost the lease of a delivery; another worker has it", "delivery", r.d.ID)
		}
	}
	return until
}

// finish records the outcome of one attempt.
func (x *Outbox) finish(out *outcomes, j *job, err error) {
	now := x.now()
	d := j.d
	d.MessageID = MessageID(d, x.o.Composer.host)
	var ce *ComposeError
	switch {
	case err == nil:
		d.Status, d.LastError, d.NextAttemptAt = app.StatusSent, "", nil
		if !x.o.Sender.Live() {
			d.Status = app.StatusFiled
		}
		d.SentAt = &now
	case errors.As(err, &ce) || !mail.IsTemporary(err):
		d.Status, d.LastError, d.NextAttemptAt = app.StatusDead, err.Error(), nil
	case d.Attempts >= x.o.MaxAttempts:
		d.Status, d.LastError, d.NextAttemptAt = app.StatusDead, fmt.Sprintf("gave up after %d attempts: %v", d.Attempts, err), nil
	default:
		next := now.Add(x.backoff(d.Attempts))
		d.Status, d.LastError, d.NextAttemptAt = app.StatusFailed, err.Error(), &next
	}
	out.add(j, d)
	if d.Status == app.StatusDead {
		x.log.Warn("outbox: delivery failed for good", "delivery", d.ID, "channel", d.Channel, "err", d.LastError)
	}
}

// requeue puts a claimed delivery back, due at when, without counting the
// attempt (rate limit, shutdown).
func (x *Outbox) requeue(out *outcomes, j *job, when time.Time) {
	d := j.d
	d.Status, d.Attempts, d.NextAttemptAt = app.StatusQueued, max(0, d.Attempts-1), &when
	out.add(j, d)
}

// outcomeDelay is the longest a decided outcome waits to be written with
// the next ones of its batch.
const outcomeDelay = 250 * time.Millisecond

// outcomes gathers a batch's decided outcomes and writes them together:
// one commit per batch (or per outcomeDelay on a slow mail server) rather
// than one per message, so the outbox barely competes with submissions for
// the database writer. A crash before the write means the messages of the
// unwritten part are sent again when their lease expires, with the same
// Message-ID; that part is never more than the batch in flight.
type outcomes struct {
	x     *Outbox
	rec   context.Context
	ds    []app.Delivery
	since time.Time
}

func (o *outcomes) add(j *job, d app.Delivery) {
	if len(o.ds) == 0 {
		o.since = o.x.now()
	}
	o.ds = append(o.ds, d)
	o.ds = append(o.ds, shareOutcome(d, j.also)...)
	j.held = false
}

// flushIfDue writes the gathered outcomes once the oldest has waited
// outcomeDelay.
func (o *outcomes) flushIfDue(now time.Time) {
	if len(o.ds) > 0 && now.Sub(o.since) >= outcomeDelay {
		o.flush()
	}
}

func (o *outcomes) flush() {
	if len(o.ds) == 0 {
		return
	}
	x := o.x
	now := x.now()
	ds := o.ds
	o.ds = nil
	ok, err := x.o.Store.FinishDeliveries(o.rec, x.o.Owner, ds, now)
	// A busy database gets two more tries: an outcome not written means
	// its message is sent again once the lease expires.
	for try := 1; try <= 2 && app.ErrorCodeOf(err) == app.EUNAVAILABLE; try++ {
		time.Sleep(time.Duration(try) * 100 * time.Millisecond)
		ok, err = x.o.Store.FinishDeliveries(o.rec, x.o.Owner, ds, now)
	}
	if err != nil {
		// The leases will expire and these deliveries be retried.
		x.log.Error("outbox: record delivery outcomes", "deliveries", len(ds), "err", err)
		return
	}
	for i, d := range ds {
		if !ok[i] {
			x.log.Warn("outbox: delivery outcome not recorded: the lease was lost", "delivery", d.ID, "status", d.Status)
		}
	}
}

// backoff is the wait before attempt n+1: base·2^(n-1), at most RetryMax,
// with ±25% jitter so that retries of one burst spread out.
func (x *Outbox) backoff(n int) time.Duration {
	d := x.o.RetryBase
	for i := 1; i < n && d < x.o.RetryMax; i++ {
		d *= 2
	}
	d = min(d, x.o.RetryMax)
	jitter := time.Duration(mrand.Int64N(int64(d)/2+1)) - d/4
	return max(d+jitter, time.Millisecond)
}
