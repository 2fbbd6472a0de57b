package congress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/advocate-org/advocate/app"
)

// Source is one public file the roster is built from. Path is relative to the
// target folder and follows the shared data layout, so that ImportDir reads
// what Fetch wrote.
type Source struct {
	Name string // short name: legislators, committees, memberships, offices, zips, shapes, commissions
	URL  string
	Path string
}

// Source names. They also name the environment overrides
// (ADVOCATE_SOURCE_<NAME in capitals>, see ApplySourceOverrides).
const (
	SourceLegislators = "legislators"
	SourceCommittees  = "committees"
	SourceMemberships = "memberships"
	SourceOffices     = "offices"
	SourceZips        = "zips"
	SourceShapes      = "shapes"
	SourceCommissions = "commissions"
)

const legislatorsSite = "https://unitedstates.github.io/congress-legislators/"

// DefaultSources lists the public sources of the roster: the
// congress-legislators JSON files from the project's published site (built
// by its CI from the YAML in the repository), the ZCTA→district crosswalk
// zccd.csv from OpenSourceActivismTech/us-zipcodes-congress, and the
// 119th-Congress district TopoJSON (Census cb_2024_us_cd119_500k) from the
// main branch of rivie13/TrackAmerica. For a byte-for-byte reproducible file,
// override SHAPES with the commit the shared data was taken from:
// https://raw.githubusercontent.com/rivie13/TrackAmerica/787de5738bd972c3abe5ca0a3704010c9907fef4/assets/maps/districts/us-congressional-districts-119.topojson
//
// Commissions (TLHRC, CECC) and executive targets have no public source:
// neither body is in congress-legislators, so commissions/commissions.yaml is
// kept by hand and shipped with the seed data. Set
// ADVOCATE_SOURCE_COMMISSIONS to fetch an organization's own copy.
//
// The district files describe the 119th Congress (to January 2027); the
// 120th Congress needs new ZIP and shape sources.
func DefaultSources() []Source {
	return []Source{
		{SourceLegislators, legislatorsSite + "legislators-current.json", "congress-legislators/legislators-current.json"},
		{SourceCommittees, legislatorsSite + "committees-current.json", "congress-legislators/committees-current.json"},
		{SourceMemberships, legislatorsSite + "committee-membership-current.json", "congress-legislators/committee-membership-current.json"},
		{SourceOffices, legislatorsSite + "legislators-district-offices.json", "congress-legislators/legislators-district-offices.json"},
		{SourceZips, "https://raw.githubusercontent.com/OpenSourceActivismTech/us-zipcodes-congress/master/zccd.csv", zccdPath},
		{SourceShapes, "https://raw.githubusercontent.com/rivie13/TrackAmerica/main/assets/maps/districts/us-congressional-districts-119.topojson",
			"districts/us-congressional-districts-119.topojson"},
	}
}

// CensusZCTASource is the Census Bureau's own ZCTA↔119th-district
// relationship file, an alternative to zccd.csv: exact areas instead of a
// tract-based, deliberately inclusive crosswalk (about 17% of ZIPs span
// several districts instead of 22%). It is 6 MB. ImportDir prefers it over
// zccd.csv when both are present.
func CensusZCTASource() Source {
	return Source{
		Name: SourceZips,
		URL:  "https://www2.census.gov/geo/docs/maps-data/data/rel2020/cd-sld/tab20_cd11920_zcta520_natl.txt",
		Path: "zip-district/tab20_cd11920_zcta520_natl.txt",
	}
}

// ApplySourceOverrides applies ADVOCATE_SOURCE_<NAME> settings (NAME is the
// source name in capitals: LEGISLATORS, COMMITTEES, MEMBERSHIPS, OFFICES,
// ZIPS, SHAPES, COMMISSIONS) so that an operator can use a mirror or a
// pinned commit without a new build. A value is a URL, "off" to skip the
// source, or, for ZIPS, "census" for CensusZCTASource. When a URL's file
// extension differs from the default's (a .yaml mirror, a .geojson shape
// file, a Census .txt for ZIPS) the local path follows it, so the right
// reader checks the download and ImportDir finds it. COMMISSIONS, which has
// no default, is added when set. sources itself is not modified.
func ApplySourceOverrides(sources []Source, getenv func(string) string) []Source {
	out := make([]Source, 0, len(sources)+1)
	have := map[string]bool{}
	apply := func(s Source) {
		have[s.Name] = true
		v := strings.TrimSpace(getenv("ADVOCATE_SOURCE_" + strings.ToUpper(s.Name)))
		switch {
		case v == "":
		case strings.EqualFold(v, "off") || strings.EqualFold(v, "none"):
			return
		case s.Name == SourceZips && strings.EqualFold(v, "census"):
			s = CensusZCTASource()
		default:
			s.URL = v
			s.Path = pathFor(s, v)
		}
		out = append(out, s)
	}
	for _, s := range sources {
		apply(s)
	}
	if !have[SourceCommissions] {
		if v := strings.TrimSpace(getenv("ADVOCATE_SOURCE_COMMISSIONS")); v != "" && !strings.EqualFold(v, "off") {
			out = append(out, Source{Name: SourceCommissions, URL: v, Path: partCommissions.files[0]})
		}
	}
	return out
}

