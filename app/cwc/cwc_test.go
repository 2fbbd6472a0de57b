package cwc_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/cwc"
	"github.com/advocate-org/advocate/app/store"
	"github.com/advocate-org/advocate/app/store/views"
)

var agent = cwc.Agent{Name: "Friends of Guan Heng", AckEmail: "cwc@friends.example.org",
	ContactName: "Ada Organizer", ContactEmail: "ada@friends.example.org", ContactPhone: "202-555-0100"}

func intp(n int) *int { return &n }

var (
	tonko = app.Target{Key: "leg:T000469", Kind: app.TargetRepresentative, Name: "Paul Tonko", LastName: "Tonko",
		Chamber: app.House, State: "NY", District: intp(20)}
	begich = app.Target{Key: "leg:B001323", Kind: app.TargetRepresentative, Name: "Nick Begich", LastName: "Begich",
		Chamber: app.House, State: "AK", District: intp(0)}
	schumer = app.Target{Key: "leg:S000148", Kind: app.TargetSenator, Name: "Charles E. Schumer", Chamber: app.Senate,
		State: "NY", SenateClass: 3, BioguideID: "S000148"}
	// gillibrand's letter predates recipients recording a senator's class.
	gillibrand = app.Target{Key: "leg:G000555", Kind: app.TargetSenator, Name: "Kirsten E. Gillibrand", Chamber: app.Senate,
		State: "NY", BioguideID: "G000555"}
)

func campaign() *app.Campaign {
	return &app.Campaign{ID: 7, Slug: "free-guan-heng", Title: "Free Guan Heng",
		Delivery: app.DeliverySettings{OrgName: "Friends of Guan Heng",
			OrgStatement: "Guan Heng filmed the Xinjiang camps; we ask for his release on bond."}}
}

func submission() *app.Submission {
	now := time.Date(2026, 7, 1, 14, 0, 0, 0, time.UTC)
	return &app.Submission{ID: 3, CampaignID: 7, CreatedAt: now, ConfirmedAt: &now,
		Supporter: app.Supporter{FirstName: "José", LastName: "Núñez", Email: "jose@example.org",
			Address1: "12 State St", Address2: "Apt 4", City: "Albany", State: "NY", Zip: "12202"},
		PersonalMessage: "I live in Albany and I want him safe."}
}

// fullLetter is the letter as the supporter previewed and signed it: the
// campaign's text with their own paragraph in it.
const fullLetter = "Dear Representative:\n\nGuan Heng filmed the camps in Xinjiang and faces deportation to China.\n\n" +
	"I live in Albany and I want him safe.\n\nPlease ask DHS to release him on bond.\n\nSincerely,\n\nJosé Núñez"

func letter(t app.Target) app.Letter {
	return app.Letter{ID: 42, CampaignID: 7, Recipient: t, Subject: "Please help free Guan Heng", Body: fullLetter}
}

func build(t *testing.T, in cwc.Input) []byte {
	t.Helper()
	m, err := cwc.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := cwc.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if problems := validate(doc); len(problems) > 0 {
		t.Fatalf("invalid message:\n%s\n%s", strings.Join(problems, "\n"), doc)
	}
	return doc
}

