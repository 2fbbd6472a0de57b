package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/apptest"
	"github.com/advocate-org/advocate/app/config"
	"github.com/advocate-org/advocate/app/mail/mailtest"
	"github.com/advocate-org/advocate/app/store"
	"github.com/advocate-org/advocate/app/submit"
)

// Fault tests: serve killed in the middle of a burst, its database out of
// reach for a while, its mail server down. Each checks that what was
// accepted is kept and that every email leaves once (or, after a crash, at
// most once more for the messages that were in flight).

const faultSlug = "protect-witnesses"

// A supporter in Albany (NY-20) writes nine letters; two of them are
// emailed (to the TLHRC co-chairs through the commission's address) and
// the supporter gets a copy: three email deliveries per submission.
const emailsPerSubmission = 3

// messagesPerSubmission is how many emails those deliveries make: the two
// letters to the commission's one inbox travel in one email.
const messagesPerSubmission = 2

// faultSubmission is the API body of one supporter.
func faultSubmission(email string) string {
	return `{"first_name":"Ada","last_name":"Lovelace","email":"` + email + `","address1":"12 State St",
		"city":"Albany","state":"NY","zip":"12202"}`
}

// apiReply is the part of a submission reply the fault tests check.
type apiReply struct {
	Letters []struct {
		TargetKey string `json:"target_key"`
	} `json:"letters"`
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// postSubmission sends one supporter through the API.
func postSubmission(client *http.Client, addr, email string) (int, apiReply, string, error) {
	resp, err := client.Post("http://"+addr+"/api/v1/campaigns/"+faultSlug+"/submissions", "application/json",
		strings.NewReader(faultSubmission(email)))
	if err != nil {
		return 0, apiReply{}, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, apiReply{}, "", err
	}
	var r apiReply
	if err := json.Unmarshal(b, &r); err != nil {
		return resp.StatusCode, r, string(b), fmt.Errorf("reply is not JSON: %w", err)
	}
	return resp.StatusCode, r, string(b), nil
}

// faultEnv is the environment of a serve that emails through smtpAddr.
func faultEnv(dir, dsn, smtpAddr string) map[string]string {
	return map[string]string{
		"ADVOCATE_DATA_DIR": dir, "ADVOCATE_DB": dsn, "ADVOCATE_AUTO_FETCH": "false", "ADVOCATE_ADDR": "127.0.0.1:0",
		"ADVOCATE_SMTP_URL": "smtp://" + smtpAddr, "ADVOCATE_MAIL_FROM": "Free Guan Heng <letters@advocate.example>",
		"ADVOCATE_BASE_URL":    "https://letters.example.org",
		"ADVOCATE_SUBMIT_RATE": "0", "ADVOCATE_MAIL_RATE_PER_DOMAIN": "0",
	}
}

// openFaultStore opens the database serve uses, to look at it from the side.
func openFaultStore(t *testing.T, env map[string]string) *store.DB {
	t.Helper()
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), store.Options{DSN: cfg.DSN()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// storedSubmission finds the submission an address made for the fault
// tests' campaign, as its copy email would link to it (an answer to a
// submission never names it).
func storedSubmission(t *testing.T, db *store.DB, email string) *app.Submission {
	t.Helper()
	ctx := context.Background()
	c, err := db.Campaigns.FindCampaignBySlug(ctx, faultSlug)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := db.Submissions.FindSubmissionByDedupKey(ctx, c.ID, submit.DedupKey(c.ID, email))
	if err != nil {
		t.Errorf("accepted submission of %s is not stored: %v", email, err)
		return nil
	}
	return sub
}

// keysOf lists the target keys of a submission answer's letters.
func keysOf(r apiReply) []string {
	var keys []string
	for _, l := range r.Letters {
		keys = append(keys, l.TargetKey)
	}
	return keys
}

// emailStats counts email and copy deliveries by status.
func emailStats(t *testing.T, db *store.DB) map[app.DeliveryStatus]int64 {
	t.Helper()
	stats, err := db.Outbox.OutboxStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[app.DeliveryStatus]int64{}
	for _, s := range stats {
		if s.Channel == app.ChannelEmail || s.Channel == app.ChannelCopy {
			out[s.Status] += s.Count
		}
	}
	return out
}

// waitAllSent polls until every email and copy delivery is sent, failing
// at once if one is dead.
func waitAllSent(t *testing.T, db *store.DB, within time.Duration, logs fmt.Stringer) int64 {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		st := emailStats(t, db)
		if st[app.StatusDead] > 0 {
			t.Fatalf("deliveries dead: %v\n%s", st, logs)
		}
		var other int64
		for s, n := range st {
			if s != app.StatusSent {
				other += n
			}
		}
		if other == 0 && st[app.StatusSent] > 0 {
			return st[app.StatusSent]
		}
		if time.Now().After(deadline) {
			t.Fatalf("the outbox did not drain within %s: %v\n%s", within, st, logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sinkCounts counts the messages the mail server accepted per Message-ID.
func sinkCounts(t *testing.T, sink *mailtest.Server) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, r := range sink.Received() {
		id := mailtest.Parse(t, r.Data).Header.Get("Message-Id")
		if id == "" {
			t.Fatalf("a message without Message-ID:\n%s", r.Data)
		}
		out[id]++
	}
	return out
}

// checkStored checks that each accepted submission is stored with the
// letters its reply listed, each email sent and received by the mail
// server, and returns how many such emails there are.
func checkStored(t *testing.T, db *store.DB, accepted map[string][]string, received map[string]int) int {
	t.Helper()
	emails := 0
	for email, letters := range accepted {
		sub := storedSubmission(t, db, email)
		if sub == nil {
			continue
		}
		token := sub.Token
		if len(sub.Letters) != len(letters) {
			t.Errorf("submission %s: %d letters stored, the reply listed %d", token, len(sub.Letters), len(letters))
			continue
		}
		n := 0
		for i, l := range sub.Letters {
			if l.Recipient.Key != letters[i] {
				t.Errorf("submission %s: letter %d is to %s, the reply said %s", token, i, l.Recipient.Key, letters[i])
			}
			for _, d := range l.Deliveries {
				if d.Channel != app.ChannelEmail && d.Channel != app.ChannelCopy {
					continue
				}
				n++
				if d.Status != app.StatusSent || received[d.MessageID] == 0 {
					t.Errorf("submission %s: delivery %d is %s, received %d times", token, d.ID, d.Status, received[d.MessageID])
				}
			}
		}
		if n != emailsPerSubmission {
			t.Errorf("submission %s has %d email deliveries, want %d", token, n, emailsPerSubmission)
		}
		emails += n
	}
	return emails
}

// TestFaultKillDuringBurst kills serve with SIGKILL while supporters submit
// and the outbox sends, starts it again on the same database and checks
// that nothing accepted is lost and no email goes out twice except those
// the killed process was sending.
func TestFaultKillDuringBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the advocate binary and kills it (skipped with -short)")
	}
	bin := filepath.Join(t.TempDir(), "advocate")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Run("sqlite", func(t *testing.T) { killDuringBurst(t, bin, "") })
	t.Run("postgres", func(t *testing.T) { killDuringBurst(t, bin, apptest.PostgresDSN(t)) })
}

func killDuringBurst(t *testing.T, bin, dsn string) {
	// A slightly slow mail server keeps a batch in flight for a while.
	sink := mailtest.Start(t, mailtest.Options{DataDelay: 3 * time.Millisecond})
	env := faultEnv(t.TempDir(), dsn, sink.Addr)
	// A stable instance name lets the restarted process take back its own
	// leases at once instead of after they expire.
	env["ADVOCATE_INSTANCE"] = "fault-test"
	proc := startProcess(t, bin, env)

	// The burst: clients submit until the kill (or a cap).
	const clients, most = 4, 600
	var (
		mu       sync.Mutex
		accepted = map[string][]string{}
		bad      []string
		n        atomic.Int64
		wg       sync.WaitGroup
	)
	stop := make(chan struct{})
	client := &http.Client{Timeout: 20 * time.Second}
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				i := n.Add(1)
				if i > most {
					return
				}
				email := fmt.Sprintf("s%d@example.org", i)
				status, r, body, err := postSubmission(client, proc.addr, email)
				if err != nil {
					continue // the process is gone; this one was not accepted
				}
				mu.Lock()
				if status == http.StatusAccepted {
					accepted[email] = keysOf(r)
				} else {
					bad = append(bad, fmt.Sprintf("%d %s", status, body))
				}
				mu.Unlock()
			}
		}()
	}
	countAccepted := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(accepted)
	}
	// Kill once the outbox has sent a few emails and supporters keep coming.
	deadline := time.Now().Add(30 * time.Second)
	for sink.Count() < 2 || countAccepted() < 20 {
		if time.Now().After(deadline) || n.Load() > most {
			close(stop)
			wg.Wait()
			t.Fatalf("no emails went out during the burst (%d accepted, %d received)\n%s", countAccepted(), sink.Count(), proc.out)
		}
		time.Sleep(2 * time.Millisecond)
	}
	proc.kill()
	close(stop)
	wg.Wait()
	if len(bad) > 0 {
		t.Fatalf("submissions refused during the burst: %d, e.g. %s", len(bad), bad[0])
	}
	receivedBefore := sink.Count()

	// What the killed process left in flight.
	db := openFaultStore(t, env)
	inFlight := emailStats(t, db)[app.StatusSending]
	t.Logf("killed after %d accepted submissions and %d emails received; %d deliveries were sending", len(accepted), receivedBefore, inFlight)

	proc = startProcess(t, bin, env)
	total := waitAllSent(t, db, 45*time.Second, proc.out)
	proc.stopOK()

	received := sinkCounts(t, sink)
	emails := checkStored(t, db, accepted, received)
	if emails != emailsPerSubmission*len(accepted) {
		t.Errorf("%d email deliveries for %d accepted submissions", emails, len(accepted))
	}
	// A submission stored just before the kill may have lost its answer:
	// it is not in accepted but its emails go all the same. So compare
	// what was received with what the database holds as sent.
	if int64(len(received))*emailsPerSubmission != total*messagesPerSubmission || total < int64(emails) {
		t.Errorf("the mail server received %d distinct messages, the database has %d sent email deliveries", len(received), total)
	}
	dups := 0
	for id, c := range received {
		if c > 1 {
			dups += c - 1
			t.Logf("%s received %d times", id, c)
		}
	}
	if int64(dups) > inFlight {
		t.Errorf("%d repeated emails, but only %d deliveries were in flight at the kill", dups, inFlight)
	}
	t.Logf("%d emails for %d stored submissions; %d repeated", total, total/emailsPerSubmission, dups)
}

