package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/auth"
	"github.com/advocate-org/advocate/app/campaign"
	"github.com/advocate-org/advocate/app/config"
	"github.com/advocate-org/advocate/app/congress"
	"github.com/advocate-org/advocate/app/cwc"
	"github.com/advocate-org/advocate/app/demo"
	"github.com/advocate-org/advocate/app/keptroster"
	"github.com/advocate-org/advocate/app/letter"
	"github.com/advocate-org/advocate/app/letter/pdf"
	"github.com/advocate-org/advocate/app/limit"
	"github.com/advocate-org/advocate/app/load"
	"github.com/advocate-org/advocate/app/mail"
	"github.com/advocate-org/advocate/app/match"
	"github.com/advocate-org/advocate/app/outbox"
	"github.com/advocate-org/advocate/app/packets"
	"github.com/advocate-org/advocate/app/privacy"
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

// App is the object graph of one Advocate process, built in this file and
// nowhere else, the way wtf's Main is: Open opens and migrates the
// database, Run serves the web app with its background workers, Close
// stops everything in the reverse order it started. Every command gets its
// services from here, so a service is built one way whoever asks for it,
// and the store is handed to constructors in this file only.
//
// Services are built on first use and kept: a command pays only for what
// it uses (a maintenance command never starts a worker, one that reads
// the database never parses the email templates or checks the mail
// server's settings). It lives in package main rather than under app/
// because it is the one place allowed to import every package.
type App struct {
	cfg    config.Config
	log    *slog.Logger
	getenv func(string) string
	stderr io.Writer // progress of serve's first download of the roster

	bcryptCost  int           // see cli
	outboxRetry time.Duration // see cli
	pdfUnshared bool          // see cli

	// addr is the address serve listens on; links in emails fall back to
	// it when ADVOCATE_BASE_URL is unset.
	addr string

	db       *store.DB
	migrated []string
	// signal is what the supporter journey and the outbox share (app/load):
	// submissions mark it and say when emails were queued; the outbox reads
	// it. Neither service is given the other.
	signal  *load.Signal
	letters *letter.Renderer

	// closers run in reverse order on Close: workers stop before what they
	// use, and the database closes last.
	mu      sync.Mutex
	closers []func()
	closed  bool

	// Built by Open: cheap, and wanted by nearly every command.
	audit  *auth.Audit
	roster *roster.Service
	limits *limit.Counter

	pdf       lazy[*pdf.Maker]
	sender    lazy[mail.Sender]
	outbox    lazy[*outbox.Outbox]
	submit    lazy[*submit.Service]
	campaigns lazy[*campaign.Service]
	kept      lazy[*keptroster.Service]
	accounts  lazy[*auth.Service]
	privacy   lazy[*privacy.Service]
	stats     lazy[*stats.Service]
}

// lazy builds a value on first use and keeps it, or the error building it
// gave.
type lazy[T any] struct {
	mu   sync.Mutex
	done bool
	v    T
	err  error
}

func (l *lazy[T]) get(build func() (T, error)) (T, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.v, l.err = build()
		l.done = true
	}
	return l.v, l.err
}

// withDB builds a value on the open database; asking before Open is a bug
// in the command.
func withDB[T any](a *App, build func(db *store.DB) (T, error)) (T, error) {
	if a.db == nil {
		var zero T
		return zero, errors.New("the database is not open")
	}
	return build(a.db)
}

// once is l's value, built on the open database the first time.
func once[T any](a *App, l *lazy[T], build func(db *store.DB) (T, error)) (T, error) {
	return withDB(a, func(db *store.DB) (T, error) {
		return l.get(func() (T, error) { return build(db) })
	})
}

// newApp is the graph for cfg; nothing is opened or built yet.
func newApp(cfg config.Config, log *slog.Logger, getenv func(string) string, stderr io.Writer) *App {
	return &App{cfg: cfg, log: log, getenv: getenv, stderr: stderr, addr: cfg.Addr,
		signal: load.New(), letters: letter.NewRenderer(letter.Options{})}
}

// migrateError is a migration that failed in Open; `advocate migrate`
// reports it as it is, other commands say it was the migration.
type migrateError struct{ err error }

func (e *migrateError) Error() string { return "migrate database: " + e.err.Error() }
func (e *migrateError) Unwrap() error { return e.err }

