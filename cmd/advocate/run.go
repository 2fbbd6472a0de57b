package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/auth"
	"github.com/advocate-org/advocate/app/campaign"
	"github.com/advocate-org/advocate/app/config"
	"github.com/advocate-org/advocate/app/congress"
	"github.com/advocate-org/advocate/app/keptroster"
	"github.com/advocate-org/advocate/app/letter"
	"github.com/advocate-org/advocate/app/letter/pdf"
	"github.com/advocate-org/advocate/app/limit"
	"github.com/advocate-org/advocate/app/mail"
	"github.com/advocate-org/advocate/app/match"
	"github.com/advocate-org/advocate/app/packets"
	"github.com/advocate-org/advocate/app/roster"
	"github.com/advocate-org/advocate/app/rosterwatch"
	"github.com/advocate-org/advocate/app/stats"
	"github.com/advocate-org/advocate/app/store"
	"github.com/advocate-org/advocate/app/store/views"
	"github.com/advocate-org/advocate/app/submit"
	"github.com/advocate-org/advocate/app/web"
	"github.com/advocate-org/advocate/data"
	"github.com/advocate-org/advocate/templates"
)

// cli is one invocation: its environment and output streams.
type cli struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	cfg    config.Config
	log    *slog.Logger
	// ready, when set, receives the listening address once serve listens
	// (tests use it to find the port).
	ready func(addr string)
	// bcryptCost, when set, overrides the password hashing cost (tests use
	// the minimum to stay fast).
	bcryptCost int
	// outboxRetry, when set, overrides the wait before an email's first
	// retry (tests use a short one to see retries within seconds).
	outboxRetry time.Duration
	// pdfUnshared makes serve render every PDF download on its own, as
	// before PDFs were kept (bench pdf's baseline).
	pdfUnshared bool
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	return c.main(ctx, args)
}

func (c *cli) main(ctx context.Context, args []string) int {
	err := c.dispatch(ctx, args)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.code == 0 {
			return 0
		}
		fmt.Fprintln(c.stderr, "advocate:", ee.msg)
		if ee.code == 2 {
			fmt.Fprint(c.stderr, "\n"+usage)
		}
		return ee.code
	}
	fmt.Fprintln(c.stderr, "advocate:", err)
	return 1
}

func (c *cli) dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageErr("no command given")
	}
	cfg, err := config.Load(c.getenv)
	if err != nil {
		return &exitError{code: 2, msg: "configuration: " + err.Error()}
	}
	c.cfg = cfg
	c.log = newLogger(cfg, c.stderr)
	switch args[0] {
	case "serve":
		return c.serve(ctx, args[1:])
	case "migrate":
		return c.migrate(ctx, args[1:])
	case "data":
		if len(args) < 2 {
			return usageErr("data needs a subcommand: import or fetch")
		}
		switch args[1] {
		case "import":
			return c.dataImport(ctx, args[2:])
		case "fetch":
			return c.dataFetch(ctx, args[2:])
		}
		return usageErr("unknown data subcommand %q", args[1])
	case "lookup":
		return c.lookup(ctx, args[1:])
	case "user":
		return c.user(ctx, args[1:])
	case "token":
		return c.token(ctx, args[1:])
	case "bench":
		if len(args) >= 2 && args[1] == "pdf" {
			return c.benchPDF(ctx, args[2:])
		}
		if len(args) < 2 || args[1] != "load" {
			return usageErr("bench needs a subcommand: load or pdf")
		}
		return c.benchLoad(ctx, args[2:])
	case "outbox":
		return c.outboxCmd(ctx, args[1:])
	case "packets":
		return c.packetsCmd(ctx, args[1:])
	case "cwc":
		return c.cwcCmd(ctx, args[1:])
	case "export":
		return c.exportCmd(ctx, args[1:])
	case "stats":
		return c.statsCmd(ctx, args[1:])
	case "demo":
		return c.demoCmd(ctx, args[1:])
	case "purge":
		return c.purgeCmd(ctx, args[1:])
	case "supporter":
		return c.supporterCmd(ctx, args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(c.stdout, usage)
		return nil
	}
	return usageErr("unknown command %q", args[0])
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func (c *cli) flags(name string) *flag.FlagSet {
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	fl.SetOutput(c.stderr)
	return fl
}

func parse(fl *flag.FlagSet, args []string) error {
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return &exitError{code: 0, msg: ""}
		}
		return usageErr("%v", err)
	}
	if fl.NArg() > 0 {
		return usageErr("unexpected argument %q", fl.Arg(0))
	}
	return nil
}

