package roster

import (
	"context"
	"path/filepath"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/congress"
	"github.com/advocate-org/advocate/app/match"
)

// Replacement is what a scheduled refresh changed: the roster index before
// and after it, and the new roster's description.
type Replacement struct {
	Before, After *match.Index
	// BeforeInfo describes the roster replaced (empty or the seed on a
	// first import), Info the new one.
	BeforeInfo, Info app.RosterInfo
}

// ReplaceFrom imports dir like ImportDir for a scheduled refresh, with one
// more safeguard: a download that parses but is much smaller than the
// roster in use (fewer than nine tenths of its Members, or no ZIP table or
// district shapes where it had them) is refused, because Congress does not
// shrink that way between two days and a half-published file must not
// replace a good roster. The seed and an empty roster are always replaced.
// Nothing stored changes when it fails.
func (s *Service) ReplaceFrom(ctx context.Context, dir string, opts congress.ImportOptions) (Replacement, error) {
	s.importMu.Lock()
	defer s.importMu.Unlock()
	before := s.cur.Load()
	r, _, err := congress.ImportDir(ctx, dir, opts)
	if err != nil {
		return Replacement{}, err
	}
	if err := plausible(before.info, r); err != nil {
		return Replacement{}, err
	}
	if err := s.addSeedCommissions(ctx, r); err != nil {
		return Replacement{}, err
	}
	abs, _ := filepath.Abs(dir)
	info, err := s.store.ReplaceRoster(ctx, r, abs)
	if err != nil {
		return Replacement{}, err
	}
	if err := s.use(ctx, r, info); err != nil {
		return Replacement{}, err
	}
	return Replacement{Before: before.index, After: s.cur.Load().index, BeforeInfo: before.info, Info: info}, nil
}

// plausible compares a new roster with the one in use.
func plausible(cur app.RosterInfo, r *app.Roster) error {
	if cur.Empty() || cur.Source == SeedSource {
		return nil
	}
	switch {
	case len(r.Legislators)*10 < cur.Legislators*9:
		return app.Errorf(app.EINVALID, "the downloaded roster has %d Members of Congress against %d in the roster in use; kept the roster in use",
			len(r.Legislators), cur.Legislators)
	case cur.Zips > 0 && len(r.Zips) == 0:
		return app.Errorf(app.EINVALID, "the downloaded roster has no ZIP code table; kept the roster in use")
	case cur.Shapes > 0 && len(r.Shapes) == 0:
		return app.Errorf(app.EINVALID, "the downloaded roster has no district shapes; kept the roster in use")
	}
	return nil
}
