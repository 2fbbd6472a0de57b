package congress

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/advocate-org/advocate/app"
)

// ZipSource chooses the ZIP → district table when a folder has both.
type ZipSource string

// ZIP table choices. The Census relationship file is exact (area-based) and
// preferred when present; zccd.csv is the tract-based, deliberately
// inclusive crosswalk that ships with the public sources.
const (
	ZipAuto   ZipSource = ""       // the Census file when present, else zccd.csv
	ZipZCCD   ZipSource = "zccd"   // only zip-district/zccd.csv
	ZipCensus ZipSource = "census" // only a Census relationship file
)

// ImportOptions tunes ImportDir.
type ImportOptions struct {
	// Progress, when set, is told how far each step has read its file so a
	// CLI can draw progress on the long steps (shapes, ZIPs). Calls come from
	// one goroutine at a time.
	Progress func(Progress)
	// ZipSource picks the ZIP table; see ZipAuto.
	ZipSource ZipSource
}

// Progress reports one step of an import: Done of Total bytes of File read.
type Progress struct {
	Step  string // legislators, offices, committees, memberships, commissions, zips, shapes
	File  string // path relative to the imported folder
	Done  int64
	Total int64
}

// Report tells the operator what an import read, what it did not find and
// what looked wrong without being fatal.
type Report struct {
	Dir      string
	Files    []string // files read, relative to Dir
	Missing  []string // optional parts not found, e.g. "shapes (districts/cd119_500k.geojson or districts/*.topojson)"
	Counts   Counts
	Warnings []string
	Elapsed  time.Duration
}

// Counts are the sizes of an imported roster.
type Counts struct {
	Legislators      int
	Representatives  int // House members incl. delegates and the resident commissioner
	Senators         int
	Offices          int
	OfficesWithPoint int
	Committees       int // top-level committees
	Subcommittees    int
	Commissions      int
	Memberships      int // committee, subcommittee and commission seats
	Executives       int
	Zips             int // ZIP → district rows
	ZipCodes         int // distinct ZIPs
	Shapes           int
}

// maxWarnings keeps a badly broken file from producing an unreadable report.
const maxWarnings = 200

// part is one optional or required dataset of the folder and the files that
// can provide it, in order of preference.
type part struct {
	step  string
	files []string
}

var (
	partLegislators = part{"legislators", []string{
		"congress-legislators/legislators-current.json",
		"congress-legislators/legislators-current.yaml",
		"congress-legislators/legislators-current.csv"}}
	partOffices = part{"offices", []string{
		"congress-legislators/legislators-district-offices.json",
		"congress-legislators/legislators-district-offices.yaml",
		"congress-legislators/legislators-district-offices.csv"}}
	partCommittees = part{"committees", []string{
		"congress-legislators/committees-current.json",
		"congress-legislators/committees-current.yaml"}}
	partMemberships = part{"memberships", []string{
		"congress-legislators/committee-membership-current.json",
		"congress-legislators/committee-membership-current.yaml"}}
	partCommissions = part{"commissions", []string{"commissions/commissions.yaml"}}
)

const (
	zccdPath    = "zip-district/zccd.csv"
	geojsonPath = "districts/cd119_500k.geojson"
)

// importer carries one import run.
type importer struct {
	ctx    context.Context
	fsys   fs.FS
	where  string // the folder, for messages
	opts   ImportOptions
	mu     sync.Mutex // guards report and progress calls
	report *Report
}

// ImportDir reads a folder laid out like the shared data folder
// (congress-legislators/, zip-district/, districts/, commissions/) into a
// Roster. Legislators are required; every other part is optional and the
// Report lists what was missing. Any malformed file aborts the whole import
// with an EINVALID *app.Error naming the file and line, so the caller keeps
// the roster it has. The district shapes, the slowest part, are read in
// parallel with the rest.
func ImportDir(ctx context.Context, dir string, opts ImportOptions) (*app.Roster, *Report, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, &Report{Dir: dir}, app.Errorf(app.ENOTFOUND, "roster folder %s does not exist or is not a folder", dir)
	}
	return importFS(ctx, os.DirFS(dir), dir, opts)
}

// ImportFS is ImportDir for a folder in an fs.FS, such as an embedded seed
// roster, without unpacking it first. Report.Dir is empty.
func ImportFS(ctx context.Context, fsys fs.FS, opts ImportOptions) (*app.Roster, *Report, error) {
	return importFS(ctx, fsys, "", opts)
}

