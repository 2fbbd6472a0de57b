package roster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/congress"
	"github.com/advocate-org/advocate/app/match"
)

// SeedSource is the RosterInfo.Source of a roster loaded from the embedded
// seed. A seed roster is replaced by the public one as soon as it can be had.
const SeedSource = "seed"

// Options wires a Service.
type Options struct {
	Store app.RosterStore
	// Seed is the embedded seed roster folder (laid out like the public data).
	Seed     fs.FS
	Geocoder match.Geocoder
	Logger   *slog.Logger
	// Overlay, when set, lays the organizer-kept rosters over every roster
	// loaded or imported.
	Overlay Overlay
}

// Overlay lays the part of the roster that organizers keep by hand
// (commissions, executive targets) over an imported roster. Imports never
// touch it, so hand edits survive them.
type Overlay interface {
	// Apply returns base with the kept part laid over it (base itself is
	// not modified) and the overlay's version.
	Apply(ctx context.Context, base *app.Roster) (*app.Roster, int64, error)
	// Version is the overlay's current version, so that Refresh notices an
	// edit made on another instance.
	Version(ctx context.Context) (int64, error)
}

// Service holds the current roster. It is safe for concurrent use.
type Service struct {
	store    app.RosterStore
	seed     fs.FS
	geocoder match.Geocoder
	log      *slog.Logger
	overlay  Overlay

	cur      atomic.Pointer[state]
	importMu sync.Mutex
}

type state struct {
	index   *match.Index
	matcher *match.Matcher
	info    app.RosterInfo
	overlay int64 // version of the overlay laid over it
}

// New returns a Service with an empty roster; call Load.
func New(o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{store: o.Store, seed: o.Seed, geocoder: o.Geocoder, log: o.Logger, overlay: o.Overlay}
	empty, _ := match.NewIndex(&app.Roster{})
	s.cur.Store(&state{index: empty, matcher: match.New(empty, match.Options{Geocoder: o.Geocoder})})
	return s
}

// Matcher returns the matcher for the current roster.
func (s *Service) Matcher() *match.Matcher { return s.cur.Load().matcher }

// Index returns the current in-memory roster index.
func (s *Service) Index() *match.Index { return s.cur.Load().index }

// Info describes the current roster.
func (s *Service) Info() app.RosterInfo { return s.cur.Load().info }

// Notice is a plain-language warning for operators and pages when the
// roster is missing or only the seed; "" when the real roster is loaded.
func (s *Service) Notice() string {
	info := s.Info()
	switch {
	case info.Empty():
		return "No roster is loaded: nobody can be matched. Run `advocate data fetch` or `advocate data import --dir DIR`."
	case info.Source == SeedSource:
		return "Running on the built-in sample roster (a few ZIP codes in NY, IL and DC only). Run `advocate data fetch` or `advocate data import --dir DIR` for the full Congress."
	}
	return ""
}

// Load reads the stored roster and makes it current.
func (s *Service) Load(ctx context.Context) error {
	r, info, err := s.store.LoadRoster(ctx)
	if err != nil {
		return fmt.Errorf("load roster: %w", err)
	}
	return s.use(ctx, r, info)
}

// Rebuild reloads the stored roster with the current overlay, so that an
// organizer's roster edit shows at once.
func (s *Service) Rebuild(ctx context.Context) error {
	s.importMu.Lock()
	defer s.importMu.Unlock()
	return s.Load(ctx)
}

// Refresh reloads the roster when another process imported a newer one or
// changed the overlay.
func (s *Service) Refresh(ctx context.Context) (bool, error) {
	info, err := s.store.RosterInfo(ctx)
	if err != nil {
		return false, err
	}
	cur := s.cur.Load()
	ov := cur.overlay
	if s.overlay != nil {
		if ov, err = s.overlay.Version(ctx); err != nil {
			return false, err
		}
	}
	if info.Version == cur.info.Version && ov == cur.overlay {
		return false, nil
	}
	return true, s.Load(ctx)
}

// Watch calls Refresh every interval until ctx ends.
func (s *Service) Watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if changed, err := s.Refresh(ctx); err != nil {
				s.log.Warn("roster refresh", "err", err)
			} else if changed {
				s.log.Info("roster reloaded", "version", s.Info().Version)
			}
		}
	}
}

func (s *Service) use(ctx context.Context, r *app.Roster, info app.RosterInfo) error {
	var ov int64
	if s.overlay != nil {
		merged, v, err := s.overlay.Apply(ctx, r)
		if err != nil {
			return fmt.Errorf("hand-kept roster: %w", err)
		}
		r, ov = merged, v
	}
	ix, err := match.NewIndex(r)
	if err != nil {
		return fmt.Errorf("index roster: %w", err)
	}
	s.cur.Store(&state{index: ix, matcher: match.New(ix, match.Options{Geocoder: s.geocoder}), info: info, overlay: ov})
	return nil
}

