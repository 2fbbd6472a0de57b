package loadtest

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestReadResponse(t *testing.T) {
	long := strings.Repeat("x", 5000)
	tests := []struct {
		name, in   string
		status     int
		timing     string
		msg        string
		keep       bool
		err        string
		restUnread string // what the next answer on the connection starts with
	}{
		{name: "length", in: "HTTP/1.1 201 Created\r\nContent-Length: 5\r\nServer-Timing: app;dur=3.5\r\n\r\nhelloNEXT",
			status: 201, timing: "app;dur=3.5", keep: true, restUnread: "NEXT"},
		{name: "chunked with extension and trailer", in: "HTTP/1.1 500 Internal Server Error\r\ntransfer-encoding: chunked\r\n\r\n" +
			"4;ext=1\r\noops\r\n3\r\n!!!\r\n0\r\nX-Trailer: 1\r\n\r\nNEXT", status: 500, msg: "oops!!!", keep: true, restUnread: "NEXT"},
		{name: "success bodies are skipped", in: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcNEXT", status: 200, keep: true, restUnread: "NEXT"},
		{name: "connection close", in: "HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 4\r\n\r\nslow",
			status: 429, msg: "slow"},
		{name: "close-delimited", in: "HTTP/1.1 400 Bad Request\r\n\r\nuntil the end", status: 400, msg: "until the end"},
		{name: "HTTP/1.0 closes by default", in: "HTTP/1.0 201 Created\r\nContent-Length: 0\r\n\r\n", status: 201},
		{name: "HTTP/1.0 keep-alive", in: "HTTP/1.0 201 Created\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n", status: 201, keep: true},
		{name: "no content", in: "HTTP/1.1 204 No Content\r\n\r\nNEXT", status: 204, keep: true, restUnread: "NEXT"},
		{name: "first Server-Timing wins, bare LF", in: "HTTP/1.1 201 Created\nServer-Timing: a;dur=1\nServer-Timing: b;dur=2\nContent-Length: 0\n\n",
			status: 201, timing: "a;dur=1", keep: true},
		{name: "long error body kept in part", in: "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 5000\r\n\r\n" + long,
			status: 503, msg: long[:maxBody], keep: true},
		{name: "truncated body", in: "HTTP/1.1 201 Created\r\nContent-Length: 10\r\n\r\nshort", status: 201, err: "unexpected EOF"},
		{name: "truncated chunk", in: "HTTP/1.1 500 x\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nabc", status: 500, msg: "abc", err: "unexpected EOF"},
		{name: "chunk without CRLF", in: "HTTP/1.1 500 x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n", status: 500, msg: "abc", err: "not followed by CRLF"},
		{name: "bad chunk size", in: "HTTP/1.1 500 x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", status: 500, err: "bad chunk size"},
		{name: "truncated headers", in: "HTTP/1.1 201 Created\r\nContent-Le", status: 201, err: "unexpected EOF"},
		{name: "nothing", in: "", err: "EOF"},
		{name: "not HTTP", in: "SSH-2.0-OpenSSH\r\n", err: "malformed status line"},
		{name: "bad status", in: "HTTP/1.1 2x1 Created\r\n\r\n", err: "malformed status line"},
		{name: "bad length", in: "HTTP/1.1 201 Created\r\nContent-Length: -1\r\n\r\n", status: 201, err: "bad Content-Length"},
		{name: "other transfer coding", in: "HTTP/1.1 201 Created\r\nTransfer-Encoding: gzip\r\n\r\n", status: 201, err: "unsupported Transfer-Encoding"},
		{name: "header without colon", in: "HTTP/1.1 201 Created\r\nnonsense\r\n\r\n", status: 201, err: "malformed header line"},
		{name: "interim answers are skipped", in: "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n" +
			"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\nNEXT", status: 201, keep: true, restUnread: "NEXT"},
		{name: "switching protocols", in: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", status: 101, err: "unexpected answer 101"},
		{name: "repeated equal lengths", in: "HTTP/1.1 201 Created\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nokNEXT", status: 201, keep: true, restUnread: "NEXT"},
		{name: "differing lengths", in: "HTTP/1.1 201 Created\r\nContent-Length: 5\r\nContent-Length: 3\r\n\r\nhelloNEXT", status: 201, err: "bad Content-Length"},
		{name: "space before the colon", in: "HTTP/1.1 201 Created\r\nContent-Length : 5\r\n\r\nhello", status: 201, err: "malformed header line"},
		{name: "folded header line", in: "HTTP/1.1 201 Created\r\nX-A: a\r\n b\r\n\r\n", status: 201, err: "malformed header line"},
		{name: "chunked and a length: chunked wins, connection dropped", in: "HTTP/1.1 500 x\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"2\r\nno\r\n0\r\n\r\nNEXT", status: 500, msg: "no", restUnread: "NEXT"},
		{name: "header line too long", in: "HTTP/1.1 201 Created\r\nX: " + strings.Repeat("y", 17000) + "\r\n\r\n", status: 201, err: "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br := bufio.NewReaderSize(strings.NewReader(tt.in), 16<<10)
			status, timing, msg, keep, err := readResponse(br)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one with %q", err, tt.err)
				}
				if keep {
					t.Fatal("a connection left out of step is kept")
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if status != tt.status || timing != tt.timing || string(msg) != tt.msg || keep != tt.keep && tt.err == "" {
				t.Fatalf("got %d %q %q keep=%v, want %d %q %q keep=%v", status, timing, msg, keep, tt.status, tt.timing, tt.msg, tt.keep)
			}
			if tt.err == "" {
				rest, _ := io.ReadAll(br)
				if string(rest) != tt.restUnread {
					t.Fatalf("left %q unread, want %q", rest, tt.restUnread)
				}
			}
		})
	}
}

// countingServer answers 201 and counts the connections it accepted and
// the most it had open at once.
type countingServer struct {
	*httptest.Server
	mu               sync.Mutex
	accepted, open   int
	peak, requests   int
	lastBody, lastCT string
}

func newCountingServer(t *testing.T, h func(w http.ResponseWriter, r *http.Request)) *countingServer {
	cs := &countingServer{}
	cs.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		cs.mu.Lock()
		cs.requests++
		cs.lastBody, cs.lastCT = string(b), r.Header.Get("Content-Type")
		cs.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	cs.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		cs.mu.Lock()
		defer cs.mu.Unlock()
		switch st {
		case http.StateNew:
			cs.accepted++
			cs.open++
			cs.peak = max(cs.peak, cs.open)
		case http.StateClosed, http.StateHijacked:
			cs.open--
		}
	}
	cs.Start()
	t.Cleanup(cs.Close)
	return cs
}

func (cs *countingServer) counts() (accepted, peak, requests int) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.accepted, cs.peak, cs.requests
}