func importFS(ctx context.Context, fsys fs.FS, dir string, opts ImportOptions) (*app.Roster, *Report, error) {
	began := time.Now()
	rep := &Report{Dir: dir}
	where := dir
	if where == "" {
		where = "the roster folder"
	}
	ictx, cancel := context.WithCancel(ctx)
	defer cancel()
	im := &importer{ctx: ictx, fsys: fsys, where: where, opts: opts, report: rep}
	roster := &app.Roster{}

	// Shapes first, in the background: they take most of the time.
	type shapeResult struct {
		shapes []app.DistrictShape
		err    error
	}
	shapesDone := make(chan shapeResult, 1)
	go func() {
		s, err := im.readShapes()
		shapesDone <- shapeResult{s, err}
	}()

	err := im.readRest(roster)
	if err != nil {
		cancel() // stop reading shapes; the import failed anyway
	}
	sr := <-shapesDone
	if err == nil {
		err = sr.err
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, rep, app.WrapError(app.EUNAVAILABLE, ctx.Err(), "roster import was canceled")
		}
		return nil, rep, err
	}
	roster.Shapes = sr.shapes
	im.check(roster)
	sort.Strings(rep.Files)
	sort.Strings(rep.Missing)
	rep.Elapsed = time.Since(began)
	return roster, rep, nil
}

func (im *importer) readRest(roster *app.Roster) error {
	var err error
	name, ok := im.find(partLegislators)
	if !ok {
		return app.Errorf(app.EINVALID, "%s has no legislators file (want %s)", im.where, strings.Join(partLegislators.files, ", "))
	}
	err = im.read("legislators", name, func(r io.Reader) error {
		var err error
		switch path.Ext(name) {
		case ".json":
			roster.Legislators, err = ReadLegislatorsJSON(r, name)
		case ".yaml":
			roster.Legislators, err = ReadLegislatorsYAML(r, name)
		default:
			roster.Legislators, err = ReadLegislatorsCSV(r, name)
		}
		return err
	})
	if err != nil {
		return err
	}
	if len(roster.Legislators) == 0 {
		return app.Errorf(app.EINVALID, "%s: the file lists no legislators", name)
	}

	if name, ok := im.findOptional(partOffices); ok {
		err = im.read("offices", name, func(r io.Reader) error {
			var err error
			switch path.Ext(name) {
			case ".json":
				roster.Offices, err = ReadOfficesJSON(r, name)
			case ".yaml":
				roster.Offices, err = ReadOfficesYAML(r, name)
			default:
				roster.Offices, err = ReadOfficesCSV(r, name)
			}
			return err
		})
		if err != nil {
			return err
		}
		for _, o := range roster.Offices {
			if p := OfficeProblem(o); p != "" {
				im.warn("%s: office %s: %s", name, o.ID, p)
			}
		}
	}

	if name, ok := im.findOptional(partCommittees); ok {
		err = im.read("committees", name, func(r io.Reader) error {
			var err error
			if path.Ext(name) == ".json" {
				roster.Committees, err = ReadCommitteesJSON(r, name)
			} else {
				roster.Committees, err = ReadCommitteesYAML(r, name)
			}
			return err
		})
		if err != nil {
			return err
		}
	}

	if name, ok := im.findOptional(partMemberships); ok {
		err = im.read("memberships", name, func(r io.Reader) error {
			var err error
			if path.Ext(name) == ".json" {
				roster.Memberships, err = ReadMembershipsJSON(r, name)
			} else {
				roster.Memberships, err = ReadMembershipsYAML(r, name)
			}
			return err
		})
		if err != nil {
			return err
		}
	}

	if name, ok := im.findOptional(partCommissions); ok {
		err = im.read("commissions", name, func(r io.Reader) error {
			cs, ms, es, err := ReadCommissionsYAML(r, name)
			if err != nil {
				return err
			}
			codes := make(map[string]bool, len(roster.Committees))
			for _, c := range roster.Committees {
				codes[c.Code] = true
			}
			for _, c := range cs {
				if codes[c.Code] {
					return app.Errorf(app.EINVALID, "%s: commission %s has the code of a committee in committees-current", name, c.Code)
				}
			}
			roster.Committees = append(roster.Committees, cs...)
			roster.Memberships = append(roster.Memberships, ms...)
			roster.Executives = es
			return nil
		})
		if err != nil {
			return err
		}
	}

	return im.readZips(roster)
}