// process is `advocate serve` running as a child process.
type process struct {
	t      *testing.T
	cmd    *exec.Cmd
	out    *apptest.Buffer
	addr   string
	exited chan struct{}
}

var listeningRE = regexp.MustCompile(`advocate is listening" url=http://(\S+)`)

// startProcess runs the binary's serve with exactly env (plus PATH and
// HOME) until it is killed, stopped or the test ends.
func startProcess(t *testing.T, bin string, env map[string]string) *process {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &process{t: t, cmd: cmd, out: &apptest.Buffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(p.kill)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := listeningRE.FindStringSubmatch(p.out.String()); m != nil {
			p.addr = m[1]
			return p
		}
		select {
		case <-p.exited:
			t.Fatalf("serve exited: %s\n%s", cmd.ProcessState, p.out)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", p.out)
		}
	}
}

// kill ends the process with SIGKILL (no clean-up of any kind).
func (p *process) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// stopOK ends the process with SIGTERM and fails unless it exits cleanly.
func (p *process) stopOK() {
	p.t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		p.kill()
		p.t.Fatalf("serve did not stop on SIGTERM:\n%s", p.out)
	}
	if !p.cmd.ProcessState.Success() {
		p.t.Fatalf("serve: %s\n%s", p.cmd.ProcessState, p.out)
	}
}