// pathFor adapts a source's local path to the extension of an override URL.
func pathFor(s Source, rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return s.Path
	}
	ext := strings.ToLower(path.Ext(u.Path))
	if ext == ".yml" {
		ext = ".yaml"
	}
	old := path.Ext(s.Path)
	switch {
	case ext == "" || ext == old:
		return s.Path
	case s.Name == SourceZips && ext == ".txt":
		if base := path.Base(u.Path); matchCensusName(base) {
			return "zip-district/" + base
		}
		return CensusZCTASource().Path
	case s.Name == SourceShapes && ext == ".geojson":
		return geojsonPath
	case ext == ".json" || ext == ".yaml" || ext == ".csv" || ext == ".topojson":
		return strings.TrimSuffix(s.Path, old) + ext
	}
	return s.Path
}

func matchCensusName(base string) bool {
	ok, _ := path.Match("tab*_cd*_zcta*.txt", base)
	return ok
}

// FetchOptions configures a Fetcher. Zero values get safe defaults.
type FetchOptions struct {
	// Client makes the requests; nil means a plain client (timeouts are
	// applied per request by the Fetcher).
	Client *http.Client
	// Sources to fetch; nil means DefaultSources().
	Sources []Source
	// Progress, when set, is told how many bytes of each source arrived.
	Progress func(FetchProgress)
	// UserAgent identifies Advocate to the hosts; empty means a default.
	UserAgent string
	// Timeout bounds each download from request to last byte (default 5m).
	Timeout time.Duration
	// StallTimeout aborts a download when no bytes arrive for this long,
	// including the wait for the response headers (default 30s).
	StallTimeout time.Duration
	// MaxBytes caps each file (default 64 MiB; the largest source is ~6 MB).
	MaxBytes int64
}

// FetchProgress reports one download: Done of Total bytes (Total is -1 when
// the server did not say).
type FetchProgress struct {
	Source string
	URL    string
	Done   int64
	Total  int64
}

// FetchReport lists the files a Fetch replaced.
type FetchReport struct {
	Dir     string
	Files   []FetchedFile
	Elapsed time.Duration
}

// FetchedFile is one downloaded and checked file.
type FetchedFile struct {
	Source  string
	URL     string
	Path    string // relative to the folder
	Bytes   int64
	Records int // what the reader found: legislators, offices, rows, shapes...
}

// Fetcher downloads the roster's public sources into a folder that ImportDir
// can read. A file is replaced only when every source downloaded completely
// and parsed with its reader, so a failed or garbled download never leaves a
// half-updated or broken folder behind.
type Fetcher struct {
	client *http.Client
	opts   FetchOptions
}

const defaultUserAgent = "Advocate roster fetch (+https://github.com/advocate-org/advocate)"

// NewFetcher returns a Fetcher with opts' defaults filled in.
func NewFetcher(opts FetchOptions) *Fetcher {
	if opts.Sources == nil {
		opts.Sources = DefaultSources()
	}
	if opts.UserAgent == "" {
		opts.UserAgent = defaultUserAgent
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Minute
	}
	if opts.StallTimeout <= 0 {
		opts.StallTimeout = 30 * time.Second
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 64 << 20
	}
	client := opts.Client
	if client == nil {
		client = &http.Client{}
	}
	return &Fetcher{client: client, opts: opts}
}

var (
	errStalled = errors.New("download stalled")
	errTimeout = errors.New("download took too long")
)

// staged is a downloaded, checked file waiting to replace its target.
type staged struct {
	tmp, dst string
	file     FetchedFile
}

