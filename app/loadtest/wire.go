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
	"syscall"
	"time"
)

// A poster sends one submission body and returns the answer's status, its
// Server-Timing header and the start of its body (at most maxBody bytes,
// for error messages).
type poster interface {
	post(ctx context.Context, body []byte) (status int, timing string, msg []byte, err error)
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
	var c *wireConn
	select {
	case c = <-w.idle:
	default:
	}
	reused := c != nil
	for {
		if c == nil {
			nc, err := w.dialer.DialContext(ctx, "tcp", w.addr)
			if err != nil {
				return 0, "", nil, err
			}
			c = &wireConn{c: nc, br: bufio.NewReaderSize(nc, 16<<10)}
		}
		status, timing, msg, keep, started, err := w.exchange(ctx, c, body)
		if err == nil && keep {
			w.idle <- c // never blocks: at most cap(slots) connections exist
		} else {
			c.c.Close()
		}
		// A kept-alive connection the server closed while it sat idle
		// fails before any answer arrives: the request was not handled,
		// so it goes again on a new connection (once).
		if err != nil && reused && !started && ctx.Err() == nil {
			c, reused = nil, false
			continue
		}
		return status, timing, msg, err
	}
}

// exchange writes one request on c and reads its answer. keep reports
// whether c can carry another request; started whether any of the answer
// arrived.
func (w *wireClient) exchange(ctx context.Context, c *wireConn, body []byte) (status int, timing string, msg []byte, keep, started bool, err error) {
	if err := c.c.SetDeadline(time.Now().Add(requestTimeout)); err != nil {
		return 0, "", nil, false, false, err
	}
	stop := context.AfterFunc(ctx, func() { _ = c.c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
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
	started = status != 0 || err != nil && !errors.Is(err, io.EOF) && !isReset(err)
	return status, timing, msg, keep, started, err
}

func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }

// readResponse reads one HTTP/1.1 answer to a POST from br: status,
// Server-Timing, the start of the body, and whether the connection stays
// usable.
func readResponse(br *bufio.Reader) (status int, timing string, msg []byte, keep bool, err error) {
	line, err := readLine(br)
	if err != nil {
		return 0, "", nil, false, err
	}
	proto, rest, _ := strings.Cut(line, " ")
	code, _, _ := strings.Cut(rest, " ")
	if !strings.HasPrefix(proto, "HTTP/1.") || len(code) != 3 {
		return 0, "", nil, false, fmt.Errorf("loadtest: malformed status line %q", line)
	}
	if status, err = strconv.Atoi(code); err != nil || status < 100 {
		return 0, "", nil, false, fmt.Errorf("loadtest: malformed status line %q", line)
	}
	keep = proto == "HTTP/1.1"
	length, chunked := int64(-1), false
	for {
		line, err := readLine(br)
		if err != nil {
			return status, "", nil, false, err
		}
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return status, "", nil, false, fmt.Errorf("loadtest: malformed header line %q", line)
		}
		value = strings.TrimSpace(value)
		switch {
		case strings.EqualFold(name, "Content-Length"):
			if length, err = strconv.ParseInt(value, 10, 64); err != nil || length < 0 {
				return status, "", nil, false, fmt.Errorf("loadtest: bad Content-Length %q", value)
			}
		case strings.EqualFold(name, "Transfer-Encoding"):
			chunked = strings.EqualFold(value, "chunked")
			if !chunked {
				return status, "", nil, false, fmt.Errorf("loadtest: unsupported Transfer-Encoding %q", value)
			}
		case strings.EqualFold(name, "Connection"):
			for _, opt := range strings.Split(value, ",") {
				switch strings.ToLower(strings.TrimSpace(opt)) {
				case "close":
					keep = false
				case "keep-alive":
					keep = keep || proto == "HTTP/1.0"
				}
			}
		case strings.EqualFold(name, "Server-Timing"):
			if timing == "" {
				timing = value
			}
		}
	}
	if status < 200 {
		// Interim answers (100 Continue) are not asked for; anything
		// else here leaves the exchange out of step.
		return status, timing, nil, false, fmt.Errorf("loadtest: unexpected interim answer %d", status)
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
	case chunked:
		err = readChunked(br, dst)
	case length >= 0:
		err = skip(br, dst, length)
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
