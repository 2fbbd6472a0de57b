package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// A poster sends one submission body and returns the answer's status, its
// Server-Timing header and the start of its body (at most maxBody bytes,
// for error messages). close closes its idle connections at the end of a
// run.
type poster interface {
	post(ctx context.Context, body []byte) (status int, timing string, msg []byte, err error)
	close()
}

const (
	maxBody        = 4096
	requestTimeout = 30 * time.Second
	dialTimeout    = 5 * time.Second
)

// newPoster returns the client of one source address (localAddr, or the
// system's choice when empty) with at most conns connections, for a
// submissions URL. Plain http:// gets wireClient; https:// goes through
// net/http with tc (nil: the system's roots).
func newPoster(target string, tc *tls.Config, localAddr string, conns int) (poster, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("loadtest: base URL: %w", err)
	}
	d := &net.Dialer{Timeout: dialTimeout}
	if localAddr != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(localAddr)}
	}
	switch u.Scheme {
	case "http":
		host := u.Host
		if u.Port() == "" {
			host = net.JoinHostPort(u.Hostname(), "80")
		}
		path := u.EscapedPath()
		if path == "" {
			path = "/"
		}
		if u.RawQuery != "" {
			path += "?" + u.RawQuery
		}
		return &wireClient{dialer: d, addr: host, host: u.Host, path: path,
			idle: make(chan *wireConn, conns), slots: make(chan struct{}, conns)}, nil
	case "https":
		if tc == nil {
			tc = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		tr := &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
			IdleConnTimeout: 30 * time.Second, TLSClientConfig: tc}
		return &stdClient{c: &http.Client{Transport: tr, Timeout: requestTimeout}, url: target}, nil
	}
	return nil, fmt.Errorf("loadtest: base URL %q: only http:// and https:// are supported", target)
}

// stdClient posts through net/http (TLS servers).
type stdClient struct {
	c   *http.Client
	url string
}

func (s *stdClient) close() { s.c.CloseIdleConnections() }

func (s *stdClient) post(ctx context.Context, body []byte) (int, string, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return 0, "", nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.c.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("Server-Timing"), msg, nil
}

// wireClient is a small HTTP/1.1 client for plain-text keep-alive
// connections: one write per request, answers read on the caller's
// goroutine. The load generator shares the machine with the server it
// measures, and net/http's client (a reader and a writer goroutine per
// connection, a connection pool keyed by a hashed struct) cost about as
// much CPU per request as the server's whole HTTP layer; this one does the
// same exchange on the wire for a fraction of it. It understands what an
// HTTP/1.1 server may answer: Content-Length, chunked and close-delimited
// bodies, and "Connection: close".
type wireClient struct {
	dialer           *net.Dialer
	addr, host, path string
	idle             chan *wireConn // kept-alive connections
	slots            chan struct{}  // one per connection open or being dialled
}

type wireConn struct {
	c   net.Conn
	br  *bufio.Reader
	out []byte // the request being written
}

func (w *wireClient) post(ctx context.Context, body []byte) (int, string, []byte, error) {
	select {
	case w.slots <- struct{}{}:
	case <-ctx.Done():
		return 0, "", nil, ctx.Err()
	}
	defer func() { <-w.slots }()
	c := w.idleConn()
	reused := c != nil
	for {
		if c == nil {
			nc, err := w.dialer.DialContext(ctx, "tcp", w.addr)
			if err != nil {
				return 0, "", nil, err
			}
			c = &wireConn{c: nc, br: bufio.NewReaderSize(nc, 16<<10)}
		}
		status, timing, msg, keep, written, err := w.exchange(ctx, c, body)
		if err == nil && keep {
			w.idle <- c // never blocks: at most cap(slots) connections exist
		} else {
			c.c.Close()
		}
		// A kept-alive connection the server closed between the check
		// in idleConn and the write refuses the write: the server never
		// saw the request, so it goes again on a new connection, once.
		// A request that was written is never sent again (the server
		// may have handled it before the connection broke), as net/http
		// does for a POST.
		if err != nil && reused && !written && ctx.Err() == nil {
			c, reused = nil, false
			continue
		}
		return status, timing, msg, err
	}
}

