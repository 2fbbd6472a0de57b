package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"slices"
	"strings"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/campaign"
	"github.com/advocate-org/advocate/app/demo"
	"github.com/advocate-org/advocate/app/match"
	"github.com/advocate-org/advocate/app/stats"
	"github.com/advocate-org/advocate/app/submit"
	"github.com/advocate-org/advocate/data"
	"github.com/advocate-org/advocate/templates"
)

// cliActor is the operator at the command line.
func cliActor(ctx context.Context) context.Context {
	return app.WithActor(ctx, app.Actor{Via: "cli"})
}

// operator names the operating-system account running a command, for the
// audit log, where the actor is only "cli": "alice@host", or
// "root (sudo from alice)@host".
func operator(getenv func(string) string) string {
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = getenv("USER")
	}
	if name == "" {
		name = "unknown"
	}
	if s := getenv("SUDO_USER"); s != "" && s != name {
		name += " (sudo from " + s + ")"
	}
	if host, err := os.Hostname(); err == nil && host != "" {
		name += "@" + host
	}
	return name
}

// statsFlags adds the dashboard's filter to a command's flags.
func statsFlags(c *cli, name string) (*flag.FlagSet, *app.StatsFilter) {
	fl := c.flags(name)
	f := &app.StatsFilter{}
	fl.StringVar(&f.From, "from", "", "first day, YYYY-MM-DD (in ADVOCATE_TIMEZONE)")
	fl.StringVar(&f.To, "to", "", "last day, YYYY-MM-DD")
	fl.StringVar(&f.State, "state", "", "supporters' state, e.g. NY")
	fl.StringVar(&f.Target, "target", "", "target key, e.g. leg:T000469")
	fl.Func("channel", "delivery channel: "+strings.Join(app.ChannelNames(), ", "), func(v string) error {
		f.Channel = app.Channel(v)
		return nil
	})
	return fl, f
}

// exportCmd is `advocate export --campaign SLUG --what letters|totals|... --format csv|json`.
func (c *cli) exportCmd(ctx context.Context, args []string) error {
	fl, f := statsFlags(c, "export")
	slug := fl.String("campaign", "", "campaign slug")
	what := fl.String("what", "totals", "what to export: "+strings.Join(stats.Exports(), ", "))
	format := fl.String("format", "csv", "csv or json")
	out := fl.String("out", "", "file to write (default: standard output)")
	personal := fl.Bool("with-personal-data", false, "letters: include supporters' names and emails (recorded in the audit log)")
	if err := parse(fl, args); err != nil {
		return err
	}
	if *slug == "" {
		return usageErr("export needs --campaign SLUG")
	}
	if err := c.app.Open(ctx); err != nil {
		return err
	}
	svc, err := c.app.Stats()
	if err != nil {
		return err
	}
	req := stats.ExportRequest{Slug: *slug, What: *what, Format: *format, Filter: *f, Personal: *personal,
		Location: c.cfg.Location(), Operator: operator(c.getenv)}
	ctx = cliActor(ctx)
	if _, err := svc.Check(ctx, req); err != nil {
		return userErr(err)
	}
	var w io.Writer = c.stdout
	if *out != "" {
		tmp := *out + ".partial"
		file, err := os.Create(tmp)
		if err != nil {
			return err
		}
		defer os.Remove(tmp)
		defer file.Close()
		if err := svc.Export(ctx, req, file); err != nil {
			return userErr(err)
		}
		if err := file.Close(); err != nil {
			return err
		}
		if err := os.Rename(tmp, *out); err != nil {
			return err
		}
		fmt.Fprintf(c.stderr, "wrote %s\n", *out)
		return nil
	}
	return userErr(svc.Export(ctx, req, w))
}