func (im *importer) readZips(roster *app.Roster) error {
	census := ""
	if im.opts.ZipSource != ZipZCCD {
		census = im.findCensus()
	}
	zccd := ""
	if im.opts.ZipSource != ZipCensus && im.exists(zccdPath) {
		zccd = zccdPath
	}
	switch {
	case census != "":
		return im.read("zips", census, func(r io.Reader) error {
			var err error
			roster.Zips, err = ReadCensusZCTARelationship(r, census)
			return err
		})
	case zccd != "":
		return im.read("zips", zccd, func(r io.Reader) error {
			var err error
			roster.Zips, err = ReadZCCD(r, zccd)
			return err
		})
	}
	want := zccdPath + " or zip-district/tab20_cd11920_zcta520_natl.txt"
	switch im.opts.ZipSource {
	case ZipZCCD:
		want = zccdPath
	case ZipCensus:
		want = "a Census relationship file such as zip-district/tab20_cd11920_zcta520_natl.txt"
	}
	im.missing("zips (" + want + ")")
	return nil
}

// findCensus looks anywhere under zip-district/ for a Census ZCTA↔CD
// relationship file (tab20_cd11920_zcta520_natl.txt and later vintages).
func (im *importer) findCensus() string {
	var found []string
	_ = fs.WalkDir(im.fsys, "zip-district", func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && matchCensusName(e.Name()) {
			found = append(found, p)
		}
		return nil
	})
	if len(found) == 0 {
		return ""
	}
	sort.Strings(found)
	if len(found) > 1 {
		im.warn("several Census relationship files under zip-district/; using %s", found[len(found)-1])
	}
	return found[len(found)-1]
}

func (im *importer) readShapes() ([]app.DistrictShape, error) {
	var shapes []app.DistrictShape
	if im.exists(geojsonPath) {
		err := im.readParsed("shapes", geojsonPath, func(r io.Reader, progress func(int64)) error {
			var err error
			shapes, err = readGeoJSON(r, geojsonPath, progress)
			return err
		})
		return shapes, err
	}
	matches, _ := fs.Glob(im.fsys, "districts/*.topojson")
	if len(matches) == 0 {
		im.missing("shapes (" + geojsonPath + " or districts/*.topojson)")
		return nil, nil
	}
	sort.Strings(matches)
	name := matches[0]
	if len(matches) > 1 {
		im.warn("several TopoJSON files in districts/; using %s", name)
	}
	err := im.readParsed("shapes", name, func(r io.Reader, progress func(int64)) error {
		var err error
		shapes, err = readTopoJSON(r, name, progress)
		return err
	})
	return shapes, err
}

// read opens dir/name, reports progress while fn reads it, and records it.
func (im *importer) read(step, name string, fn func(io.Reader) error) error {
	return im.open(step, name, false, func(pr *progressReader) error { return fn(pr) })
}

// readParsed is read for readers that load the whole file first and report
// parse progress themselves.
func (im *importer) readParsed(step, name string, fn func(r io.Reader, progress func(done int64)) error) error {
	return im.open(step, name, true, func(pr *progressReader) error {
		return fn(pr, func(done int64) {
			pr.p.Done = done
			pr.emit()
		})
	})
}

func (im *importer) open(step, name string, quiet bool, fn func(*progressReader) error) error {
	if err := im.ctx.Err(); err != nil {
		return err
	}
	f, err := im.fsys.Open(name)
	if err != nil {
		return readFailed(name, err)
	}
	defer f.Close()
	var total int64
	if st, err := f.Stat(); err == nil {
		total = st.Size()
	}
	pr := &progressReader{ctx: im.ctx, r: f, im: im, quiet: quiet, p: Progress{Step: step, File: name, Total: total}}
	pr.emit()
	if err := fn(pr); err != nil {
		return err
	}
	pr.p.Done = pr.p.Total
	pr.emit()
	im.mu.Lock()
	im.report.Files = append(im.report.Files, name)
	im.mu.Unlock()
	return nil
}

// progressReader reports bytes read and stops reading when ctx is done.
type progressReader struct {
	ctx   context.Context
	r     io.Reader
	im    *importer
	p     Progress
	last  int64
	quiet bool // the reader reports parse progress instead of bytes read
}

const progressEvery = 512 << 10