// Open opens the database and applies the migrations it lacks (Migrated
// lists them). A second call does nothing.
func (a *App) Open(ctx context.Context) error {
	if a.db != nil {
		return nil
	}
	db, err := store.Open(ctx, store.Options{DSN: a.cfg.DSN(), Logger: a.log, Location: a.cfg.Location()})
	if err != nil {
		return fmt.Errorf("open database %s: %w", a.cfg.Redacted(), err)
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return &migrateError{err}
	}
	a.db, a.migrated = db, applied
	a.onClose(func() { db.Close() })
	a.audit = auth.NewAudit(db.Audit, nil)
	var geo match.Geocoder
	if a.cfg.GeocoderURL != "" {
		geo = match.NewCensusGeocoder(match.CensusOptions{BaseURL: a.cfg.GeocoderURL})
	}
	seed, _ := fs.Sub(data.Seed(), "roster")
	a.roster = roster.New(roster.Options{Store: db.Roster, Seed: seed, Geocoder: geo, Logger: a.log, Overlay: keptroster.NewOverlay(db.Roster)})
	// Counts in the database, for every instance (app/limit); Run starts
	// its syncing.
	a.limits = limit.New(limit.Options{Store: db.Limits, Logger: a.log})
	return nil
}

// Migrated lists the migrations Open applied.
func (a *App) Migrated() []string { return a.migrated }

// DB is the open database (nil before Open). Commands use it for the
// plain reads and repairs no service wraps.
func (a *App) DB() *store.DB { return a.db }

// Close stops the workers and closes what Open and the services opened,
// newest first. Later calls do nothing.
func (a *App) Close() {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return
	}
	a.closed = true
	cs := a.closers
	a.closers = nil
	a.mu.Unlock()
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i]()
	}
}

func (a *App) onClose(fn func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closers = append(a.closers, fn)
}

// start runs a worker until ctx ends or the App closes; Close waits for it.
func (a *App) start(ctx context.Context, run func(ctx context.Context)) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		run(ctx)
	}()
	a.onClose(func() { cancel(); <-done })
}

// Audit is the audit log (nil before Open). Every service a person
// drives records to it.
func (a *App) Audit() *auth.Audit { return a.audit }

// Roster is the roster service (nil before Open), with the hand-kept
// rosters laid over the imported one and the census geocoder when one is
// configured. It is not loaded: commands load it (or fetch it) as they
// need.
func (a *App) Roster() *roster.Service { return a.roster }

// PDF prints letters.
func (a *App) PDF() (*pdf.Maker, error) {
	return a.pdf.get(func() (*pdf.Maker, error) { return pdf.New(pdf.Options{}) })
}

// Fetcher downloads the public roster data (progress may be nil).
func (a *App) Fetcher(progress func(congress.FetchProgress)) *congress.Fetcher {
	sources := congress.ApplySourceOverrides(congress.DefaultSources(), a.getenv)
	return congress.NewFetcher(congress.FetchOptions{Sources: sources, Progress: progress, UserAgent: "Advocate (self-hosted advocacy app)"})
}

// MailSender is the configured SMTP server, or the outbox folder when
// there is none.
func (a *App) MailSender() (mail.Sender, error) {
	return a.sender.get(func() (mail.Sender, error) {
		d := a.cfg.Delivery
		if d.SMTPURL == "" {
			return mail.NewFileSender(a.cfg.OutboxPath()), nil
		}
		s, err := mail.NewSMTP(mail.SMTPOptions{URL: d.SMTPURL, Timeout: d.SMTPTimeout, AllowPlaintext: d.SMTPAllowPlaintext})
		if err != nil {
			return nil, &exitError{code: 2, msg: "configuration: " + err.Error()}
		}
		return s, nil
	})
}

// baseURL is the public site address for links in emails.
func (a *App) baseURL() string {
	if a.cfg.BaseURL != "" {
		return a.cfg.BaseURL
	}
	a.log.Warn("ADVOCATE_BASE_URL is not set: links in emails use the listen address, which supporters may not reach",
		"addr", a.addr)
	return "http://" + a.addr
}

// Outbox sends the emails submissions queue, through the mail server. It
// gives way while the process answers supporters (the shared load); in a
// command nothing marks the load, so it never does.
func (a *App) Outbox() (*outbox.Outbox, error) {
	return once(a, &a.outbox, func(db *store.DB) (*outbox.Outbox, error) {
		sender, err := a.MailSender()
		if err != nil {
			return nil, err
		}
		maker, err := a.PDF()
		if err != nil {
			return nil, err
		}
		name, addr := a.cfg.MailFromAddress()
		comp, err := outbox.NewComposer(outbox.ComposerOptions{
			From: mail.Address{Name: name, Email: addr}, BaseURL: a.baseURL(),
			Templates: templates.Emails(), PDF: maker, Location: a.cfg.Location(),
		})
		if err != nil {
			return nil, err
		}
		d := a.cfg.Delivery
		return outbox.New(outbox.Options{
			Store: views.Outbox(db), Sender: sender, Composer: comp, Logger: a.log, Owner: d.Instance,
			Workers: d.OutboxWorkers, RatePerDomain: d.RatePerDomain,
			SendTimeout: 4 * d.SMTPTimeout, RetryBase: a.outboxRetry, Load: a.signal,
		})
	})
}

