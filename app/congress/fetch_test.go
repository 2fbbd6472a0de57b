package congress_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/congress"
)

// fakeHost serves hand-made files by path; a path mapped to a handler func
// can misbehave on purpose.
type fakeHost struct {
	mu     sync.Mutex
	files  map[string]string
	custom map[string]http.HandlerFunc
	agents []string
}

func (h *fakeHost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.agents = append(h.agents, r.UserAgent())
	body, ok := h.files[r.URL.Path]
	custom := h.custom[r.URL.Path]
	h.mu.Unlock()
	if custom != nil {
		custom(w, r)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write([]byte(body))
}

func newFakeHost(t *testing.T) (*fakeHost, *httptest.Server) {
	h := &fakeHost{
		files: map[string]string{
			"/legislators-current.json":          tinyLegislators,
			"/committees-current.json":           tinyCommittees,
			"/committee-membership-current.json": tinyMemberships,
			"/legislators-district-offices.json": tinyOffices,
			"/zccd.csv":                          tinyZCCD,
			"/districts.geojson":                 tinyGeoJSON,
		},
		custom: map[string]http.HandlerFunc{},
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, srv
}

func fakeSources(base string) []congress.Source {
	return []congress.Source{
		{Name: congress.SourceLegislators, URL: base + "/legislators-current.json", Path: "congress-legislators/legislators-current.json"},
		{Name: congress.SourceCommittees, URL: base + "/committees-current.json", Path: "congress-legislators/committees-current.json"},
		{Name: congress.SourceMemberships, URL: base + "/committee-membership-current.json", Path: "congress-legislators/committee-membership-current.json"},
		{Name: congress.SourceOffices, URL: base + "/legislators-district-offices.json", Path: "congress-legislators/legislators-district-offices.json"},
		{Name: congress.SourceZips, URL: base + "/zccd.csv", Path: "zip-district/zccd.csv"},
		{Name: congress.SourceShapes, URL: base + "/districts.geojson", Path: "districts/cd119_500k.geojson"},
	}
}

// listFiles returns every file under dir (relative), temporary files included.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

func TestFetchThenImport(t *testing.T) {
	h, srv := newFakeHost(t)
	dir := t.TempDir()
	var mu sync.Mutex
	progress := map[string]congress.FetchProgress{}
	f := congress.NewFetcher(congress.FetchOptions{
		Sources:   fakeSources(srv.URL),
		UserAgent: "advocate-test",
		Progress: func(p congress.FetchProgress) {
			mu.Lock()
			progress[p.Source] = p
			mu.Unlock()
		},
	})
	rep, err := f.Fetch(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 6 || rep.Files[0].Records != 3 || rep.Files[0].Bytes != int64(len(tinyLegislators)) {
		t.Errorf("report: %+v", rep.Files)
	}
	for name, p := range progress {
		if p.Total <= 0 || p.Done != p.Total {
			t.Errorf("%s: last progress %+v", name, p)
		}
	}
	if len(progress) != 6 {
		t.Errorf("progress for %d sources", len(progress))
	}
	for _, ua := range h.agents {
		if ua != "advocate-test" {
			t.Errorf("User-Agent %q", ua)
		}
	}
	want := []string{
		"congress-legislators/committee-membership-current.json",
		"congress-legislators/committees-current.json",
		"congress-legislators/legislators-current.json",
		"congress-legislators/legislators-district-offices.json",
		"districts/cd119_500k.geojson",
		"zip-district/zccd.csv",
	}
	if got := listFiles(t, dir); !reflect.DeepEqual(got, want) {
		t.Errorf("files:\n got %v\nwant %v", got, want)
	}
	r, _, err := congress.ImportDir(context.Background(), dir, congress.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Legislators) != 3 || len(r.Shapes) != 2 || len(r.Zips) != 3 {
		t.Errorf("imported %d legislators, %d shapes, %d zips", len(r.Legislators), len(r.Shapes), len(r.Zips))
	}
}

// TestFetchFailuresKeepOldFiles checks that no failure replaces a good file
// or leaves temporary files behind.
func TestFetchFailuresKeepOldFiles(t *testing.T) {
	const old = `[{"id": {"bioguide": "OLD0001"}, "terms": [{"type": "sen", "state": "IL"}]}]`
	tests := []struct {
		name    string
		path    string // the misbehaving URL path
		handler http.HandlerFunc
		opts    func(*congress.FetchOptions)
		code    app.ErrorCode
		want    []string // substrings of the error
	}{
		{"404", "/legislators-current.json", http.NotFound, nil, app.EUNAVAILABLE,
			[]string{"/legislators-current.json answered 404 Not Found"}},
		{"500 on a later file", "/districts.geojson", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "boom", http.StatusInternalServerError)
		}, nil, app.EUNAVAILABLE, []string{"shapes", "answered 500 Internal Server Error"}},
		{"garbage", "/legislators-current.json", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte("<html><body>Rate limited</body></html>"))
		}, nil, app.EINVALID, []string{"not a valid file; the old file was kept",
			"congress-legislators/legislators-current.json:1:1: invalid JSON: invalid character '<'"}},
		{"parses but empty", "/legislators-current.json", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte("[]"))
		}, nil, app.EINVALID, []string{"the file has no records"}},
		{"truncated JSON", "/legislators-current.json", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(tinyLegislators[:100]))
		}, nil, app.EINVALID, []string{"unexpected end of file"}},
		{"short body", "/legislators-current.json", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(len(tinyLegislators)))
			_, _ = w.Write([]byte(tinyLegislators[:100]))
		}, nil, app.EUNAVAILABLE, []string{"downloading legislators from"}},
		{"too large", "/zccd.csv", nil, func(o *congress.FetchOptions) { o.MaxBytes = 64 }, app.ETOOLARGE,
			[]string{"more than the 64 allowed"}},
		{"too large without length", "/zccd.csv", func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i < 100; i++ {
				_, _ = w.Write([]byte(tinyZCCD))
				w.(http.Flusher).Flush()
			}
		}, func(o *congress.FetchOptions) { o.MaxBytes = 1000 }, app.ETOOLARGE, []string{"larger than the 1000 bytes allowed"}},
		{"stall", "/zccd.csv", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte("state_fips,state_abbr,zcta,cd\n"))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}, func(o *congress.FetchOptions) { o.StallTimeout = 100 * time.Millisecond }, app.EUNAVAILABLE,
			[]string{"no data arrived for 100ms"}},
		{"no headers", "/zccd.csv", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}, func(o *congress.FetchOptions) { o.StallTimeout = 100 * time.Millisecond }, app.EUNAVAILABLE,
			[]string{"no data arrived for 100ms"}},
		{"slow overall", "/zccd.csv", func(w http.ResponseWriter, r *http.Request) {
			for {
				if _, err := w.Write([]byte("1")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(10 * time.Millisecond):
				}
			}
		}, func(o *congress.FetchOptions) { o.Timeout = 200 * time.Millisecond }, app.EUNAVAILABLE,
			[]string{"took longer than 200ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, srv := newFakeHost(t)
			if tt.handler != nil {
				h.custom[tt.path] = tt.handler
			}
			dir := writeFiles(t, map[string]string{"congress-legislators/legislators-current.json": old})
			opts := congress.FetchOptions{Sources: fakeSources(srv.URL)}
			if tt.opts != nil {
				tt.opts(&opts)
			}
			began := time.Now()
			_, err := congress.NewFetcher(opts).Fetch(context.Background(), dir)
			if err == nil {
				t.Fatal("no error")
			}
			if time.Since(began) > 5*time.Second {
				t.Errorf("took %s", time.Since(began))
			}
			if app.ErrorCodeOf(err) != tt.code {
				t.Errorf("code %s, want %s (%v)", app.ErrorCodeOf(err), tt.code, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			got, _ := os.ReadFile(filepath.Join(dir, "congress-legislators/legislators-current.json"))
			if string(got) != old {
				t.Errorf("the old legislators file was replaced with %.60q", got)
			}
			if files := listFiles(t, dir); !reflect.DeepEqual(files, []string{"congress-legislators/legislators-current.json"}) {
				t.Errorf("files left: %v", files)
			}
		})
	}
}