// openStore opens and migrates the database.
func (c *cli) openStore(ctx context.Context) (*store.DB, error) {
	db, err := store.Open(ctx, store.Options{DSN: c.cfg.DSN(), Logger: c.log, Location: c.cfg.Location()})
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", c.cfg.Redacted(), err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate database: %w", err)
	}
	return db, nil
}

func (c *cli) rosterService(db *store.DB) *roster.Service {
	var geo match.Geocoder
	if c.cfg.GeocoderURL != "" {
		geo = match.NewCensusGeocoder(match.CensusOptions{BaseURL: c.cfg.GeocoderURL})
	}
	seed, _ := fs.Sub(data.Seed(), "roster")
	return roster.New(roster.Options{Store: db.Roster, Seed: seed, Geocoder: geo, Logger: c.log, Overlay: keptroster.NewOverlay(db.Roster)})
}

func (c *cli) migrate(ctx context.Context, args []string) error {
	if err := parse(c.flags("migrate"), args); err != nil {
		return err
	}
	db, err := store.Open(ctx, store.Options{DSN: c.cfg.DSN(), Logger: c.log, Location: c.cfg.Location()})
	if err != nil {
		return fmt.Errorf("open database %s: %w", c.cfg.Redacted(), err)
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(c.stdout, "database is up to date")
	}
	for _, m := range applied {
		fmt.Fprintln(c.stdout, "applied", m)
	}
	return nil
}

func (c *cli) dataImport(ctx context.Context, args []string) error {
	fl := c.flags("data import")
	dir := fl.String("dir", "", "folder laid out like the public data (congress-legislators/, zip-district/, districts/, commissions/)")
	if err := parse(fl, args); err != nil {
		return err
	}
	if *dir == "" {
		return usageErr("data import needs --dir DIR")
	}
	db, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	return c.importDir(ctx, c.rosterService(db), *dir)
}

func (c *cli) importDir(ctx context.Context, rs *roster.Service, dir string) error {
	bar := newProgress(c.stderr)
	start := time.Now()
	info, rep, err := rs.ImportDir(ctx, dir, congress.ImportOptions{Progress: bar.importStep})
	bar.done()
	if err != nil {
		return fmt.Errorf("import %s: %w (the stored roster is unchanged)", dir, err)
	}
	printImport(c.stdout, info, rep, time.Since(start))
	return nil
}

func printImport(w io.Writer, info app.RosterInfo, rep *congress.Report, took time.Duration) {
	fmt.Fprintf(w, "imported roster version %d from %s in %s\n", info.Version, info.Source, took.Round(time.Millisecond))
	fmt.Fprintf(w, "  legislators  %6d\n  offices      %6d\n  committees   %6d\n  memberships  %6d\n  executives   %6d\n  ZIP rows     %6d\n  shapes       %6d\n",
		info.Legislators, info.Offices, info.Committees, info.Memberships, info.Executives, info.Zips, info.Shapes)
	if rep != nil {
		for _, w2 := range rep.Warnings {
			fmt.Fprintln(w, "  warning:", w2)
		}
	}
}