func (pr *progressReader) Read(b []byte) (int, error) {
	if err := pr.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := pr.r.Read(b)
	if pr.quiet {
		return n, err
	}
	pr.p.Done += int64(n)
	if pr.p.Done-pr.last >= progressEvery {
		pr.emit()
	}
	return n, err
}

// Size is the file size, so whole-file readers can allocate once.
func (pr *progressReader) Size() int64 { return pr.p.Total }

func (pr *progressReader) emit() {
	pr.last = pr.p.Done
	if pr.im.opts.Progress == nil {
		return
	}
	pr.im.mu.Lock()
	defer pr.im.mu.Unlock()
	pr.im.opts.Progress(pr.p)
}

func (im *importer) exists(name string) bool {
	st, err := fs.Stat(im.fsys, name)
	return err == nil && st.Mode().IsRegular()
}

func (im *importer) find(p part) (string, bool) {
	for _, f := range p.files {
		if im.exists(f) {
			return f, true
		}
	}
	return "", false
}

func (im *importer) findOptional(p part) (string, bool) {
	name, ok := im.find(p)
	if !ok {
		im.missing(fmt.Sprintf("%s (%s)", p.step, strings.Join(p.files, " or ")))
	}
	return name, ok
}

func (im *importer) missing(what string) {
	im.mu.Lock()
	defer im.mu.Unlock()
	im.report.Missing = append(im.report.Missing, what)
}

func (im *importer) warn(format string, args ...any) {
	im.mu.Lock()
	defer im.mu.Unlock()
	switch n := len(im.report.Warnings); {
	case n < maxWarnings:
		im.report.Warnings = append(im.report.Warnings, fmt.Sprintf(format, args...))
	case n == maxWarnings:
		im.report.Warnings = append(im.report.Warnings, "more warnings were left out")
	}
}

// check counts the roster and warns about references that do not resolve:
// offices or seats of people who are not current legislators, seats on
// committees that do not exist, House seats without a district shape.
func (im *importer) check(r *app.Roster) {
	c := &im.report.Counts
	c.Legislators = len(r.Legislators)
	members := make(map[string]bool, len(r.Legislators))
	for _, l := range r.Legislators {
		members[l.BioguideID] = true
		if l.Chamber == app.House {
			c.Representatives++
		} else {
			c.Senators++
		}
	}
	c.Offices = len(r.Offices)
	unknownOffices := map[string]int{}
	for _, o := range r.Offices {
		if o.HasPoint {
			c.OfficesWithPoint++
		}
		if !members[o.BioguideID] {
			unknownOffices[o.BioguideID]++
		}
	}
	for _, id := range sortedKeys(unknownOffices) {
		im.warn("offices: %d office(s) of %s, who is not a current legislator", unknownOffices[id], id)
	}
	codes := make(map[string]bool, len(r.Committees))
	for _, cm := range r.Committees {
		codes[cm.Code] = true
		switch {
		case cm.Kind == app.KindCommission:
			c.Commissions++
		case cm.ParentCode != "":
			c.Subcommittees++
		default:
			c.Committees++
		}
	}
	c.Memberships = len(r.Memberships)
	unknownCodes, unknownSeats := map[string]int{}, map[string]int{}
	for _, m := range r.Memberships {
		if !codes[m.CommitteeCode] {
			unknownCodes[m.CommitteeCode]++
		}
		if !members[m.BioguideID] {
			unknownSeats[m.CommitteeCode+" seat of "+m.BioguideID]++
		}
	}
	for _, code := range sortedKeys(unknownCodes) {
		im.warn("memberships: %d seat(s) on %s, which is not a known committee", unknownCodes[code], code)
	}
	for _, s := range sortedKeys(unknownSeats) {
		im.warn("memberships: %s, who is not a current legislator", s)
	}
	c.Executives = len(r.Executives)
	c.Zips = len(r.Zips)
	zips := make(map[string]struct{}, 40000)
	for _, z := range r.Zips {
		zips[z.Zip] = struct{}{}
	}
	c.ZipCodes = len(zips)
	c.Shapes = len(r.Shapes)
	if len(r.Shapes) > 0 {
		have := make(map[app.DistrictKey]bool, len(r.Shapes))
		for _, s := range r.Shapes {
			have[s.District] = true
		}
		for _, l := range r.Legislators {
			k := app.DistrictKey{State: l.State, District: l.District}
			if l.Chamber == app.House && !have[k] {
				im.warn("shapes: no boundary for %s, the district of %s", k, l.BioguideID)
			}
		}
	}
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