// statsCmd is `advocate stats show|rebuild`.
func (c *cli) statsCmd(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageErr("stats needs a subcommand: show, rebuild or bench")
	}
	switch args[0] {
	case "show":
		fl, f := statsFlags(c, "stats show")
		slug := fl.String("campaign", "", "campaign slug")
		if err := parse(fl, args[1:]); err != nil {
			return err
		}
		if *slug == "" {
			return usageErr("stats show needs --campaign SLUG")
		}
		if err := c.app.Open(ctx); err != nil {
			return err
		}
		svc, err := c.app.Stats()
		if err != nil {
			return err
		}
		rep, err := svc.Report(cliActor(ctx), *slug, *f)
		if err != nil {
			return userErr(err)
		}
		fmt.Fprintf(c.stdout, "%s: %d supporters (%d confirmed), %d letters\n", rep.Campaign.Title, rep.Supporters, rep.Confirmed, rep.Letters)
		for _, d := range rep.Deliveries {
			fmt.Fprintf(c.stdout, "  %-9s %-12s %d\n", d.Channel, d.Status, d.Count)
		}
		return nil
	case "rebuild":
		fl := c.flags("stats rebuild")
		check := fl.Bool("check", false, "only compare the rollups with a recount; change nothing")
		if err := parse(fl, args[1:]); err != nil {
			return err
		}
		if err := c.app.Open(ctx); err != nil {
			return err
		}
		drift, err := c.app.DB().Stats.RebuildStats(ctx, *check)
		if err != nil {
			return err
		}
		for _, d := range drift {
			fmt.Fprintf(c.stdout, "%s %s: had %d, counted %d\n", d.Table, d.Key, d.Have, d.Want)
		}
		switch {
		case len(drift) == 0:
			fmt.Fprintln(c.stdout, "statistics match the letters exactly")
		case *check:
			return &exitError{code: 1, msg: fmt.Sprintf("%d rollup rows differ from a recount; run `advocate stats rebuild` to repair them", len(drift))}
		default:
			fmt.Fprintf(c.stdout, "repaired %d rollup rows\n", len(drift))
		}
		return nil
	case "bench":
		return c.statsBench(ctx, args[1:])
	}
	return usageErr("unknown stats subcommand %q", args[0])
}