func (c *cli) fetcher(progress func(congress.FetchProgress)) *congress.Fetcher {
	sources := congress.ApplySourceOverrides(congress.DefaultSources(), c.getenv)
	return congress.NewFetcher(congress.FetchOptions{Sources: sources, Progress: progress, UserAgent: "Advocate (self-hosted advocacy app)"})
}

func (c *cli) dataFetch(ctx context.Context, args []string) error {
	fl := c.flags("data fetch")
	dir := fl.String("dir", filepath.Join(c.cfg.DataDir, "public"), "where to put the downloaded files")
	noImport := fl.Bool("no-import", false, "download only; do not import")
	if err := parse(fl, args); err != nil {
		return err
	}
	bar := newProgress(c.stderr)
	rep, err := c.fetcher(bar.fetchStep).Fetch(ctx, *dir)
	bar.done()
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	fmt.Fprintf(c.stdout, "downloaded %d files into %s\n", len(rep.Files), *dir)
	if *noImport {
		return nil
	}
	db, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	return c.importDir(ctx, c.rosterService(db), *dir)
}

func (c *cli) lookup(ctx context.Context, args []string) error {
	fl := c.flags("lookup")
	zip := fl.String("zip", "", "ZIP code")
	state := fl.String("state", "", "two-letter state (helps with split and unknown ZIPs)")
	lat := fl.Float64("lat", 0, "latitude of the address")
	lon := fl.Float64("lon", 0, "longitude of the address")
	asJSON := fl.Bool("json", false, "print JSON (same as GET /api/v1/lookup)")
	if err := parse(fl, args); err != nil {
		return err
	}
	if *zip == "" {
		return usageErr("lookup needs --zip")
	}
	q := match.Query{Zip: *zip, State: strings.ToUpper(*state)}
	if *lat != 0 || *lon != 0 {
		p := app.Point{Lat: *lat, Lon: *lon}
		if !p.Valid() {
			return usageErr("--lat/--lon is not a valid location")
		}
		q.Point = &p
	}
	db, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	rs := c.rosterService(db)
	if err := rs.Load(ctx); err != nil {
		return err
	}
	if n := rs.Notice(); n != "" {
		fmt.Fprintln(c.stderr, "note:", n)
	}
	l, err := rs.Matcher().Lookup(ctx, q)
	if err != nil {
		return &exitError{code: 1, msg: app.ErrorMessageOf(err) + fieldText(err)}
	}
	out := web.NewLookupJSON(l)
	if *asJSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	printLookup(c.stdout, out)
	return nil
}