// idleConn returns a kept-alive connection the server has not closed, or
// nil. (net/http notices such closes with a reader goroutine per
// connection; here connGone asks the socket before each reuse.)
func (w *wireClient) idleConn() *wireConn {
	for {
		select {
		case c := <-w.idle:
			if c.br.Buffered() == 0 && !connGone(c.c) {
				return c
			}
			c.c.Close()
		default:
			return nil
		}
	}
}

// close closes the idle connections; it is for the end of a run, when no
// post is running.
func (w *wireClient) close() {
	for {
		select {
		case c := <-w.idle:
			c.c.Close()
		default:
			return
		}
	}
}

// exchange writes one request on c and reads its answer. keep reports
// whether c can carry another request; written whether the request went
// out whole.
func (w *wireClient) exchange(ctx context.Context, c *wireConn, body []byte) (status int, timing string, msg []byte, keep, written bool, err error) {
	if err := c.c.SetDeadline(time.Now().Add(requestTimeout)); err != nil {
		return 0, "", nil, false, false, err
	}
	stop := context.AfterFunc(ctx, func() { _ = c.c.SetDeadline(time.Unix(1, 0)) })
	defer func() {
		// The run ended as the answer came in: the deadline may be set
		// to the past after all, so the connection cannot be kept.
		if !stop() {
			keep = false
		}
	}()
	c.out = append(c.out[:0], "POST "...)
	c.out = append(c.out, w.path...)
	c.out = append(c.out, " HTTP/1.1\r\nHost: "...)
	c.out = append(c.out, w.host...)
	c.out = append(c.out, "\r\nUser-Agent: advocate-bench\r\nContent-Type: application/json\r\nContent-Length: "...)
	c.out = strconv.AppendInt(c.out, int64(len(body)), 10)
	c.out = append(c.out, "\r\n\r\n"...)
	c.out = append(c.out, body...)
	if _, err := c.c.Write(c.out); err != nil {
		return 0, "", nil, false, false, err
	}
	status, timing, msg, keep, err = readResponse(c.br)
	return status, timing, msg, keep, true, err
}

// header is what readResponse needs of an answer's head.
type header struct {
	status  int
	timing  string // the first Server-Timing
	keep    bool   // the connection may carry another request
	length  int64  // Content-Length, or -1
	chunked bool
}

// readHeader reads a status line and header fields up to the empty line.
func readHeader(br *bufio.Reader) (h header, err error) {
	line, err := readLine(br)
	if err != nil {
		return h, err
	}
	proto, rest, _ := strings.Cut(line, " ")
	code, _, _ := strings.Cut(rest, " ")
	if !strings.HasPrefix(proto, "HTTP/1.") || len(code) != 3 {
		return h, fmt.Errorf("loadtest: malformed status line %q", line)
	}
	if h.status, err = strconv.Atoi(code); err != nil || h.status < 100 {
		return header{}, fmt.Errorf("loadtest: malformed status line %q", line)
	}
	h.keep, h.length = proto == "HTTP/1.1", -1
	for {
		line, err := readLine(br)
		if err != nil {
			return h, err
		}
		if line == "" {
			return h, nil
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			// Includes obsolete line folding (a line that starts with
			// white space) and "Name : value", which a lenient reader
			// might take for another field.
			return h, fmt.Errorf("loadtest: malformed header line %q", line)
		}
		value = strings.TrimSpace(value)
		switch {
		case strings.EqualFold(name, "Content-Length"):
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil || n < 0 || h.length >= 0 && n != h.length {
				return h, fmt.Errorf("loadtest: bad Content-Length %q", value)
			}
			h.length = n
		case strings.EqualFold(name, "Transfer-Encoding"):
			if h.chunked = strings.EqualFold(value, "chunked"); !h.chunked {
				return h, fmt.Errorf("loadtest: unsupported Transfer-Encoding %q", value)
			}
		case strings.EqualFold(name, "Connection"):
			for _, opt := range strings.Split(value, ",") {
				switch strings.ToLower(strings.TrimSpace(opt)) {
				case "close":
					h.keep = false
				case "keep-alive":
					h.keep = h.keep || proto == "HTTP/1.0"
				}
			}
		case strings.EqualFold(name, "Server-Timing"):
			if h.timing == "" {
				h.timing = value
			}
		}
	}
}

