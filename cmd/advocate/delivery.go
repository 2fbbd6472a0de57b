package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/auth"
	"github.com/advocate-org/advocate/app/cwc"
	"github.com/advocate-org/advocate/app/packets"
)

// Delivery commands: the email outbox, office packets and CWC exports.

// outboxCmd is `advocate outbox status|flush|retry`.
func (c *cli) outboxCmd(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageErr("outbox needs a subcommand: status, flush or retry")
	}
	switch args[0] {
	case "status":
		if err := parse(c.flags("outbox status"), args[1:]); err != nil {
			return err
		}
		if err := c.app.Open(ctx); err != nil {
			return err
		}
		stats, err := c.app.DB().Outbox.OutboxStats(ctx)
		if err != nil {
			return err
		}
		sender, err := c.app.MailSender()
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "mail goes to %s\n", sender)
		if len(stats) == 0 {
			fmt.Fprintln(c.stdout, "no deliveries yet")
		}
		for _, s := range stats {
			fmt.Fprintf(c.stdout, "  %-9s %-12s %8d\n", s.Channel, s.Status, s.Count)
		}
		return nil
	case "flush":
		if err := parse(c.flags("outbox flush"), args[1:]); err != nil {
			return err
		}
		if err := c.app.Open(ctx); err != nil {
			return err
		}
		ob, err := c.app.Outbox()
		if err != nil {
			return err
		}
		if err := ob.Maintain(ctx, true); err != nil {
			return err
		}
		n, err := ob.Flush(ctx)
		fmt.Fprintf(c.stdout, "handled %d due deliveries (mail goes to %s)\n", n, ob.Sender())
		return err
	case "retry":
		fl := c.flags("outbox retry")
		ids := fl.String("id", "", "comma-separated delivery ids (default: every dead email)")
		if err := parse(fl, args[1:]); err != nil {
			return err
		}
		var list []int64
		for _, s := range strings.Split(*ids, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil || id <= 0 {
				return usageErr("--id: %q is not a delivery id", s)
			}
			list = append(list, id)
		}
		if err := c.app.Open(ctx); err != nil {
			return err
		}
		n, err := c.app.DB().Outbox.RetryDead(ctx, list, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "queued %d dead deliveries again\n", n)
		return nil
	}
	return usageErr("unknown outbox subcommand %q", args[0])
}

// packetsCmd is `advocate packets --campaign SLUG --out DIR`.
func (c *cli) packetsCmd(ctx context.Context, args []string) error {
	fl := c.flags("packets")
	slug := fl.String("campaign", "", "campaign slug")
	out := fl.String("out", "", "folder for the PDFs")
	volume := fl.Int("volume", 500, "most letters in one PDF (larger offices get several volumes)")
	personal := fl.Bool("with-personal-data", false, "required: packets carry every writer's name, address and email (recorded in the audit log)")
	if err := parse(fl, args); err != nil {
		return err
	}
	if *slug == "" || *out == "" {
		return usageErr("packets needs --campaign SLUG and --out DIR")
	}
	// A packet is every letter in full; saying so on the command line keeps
	// a habit or a script from printing supporters' addresses unawares.
	if !*personal {
		return usageErr("packets print every supporter's name, street address and email: add --with-personal-data to confirm (the run is recorded in the audit log)")
	}
	if err := c.app.Open(ctx); err != nil {
		return err
	}
	bar := newProgress(c.stderr)
	w, err := c.app.Packets(func(o *packets.Options) {
		o.VolumeSize, o.Operator = *volume, operator(c.getenv)
		o.Progress = func(p packets.Progress) {
			bar.show(fmt.Sprintf("packets: %d/%d offices, %s letters", p.Done, p.Offices, ratio(int64(p.Letters), int64(p.Total))),
				p.Letters == p.Total)
		}
	})
	if err != nil {
		return err
	}
	start := time.Now()
	res, err := w.Write(cliActor(ctx), *slug, *out)
	bar.done()
	if err != nil {
		return fmt.Errorf("packets: %w", userErr(err))
	}
	fmt.Fprintf(c.stdout, "wrote %d PDFs for %d offices (%d letters) into %s in %s; index.csv lists them\n",
		len(res.Files), res.Offices, res.Letters, *out, time.Since(start).Round(time.Millisecond))
	for _, s := range res.Skipped {
		fmt.Fprintln(c.stdout, "  left out:", s)
	}
	return nil
}