// statsBench times dashboard loads: `advocate stats bench --campaign SLUG`.
func (c *cli) statsBench(ctx context.Context, args []string) error {
	fl, f := statsFlags(c, "stats bench")
	slug := fl.String("campaign", "demo", "campaign slug")
	runs := fl.Int("runs", 30, "dashboard loads to time")
	if err := parse(fl, args); err != nil {
		return err
	}
	if err := c.app.Open(ctx); err != nil {
		return err
	}
	svc, err := c.app.Stats()
	if err != nil {
		return err
	}
	ctx = cliActor(ctx)
	time1 := func(fn func() error) (time.Duration, error) {
		start := time.Now()
		err := fn()
		return time.Since(start), err
	}
	var rep *stats.Report
	report := func(g app.StatsFilter) func() error {
		return func() error {
			// A fresh service each time: target names are read as on a first visit.
			fresh, err := c.app.NewStats()
			if err != nil {
				return err
			}
			rep, err = fresh.Report(ctx, *slug, g)
			return err
		}
	}
	cases := []struct {
		name string
		fn   func() error
	}{
		{"dashboard, no filter", report(*f)},
		{"counts only (names cached)", func() error {
			_, err := svc.Report(ctx, *slug, *f)
			return err
		}},
		{"dashboard, one state", report(app.StatsFilter{State: "CA"})},
		{"dashboard, last 7 days", report(app.StatsFilter{From: time.Now().In(c.cfg.Location()).AddDate(0, 0, -7).Format(time.DateOnly)})},
		{"overview of every campaign", func() error { _, err := svc.Overview(ctx); return err }},
	}
	if _, err := time1(report(*f)); err != nil { // warm the page cache
		return userErr(err)
	}
	if len(rep.ByTarget) > 0 {
		top := rep.ByTarget[0].Key
		cases = append(cases[:4:4], append([]struct {
			name string
			fn   func() error
		}{
			{"dashboard, one target", report(app.StatsFilter{Target: top})},
			{"dashboard, email channel", report(app.StatsFilter{Channel: app.ChannelEmail})},
		}, cases[4:]...)...)
	}
	fmt.Fprintf(c.stdout, "%s: %d supporters, %d letters, %d targets, %d days (%s)\n", *slug, rep.Supporters, rep.Letters,
		len(rep.ByTarget), len(rep.ByDay), c.app.DB().Dialect())
	for _, cs := range cases {
		var ds []time.Duration
		for i := 0; i < *runs; i++ {
			d, err := time1(cs.fn)
			if err != nil {
				return userErr(err)
			}
			ds = append(ds, d)
		}
		slices.Sort(ds)
		fmt.Fprintf(c.stdout, "  %-28s min %6.1f ms  p50 %6.1f ms  p95 %6.1f ms  max %6.1f ms\n", cs.name,
			ms(ds[0]), ms(ds[len(ds)/2]), ms(ds[len(ds)*95/100]), ms(ds[len(ds)-1]))
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// demoCmd is `advocate demo seed --letters N`.
func (c *cli) demoCmd(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "seed" {
		return usageErr("demo needs a subcommand: seed")
	}
	fl := c.flags("demo seed")
	n := fl.Int("letters", 10000, "letters to generate (at least)")
	slug := fl.String("campaign", "demo", "campaign to fill; created as a closed copy of the seed campaign when missing")
	days := fl.Int("days", 60, "spread the letters over this many days before today")
	seed := fl.Uint64("seed", 1, "random seed (the same seed makes the same supporters)")
	if err := parse(fl, args[1:]); err != nil {
		return err
	}
	if *n <= 0 || *days <= 0 {
		return usageErr("--letters and --days must be positive")
	}
	rs, err := c.roster(ctx)
	if err != nil {
		return err
	}
	if err := rs.Load(ctx); err != nil {
		return err
	}
	if rs.Info().Empty() {
		fmt.Fprintln(c.stderr, "demo: no roster imported; using the small seed roster (run `advocate data import` or `data fetch` for every ZIP code)")
		if _, err := rs.ImportSeed(ctx); err != nil {
			return fmt.Errorf("load seed roster: %w", err)
		}
	}
	camp, err := c.demoCampaign(ctx, *slug)
	if err != nil {
		return err
	}
	sub, err := c.app.Submit()
	if err != nil {
		return err
	}
	zips := rs.Index().Zips()
	fmt.Fprintf(c.stderr, "demo: %d ZIP codes in the roster (%s)\n", len(zips), rs.Info().Source)
	bar := newProgress(c.stderr)
	start := time.Now()
	res, err := c.app.SeedDemo(ctx, demo.Options{Campaign: camp, Zips: zips, Letters: *n, Days: *days,
		Now: time.Now(), Seed: *seed, NewToken: submit.NewToken,
		Match: func(ctx context.Context, zip string) ([]app.Target, *app.DistrictKey, error) {
			m, err := sub.Targets(ctx, camp.Slug, match.Query{Zip: zip}, "")
			if err == nil && m.Resolution.NeedsChoice {
				for _, r := range m.Resolution.Candidates {
					if r.Member != nil {
						m, err = sub.Targets(ctx, camp.Slug, match.Query{Zip: zip}, r.Member.BioguideID)
						break
					}
				}
			}
			if err != nil {
				return nil, nil, err
			}
			var d *app.DistrictKey
			if ds := rs.Index().DistrictsForZip(zip); len(ds) > 0 {
				d = &ds[0]
				for _, t := range m.Resolution.Targets {
					if t.Kind == app.TargetRepresentative && t.District != nil {
						d = &app.DistrictKey{State: t.State, District: *t.District}
					}
				}
			}
			return m.Resolution.Targets, d, nil
		},
		Progress: func(done, want int) {
			bar.show(fmt.Sprintf("demo: %s letters", ratio(int64(done), int64(want))), done >= want)
		}})
	bar.done()
	if err != nil {
		return userErr(err)
	}
	el := time.Since(start)
	fmt.Fprintf(c.stdout, "wrote %d supporters and %d letters into campaign %q in %s (%.0f letters/s)\n",
		res.Submissions, res.Letters, camp.Slug, el.Round(time.Millisecond), float64(res.Letters)/el.Seconds())
	return nil
}

// demoCampaign finds the campaign to fill, or creates it as a closed copy
// of the seed campaign so that it never shows on the public site.
func (c *cli) demoCampaign(ctx context.Context, slug string) (*app.Campaign, error) {
	camp, err := c.app.DB().Campaigns.FindCampaignBySlug(ctx, slug)
	if err == nil {
		return camp, nil
	}
	if app.ErrorCodeOf(err) != app.ENOTFOUND {
		return nil, err
	}
	svc, err := c.app.Campaigns()
	if err != nil {
		return nil, err
	}
	seed, _ := fs.Sub(data.Seed(), "campaigns")
	camp, err = svc.CreateFromSeed(ctx, seed, templates.Letters(), "protect-witnesses.yaml", func(d *campaign.Draft) {
		d.Campaign.Slug = slug
		d.Campaign.Title = "Demo: generated supporters"
		d.Campaign.Status = app.CampaignClosed
		d.Author = "advocate demo seed"
	})
	if err != nil {
		return nil, fmt.Errorf("create demo campaign: %w", userErr(err))
	}
	fmt.Fprintf(c.stderr, "demo: created closed campaign %q\n", slug)
	return camp, nil
}