func TestWireClientKeepsConnectionsAlive(t *testing.T) {
	cs := newCountingServer(t, nil)
	p, err := newPoster(cs.URL+"/api/x?y=1", nil, "", 4)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if status, _, _, err := p.post(context.Background(), []byte(`{"n":1}`)); err != nil || status != 201 {
			t.Fatalf("request %d: %d %v", i, status, err)
		}
	}
	if accepted, _, requests := cs.counts(); accepted != 1 || requests != 50 {
		t.Fatalf("50 sequential requests took %d connections (%d requests)", accepted, requests)
	}
	if cs.lastBody != `{"n":1}` || cs.lastCT != "application/json" {
		t.Fatalf("the server read %q as %q", cs.lastBody, cs.lastCT)
	}
	// The server drops its idle connections (a restart, an idle
	// timeout): the next request goes out again on a new one, once.
	cs.CloseClientConnections()
	time.Sleep(50 * time.Millisecond)
	if status, _, _, err := p.post(context.Background(), []byte(`{}`)); err != nil || status != 201 {
		t.Fatalf("after the server closed the connection: %d %v", status, err)
	}
	if accepted, _, requests := cs.counts(); accepted != 2 || requests != 51 {
		t.Fatalf("after a reconnect: %d connections, %d requests", accepted, requests)
	}
}

func TestWireClientBoundsConnections(t *testing.T) {
	cs := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
		w.WriteHeader(http.StatusCreated)
	})
	p, err := newPoster(cs.URL, nil, "127.0.0.1", 2)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if status, _, _, err := p.post(context.Background(), []byte(`{}`)); err != nil || status != 201 {
				t.Errorf("%d %v", status, err)
			}
		}()
	}
	wg.Wait()
	if accepted, peak, requests := cs.counts(); peak > 2 || accepted > 2 || requests != 10 {
		t.Fatalf("bound 2: %d accepted, %d open at once, %d requests", accepted, peak, requests)
	}
}