// readResponse reads one HTTP/1.1 answer to a POST from br: status,
// Server-Timing, the start of the body, and whether the connection stays
// usable.
func readResponse(br *bufio.Reader) (status int, timing string, msg []byte, keep bool, err error) {
	var h header
	for {
		if h, err = readHeader(br); err != nil {
			return h.status, "", nil, false, err
		}
		// Interim answers (103 Early Hints) precede the real one; a
		// switch of protocols was not asked for.
		if h.status >= 200 {
			break
		}
		if h.status == http.StatusSwitchingProtocols {
			return h.status, "", nil, false, fmt.Errorf("loadtest: unexpected answer %d", h.status)
		}
	}
	status, timing, keep = h.status, h.timing, h.keep
	if h.chunked && h.length >= 0 {
		// Both framings: chunked wins, and the connection is not to be
		// trusted after it (RFC 9112, 6.3).
		keep = false
	}
	// A successful answer's body is only skipped; an error's start is kept
	// for the report.
	var body bodyKeeper
	var dst io.Writer = io.Discard
	if status >= 300 {
		dst = &body
	}
	switch {
	case status == http.StatusNoContent || status == http.StatusNotModified:
	case h.chunked:
		err = readChunked(br, dst)
	case h.length >= 0:
		err = skip(br, dst, h.length)
	default:
		// Delimited by the server closing the connection.
		_, err = io.Copy(dst, br)
		keep = false
	}
	if err != nil {
		return status, timing, body.b, false, err
	}
	return status, timing, body.b, keep, nil
}

// skip moves the next n bytes of br to dst (or drops them when dst is
// io.Discard).
func skip(br *bufio.Reader, dst io.Writer, n int64) error {
	if dst == io.Discard {
		for n > 0 {
			step := int(min(n, 1<<30))
			if _, err := br.Discard(step); err != nil {
				return noEOF(err)
			}
			n -= int64(step)
		}
		return nil
	}
	_, err := io.CopyN(dst, br, n)
	return noEOF(err)
}

// noEOF turns an end of input inside a body into an error that says so.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readChunked reads a chunked body and its trailer into dst.
func readChunked(br *bufio.Reader, dst io.Writer) error {
	for {
		line, err := readLine(br)
		if err != nil {
			return noEOF(err)
		}
		size, _, _ := strings.Cut(line, ";")
		n, err := strconv.ParseInt(strings.TrimSpace(size), 16, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("loadtest: bad chunk size %q", line)
		}
		if n == 0 {
			for { // trailer fields, then the empty line
				line, err := readLine(br)
				if err != nil || line == "" {
					return noEOF(err)
				}
			}
		}
		if err := skip(br, dst, n); err != nil {
			return err
		}
		if line, err := readLine(br); err != nil || line != "" {
			if err != nil {
				return noEOF(err)
			}
			return fmt.Errorf("loadtest: chunk not followed by CRLF")
		}
	}
}

// readLine reads one CRLF- (or LF-) terminated line without its end. An
// end of input before any byte of the line is io.EOF.
func readLine(br *bufio.Reader) (string, error) {
	b, err := br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return "", fmt.Errorf("loadtest: header line longer than %d bytes", br.Size())
		}
		if errors.Is(err, io.EOF) && len(b) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return "", err
	}
	b = bytes.TrimSuffix(b[:len(b)-1], []byte{'\r'})
	return string(b), nil
}

// bodyKeeper keeps the first maxBody bytes written to it and drops the
// rest.
type bodyKeeper struct{ b []byte }

func (k *bodyKeeper) Write(p []byte) (int, error) {
	if room := maxBody - len(k.b); room > 0 {
		k.b = append(k.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}