func TestBuildValidMessage(t *testing.T) {
	date := time.Date(2026, 7, 2, 3, 0, 0, 0, time.UTC) // July 1 in Washington
	doc := build(t, cwc.Input{Agent: agent, Campaign: campaign(), Submission: submission(), Letter: letter(tonko),
		Prefix: "Mr.", Date: date})
	var m cwc.Message
	if err := xml.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	checks := map[string][2]string{
		"office":    {m.Recipient.MemberOffice, "HNY20"},
		"date":      {m.Delivery.Date, "20260701"},
		"id":        {m.Delivery.ID, cwc.DeliveryID(7, 42)},
		"campaign":  {m.Delivery.CampaignID, "free-guan-heng"},
		"first":     {m.Constituent.FirstName, "José"},
		"zip":       {m.Constituent.Zip, "12202"},
		"topic":     {strings.Join(m.Message.Topics.Topic, ","), "Immigration"},
		"statement": {m.Message.OrganizationStatement, campaign().Delivery.OrgStatement},
		"letter":    {m.Message.ConstituentMessage, fullLetter},
		"subject":   {m.Message.Subject, "Please help free Guan Heng"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
	if m.Constituent.EmailValidation != "" {
		t.Error("no double opt-in, so the email is not validated")
	}
	if !bytes.HasPrefix(doc, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Errorf("declaration: %.60s", doc)
	}
	if cwc.DeliveryID(7, 42) == cwc.DeliveryID(7, 43) || cwc.DeliveryID(7, 42) != cwc.DeliveryID(7, 42) {
		t.Error("delivery ids must be stable and distinct")
	}
}

func TestAtLargeAndFallbacks(t *testing.T) {
	c := campaign()
	c.Delivery.OrgStatement, c.Delivery.CWCTopic = "", "Civil Rights and Liberties, Minority Issues"
	s := submission()
	s.PersonalMessage = ""
	s.ConfirmToken = "abc" // confirmed by email
	doc := build(t, cwc.Input{Agent: agent, Campaign: c, Submission: s, Letter: letter(begich), Prefix: "Dr."})
	var m cwc.Message
	if err := xml.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	if m.Recipient.MemberOffice != "HAK00" || m.Message.OrganizationStatement != "" ||
		m.Message.ConstituentMessage != fullLetter || m.Constituent.EmailValidation != "Y" ||
		m.Message.Topics.Topic[0] != "Civil Rights and Liberties, Minority Issues" {
		t.Errorf("%+v", m)
	}
}

func TestBuildRefusesInvalidLetters(t *testing.T) {
	base := func() cwc.Input {
		return cwc.Input{Agent: agent, Campaign: campaign(), Submission: submission(), Letter: letter(tonko), Prefix: "Ms."}
	}
	cases := map[string]func(*cwc.Input){
		"prefix":   func(in *cwc.Input) { in.Prefix = "" },
		"mx":       func(in *cwc.Input) { in.Prefix = "Mx." },
		"senate":   func(in *cwc.Input) { in.Letter = letter(gillibrand) }, // class unknown
		"exec":     func(in *cwc.Input) { in.Letter = letter(app.Target{Name: "Secretary", Kind: app.TargetExecutive}) },
		"zip":      func(in *cwc.Input) { in.Submission.Supporter.Zip = "1220" },
		"email":    func(in *cwc.Input) { in.Submission.Supporter.Email = "not an address" },
		"subject":  func(in *cwc.Input) { in.Letter.Subject = "Hi" },
		"agent":    func(in *cwc.Input) { in.Agent = cwc.Agent{} },
		"phone":    func(in *cwc.Input) { in.Agent.ContactPhone = "(202) 555 0100" },
		"long":     func(in *cwc.Input) { in.Letter.Body = strings.Repeat("x", 10001) },
		"short":    func(in *cwc.Input) { in.Letter.Body = "ok" },
		"empty":    func(in *cwc.Input) { in.Letter.Body = " " },
		"no city":  func(in *cwc.Input) { in.Submission.Supporter.City = " \t" },
		"no state": func(in *cwc.Input) { in.Submission.Supporter.State = "XX" },
	}
	for name, mutate := range cases {
		in := base()
		mutate(&in)
		_, err := cwc.Build(in)
		var ve *cwc.ValidationError
		if !errors.As(err, &ve) || len(ve.Problems) == 0 || ve.LetterID != 42 {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestHostileTextStaysWellFormed(t *testing.T) {
	s := submission()
	s.Supporter.FirstName = `<Bobby> & "Tables"`
	s.Supporter.LastName = "O'Brien\x00\x1b]"
	s.Supporter.Address1 = "1 Main St]]><Injected/>"
	l := letter(tonko)
	l.Body = "Line one\r\nLine two </ConstituentMessage><Prefix>Dr.</Prefix> \ufffe end"
	doc := build(t, cwc.Input{Agent: agent, Campaign: campaign(), Submission: s, Letter: l, Prefix: "Ms."})
	var m cwc.Message
	if err := xml.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	if m.Constituent.FirstName != `<Bobby> & "Tables"` || m.Constituent.LastName != "O'Brien]" ||
		m.Constituent.Address1 != "1 Main St]]><Injected/>" ||
		m.Message.ConstituentMessage != "Line one\nLine two </ConstituentMessage><Prefix>Dr.</Prefix>  end" {
		t.Errorf("round trip: %+v %+v", m.Constituent, m.Message)
	}
}

// TestValidatorCatchesMistakes makes sure the validator itself would see
// the mistakes an encoder could make.
func TestValidatorCatchesMistakes(t *testing.T) {
	good := string(build(t, cwc.Input{Agent: agent, Campaign: campaign(), Submission: submission(), Letter: letter(tonko), Prefix: "Mr."}))
	swap := func(a, b string) func(string) string {
		return func(s string) string {
			return strings.Replace(strings.Replace(strings.Replace(s, a, "\x00", 1), b, a, 1), "\x00", b, 1)
		}
	}
	dropLine := func(tag string) func(string) string {
		return func(s string) string {
			var out []string
			for _, l := range strings.Split(s, "\n") {
				if !strings.Contains(l, "<"+tag+">") {
					out = append(out, l)
				}
			}
			return strings.Join(out, "\n")
		}
	}
	cases := map[string]func(string) string{
		"order":       swap("<FirstName>José</FirstName>", "<LastName>Núñez</LastName>"),
		"missing":     dropLine("Email"),
		"no topic":    dropLine("LibraryOfCongressTopic"),
		"bad id":      func(s string) string { return strings.Replace(s, cwc.DeliveryID(7, 42), "short", 1) },
		"bad office":  func(s string) string { return strings.Replace(s, "HNY20", "NY-20", 1) },
		"malformed":   func(s string) string { return strings.Replace(s, "</City>", "</Cty>", 1) },
		"same line":   func(s string) string { return strings.Replace(s, "</City>\n    <", "</City><", 1) },
		"extra":       func(s string) string { return strings.Replace(s, "</Zip>", "</Zip>\n    <Fax>1</Fax>", 1) },
		"text in box": func(s string) string { return strings.Replace(s, "<Recipient>", "<Recipient>oops", 1) },
		"bad date":    func(s string) string { return strings.Replace(s, "<DeliveryDate>2", "<DeliveryDate>1", 1) },
	}
	for name, mutate := range cases {
		bad := mutate(good)
		if bad == good {
			t.Fatalf("%s: the mutation changed nothing", name)
		}
		if problems := validate([]byte(bad)); len(problems) == 0 {
			t.Errorf("%s: not caught", name)
		}
	}
}

// fakeCWC is a local stand-in for the CWC API.
type fakeCWC struct {
	mu       sync.Mutex
	received map[string][]byte // delivery id -> message
	refuse   map[string]string // member office -> error text
	keys     []string
	path     string // where messages are posted (default /v2/message, the House's)
}

func (f *fakeCWC) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys = append(f.keys, r.URL.Query().Get("apikey"))
	path := f.path
	if path == "" {
		path = "/v2/message"
	}
	if r.Method != http.MethodPost || r.URL.Path != path || r.Header.Get("Content-Type") != "application/xml" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if r.URL.Query().Get("apikey") != "secret-key" {
		http.Error(w, "<Errors><Error>Invalid API key</Error></Errors>", http.StatusUnauthorized)
		return
	}
	body, _ := io.ReadAll(r.Body)
	if problems := validate(body); len(problems) > 0 {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, "<Errors><Error>%s</Error></Errors>", problems[0])
		return
	}
	var m cwc.Message
	_ = xml.Unmarshal(body, &m)
	if msg, ok := f.refuse[m.Recipient.MemberOffice]; ok {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, "<Errors><Error>%s</Error></Errors>", msg)
		return
	}
	f.received[m.Delivery.ID] = body
}

type dbFixture struct {
	db   *store.DB
	camp *app.Campaign
	seq  int
}

func newDB(t *testing.T) *dbFixture {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DSN: filepath.Join(t.TempDir(), "advocate.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	c := campaign()
	c.ID, c.Status = 0, app.CampaignOpen
	if err := db.Campaigns.CreateCampaign(ctx, c); err != nil {
		t.Fatal(err)
	}
	return &dbFixture{db: db, camp: c}
}

func (f *dbFixture) add(t *testing.T, confirmed bool, targets ...app.Target) {
	t.Helper()
	f.addAs(t, "", confirmed, targets...)
}

// addAs stores a submission whose supporter chose courtesy title prefix.
func (f *dbFixture) addAs(t *testing.T, prefix string, confirmed bool, targets ...app.Target) {
	t.Helper()
	f.seq++
	s := submission()
	s.ID, s.CampaignID, s.ConfirmedAt = 0, f.camp.ID, nil
	s.Supporter.Prefix = prefix
	s.Supporter.Email = fmt.Sprintf("w%d@example.org", f.seq)
	s.Token, s.DedupKey = fmt.Sprintf("t%025d", f.seq), fmt.Sprint(f.seq)
	if !confirmed {
		s.ConfirmToken = fmt.Sprintf("c%025d", f.seq)
	}
	for _, tg := range targets {
		l := letter(tg)
		l.ID, l.CampaignID = 0, f.camp.ID
		s.Letters = append(s.Letters, l)
	}
	if _, err := f.db.Submissions.CreateSubmission(context.Background(), s); err != nil {
		t.Fatal(err)
	}
}

func TestExportAndSend(t *testing.T) {
	f := newDB(t)
	f.add(t, true, tonko, schumer)
	f.add(t, true, begich)
	f.add(t, false, tonko) // unconfirmed: not exported
	fake := &fakeCWC{received: map[string][]byte{}, refuse: map[string]string{"HAK00": "Constituent address not in district"}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	client, err := cwc.NewClient(cwc.ClientOptions{URL: srv.URL + "/", APIKey: "secret-key"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ex, err := cwc.NewExporter(cwc.ExportOptions{Store: views.Office(f.db), Agent: agent, Client: client, PrefixFallback: "Ms.",
		Interval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ex.Export(context.Background(), "free-guan-heng", dir)
	if err != nil {
		t.Fatal(err)
	}
	// Schumer's letter is written but not posted: no Senate CWC here.
	if res.Letters != 3 || res.Written != 3 || res.Sent != 1 || len(res.Failed) != 1 || len(res.Skipped) != 0 || res.NoEndpoint != 1 {
		t.Fatalf("%+v", res)
	}
	if !strings.Contains(res.Failed[0], "Constituent address not in district") {
		t.Errorf("failure %q", res.Failed[0])
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	if len(files) != 3 {
		t.Fatalf("files %v", files)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if problems := validate(b); len(problems) > 0 {
			t.Errorf("%s: %v", file, problems)
		}
	}
	// A second run does not post the accepted letter again but retries the
	// refused one, and the outcomes are recorded per letter.
	res, err = ex.Export(context.Background(), "free-guan-heng", dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.AlreadySent != 1 || res.Sent != 0 || len(res.Failed) != 1 || len(fake.received) != 1 {
		t.Errorf("second run %+v, received %d", res, len(fake.received))
	}
	stats, err := f.db.Outbox.OutboxStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, c := range stats {
		if c.Channel == app.ChannelCWC {
			got[string(c.Status)] = c.Count
		}
	}
	if got["sent"] != 1 || got["dead"] != 1 {
		t.Errorf("cwc deliveries %v", got)
	}
}

func TestExportWithoutPrefixSkips(t *testing.T) {
	f := newDB(t)
	f.add(t, true, tonko)
	ex, err := cwc.NewExporter(cwc.ExportOptions{Store: views.Office(f.db), Agent: agent})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ex.Export(context.Background(), "free-guan-heng", t.TempDir())
	if err != nil || res.Written != 0 || len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0], "prefix") {
		t.Errorf("%+v %v", res, err)
	}
	if _, err := cwc.NewExporter(cwc.ExportOptions{Store: views.Office(f.db), PrefixFallback: "Mx."}); err == nil {
		t.Error("an invalid fallback prefix was accepted")
	}
}

func TestExportUsesSupporterPrefix(t *testing.T) {
	f := newDB(t)
	f.addAs(t, "Dr.", true, tonko) // w1
	f.addAs(t, "Mx.", true, tonko) // w2: CWC does not take Mx.
	f.addAs(t, "", true, tonko)    // w3: chose none
	prefixes := func(dir string) map[string]string {
		t.Helper()
		files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
		out := map[string]string{}
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if problems := validate(b); len(problems) > 0 {
				t.Errorf("%s: %v", file, problems)
			}
			var m cwc.Message
			if err := xml.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			out[m.Constituent.Email] = m.Constituent.Prefix
		}
		return out
	}
	ex, err := cwc.NewExporter(cwc.ExportOptions{Store: views.Office(f.db), Agent: agent, PrefixFallback: "Ms."})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if res, err := ex.Export(context.Background(), "free-guan-heng", dir); err != nil || res.Written != 3 {
		t.Fatalf("%+v %v", res, err)
	}
	want := map[string]string{"w1@example.org": "Dr.", "w2@example.org": "Ms.", "w3@example.org": "Ms."}
	if got := prefixes(dir); !maps.Equal(got, want) {
		t.Errorf("with fallback: %v, want %v", got, want)
	}
	// Without a fallback only the supporter who chose a CWC title is written.
	ex, err = cwc.NewExporter(cwc.ExportOptions{Store: views.Office(f.db), Agent: agent})
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	res, err := ex.Export(context.Background(), "free-guan-heng", dir)
	if err != nil || res.Written != 1 || len(res.Skipped) != 2 {
		t.Fatalf("%+v %v", res, err)
	}
	if got := prefixes(dir); !maps.Equal(got, map[string]string{"w1@example.org": "Dr."}) {
		t.Errorf("without fallback: %v", got)
	}
}

func TestClientErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	}))
	c, _ := cwc.NewClient(cwc.ClientOptions{URL: srv.URL, APIKey: "secret-key"})
	err := c.Send(context.Background(), []byte("<CWC/>"))
	var se *cwc.SendError
	if !errors.As(err, &se) || !se.Temporary || se.Status != 503 {
		t.Errorf("503: %v", err)
	}
	srv.Close()
	err = c.Send(context.Background(), []byte("<CWC/>"))
	if !errors.As(err, &se) || !se.Temporary || strings.Contains(err.Error(), "secret-key") {
		t.Errorf("unreachable: %v", err)
	}
	if _, err := cwc.NewClient(cwc.ClientOptions{URL: "ftp://x", APIKey: "k"}); err == nil {
		t.Error("ftp URL accepted")
	}
	if _, err := cwc.NewClient(cwc.ClientOptions{URL: "https://x"}); err == nil {
		t.Error("missing key accepted")
	}
}

// TestExportBothChambers posts letters to Representatives to a fake House
// CWC and letters to Senators to a fake Senate CWC (its test environment
// path, its own key), with Senate office codes from the senator's class,
// looked up in the roster for a letter that did not record it.
func TestExportBothChambers(t *testing.T) {
	f := newDB(t)
	f.add(t, true, tonko, schumer, gillibrand)
	house := &fakeCWC{received: map[string][]byte{}}
	senate := &fakeCWC{received: map[string][]byte{}, path: "/api/testing-messages/"}
	hsrv, ssrv := httptest.NewServer(house), httptest.NewServer(&keyed{key: "senate-key", next: senate})
	defer hsrv.Close()
	defer ssrv.Close()
	hc, err := cwc.NewClient(cwc.ClientOptions{URL: hsrv.URL, APIKey: "secret-key"})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := cwc.NewClient(cwc.ClientOptions{Chamber: app.Senate, URL: ssrv.URL + "/api/", APIKey: "senate-key", Testing: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ex, err := cwc.NewExporter(cwc.ExportOptions{Store: views.Office(f.db), Agent: agent, Client: hc, SenateClient: sc,
		PrefixFallback: "Ms.", Interval: time.Millisecond,
		SenateClass: func(bioguide string) int {
			if bioguide == "G000555" {
				return 1
			}
			return 0
		}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ex.Export(context.Background(), "free-guan-heng", dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Letters != 3 || res.Written != 3 || res.Sent != 3 || len(res.Failed) != 0 || len(res.Skipped) != 0 || res.NoEndpoint != 0 {
		t.Fatalf("%+v", res)
	}
	offices := func(fake *fakeCWC) []string {
		var out []string
		for _, body := range fake.received {
			var m cwc.Message
			if err := xml.Unmarshal(body, &m); err != nil {
				t.Fatal(err)
			}
			if m.Message.ConstituentMessage != fullLetter {
				t.Errorf("%s got %q, want the full letter", m.Recipient.MemberOffice, m.Message.ConstituentMessage)
			}
			out = append(out, m.Recipient.MemberOffice)
		}
		sort.Strings(out)
		return out
	}
	if got := offices(house); strings.Join(got, " ") != "HNY20" {
		t.Errorf("House received %v", got)
	}
	if got := offices(senate); strings.Join(got, " ") != "SNY01 SNY03" {
		t.Errorf("Senate received %v", got)
	}
	for _, name := range []string{"HNY20-*.xml", "SNY03-*.xml", "SNY01-*.xml"} {
		if files, _ := filepath.Glob(filepath.Join(dir, name)); len(files) != 1 {
			t.Errorf("%s: %v", name, files)
		}
	}
	// Production posts go to /messages/.
	prod := &fakeCWC{received: map[string][]byte{}, path: "/api/messages/"}
	psrv := httptest.NewServer(&keyed{key: "senate-key", next: prod})
	defer psrv.Close()
	pc, err := cwc.NewClient(cwc.ClientOptions{Chamber: app.Senate, URL: psrv.URL + "/api", APIKey: "senate-key"})
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.Send(context.Background(), senate.received[cwc.DeliveryID(f.camp.ID, 2)]); err != nil || len(prod.received) != 1 {
		t.Errorf("production Senate post: %v, received %d", err, len(prod.received))
	}
	if err := pc.Validate(context.Background(), nil); err == nil {
		t.Error("the Senate has no validation call")
	}
	if _, err := cwc.NewClient(cwc.ClientOptions{URL: hsrv.URL, APIKey: "k", Testing: true}); err == nil {
		t.Error("a House client took the Senate's test switch")
	}
}

// keyed answers like CWC to a wrong key, then rewrites the key the fake
// expects.
type keyed struct {
	key  string
	next *fakeCWC
}

func (k *keyed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("apikey") != k.key {
		http.Error(w, "<Errors><Error>Invalid API key</Error></Errors>", http.StatusUnauthorized)
		return
	}
	q := r.URL.Query()
	q.Set("apikey", "secret-key")
	r.URL.RawQuery = q.Encode()
	k.next.ServeHTTP(w, r)
}

func TestMemberOffice(t *testing.T) {
	cases := []struct {
		t    app.Target
		want string
	}{
		{tonko, "HNY20"},
		{begich, "HAK00"},
		{schumer, "SNY03"},
		{app.Target{Chamber: app.Senate, State: "CA", SenateClass: 3}, "SCA03"},
		{gillibrand, ""},
		{app.Target{Chamber: app.Senate, State: "ny", SenateClass: 1}, ""},
		{app.Target{Chamber: app.House, State: "NY"}, ""},
	}
	for _, c := range cases {
		got, err := cwc.MemberOffice(c.t)
		if got != c.want || (err == nil) != (c.want != "") {
			t.Errorf("%+v: %q %v, want %q", c.t, got, err, c.want)
		}
	}
}
