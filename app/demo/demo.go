// Package demo fills a campaign with generated supporters and letters, for
// trying the staff dashboard and for measuring it at scale (a million
// letters). Supporters are spread over the real ZIP table, so targets,
// states and districts look like a real campaign's; names are numbered and
// emails use the reserved .invalid domain.
//
// Nothing generated is ever sent: email deliveries are written as already
// sent (or dead), never queued, so an outbox running on the same database
// has nothing to pick up.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/advocate-org/advocate/app"
)

// Store keeps the generated submissions (the store's group commit).
type Store interface {
	CreateSubmission(ctx context.Context, s *app.Submission) (bool, error)
}

// Matcher returns a campaign's targets for a ZIP, choosing the first
// Representative of a split ZIP.
type Matcher func(ctx context.Context, zip string) (targets []app.Target, district *app.DistrictKey, err error)

// Options configure Seed.
type Options struct {
	Store    Store
	Match    Matcher
	Campaign *app.Campaign
	Zips     []string // where supporters live (uniformly)
	Letters  int      // stop once at least this many letters are written
	Days     int      // spread over the days before Now (default 60)
	Now      time.Time
	Seed     uint64 // random seed; the same seed gives the same campaign
	// Workers submit concurrently so the store's group commit batches them
	// (default 32).
	Workers  int
	Progress func(letters, want int)
	NewToken func() (string, error)
}

// Result counts what Seed wrote.
type Result struct {
	Submissions int
	Letters     int
}

// Seed writes submissions until o.Letters letters exist.
func Seed(ctx context.Context, o Options) (Result, error) {
	if o.Letters <= 0 || len(o.Zips) == 0 || o.Campaign == nil {
		return Result{}, app.Errorf(app.EINVALID, "demo: need a campaign, ZIP codes and a positive number of letters")
	}
	if o.Days <= 0 {
		o.Days = 60
	}
	if o.Workers <= 0 {
		o.Workers = 32
	}
	start := o.Now.AddDate(0, 0, -o.Days)
	span := o.Now.Sub(start)

	// Targets per ZIP, matched once.
	var mu sync.Mutex
	cache := map[string]*zipTargets{}
	targets := func(zip string) (*zipTargets, error) {
		mu.Lock()
		zt := cache[zip]
		mu.Unlock()
		if zt != nil {
			return zt, nil
		}
		ts, d, err := o.Match(ctx, zip)
		if err != nil {
			return nil, err
		}
		zt = &zipTargets{targets: ts, district: d}
		mu.Lock()
		cache[zip] = zt
		mu.Unlock()
		return zt, nil
	}

	var (
		letters, subs atomic.Int64
		next          atomic.Int64
		firstErr      error
		errOnce       sync.Once
		wg            sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}
	for w := 0; w < o.Workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for ctx.Err() == nil && letters.Load() < int64(o.Letters) {
				i := next.Add(1)
				// One generator per submission: the same seed gives the same
				// supporters whatever the scheduling.
				r := rand.New(rand.NewPCG(o.Seed, uint64(i)))
				zip := o.Zips[r.IntN(len(o.Zips))]
				zt, err := targets(zip)
				if err != nil {
					fail(fmt.Errorf("match ZIP %s: %w", zip, err))
					return
				}
				if len(zt.targets) == 0 {
					continue
				}
				at := start.Add(time.Duration(skewed(r) * float64(span))).UTC().Truncate(time.Millisecond)
				s, err := submission(o, r, i, zip, zt, at)
				if err != nil {
					fail(err)
					return
				}
				if _, err := o.Store.CreateSubmission(ctx, s); err != nil {
					fail(fmt.Errorf("store submission: %w", err))
					return
				}
				n := letters.Add(int64(len(s.Letters)))
				if c := subs.Add(1); o.Progress != nil && c%500 == 0 && n < int64(o.Letters) {
					o.Progress(int(n), o.Letters)
				}
			}
		}(w)
	}
	wg.Wait()
	if firstErr != nil {
		return Result{}, firstErr
	}
	if o.Progress != nil {
		o.Progress(o.Letters, o.Letters)
	}
	return Result{Submissions: int(subs.Load()), Letters: int(letters.Load())}, ctx.Err()
}

type zipTargets struct {
	targets  []app.Target
	district *app.DistrictKey
}

// skewed draws a point in [0,1) with more weight near 1: campaigns grow,
// so recent days are busier.
func skewed(r *rand.Rand) float64 {
	a, b := r.Float64(), r.Float64()
	return max(a, b)
}

func submission(o Options, r *rand.Rand, i int64, zip string, zt *zipTargets, at time.Time) (*app.Submission, error) {
	tok, err := o.NewToken()
	if err != nil {
		return nil, err
	}
	state := ""
	if zt.district != nil {
		state = zt.district.State
	}
	email := fmt.Sprintf("supporter-%d@demo.invalid", i)
	s := &app.Submission{CampaignID: o.Campaign.ID, Token: tok, DedupKey: fmt.Sprintf("demo:%d", i), CreatedAt: at,
		District: zt.district, PersonalMessage: "",
		Supporter: app.Supporter{FirstName: "Demo", LastName: fmt.Sprintf("Supporter %d", i), Email: email,
			Address1: fmt.Sprintf("%d Main Street", 1+r.IntN(9999)), City: "Demo", State: state, Zip: zip, CreatedAt: at}}
	confirmed := !o.Campaign.Delivery.DoubleOptIn || r.IntN(100) < 85
	if confirmed {
		s.ConfirmedAt = &at
	} else {
		if s.ConfirmToken, err = o.NewToken(); err != nil {
			return nil, err
		}
	}
	downloaded := r.IntN(100) < 30
	for _, t := range zt.targets {
		l := app.Letter{CampaignID: o.Campaign.ID, Recipient: t, CreatedAt: at,
			Subject: "A letter from a demo supporter",
			Body:    "This letter was generated to demonstrate the outreach dashboard."}
		dl := app.Delivery{Channel: app.ChannelDownload, Status: app.StatusPending, CreatedAt: at, UpdatedAt: at}
		if downloaded {
			dl.Status = app.StatusDownloaded
		}
		l.Deliveries = append(l.Deliveries, dl)
		if t.Email != "" {
			em := app.Delivery{Channel: app.ChannelEmail, To: t.Email, CreatedAt: at, UpdatedAt: at, Attempts: 1}
			switch {
			case !confirmed:
				em.Status = app.StatusExpired
			case r.IntN(100) < 3:
				em.Status, em.LastError = app.StatusDead, "550 mailbox unavailable (demo)"
			default:
				sent := at.Add(time.Duration(1+r.IntN(120)) * time.Second)
				em.Status, em.SentAt, em.MessageID = app.StatusSent, &sent, fmt.Sprintf("<demo-%d-%s@demo.invalid>", i, t.Key)
			}
			l.Deliveries = append(l.Deliveries, em)
		}
		s.Letters = append(s.Letters, l)
	}
	return s, nil
}