// tcpProxy forwards connections from its own loopback address to a target.
// Switched off, its address refuses connections and the ones open are cut,
// like a server that went down; stalled, it accepts connections and never
// answers, like a server cut off by the network; frozen, it keeps every
// connection open and accepts new ones but passes no bytes either way,
// like a server that hangs, until it thaws. Switched on, it listens on the
// same address again.
type tcpProxy struct {
	t    *testing.T
	addr string

	mu     sync.Mutex
	target string // "" stalls
	ln     net.Listener
	conns  map[net.Conn]bool
	thawed chan struct{} // closed on thaw; nil when not frozen
}

// freeze stops passing bytes, on open connections and new ones alike.
func (p *tcpProxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.thawed == nil {
		p.thawed = make(chan struct{})
	}
}

// thaw passes bytes again, those held back first.
func (p *tcpProxy) thaw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.thawed != nil {
		close(p.thawed)
		p.thawed = nil
	}
}

// gate returns a channel that is closed once bytes may pass.
func (p *tcpProxy) gate() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.thawed == nil {
		open := make(chan struct{})
		close(open)
		return open
	}
	return p.thawed
}

// pipe copies src to dst, holding each chunk while the proxy is frozen.
func (p *tcpProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			<-p.gate()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// newTCPProxy reserves a loopback address; call up to start forwarding.
func newTCPProxy(t *testing.T) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{t: t, addr: ln.Addr().String(), conns: map[net.Conn]bool{}}
	ln.Close()
	t.Cleanup(p.down)
	return p
}