// Submit is the supporter journey. It marks the shared load and says on
// it when emails were queued; the outbox listens there.
func (a *App) Submit() (*submit.Service, error) {
	return once(a, &a.submit, func(db *store.DB) (*submit.Service, error) {
		maker, err := a.PDF()
		if err != nil {
			return nil, err
		}
		return submit.New(submit.Options{Campaigns: db.Campaigns, Submissions: db.Submissions, Roster: a.roster, Letters: a.letters, PDF: maker, Logger: a.log,
			Location: a.cfg.Location(), Confirmations: db.Submissions, Load: a.signal,
			Mailboxes: submit.MailboxLimits{Counter: a.limits, PerHour: int(a.cfg.SubmitEmailPerHour), Burst: a.cfg.SubmitEmailBurst},
			Audit:     a.audit}), nil
	})
}

// pdfOptions are the supporters' PDF downloads as configured (a cache of
// 0 bytes keeps none).
func (a *App) pdfOptions() submit.PDFOptions {
	o := submit.PDFOptions{CacheBytes: a.cfg.Protect.PDFCacheBytes, Renders: a.cfg.Protect.PDFRenders, Unshared: a.pdfUnshared}
	if o.CacheBytes == 0 {
		o.CacheBytes = -1
	}
	return o
}

// Campaigns is the organizer workspace: campaigns, letters and the seed
// campaigns. Every edit is audited and shown to supporters at once.
func (a *App) Campaigns() (*campaign.Service, error) {
	return once(a, &a.campaigns, func(db *store.DB) (*campaign.Service, error) {
		maker, err := a.PDF()
		if err != nil {
			return nil, err
		}
		sub, err := a.Submit()
		if err != nil {
			return nil, err
		}
		return campaign.New(campaign.Options{Store: db.Campaigns, Letters: a.letters, Logger: a.log, Roster: a.roster, PDF: maker,
			Cache: sub, Auditor: a.audit, Counts: db.Stats, Location: a.cfg.Location()}), nil
	})
}

// Kept is the hand-kept rosters. A change of an office's email address
// waits for an admin, who is told by email through the outbox's mail
// server.
func (a *App) Kept() (*keptroster.Service, error) {
	return once(a, &a.kept, func(db *store.DB) (*keptroster.Service, error) {
		sender, err := a.MailSender()
		if err != nil {
			return nil, err
		}
		fromName, fromAddr := a.cfg.MailFromAddress()
		adminURL := a.cfg.BaseURL // the outbox already warned when it is unset
		if adminURL == "" {
			adminURL = "http://" + a.addr
		}
		notifier, err := keptroster.NewMailNotifier(keptroster.MailNotifierOptions{Sender: sender,
			From: mail.Address{Name: fromName, Email: fromAddr}, Users: db.Accounts, BaseURL: adminURL})
		if err != nil {
			return nil, err
		}
		kept := keptroster.New(keptroster.Options{Store: db.Roster, Roster: a.roster, Campaigns: db.Campaigns, Auditor: a.audit, Logger: a.log, Notifier: notifier})
		a.onClose(kept.Wait)
		return kept, nil
	})
}

// Accounts is users, sessions and API tokens.
func (a *App) Accounts() (*auth.Service, error) {
	return once(a, &a.accounts, func(db *store.DB) (*auth.Service, error) {
		return auth.New(auth.Options{Store: db.Accounts, Audit: a.audit, Logger: a.log,
			SessionTTL: a.cfg.SessionTTL, IdleTimeout: a.cfg.SessionIdle, BcryptCost: a.bcryptCost})
	})
}

// Privacy is supporters' export and erasure and the retention purge.
func (a *App) Privacy() (*privacy.Service, error) {
	return once(a, &a.privacy, func(db *store.DB) (*privacy.Service, error) {
		return privacy.New(privacy.Options{Store: db.Privacy, Audit: a.audit, Logger: a.log})
	})
}