// Fetch downloads every source into dir (created if needed), checks each
// with its reader and then moves them all into place. On any error nothing
// is replaced and the temporary files are removed.
func (f *Fetcher) Fetch(ctx context.Context, dir string) (FetchReport, error) {
	began := time.Now()
	rep := FetchReport{Dir: dir}
	if err := checkSources(f.opts.Sources); err != nil {
		return rep, err
	}
	var done []staged
	cleanup := func() {
		for _, s := range done {
			_ = os.Remove(s.tmp)
		}
	}
	for _, src := range f.opts.Sources {
		s, err := f.stage(ctx, dir, src)
		if err != nil {
			cleanup()
			return rep, err
		}
		done = append(done, s)
	}
	for i, s := range done {
		if err := os.Rename(s.tmp, s.dst); err != nil {
			for _, rest := range done[i:] {
				_ = os.Remove(rest.tmp)
			}
			return rep, app.WrapError(app.EINTERNAL, err, "could not move the new %s into place", s.file.Path)
		}
		rep.Files = append(rep.Files, s.file)
	}
	rep.Elapsed = time.Since(began)
	return rep, nil
}

func checkSources(sources []Source) error {
	paths := map[string]string{}
	for _, s := range sources {
		u, err := url.Parse(s.URL)
		if s.Name == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return app.Errorf(app.EINVALID, "source %s: URL %s is not an http(s) URL", quoteShort(s.Name), quoteShort(s.URL))
		}
		clean := path.Clean(s.Path)
		if s.Path == "" || clean != s.Path || path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
			return app.Errorf(app.EINVALID, "source %s: path %s must be a clean relative path", s.Name, quoteShort(s.Path))
		}
		if other, dup := paths[clean]; dup {
			return app.Errorf(app.EINVALID, "sources %s and %s both write %s", other, s.Name, clean)
		}
		paths[clean] = s.Name
		if _, ok := checkerFor(clean); !ok {
			return app.Errorf(app.EINVALID, "source %s: no reader knows %s, so a download could not be checked", s.Name, clean)
		}
	}
	return nil
}