func fieldText(err error) string {
	var parts []string
	for k, v := range app.ErrorFieldsOf(err) {
		parts = append(parts, k+" "+v)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

func printLookup(w io.Writer, l web.LookupJSON) {
	fmt.Fprintf(w, "ZIP %s (found by %s)\n", l.Zip, l.Method)
	for _, r := range l.Representatives {
		d := app.DistrictKey{State: r.State, District: r.District}
		if r.Vacant {
			fmt.Fprintf(w, "  %-6s Representative: vacant seat\n", d)
			continue
		}
		fmt.Fprintf(w, "  %-6s Representative: %s (%s) %s\n", d, r.Name, r.Party, r.BioguideID)
	}
	for _, s := range l.Senators {
		fmt.Fprintf(w, "  %-6s Senator: %s (%s, %s) %s\n", s.State, s.Name, s.Party, s.StateRank, s.BioguideID)
	}
	if l.Ambiguous {
		fmt.Fprintln(w, "  This ZIP spans several districts; give --lat/--lon to pick one.")
	}
	for _, n := range l.Notes {
		fmt.Fprintln(w, "  note:", n)
	}
}

// serve runs the web app until ctx ends.
func (c *cli) serve(ctx context.Context, args []string) error {
	fl := c.flags("serve")
	addr := fl.String("addr", c.cfg.Addr, "listen address")
	if err := parse(fl, args); err != nil {
		return err
	}
	tuneGC(c.getenv)
	db, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	rs := c.rosterService(db)
	if err := c.ensureRoster(ctx, rs); err != nil {
		return err
	}
	letters := letter.NewRenderer(letter.Options{})
	maker, err := pdf.New(pdf.Options{})
	if err != nil {
		return err
	}
	camps := campaign.New(campaign.Options{Store: db.Campaigns, Letters: letters, Logger: c.log})
	campaignSeed, _ := fs.Sub(data.Seed(), "campaigns")
	if created, err := camps.LoadSeed(ctx, campaignSeed, templates.Letters()); err != nil {
		return fmt.Errorf("load seed campaign: %w", err)
	} else if len(created) > 0 {
		c.log.Info("created seed campaigns", "slugs", created)
	}
	// The outbox sends the emails submissions queue (delivery.go); it gives
	// way while supporters are being answered. sub is set before the
	// outbox starts.
	var sub *submit.Service
	ob, err := c.newOutbox(db, maker, *addr, func() bool { return sub.Busy() })
	if err != nil {
		return err
	}
	audit := auth.NewAudit(db.Audit, nil)
	// Rate limits count in the database, for every instance (app/limit).
	limits := limit.New(limit.Options{Store: db.Limits, Logger: c.log})
	limitsDone := make(chan struct{})
	limitsCtx, stopLimits := context.WithCancel(ctx)
	defer func() { stopLimits(); <-limitsDone }()
	go func() { defer close(limitsDone); limits.Run(limitsCtx) }()
	sub = submit.New(submit.Options{Campaigns: db.Campaigns, Submissions: db.Submissions, Roster: rs, Letters: letters, PDF: maker, Logger: c.log,
		Location: c.cfg.Location(), Confirmations: db.Submissions, OnQueued: ob.Wake,
		Mailboxes: submit.MailboxLimits{Counter: limits, PerHour: int(c.cfg.SubmitEmailPerHour), Burst: c.cfg.SubmitEmailBurst},
		Audit:     audit})
	// The organizer workspace: campaigns, letters and the hand-kept rosters.
	organize := campaign.New(campaign.Options{Store: db.Campaigns, Letters: letters, Logger: c.log, Roster: rs, PDF: maker,
		Cache: sub, Auditor: audit, Counts: db.Stats, Location: c.cfg.Location()})
	// A change of an office's email address waits for an admin; they are
	// told by email through the outbox's mail server.
	fromName, fromAddr := c.cfg.MailFromAddress()
	adminURL := c.cfg.BaseURL // newOutbox already warned when it is unset
	if adminURL == "" {
		adminURL = "http://" + *addr
	}
	notifier, err := keptroster.NewMailNotifier(keptroster.MailNotifierOptions{Sender: ob.Sender(),
		From: mail.Address{Name: fromName, Email: fromAddr}, Users: db.Accounts, BaseURL: adminURL})
	if err != nil {
		return err
	}
	kept := keptroster.New(keptroster.Options{Store: db.Roster, Roster: rs, Campaigns: db.Campaigns, Auditor: audit, Logger: c.log, Notifier: notifier})
	defer kept.Wait()
	accounts, err := c.serveAccounts(ctx, db)
	if err != nil {
		return err
	}
	// Supporters' export and erasure, and the daily retention purge (privacy.go).
	priv, err := c.newPrivacy(db)
	if err != nil {
		return err
	}
	defer c.startPurges(ctx, priv)()
	srv, err := web.NewServer(web.Options{
		Submit: sub, Roster: rs, DB: db, Pages: templates.Pages(), Static: templates.Static(),
		Logger: c.log, MaxBodyBytes: c.cfg.MaxBodyBytes,
		SubmitRate: web.RateLimit{PerMinute: int(c.cfg.SubmitPerMinute), Burst: c.cfg.SubmitBurst}, Limits: limits,
		Auth: accounts, TrustedProxies: c.cfg.TrustedProxies, SecureCookies: c.cfg.CookiesSecure(),
		Campaigns: organize, Rosters: kept, Privacy: priv, Stats: stats.New(stats.Options{Store: views.Stats(db), Audit: audit}),
		Location: c.cfg.Location(),
		Delivery: views.Office(db), Packets: packets.New(packets.Options{Store: views.Office(db), PDF: maker, Location: c.cfg.Location(), Audit: audit}),
		PDFs: sub.NewPDFs(c.pdfOptions()), DBTimeout: c.cfg.Protect.DBTimeout,
		DownloadRate:      web.RateLimit{PerMinute: int(c.cfg.Protect.DownloadPerMinute), Burst: c.cfg.Protect.DownloadBurst},
		DownloadTokenRate: web.RateLimit{PerMinute: int(c.cfg.Protect.DownloadTokenPerMinute), Burst: c.cfg.Protect.DownloadTokenBurst},
		Flags:             rosterwatch.NewFlags(db.Campaigns, audit, nil),
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	go rs.Watch(ctx, time.Minute)
	if err := c.startRosterRefresh(ctx, db, rs, audit); err != nil {
		return err
	}
	obDone := make(chan struct{})
	obCtx, stopOutbox := context.WithCancel(ctx)
	defer func() { stopOutbox(); <-obDone }()
	go func() {
		defer close(obDone)
		if c.cfg.Delivery.OutboxWorkers > 0 {
			_ = ob.Run(obCtx)
		}
	}()
	hs := srv.HTTPServer()
	c.log.Info("advocate is listening", "url", "http://"+ln.Addr().String(), "db", c.cfg.Redacted())
	if c.ready != nil {
		c.ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c.log.Info("shutting down")
	return hs.Shutdown(shutdown)
}

// pdfOptions are the supporters' PDF downloads as configured (a cache of
// 0 bytes keeps none).
func (c *cli) pdfOptions() submit.PDFOptions {
	o := submit.PDFOptions{CacheBytes: c.cfg.Protect.PDFCacheBytes, Renders: c.cfg.Protect.PDFRenders, Unshared: c.pdfUnshared}
	if o.CacheBytes == 0 {
		o.CacheBytes = -1
	}
	return o
}

// ensureRoster loads the stored roster. With none (or only the seed) it
// fetches the public one when allowed, and falls back to the seed so the app
// always starts.
func (c *cli) ensureRoster(ctx context.Context, rs *roster.Service) error {
	if err := rs.Load(ctx); err != nil {
		return err
	}
	info := rs.Info()
	if !info.Empty() && info.Source != roster.SeedSource {
		return nil
	}
	if c.cfg.AutoFetch {
		c.log.Info("no roster yet: fetching the public data (set ADVOCATE_AUTO_FETCH=false to skip)")
		fctx, cancel := context.WithTimeout(ctx, c.cfg.FetchTimeout)
		dir := filepath.Join(c.cfg.DataDir, "public")
		bar := newProgress(c.stderr)
		_, err := c.fetcher(bar.fetchStep).Fetch(fctx, dir)
		bar.done()
		if err == nil {
			_, _, err = rs.ImportDir(fctx, dir, congress.ImportOptions{Progress: bar.importStep})
			bar.done()
		}
		cancel()
		if err == nil {
			c.log.Info("public roster imported", "legislators", rs.Info().Legislators)
			return nil
		}
		c.log.Warn("could not fetch the public roster; starting without it", "err", err)
	}
	if info.Empty() {
		if _, err := rs.ImportSeed(ctx); err != nil {
			return fmt.Errorf("load seed roster: %w", err)
		}
	}
	c.log.Warn(rs.Notice())
	return nil
}

// tuneGC lets the heap grow to three times the live data before collecting
// (GOGC=200) unless GOGC is set: the server's live heap is small (the roster
// index), and a submission burst otherwise spends a tenth of the CPU in GC.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
}