// Stats is outreach totals and exports, kept for the process: target names
// it looks up once stay cached.
func (a *App) Stats() (*stats.Service, error) {
	return once(a, &a.stats, func(*store.DB) (*stats.Service, error) { return a.NewStats() })
}

// NewStats is a stats service of its own, with nothing cached yet (stats
// bench times first visits with it). Exports always go to the audit log:
// only people ask for them.
func (a *App) NewStats() (*stats.Service, error) {
	return withDB(a, func(db *store.DB) (*stats.Service, error) {
		return stats.New(stats.Options{Store: views.Stats(db), Audit: a.audit}), nil
	})
}

// Packets writes office packets; edit, when given, adds what one run
// needs (volume size, progress, operator) to the audited writer.
func (a *App) Packets(edit func(*packets.Options)) (*packets.Writer, error) {
	return withDB(a, func(db *store.DB) (*packets.Writer, error) {
		maker, err := a.PDF()
		if err != nil {
			return nil, err
		}
		o := packets.Options{Store: views.Office(db), PDF: maker, Location: a.cfg.Location(), Audit: a.audit}
		if edit != nil {
			edit(&o)
		}
		return packets.New(o), nil
	})
}

// CWCExporter writes (and posts) CWC messages as o says, from the database.
func (a *App) CWCExporter(o cwc.ExportOptions) (*cwc.Exporter, error) {
	return withDB(a, func(db *store.DB) (*cwc.Exporter, error) {
		o.Store = views.Office(db)
		return cwc.NewExporter(o)
	})
}

// SeedDemo fills a campaign with generated supporters as o says.
func (a *App) SeedDemo(ctx context.Context, o demo.Options) (demo.Result, error) {
	return withDB(a, func(db *store.DB) (demo.Result, error) {
		o.Store = db.Submissions
		return demo.Seed(ctx, o)
	})
}