// ImportDir imports a folder laid out like the public data and makes it
// current. When the folder has no commissions or executive targets, the
// seed's are kept, since they have no public source. Nothing stored changes
// when the import fails.
func (s *Service) ImportDir(ctx context.Context, dir string, opts congress.ImportOptions) (app.RosterInfo, *congress.Report, error) {
	s.importMu.Lock()
	defer s.importMu.Unlock()
	r, rep, err := congress.ImportDir(ctx, dir, opts)
	if err != nil {
		return app.RosterInfo{}, rep, err
	}
	if err := s.addSeedCommissions(ctx, r); err != nil {
		return app.RosterInfo{}, rep, err
	}
	abs, _ := filepath.Abs(dir)
	info, err := s.store.ReplaceRoster(ctx, r, abs)
	if err != nil {
		return app.RosterInfo{}, rep, err
	}
	return info, rep, s.use(ctx, r, info)
}

// ImportSeed imports the embedded seed roster.
func (s *Service) ImportSeed(ctx context.Context) (app.RosterInfo, error) {
	s.importMu.Lock()
	defer s.importMu.Unlock()
	r, err := s.seedRoster(ctx)
	if err != nil {
		return app.RosterInfo{}, err
	}
	info, err := s.store.ReplaceRoster(ctx, r, SeedSource)
	if err != nil {
		return app.RosterInfo{}, err
	}
	return info, s.use(ctx, r, info)
}

func (s *Service) seedRoster(ctx context.Context) (*app.Roster, error) {
	if s.seed == nil {
		return nil, errors.New("no seed roster configured")
	}
	r, err := readSeed(s.seed)
	if err != nil {
		return nil, fmt.Errorf("seed roster: %w", err)
	}
	return r, nil
}

// readSeed reads Advocate's own sample roster (data/seed/roster): a few
// hand-picked records in the published formats, named so that nobody takes
// them for the public datasets.
func readSeed(fsys fs.FS) (*app.Roster, error) {
	r := &app.Roster{}
	open := func(name string, read func(io.Reader, string) error) error {
		f, err := fsys.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		return read(f, name)
	}
	steps := []struct {
		name string
		read func(io.Reader, string) error
	}{
		{"sample-legislators.json", func(f io.Reader, n string) (err error) {
			r.Legislators, err = congress.ReadLegislatorsJSON(f, n)
			return err
		}},
		{"sample-committees.json", func(f io.Reader, n string) (err error) {
			r.Committees, err = congress.ReadCommitteesJSON(f, n)
			return err
		}},
		{"sample-memberships.json", func(f io.Reader, n string) (err error) {
			r.Memberships, err = congress.ReadMembershipsJSON(f, n)
			return err
		}},
		{"sample-zips.csv", func(f io.Reader, n string) (err error) {
			r.Zips, err = congress.ReadZCCD(f, n)
			return err
		}},
		{"commissions.yaml", func(f io.Reader, n string) error {
			cs, ms, ex, err := congress.ReadCommissionsYAML(f, n)
			r.Committees = append(r.Committees, cs...)
			r.Memberships = append(r.Memberships, ms...)
			r.Executives = ex
			return err
		}},
	}
	for _, st := range steps {
		if err := open(st.name, st.read); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (s *Service) addSeedCommissions(ctx context.Context, r *app.Roster) error {
	hasCommission := false
	for _, c := range r.Committees {
		if c.Kind == app.KindCommission {
			hasCommission = true
			break
		}
	}
	if hasCommission && len(r.Executives) > 0 {
		return nil
	}
	seed, err := s.seedRoster(ctx)
	if err != nil {
		return err
	}
	if !hasCommission {
		known := map[string]bool{}
		for _, l := range r.Legislators {
			known[l.BioguideID] = true
		}
		for _, c := range seed.Committees {
			if c.Kind == app.KindCommission {
				r.Committees = append(r.Committees, c)
			}
		}
		for _, m := range seed.Memberships {
			if isCommission(seed, m.CommitteeCode) && known[m.BioguideID] {
				r.Memberships = append(r.Memberships, m)
			}
		}
	}
	if len(r.Executives) == 0 {
		r.Executives = append(r.Executives, seed.Executives...)
	}
	return nil
}

func isCommission(r *app.Roster, code string) bool {
	for _, c := range r.Committees {
		if c.Code == code {
			return c.Kind == app.KindCommission
		}
	}
	return false
}