func TestFetchCanceled(t *testing.T) {
	h, srv := newFakeHost(t)
	started := make(chan struct{})
	h.custom["/zccd.csv"] = func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	_, err := congress.NewFetcher(congress.FetchOptions{Sources: fakeSources(srv.URL)}).Fetch(ctx, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Errorf("error %v", err)
	}
}

func TestFetchRejectsBadSources(t *testing.T) {
	for _, src := range []congress.Source{
		{Name: "legislators", URL: "ftp://example.com/x.json", Path: "congress-legislators/legislators-current.json"},
		{Name: "legislators", URL: "https://example.com/x.json", Path: "../legislators-current.json"},
		{Name: "legislators", URL: "https://example.com/x.json", Path: "/etc/legislators-current.json"},
		{Name: "other", URL: "https://example.com/x.bin", Path: "other/x.bin"},
	} {
		_, err := congress.NewFetcher(congress.FetchOptions{Sources: []congress.Source{src}}).Fetch(context.Background(), t.TempDir())
		if app.ErrorCodeOf(err) != app.EINVALID {
			t.Errorf("%v: error %v", src, err)
		}
	}
}

func TestDefaultSources(t *testing.T) {
	srcs := congress.DefaultSources()
	names := []string{}
	for _, s := range srcs {
		names = append(names, s.Name)
		if !strings.HasPrefix(s.URL, "https://") {
			t.Errorf("%s: %s", s.Name, s.URL)
		}
	}
	if want := []string{"legislators", "committees", "memberships", "offices", "zips", "shapes"}; !reflect.DeepEqual(names, want) {
		t.Errorf("names %v", names)
	}
	if srcs[5].URL != "https://raw.githubusercontent.com/rivie13/TrackAmerica/main/assets/maps/districts/us-congressional-districts-119.topojson" {
		t.Errorf("shapes URL %s", srcs[5].URL)
	}
}