// stage downloads src next to its destination and checks it.
func (f *Fetcher) stage(ctx context.Context, dir string, src Source) (staged, error) {
	dst := filepath.Join(dir, filepath.FromSlash(src.Path))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return staged{}, app.WrapError(app.EINTERNAL, err, "could not create the folder for %s", src.Path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.part")
	if err != nil {
		return staged{}, app.WrapError(app.EINTERNAL, err, "could not create a temporary file for %s", src.Path)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	n, err := f.download(ctx, src, tmp)
	if err != nil {
		return staged{}, err
	}
	if err := tmp.Sync(); err != nil {
		return staged{}, app.WrapError(app.EINTERNAL, err, "could not write %s", src.Path)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return staged{}, app.WrapError(app.EINTERNAL, err, "could not reread %s", src.Path)
	}
	check, _ := checkerFor(src.Path)
	records, err := check(tmp, src.Path)
	if err == nil && records == 0 {
		err = app.Errorf(app.EINVALID, "%s: the file has no records", src.Path)
	}
	if err != nil {
		return staged{}, app.WrapError(app.EINVALID, err, "the %s download from %s is not a valid file; the old file was kept", src.Name, src.URL)
	}
	if err := tmp.Close(); err != nil {
		return staged{}, app.WrapError(app.EINTERNAL, err, "could not write %s", src.Path)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return staged{}, app.WrapError(app.EINTERNAL, err, "could not write %s", src.Path)
	}
	ok = true
	return staged{tmp: tmp.Name(), dst: dst, file: FetchedFile{Source: src.Name, URL: src.URL, Path: src.Path, Bytes: n, Records: records}}, nil
}

// download copies src.URL into w, enforcing the time, stall and size limits.
func (f *Fetcher) download(ctx context.Context, src Source, w io.Writer) (int64, error) {
	ctx, cancelTimeout := context.WithTimeoutCause(ctx, f.opts.Timeout, errTimeout)
	defer cancelTimeout()
	ctx, stall := context.WithCancelCause(ctx)
	defer stall(nil)
	timer := time.AfterFunc(f.opts.StallTimeout, func() { stall(errStalled) })
	defer timer.Stop()

	fail := func(err error) error {
		switch cause := context.Cause(ctx); {
		case errors.Is(cause, errStalled):
			return app.WrapError(app.EUNAVAILABLE, err, "downloading %s from %s: no data arrived for %s", src.Name, src.URL, f.opts.StallTimeout)
		case errors.Is(cause, errTimeout):
			return app.WrapError(app.EUNAVAILABLE, err, "downloading %s from %s took longer than %s", src.Name, src.URL, f.opts.Timeout)
		case cause != nil:
			return app.WrapError(app.EUNAVAILABLE, cause, "downloading %s was canceled", src.Name)
		}
		return app.WrapError(app.EUNAVAILABLE, err, "downloading %s from %s failed", src.Name, src.URL)
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src.URL, nil)
	if err != nil {
		return 0, app.WrapError(app.EINVALID, err, "source %s: bad URL %s", src.Name, src.URL)
	}
	req.Header.Set("User-Agent", f.opts.UserAgent)
	resp, err := f.client.Do(req)
	if err != nil {
		return 0, fail(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return 0, app.Errorf(app.EUNAVAILABLE, "downloading %s: %s answered %s", src.Name, src.URL, resp.Status)
	}
	total := resp.ContentLength
	if total > f.opts.MaxBytes {
		return 0, app.Errorf(app.ETOOLARGE, "downloading %s: %s is %d bytes, more than the %d allowed", src.Name, src.URL, total, f.opts.MaxBytes)
	}
	progress := func(done int64) {
		if f.opts.Progress != nil {
			f.opts.Progress(FetchProgress{Source: src.Name, URL: src.URL, Done: done, Total: total})
		}
	}
	progress(0)
	buf := make([]byte, 64<<10)
	var done, reported int64
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			timer.Reset(f.opts.StallTimeout)
			done += int64(n)
			if done > f.opts.MaxBytes {
				return done, app.Errorf(app.ETOOLARGE, "downloading %s: %s is larger than the %d bytes allowed", src.Name, src.URL, f.opts.MaxBytes)
			}
			if _, err := w.Write(buf[:n]); err != nil {
				return done, app.WrapError(app.EINTERNAL, err, "could not write %s", src.Path)
			}
			if done-reported >= 256<<10 {
				reported = done
				progress(done)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return done, fail(rerr)
		}
	}
	if total >= 0 && done != total {
		return done, app.Errorf(app.EUNAVAILABLE, "downloading %s from %s: got %d of %d bytes", src.Name, src.URL, done, total)
	}
	progress(done)
	return done, nil
}

// checker reads a downloaded file and returns how many records it holds.
type checker func(r io.Reader, name string) (int, error)

func counted[T any](read func(io.Reader, string) ([]T, error)) checker {
	return func(r io.Reader, name string) (int, error) {
		v, err := read(r, name)
		return len(v), err
	}
}

// checkers validate the congress-legislators files by base name.
var checkers = map[string]checker{
	"legislators-current.json":          counted(ReadLegislatorsJSON),
	"legislators-current.yaml":          counted(ReadLegislatorsYAML),
	"legislators-current.csv":           counted(ReadLegislatorsCSV),
	"committees-current.json":           counted(ReadCommitteesJSON),
	"committees-current.yaml":           counted(ReadCommitteesYAML),
	"committee-membership-current.json": counted(ReadMembershipsJSON),
	"committee-membership-current.yaml": counted(ReadMembershipsYAML),
	"legislators-district-offices.json": counted(ReadOfficesJSON),
	"legislators-district-offices.yaml": counted(ReadOfficesYAML),
	"legislators-district-offices.csv":  counted(ReadOfficesCSV),
	"commissions.yaml": func(r io.Reader, name string) (int, error) {
		c, m, e, err := ReadCommissionsYAML(r, name)
		return len(c) + len(m) + len(e), err
	},
}

// checkerFor picks the reader that validates a file by its path in the
// shared data layout.
func checkerFor(p string) (checker, bool) {
	base, ext := path.Base(p), path.Ext(p)
	if c, ok := checkers[base]; ok {
		return c, true
	}
	switch {
	case ext == ".csv" && strings.HasPrefix(p, "zip-district/"):
		return counted(ReadZCCD), true
	case ext == ".txt" && strings.HasPrefix(p, "zip-district/") && matchCensusName(base):
		return counted(ReadCensusZCTARelationship), true
	case ext == ".geojson":
		return counted(ReadGeoJSONShapes), true
	case ext == ".topojson":
		return counted(ReadTopoJSONShapes), true
	}
	return nil, false
}

// String describes a source for logs and CLI output.
func (s Source) String() string { return fmt.Sprintf("%s: %s -> %s", s.Name, s.URL, s.Path) }