// up listens on the proxy's address and forwards to target.
func (p *tcpProxy) up(target string) {
	p.t.Helper()
	p.down()
	var ln net.Listener
	var err error
	for range 50 { // the port may take a moment to be free again
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatalf("proxy: listen again on %s: %v", p.addr, err)
	}
	p.mu.Lock()
	p.target, p.ln = target, ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.forward(ln, c)
		}
	}()
}

// stall cuts the open connections and accepts new ones without answering.
func (p *tcpProxy) stall() { p.up("") }

// track remembers conns to cut them on down; false when ln is closed.
func (p *tcpProxy) track(ln net.Listener, conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != ln {
		for _, c := range conns {
			c.Close()
		}
		return false
	}
	for _, c := range conns {
		p.conns[c] = true
	}
	return true
}

func (p *tcpProxy) forward(ln net.Listener, c net.Conn) {
	p.mu.Lock()
	target := p.target
	p.mu.Unlock()
	if target == "" {
		p.track(ln, c) // held open, silent, until down
		return
	}
	s, err := net.DialTimeout("tcp", target, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	if !p.track(ln, c, s) {
		return
	}
	done := make(chan struct{})
	go func() {
		p.pipe(s, c)
		s.Close()
		close(done)
	}()
	p.pipe(c, s)
	c.Close()
	<-done
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, s)
	p.mu.Unlock()
}