func TestApplySourceOverrides(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	def := congress.DefaultSources()
	byName := func(srcs []congress.Source) map[string]congress.Source {
		m := map[string]congress.Source{}
		for _, s := range srcs {
			m[s.Name] = s
		}
		return m
	}
	tests := []struct {
		name  string
		env   func(string) string
		check func(t *testing.T, got map[string]congress.Source, n int)
	}{
		{"none", env(), func(t *testing.T, got map[string]congress.Source, n int) {
			if n != 6 || got["zips"] != def[4] {
				t.Errorf("%v", got)
			}
		}},
		{"mirror", env("ADVOCATE_SOURCE_LEGISLATORS", "https://mirror.example/l.json"), func(t *testing.T, got map[string]congress.Source, n int) {
			if s := got["legislators"]; s.URL != "https://mirror.example/l.json" || s.Path != "congress-legislators/legislators-current.json" {
				t.Errorf("%+v", s)
			}
		}},
		{"yaml mirror", env("ADVOCATE_SOURCE_COMMITTEES", "https://mirror.example/committees-current.yml"), func(t *testing.T, got map[string]congress.Source, n int) {
			if s := got["committees"]; s.Path != "congress-legislators/committees-current.yaml" {
				t.Errorf("%+v", s)
			}
		}},
		{"census keyword", env("ADVOCATE_SOURCE_ZIPS", "census"), func(t *testing.T, got map[string]congress.Source, n int) {
			if got["zips"] != congress.CensusZCTASource() {
				t.Errorf("%+v", got["zips"])
			}
		}},
		{"census URL", env("ADVOCATE_SOURCE_ZIPS", "https://mirror.example/geo/tab20_cd11920_zcta520_natl.txt"), func(t *testing.T, got map[string]congress.Source, n int) {
			if s := got["zips"]; s.Path != "zip-district/tab20_cd11920_zcta520_natl.txt" {
				t.Errorf("%+v", s)
			}
		}},
		{"geojson shapes", env("ADVOCATE_SOURCE_SHAPES", "https://mirror.example/cd.geojson?x=1"), func(t *testing.T, got map[string]congress.Source, n int) {
			if s := got["shapes"]; s.Path != "districts/cd119_500k.geojson" || s.URL != "https://mirror.example/cd.geojson?x=1" {
				t.Errorf("%+v", s)
			}
		}},
		{"off", env("ADVOCATE_SOURCE_SHAPES", "off", "ADVOCATE_SOURCE_OFFICES", "none"), func(t *testing.T, got map[string]congress.Source, n int) {
			if _, ok := got["shapes"]; ok || n != 4 {
				t.Errorf("%v", got)
			}
		}},
		{"commissions added", env("ADVOCATE_SOURCE_COMMISSIONS", "https://org.example/commissions.yaml"), func(t *testing.T, got map[string]congress.Source, n int) {
			if s := got["commissions"]; n != 7 || s.Path != "commissions/commissions.yaml" {
				t.Errorf("%+v", s)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := congress.ApplySourceOverrides(def, tt.env)
			tt.check(t, byName(got), len(got))
			if !reflect.DeepEqual(def, congress.DefaultSources()) {
				t.Error("the input slice was modified")
			}
		})
	}
}