// Run serves the web app on addr until ctx ends, with its background
// workers: rate-limit syncing, the outbox, the daily purge, the session
// sweep and the roster's watch and refresh. It loads the roster (fetching
// it on a first start) and the seed campaigns first. Open first; Close
// afterwards stops the workers.
func (a *App) Run(ctx context.Context, addr string, ready func(addr string)) error {
	a.addr = addr
	if err := a.Open(ctx); err != nil {
		return err
	}
	rs := a.roster
	if err := a.ensureRoster(ctx, rs); err != nil {
		return err
	}
	camps, err := a.Campaigns()
	if err != nil {
		return err
	}
	campaignSeed, _ := fs.Sub(data.Seed(), "campaigns")
	if created, err := camps.LoadSeed(ctx, campaignSeed, templates.Letters()); err != nil {
		return fmt.Errorf("load seed campaign: %w", err)
	} else if len(created) > 0 {
		a.log.Info("created seed campaigns", "slugs", created)
	}
	ob, err := a.Outbox()
	if err != nil {
		return err
	}
	a.start(ctx, a.limits.Run)
	sub, err := a.Submit()
	if err != nil {
		return err
	}
	kept, err := a.Kept()
	if err != nil {
		return err
	}
	accounts, err := a.Accounts()
	if err != nil {
		return err
	}
	if err := a.startAccounts(ctx, accounts); err != nil {
		return err
	}
	priv, err := a.Privacy()
	if err != nil {
		return err
	}
	a.start(ctx, func(ctx context.Context) { priv.RunDaily(ctx, privacy.JobOptions{}) })
	st, err := a.Stats()
	if err != nil {
		return err
	}
	pk, err := a.Packets(nil)
	if err != nil {
		return err
	}
	srv, err := web.NewServer(web.Options{
		Submit: sub, Roster: rs, DB: a.db, Pages: templates.Pages(), Static: templates.Static(),
		Logger: a.log, MaxBodyBytes: a.cfg.MaxBodyBytes,
		SubmitRate: web.RateLimit{PerMinute: int(a.cfg.SubmitPerMinute), Burst: a.cfg.SubmitBurst}, Limits: a.limits,
		Auth: accounts, TrustedProxies: a.cfg.TrustedProxies, SecureCookies: a.cfg.CookiesSecure(),
		Campaigns: camps, Rosters: kept, Privacy: priv, Stats: st,
		Location: a.cfg.Location(),
		Delivery: views.Office(a.db), Packets: pk,
		PDFs: sub.NewPDFs(a.pdfOptions()), DBTimeout: a.cfg.Protect.DBTimeout,
		DownloadRate:      web.RateLimit{PerMinute: int(a.cfg.Protect.DownloadPerMinute), Burst: a.cfg.Protect.DownloadBurst},
		DownloadTokenRate: web.RateLimit{PerMinute: int(a.cfg.Protect.DownloadTokenPerMinute), Burst: a.cfg.Protect.DownloadTokenBurst},
		Flags:             rosterwatch.NewFlags(a.db.Campaigns, a.audit, nil),
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	a.start(ctx, func(ctx context.Context) { rs.Watch(ctx, time.Minute) })
	if err := a.startRosterRefresh(ctx); err != nil {
		ln.Close()
		return err
	}
	if a.cfg.Delivery.OutboxWorkers > 0 {
		a.start(ctx, func(ctx context.Context) { _ = ob.Run(ctx) })
	}
	hs := srv.HTTPServer()
	a.log.Info("advocate is listening", "url", "http://"+ln.Addr().String(), "db", a.cfg.Redacted())
	if ready != nil {
		ready(ln.Addr().String())
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
	a.log.Info("shutting down")
	return hs.Shutdown(shutdown)
}

// ensureRoster loads the stored roster. With none (or only the seed) it
// fetches the public one when allowed, and falls back to the seed so the app
// always starts.
func (a *App) ensureRoster(ctx context.Context, rs *roster.Service) error {
	if err := rs.Load(ctx); err != nil {
		return err
	}
	info := rs.Info()
	if !info.Empty() && info.Source != roster.SeedSource {
		return nil
	}
	if a.cfg.AutoFetch {
		a.log.Info("no roster yet: fetching the public data (set ADVOCATE_AUTO_FETCH=false to skip)")
		fctx, cancel := context.WithTimeout(ctx, a.cfg.FetchTimeout)
		dir := filepath.Join(a.cfg.DataDir, "public")
		bar := newProgress(a.stderr)
		_, err := a.Fetcher(bar.fetchStep).Fetch(fctx, dir)
		bar.done()
		if err == nil {
			_, _, err = rs.ImportDir(fctx, dir, congress.ImportOptions{Progress: bar.importStep})
			bar.done()
		}
		cancel()
		if err == nil {
			a.log.Info("public roster imported", "legislators", rs.Info().Legislators)
			return nil
		}
		a.log.Warn("could not fetch the public roster; starting without it", "err", err)
	}
	if info.Empty() {
		if _, err := rs.ImportSeed(ctx); err != nil {
			return fmt.Errorf("load seed roster: %w", err)
		}
	}
	a.log.Warn(rs.Notice())
	return nil
}

// startAccounts warms the accounts service up, sweeps expired sessions
// every ten minutes and says how to create the first admin on a fresh
// install.
func (a *App) startAccounts(ctx context.Context, svc *auth.Service) error {
	go svc.WarmUp()
	if admins, err := a.db.Accounts.ListUsers(ctx, app.UserFilter{Role: app.RoleAdmin, ActiveOnly: true, Limit: 1}); err != nil {
		return err
	} else if len(admins) == 0 {
		a.log.Warn("no administrator yet: create one with  advocate user add --email you@example.org --role admin")
	}
	a.start(ctx, func(ctx context.Context) {
		t := time.NewTicker(10 * time.Minute)
		defer t.Stop()
		for {
			if err := svc.Sweep(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("sweep expired sessions", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
	return nil
}

// startRosterRefresh has serve download the public roster again every
// ADVOCATE_ROSTER_REFRESH (one instance per interval on a shared database)
// and flag the campaigns whose targets changed. Other instances load the
// new roster through rs.Watch. Off with ADVOCATE_ROSTER_REFRESH=off.
func (a *App) startRosterRefresh(ctx context.Context) error {
	if a.cfg.RosterRefresh <= 0 {
		a.log.Info("roster refresh is off (ADVOCATE_ROSTER_REFRESH)")
		return nil
	}
	fetcher := a.Fetcher(nil)
	w, err := rosterwatch.New(rosterwatch.Options{
		Store: views.Refresh(a.db), Dir: filepath.Join(a.cfg.DataDir, "public"), Every: a.cfg.RosterRefresh,
		Owner: a.cfg.Delivery.Instance, Auditor: a.audit, Logger: a.log,
		Fetch: func(ctx context.Context, dir string) error {
			_, err := fetcher.Fetch(ctx, dir)
			return err
		},
		Replace: func(ctx context.Context, dir string) (roster.Replacement, error) {
			return a.roster.ReplaceFrom(ctx, dir, congress.ImportOptions{})
		},
	})
	if err != nil {
		return err
	}
	a.log.Info("the public roster refreshes itself", "every", a.cfg.RosterRefresh.String())
	a.start(ctx, w.Run)
	return nil
}