// down stops listening and cuts every connection (a frozen proxy thaws,
// so that nothing stays held).
func (p *tcpProxy) down() {
	p.thaw()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// postgresBehindProxy is the environment of a serve whose fresh PostgreSQL
// database (at target) is reached through proxy, forwarding already;
// emails go to files, since these tests are about the database.
func postgresBehindProxy(t *testing.T) (proxy *tcpProxy, target string, env map[string]string) {
	t.Helper()
	u, err := url.Parse(apptest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	target = u.Host
	proxy = newTCPProxy(t)
	proxy.up(target)
	u.Host = proxy.addr
	env = faultEnv(t.TempDir(), u.String(), "127.0.0.1:1")
	delete(env, "ADVOCATE_SMTP_URL")
	return proxy, target, env
}

// TestFaultDatabaseUnavailable cuts serve off from PostgreSQL: supporters
// and API clients get a prompt 503 that says what is wrong, health checks
// fail, and once the database is back everything works again without a
// restart.
func TestFaultDatabaseUnavailable(t *testing.T) {
	proxy, target, env := postgresBehindProxy(t)
	// The test reads what was stored through its own connection.
	direct := openFaultStore(t, env)
	srv := startServe(t, func(k string) string { return env[k] }, nil)

	jar, _ := cookiejar.New(nil)
	// A request that takes longer than this counts as hanging.
	client := &http.Client{Timeout: 15 * time.Second, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := client.Get("http://" + srv.addr + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, page := get("/c/" + faultSlug)
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if status != http.StatusOK || m == nil {
		t.Fatalf("campaign page: %d\n%s", status, page)
	}
	csrf := m[1]
	form := func(email string) (int, string, string) {
		t.Helper()
		v := url.Values{"_csrf": {csrf}, "first_name": {"Ada"}, "last_name": {"Lovelace"}, "email": {email},
			"address1": {"12 State St"}, "city": {"Albany"}, "state": {"NY"}, "zip": {"12202"}}
		resp, err := client.PostForm("http://"+srv.addr+"/c/"+faultSlug+"/submit", v)
		if err != nil {
			t.Fatalf("form submit: %v", err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Location"), string(b)
	}
	api := func(email string) (int, apiReply, string) {
		t.Helper()
		status, r, body, err := postSubmission(client, srv.addr, email)
		if err != nil {
			t.Fatalf("API submit: %v %s", err, body)
		}
		return status, r, body
	}
	// works checks that supporters can write and health is good.
	works := func(round string) string {
		t.Helper()
		if status, body := get("/healthz"); status != http.StatusOK {
			t.Errorf("%s: /healthz %d %s", round, status, body)
		}
		if status, _, body := api(round + "-api@example.org"); status != http.StatusAccepted {
			t.Errorf("%s: API submit %d %s", round, status, body)
		}
		status, _, body := form(round + "-form@example.org")
		if status != http.StatusOK || !strings.Contains(body, "Check your email") {
			t.Fatalf("%s: form submit %d %s", round, status, body)
		}
		sub := storedSubmission(t, direct, round+"-form@example.org")
		if sub == nil {
			t.FailNow()
		}
		loc := "/s/" + sub.Token
		if status, body := get(loc); status != http.StatusOK {
			t.Errorf("%s: thank-you page %d %s", round, status, body)
		}
		return loc
	}
	thanks := works("before")

	// Nothing of the cause (driver, address, stack) reaches the client.
	leaks := []string{"pgx", "pgconn", "dial", "127.0.0.1", "goroutine", "panic", "store:", "failed to connect"}
	clean := func(what, body string) {
		t.Helper()
		for _, l := range leaks {
			if strings.Contains(body, l) {
				t.Errorf("%s shows %q: %s", what, l, body)
			}
		}
	}
	// unavailable checks the answers without the database; every request
	// must end within the client's timeout.
	unavailable := func(round string, pages bool) {
		t.Helper()
		status, r, body := api(round + "-api@example.org")
		if status != http.StatusServiceUnavailable || r.Error.Code != string(app.EUNAVAILABLE) || !strings.Contains(r.Error.Message, "database") {
			t.Errorf("%s: API submit: %d %s", round, status, body)
		}
		clean(round+": API submit", body)
		if pages {
			status, _, body = form(round + "-form@example.org")
			if status != http.StatusServiceUnavailable || !strings.Contains(body, "database is not reachable") {
				t.Errorf("%s: form submit: %d %s", round, status, body)
			}
			clean(round+": form submit", body)
			status, body = get(thanks)
			if status != http.StatusServiceUnavailable || !strings.Contains(body, "database is not reachable") {
				t.Errorf("%s: thank-you page: %d %s", round, status, body)
			}
			clean(round+": thank-you page", body)
		}
		if status, body := get("/healthz"); status != http.StatusServiceUnavailable || !strings.Contains(body, "database unavailable") {
			t.Errorf("%s: /healthz: %d %s", round, status, body)
		}
	}
	// The server is down: connections are refused.
	proxy.down()
	unavailable("down", true)
	// The server is cut off: connections are accepted and never answered,
	// so only a connection timeout ends the wait.
	proxy.stall()
	unavailable("stalled", false)

	proxy.up(target)
	deadline := time.Now().Add(20 * time.Second)
	for {
		status, _ := get("/healthz")
		if status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still unhealthy after the database came back:\n%s", srv.stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	works("after")
	srv.stopOK()
	if strings.Contains(srv.stderr.String(), "panic") {
		t.Errorf("serve logged a panic:\n%s", srv.stderr)
	}
}

// TestFaultSMTPDown accepts submissions while the mail server is down:
// their emails wait and are retried, none is given up, and once the server
// listens again each goes out once.
func TestFaultSMTPDown(t *testing.T) {
	relay := newTCPProxy(t) // nothing listens on its address yet
	env := faultEnv(t.TempDir(), "", relay.addr)
	srv := startServe(t, func(k string) string { return env[k] }, func(c *cli) { c.outboxRetry = 200 * time.Millisecond })
	client := &http.Client{Timeout: 15 * time.Second}
	// Few supporters: every attempt renders each email's PDFs again.
	const supporters = 2
	accepted := map[string][]string{}
	for i := range supporters {
		email := fmt.Sprintf("smtp%d@example.org", i)
		status, r, body, err := postSubmission(client, srv.addr, email)
		if err != nil || status != http.StatusAccepted {
			t.Fatalf("submit while the mail server is down: %d %v %s", status, err, body)
		}
		accepted[email] = keysOf(r)
	}
	db := openFaultStore(t, env)
	start := time.Now()

	// Each email is tried, fails and waits for another try; none is given
	// up or lost.
	deadline := time.Now().Add(30 * time.Second)
	for {
		retried := 0
		for email := range accepted {
			sub := storedSubmission(t, db, email)
			if sub == nil {
				t.FailNow()
			}
			for _, l := range sub.Letters {
				for _, d := range l.Deliveries {
					if d.Channel != app.ChannelEmail && d.Channel != app.ChannelCopy {
						continue
					}
					switch d.Status {
					case app.StatusQueued, app.StatusFailed, app.StatusSending:
					default:
						t.Fatalf("delivery %d is %s (%s) while the mail server is down", d.ID, d.Status, d.LastError)
					}
					if d.Attempts >= 2 {
						retried++
					}
				}
			}
		}
		if retried == supporters*emailsPerSubmission {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d emails retried\n%s", retried, supporters*emailsPerSubmission, srv.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}

	t.Logf("every email tried at least twice after %s", time.Since(start).Round(time.Millisecond))
	sink := mailtest.Start(t, mailtest.Options{})
	relay.up(sink.Addr)
	total := waitAllSent(t, db, 30*time.Second, srv.stderr)
	t.Logf("all sent after %s", time.Since(start).Round(time.Millisecond))
	srv.stopOK()
	received := sinkCounts(t, sink)
	if emails := checkStored(t, db, accepted, received); int64(emails) != total || total != supporters*emailsPerSubmission {
		t.Errorf("%d emails for the accepted submissions, %d sent, want %d", emails, total, supporters*emailsPerSubmission)
	}
	for id, c := range received {
		if c != 1 {
			t.Errorf("%s received %d times", id, c)
		}
	}
	if len(received) != supporters*messagesPerSubmission {
		t.Errorf("the mail server received %d distinct messages, want %d", len(received), supporters*messagesPerSubmission)
	}
}

// TestFaultDatabaseStopsAnswering freezes PostgreSQL: its connections stay
// open and new ones are accepted, but no byte comes back (a hung server,
// a full disk, a lock held forever). Health checks hear 503 within 2 s,
// supporters and API clients a 503 that says so within the request
// deadline, instead of waiting until their connection is dropped; once the
// database answers again, everything works without a restart.
func TestFaultDatabaseStopsAnswering(t *testing.T) {
	proxy, _, env := postgresBehindProxy(t)
	direct := openFaultStore(t, env) // what was stored, read past the server
	const deadline = 2 * time.Second
	env["ADVOCATE_DB_TIMEOUT"] = deadline.String()
	srv := startServe(t, func(k string) string { return env[k] }, nil)

	// Well past every bound this test expects, so that a hang shows as a
	// slow answer rather than as a client error.
	client := &http.Client{Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	type answer struct {
		status int
		body   string
		took   time.Duration
		retry  string
	}
	do := func(method, path, body string) answer {
		t.Helper()
		req, err := http.NewRequest(method, "http://"+srv.addr+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: no answer after %s: %v", method, path, time.Since(start).Round(time.Millisecond), err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return answer{resp.StatusCode, string(b), time.Since(start), resp.Header.Get("Retry-After")}
	}
	submitPath := "/api/v1/campaigns/" + faultSlug + "/submissions"
	works := func(round string) string {
		t.Helper()
		for _, path := range []string{"/healthz", "/api/v1/campaigns"} {
			if a := do(http.MethodGet, path, ""); a.status != http.StatusOK {
				t.Fatalf("%s: %s %d %s", round, path, a.status, a.body)
			}
		}
		a := do(http.MethodPost, submitPath, faultSubmission(round+"@example.org"))
		var r apiReply
		if a.status != http.StatusAccepted || json.Unmarshal([]byte(a.body), &r) != nil || len(r.Letters) == 0 {
			t.Fatalf("%s: submit %d %s", round, a.status, a.body)
		}
		sub := storedSubmission(t, direct, round+"@example.org")
		if sub == nil {
			t.FailNow()
		}
		return sub.Token
	}
	token := works("before")

	proxy.freeze()
	// /healthz pings with its own 1.5 s bound.
	for i := range 3 {
		a := do(http.MethodGet, "/healthz", "")
		if a.status != http.StatusServiceUnavailable || a.took > 2*time.Second || !strings.Contains(a.body, "database unavailable") {
			t.Errorf("frozen, /healthz #%d: %d after %s: %s", i+1, a.status, a.took.Round(time.Millisecond), a.body)
		}
		t.Logf("frozen, /healthz #%d: %d after %s", i+1, a.status, a.took.Round(time.Millisecond))
	}
	// Everything else gives up at the request deadline with a clear 503.
	for _, r := range []struct{ method, path, body, want string }{
		{http.MethodGet, "/api/v1/campaigns", "", `"code":"unavailable"`},
		{http.MethodPost, submitPath, faultSubmission("frozen@example.org"), `"code":"unavailable"`},
		{http.MethodGet, "/s/" + token, "", "temporarily unavailable"},
		{http.MethodGet, "/s/" + token + "/letters.pdf", "", "temporarily unavailable"},
	} {
		a := do(r.method, r.path, r.body)
		if a.status != http.StatusServiceUnavailable || a.took > deadline+time.Second || a.retry == "" {
			t.Errorf("frozen, %s %s: %d after %s (Retry-After %q): %s", r.method, r.path, a.status, a.took.Round(time.Millisecond), a.retry, a.body)
		}
		t.Logf("frozen, %s %s: %d after %s", r.method, r.path, a.status, a.took.Round(time.Millisecond))
		if !strings.Contains(a.body, r.want) || !strings.Contains(a.body, "temporarily unavailable") {
			t.Errorf("frozen, %s %s: want %q: %s", r.method, r.path, r.want, a.body)
		}
		for _, leak := range []string{"pgx", "pgconn", "context deadline", "127.0.0.1", "store:"} {
			if strings.Contains(a.body, leak) {
				t.Errorf("frozen, %s %s shows %q: %s", r.method, r.path, leak, a.body)
			}
		}
	}

	proxy.thaw()
	start := time.Now()
	for {
		if a := do(http.MethodGet, "/healthz", ""); a.status == http.StatusOK {
			break
		}
		if time.Since(start) > 20*time.Second {
			t.Fatalf("still unhealthy 20 s after the database answered again:\n%s", srv.stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("healthy again %s after the thaw", time.Since(start).Round(time.Millisecond))
	works("after")
	srv.stopOK()
	if strings.Contains(srv.stderr.String(), "panic") {
		t.Errorf("serve logged a panic:\n%s", srv.stderr)
	}
}