func TestWireClientStopsWithTheRun(t *testing.T) {
	release := make(chan struct{})
	cs := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.WriteHeader(http.StatusCreated)
	})
	defer close(release)
	p, err := newPoster(cs.URL, nil, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, _, err = p.post(ctx, []byte(`{}`))
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("a stuck request ended after %v with %v", time.Since(start), err)
	}
	// The connection slot came back: a second request does not wait for
	// the first.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	if _, _, _, err := p.post(ctx2, []byte(`{}`)); !errors.Is(err, context.DeadlineExceeded) && !isTimeout(err) {
		t.Fatalf("second request: %v", err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// rawServer serves each accepted connection with serve, on loopback.
func rawServer(t *testing.T, serve func(c net.Conn, br *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range open {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			open = append(open, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				serve(c, bufio.NewReader(c))
			}()
		}
	}()
	return "http://" + ln.Addr().String() + "/submit"
}

// readRequest reads one request with its body, or reports false.
func readRequest(br *bufio.Reader) bool {
	req, err := http.ReadRequest(br)
	if err != nil {
		return false
	}
	_, err = io.Copy(io.Discard, req.Body)
	return err == nil
}

// A request that reached the server is never sent again, even when the
// connection breaks before the answer: the server may have stored it.
func TestWireClientNeverResendsWhatWasWritten(t *testing.T) {
	var mu sync.Mutex
	handled := 0
	url := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		for n := 0; readRequest(br); n++ {
			mu.Lock()
			handled++
			mu.Unlock()
			if n == 1 {
				return // handled, then gone without an answer
			}
			io.WriteString(c, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
		}
	})
	p, err := newPoster(url, nil, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if status, _, _, err := p.post(context.Background(), []byte(`{}`)); err != nil || status != 201 {
		t.Fatalf("first: %d %v", status, err)
	}
	if _, _, _, err := p.post(context.Background(), []byte(`{}`)); err == nil {
		t.Fatal("a connection that broke before the answer gave no error")
	}
	mu.Lock()
	defer mu.Unlock()
	if handled != 2 {
		t.Fatalf("the server handled %d requests for 2 posts", handled)
	}
}

// An idle connection on which the server said something unasked (a 408
// before closing, say) is out of step and is not reused.
func TestWireClientDropsConnectionsOutOfStep(t *testing.T) {
	var mu sync.Mutex
	conns := 0
	url := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		mu.Lock()
		conns++
		mu.Unlock()
		for readRequest(br) {
			io.WriteString(c, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
			io.WriteString(c, "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n")
		}
	})
	p, err := newPoster(url, nil, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if status, _, _, err := p.post(context.Background(), []byte(`{}`)); err != nil || status != 201 {
			t.Fatalf("post %d: %d %v", i, status, err)
		}
		time.Sleep(20 * time.Millisecond) // the 408 arrives
	}
	mu.Lock()
	defer mu.Unlock()
	if conns != 3 {
		t.Fatalf("3 posts used %d connections", conns)
	}
}

func TestRunClosesItsConnections(t *testing.T) {
	cs := newCountingServer(t, nil)
	if _, err := Run(context.Background(), Options{BaseURL: cs.URL, Campaign: "c", Clients: 4, MaxRequests: 40, Duration: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		cs.mu.Lock()
		open := cs.open
		cs.mu.Unlock()
		if open == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d connections still open after the run", open)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestNewPosterRefusesOtherSchemes(t *testing.T) {
	for _, u := range []string{"ftp://127.0.0.1/x", "127.0.0.1:8080/x", "http://[::1"} {
		if _, err := newPoster(u, nil, "", 1); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
}

func TestRunOverTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server-Timing", "app;dur=2")
		w.WriteHeader(http.StatusCreated)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes below
	srv.StartTLS()
	defer srv.Close()
	tc := srv.Client().Transport.(*http.Transport).TLSClientConfig
	rep, err := Run(context.Background(), Options{BaseURL: srv.URL, Campaign: "c", Clients: 2, MaxRequests: 20,
		Duration: 5 * time.Second, TLSConfig: tc})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Normal.OK != 20 || rep.Normal.ServerP50 != 2*time.Millisecond {
		t.Fatalf("over TLS: %+v", rep.Normal)
	}
	// Without the test server's certificate the handshake fails, and
	// every request is reported as an error.
	rep, err = Run(context.Background(), Options{BaseURL: srv.URL, Campaign: "c", Clients: 1, MaxRequests: 2, Duration: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Normal.OK != 0 || rep.Normal.Errors != 2 || !strings.Contains(rep.Normal.FirstError, "certificate") {
		t.Fatalf("untrusted certificate: %+v", rep.Normal)
	}
}
