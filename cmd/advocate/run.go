package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/config"
	"github.com/advocate-org/advocate/app/congress"
	"github.com/advocate-org/advocate/app/match"
	"github.com/advocate-org/advocate/app/roster"
	"github.com/advocate-org/advocate/app/web"
)

// cli is one invocation: its environment and output streams.
type cli struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	cfg    config.Config
	log    *slog.Logger
	// app is the object graph the command takes its services from; it
	// opens nothing until the command asks.
	app *App
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
	c.app = newApp(cfg, c.log, c.getenv, c.stderr)
	c.app.bcryptCost, c.app.outboxRetry, c.app.pdfUnshared = c.bcryptCost, c.outboxRetry, c.pdfUnshared
	defer c.app.Close()
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

// roster opens the database and returns the roster service (not loaded).
func (c *cli) roster(ctx context.Context) (*roster.Service, error) {
	if err := c.app.Open(ctx); err != nil {
		return nil, err
	}
	return c.app.Roster(), nil
}

func (c *cli) migrate(ctx context.Context, args []string) error {
	if err := parse(c.flags("migrate"), args); err != nil {
		return err
	}
	var failed *migrateError
	if err := c.app.Open(ctx); errors.As(err, &failed) {
		return failed.err // the command says what it does: no prefix
	} else if err != nil {
		return err
	}
	applied := c.app.Migrated()
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
	rs, err := c.roster(ctx)
	if err != nil {
		return err
	}
	return c.importDir(ctx, rs, *dir)
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

func (c *cli) dataFetch(ctx context.Context, args []string) error {
	fl := c.flags("data fetch")
	dir := fl.String("dir", filepath.Join(c.cfg.DataDir, "public"), "where to put the downloaded files")
	noImport := fl.Bool("no-import", false, "download only; do not import")
	if err := parse(fl, args); err != nil {
		return err
	}
	bar := newProgress(c.stderr)
	rep, err := c.app.Fetcher(bar.fetchStep).Fetch(ctx, *dir)
	bar.done()
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	fmt.Fprintf(c.stdout, "downloaded %d files into %s\n", len(rep.Files), *dir)
	if *noImport {
		return nil
	}
	rs, err := c.roster(ctx)
	if err != nil {
		return err
	}
	return c.importDir(ctx, rs, *dir)
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
	rs, err := c.roster(ctx)
	if err != nil {
		return err
	}
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
	return c.app.Run(ctx, *addr, c.ready)
}

// tuneGC lets the heap grow to three times the live data before collecting
// (GOGC=200) unless GOGC is set: the server's live heap is small (the roster
// index), and a submission burst otherwise spends a tenth of the CPU in GC.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
}