// cwcCmd is `advocate cwc export --campaign SLUG --out DIR [--send]`.
func (c *cli) cwcCmd(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "export" {
		return usageErr("cwc needs a subcommand: export")
	}
	fl := c.flags("cwc export")
	slug := fl.String("campaign", "", "campaign slug")
	out := fl.String("out", "", "folder for the XML files")
	send := fl.Bool("send", false, "also post each message to CWC (needs ADVOCATE_CWC_URL and ADVOCATE_CWC_API_KEY for the House, "+
		"ADVOCATE_CWC_SENATE_URL and ADVOCATE_CWC_SENATE_API_KEY for the Senate)")
	prefix := fl.String("prefix", "", "courtesy title for writers, one of "+strings.Join(cwc.Prefixes(), " ")+
		" for writers who chose none CWC takes (CWC requires one)")
	personal := fl.Bool("with-personal-data", false, "required: CWC messages carry each writer's name, address, email and own paragraph (recorded in the audit log)")
	if err := parse(fl, args[1:]); err != nil {
		return err
	}
	if *slug == "" || *out == "" {
		return usageErr("cwc export needs --campaign SLUG and --out DIR")
	}
	if !*personal {
		return usageErr("cwc export writes every writer's name, street address, email and own paragraph: add --with-personal-data to confirm (the run is recorded in the audit log)")
	}
	d := c.cfg.Delivery
	opts := cwc.ExportOptions{
		Agent: cwc.Agent{Name: d.CWCAgent, AckEmail: d.CWCAckEmail, ContactName: d.CWCContactName,
			ContactEmail: d.CWCContactEmail, ContactPhone: d.CWCContactPhone},
		PrefixFallback: *prefix,
	}
	if *send {
		if d.CWCURL == "" && d.CWCSenateURL == "" {
			return usageErr("--send needs ADVOCATE_CWC_URL and ADVOCATE_CWC_API_KEY (House) or ADVOCATE_CWC_SENATE_URL and ADVOCATE_CWC_SENATE_API_KEY (Senate)")
		}
		if d.CWCURL != "" {
			client, err := cwc.NewClient(cwc.ClientOptions{URL: d.CWCURL, APIKey: d.CWCAPIKey})
			if err != nil {
				return &exitError{code: 2, msg: "configuration: " + err.Error()}
			}
			opts.Client = client
		}
		if d.CWCSenateURL != "" {
			client, err := cwc.NewClient(cwc.ClientOptions{Chamber: app.Senate, URL: d.CWCSenateURL,
				APIKey: d.CWCSenateAPIKey, Testing: d.CWCSenateTesting})
			if err != nil {
				return &exitError{code: 2, msg: "configuration: " + err.Error()}
			}
			opts.SenateClient = client
		}
	}
	// Letters made before recipients recorded a senator's class find it
	// in the stored roster (the seat's class does not change).
	rs, err := c.roster(ctx)
	if err != nil {
		return err
	}
	if err := rs.Load(ctx); err != nil {
		return err
	}
	opts.SenateClass = func(bioguide string) int {
		if l, ok := rs.Index().Legislator(bioguide); ok && l.Chamber == app.Senate {
			return l.Class
		}
		return 0
	}
	bar := newProgress(c.stderr)
	opts.Progress = func(p cwc.ExportProgress) {
		bar.show(fmt.Sprintf("cwc: %d letters, %d written, %d sent", p.Letters, p.Written, p.Sent), false)
	}
	ex, err := c.app.CWCExporter(opts)
	if err != nil {
		return usageErr("%v", err)
	}
	ctx = cliActor(ctx)
	camp, err := c.app.DB().Campaigns.FindCampaignBySlug(ctx, *slug)
	if err != nil {
		return fmt.Errorf("cwc export: %w", userErr(err))
	}
	// No record, no export: the files hold supporters' personal data.
	if err := c.app.Audit().Record(ctx, "cwc.export", "campaign:"+camp.Slug, auth.Detail(map[string]any{
		"send": *send, "personal_data": true, "operator": operator(c.getenv)})); err != nil {
		return fmt.Errorf("cwc export: audit: %w", err)
	}
	res, err := ex.Export(ctx, *slug, *out)
	bar.done()
	if err != nil {
		return fmt.Errorf("cwc export: %w", userErr(err))
	}
	fmt.Fprintf(c.stdout, "%d letters to Representatives and Senators: %d written to %s", res.Letters, res.Written, *out)
	if *send {
		fmt.Fprintf(c.stdout, ", %d sent to CWC, %d sent before, %d failed", res.Sent, res.AlreadySent, len(res.Failed))
		switch {
		case res.NoEndpoint > 0 && opts.Client == nil:
			fmt.Fprintf(c.stdout, ", %d to Representatives not sent (no House CWC configured)", res.NoEndpoint)
		case res.NoEndpoint > 0:
			fmt.Fprintf(c.stdout, ", %d to Senators not sent (no Senate CWC configured)", res.NoEndpoint)
		}
	}
	fmt.Fprintln(c.stdout)
	for i, s := range res.Skipped {
		if i == 10 {
			fmt.Fprintf(c.stdout, "  ... and %d more skipped\n", len(res.Skipped)-10)
			break
		}
		fmt.Fprintln(c.stdout, "  skipped:", s)
	}
	for _, s := range res.Failed {
		fmt.Fprintln(c.stdout, "  failed:", s)
	}
	if len(res.Failed) > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d messages were not accepted by CWC", len(res.Failed))}
	}
	return nil
}

// userErr keeps the readable message of a domain error.
func userErr(err error) error {
	if code := app.ErrorCodeOf(err); code != app.EINTERNAL && code != "" {
		return fmt.Errorf("%s", app.ErrorMessageOf(err))
	}
	return err
}
