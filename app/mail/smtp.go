package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Sender opens sessions with a mail server (or a folder). A worker opens
// one session per batch so that a batch reuses one connection.
type Sender interface {
	Open(ctx context.Context) (Session, error)
	// Live reports whether sent messages really leave (false for the
	// folder sink, whose messages are only filed).
	Live() bool
	// String names the destination for logs, without secrets.
	String() string
}

// Session sends messages one after another over one connection. It is not
// safe for concurrent use.
type Session interface {
	Send(ctx context.Context, m *Message) error
	Close() error
}

// SMTPOptions configures an SMTP sender.
type SMTPOptions struct {
	// URL is smtp://user:pass@host:port (STARTTLS; port 587 by default) or
	// smtps://user:pass@host:port (TLS from the start; port 465). User and
	// password are optional and must be URL-escaped.
	URL string
	// Timeout bounds each read and each write on the connection (default
	// 30s): a server that stops answering fails the send instead of
	// hanging the worker.
	Timeout time.Duration
	// DialTimeout bounds connecting and the TLS handshake (default 15s).
	DialTimeout time.Duration
	// AllowPlaintext permits a session without TLS to a server that is not
	// on the loopback interface. Off by default: STARTTLS is required so
	// that letters and passwords never cross a network in clear text.
	AllowPlaintext bool
	// TLSConfig is cloned for STARTTLS and smtps (RootCAs for a private
	// CA, tests); ServerName is set from the URL.
	TLSConfig *tls.Config
	// LocalName is the name given in EHLO (default "localhost").
	LocalName string
}

// SMTPSender sends through one SMTP server. It is safe for concurrent use;
// each session has its own connection.
type SMTPSender struct {
	host, port   string
	user, pass   string
	implicitTLS  bool
	timeout      time.Duration
	dialTimeout  time.Duration
	allowPlain   bool
	tlsConfig    *tls.Config
	localName    string
	redactedDest string
	isLoopback   func(host string) bool // tests pretend 127.0.0.1 is remote
}

// NewSMTP checks the options. It does not connect.
func NewSMTP(o SMTPOptions) (*SMTPSender, error) {
	u, err := url.Parse(strings.TrimSpace(o.URL))
	if err != nil || u.Host == "" || (u.Scheme != "smtp" && u.Scheme != "smtps") {
		return nil, fmt.Errorf("mail: SMTP URL must look like smtp://user:pass@host:587 or smtps://host:465")
	}
	s := &SMTPSender{
		host: u.Hostname(), port: u.Port(), implicitTLS: u.Scheme == "smtps",
		timeout: o.Timeout, dialTimeout: o.DialTimeout, allowPlain: o.AllowPlaintext, localName: o.LocalName,
		isLoopback: loopback,
	}
	if s.port == "" {
		s.port = "587"
		if s.implicitTLS {
			s.port = "465"
		}
	}
	if n, err := strconv.Atoi(s.port); err != nil || n <= 0 || n > 65535 {
		return nil, fmt.Errorf("mail: SMTP port %q is not a port number", s.port)
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	if s.timeout <= 0 {
		s.timeout = 30 * time.Second
	}
	if s.dialTimeout <= 0 {
		s.dialTimeout = 15 * time.Second
	}
	if s.localName == "" {
		s.localName = "localhost"
	}
	if o.TLSConfig != nil {
		s.tlsConfig = o.TLSConfig.Clone()
	} else {
		s.tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	s.tlsConfig.ServerName = s.host
	s.redactedDest = u.Scheme + "://" + net.JoinHostPort(s.host, s.port)
	return s, nil
}

// Live is true: messages leave.
func (s *SMTPSender) Live() bool { return true }

// String names the server without credentials.
func (s *SMTPSender) String() string { return s.redactedDest }

// loopback reports whether host is on this machine, where clear text does
// not cross a network.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Open connects, says EHLO, secures the connection and authenticates. A
// failure is a *SendError (temporary: the server or the network may
// recover, or the operator may fix the settings).
func (s *SMTPSender) Open(ctx context.Context) (Session, error) {
	fail := func(op string, err error) (Session, error) {
		return nil, &SendError{Op: op, Temporary: true, Err: err}
	}
	dctx, cancel := context.WithTimeout(ctx, s.dialTimeout)
	defer cancel()
	raw, err := (&net.Dialer{}).DialContext(dctx, "tcp", net.JoinHostPort(s.host, s.port))
	if err != nil {
		return fail("connect", err)
	}
	conn := &deadlineConn{Conn: raw, timeout: s.timeout}
	var c net.Conn = conn
	if s.implicitTLS {
		tc := tls.Client(conn, s.tlsConfig)
		if err := tc.HandshakeContext(dctx); err != nil {
			raw.Close()
			return fail("tls", err)
		}
		c = tc
	}
	sess := &smtpSession{s: s, conn: conn}
	// NewClient reads the greeting; the deadlines bound the wait.
	stop := conn.bind(ctx)
	defer stop()
	client, err := smtp.NewClient(c, s.host)
	if err != nil {
		raw.Close()
		return nil, classify("greeting", err)
	}
	sess.c = client
	if err := client.Hello(s.localName); err != nil {
		sess.abort()
		return nil, classify("ehlo", err)
	}
	secure := s.implicitTLS
	if !secure {
		if ok, _ := client.Extension("STARTTLS"); ok {
			if err := client.StartTLS(s.tlsConfig); err != nil {
				sess.abort()
				return fail("starttls", err)
			}
			secure = true
		}
	}
	if !secure && !s.allowPlain && !s.isLoopback(s.host) {
		sess.abort()
		return fail("starttls", errors.New("the mail server does not offer STARTTLS; refusing to send in clear text "+
			"(set ADVOCATE_SMTP_ALLOW_PLAINTEXT=true only if the network path is trusted)"))
	}
	if s.user != "" {
		a, err := s.auth(client)
		if err != nil {
			sess.abort()
			return fail("auth", err)
		}
		if err := client.Auth(a); err != nil {
			sess.abort()
			return nil, &SendError{Op: "auth", Temporary: true, Code: replyCode(err), Err: err}
		}
	}
	return sess, nil
}

// auth picks PLAIN, else LOGIN, from what the server offers.
func (s *SMTPSender) auth(c *smtp.Client) (smtp.Auth, error) {
	ok, mechs := c.Extension("AUTH")
	if !ok {
		return nil, errors.New("the mail server does not offer AUTH but a user name is configured")
	}
	fields := strings.Fields(strings.ToUpper(mechs))
	for _, m := range fields {
		if m == "PLAIN" {
			return plainAuth{user: s.user, pass: s.pass}, nil
		}
	}
	for _, m := range fields {
		if m == "LOGIN" {
			return &loginAuth{user: s.user, pass: s.pass}, nil
		}
	}
	return nil, fmt.Errorf("the mail server offers AUTH %s; Advocate supports PLAIN and LOGIN", mechs)
}

// plainAuth is SASL PLAIN. Unlike net/smtp's PlainAuth it does not check
// TLS itself: Open already refused clear text unless allowed.
type plainAuth struct{ user, pass string }

func (a plainAuth) Start(*smtp.ServerInfo) (string, []byte, error) {
	return "PLAIN", []byte("\x00" + a.user + "\x00" + a.pass), nil
}

func (a plainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("unexpected server challenge during AUTH PLAIN")
	}
	return nil, nil
}

// loginAuth is the LOGIN mechanism some servers still require.
type loginAuth struct {
	user, pass string
	step       int
}

func (a *loginAuth) Start(*smtp.ServerInfo) (string, []byte, error) { return "LOGIN", nil, nil }

func (a *loginAuth) Next(_ []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	a.step++
	switch a.step {
	case 1:
		return []byte(a.user), nil
	case 2:
		return []byte(a.pass), nil
	}
	return nil, errors.New("unexpected server challenge during AUTH LOGIN")
}

// smtpSession is one connection.
type smtpSession struct {
	s      *SMTPSender
	conn   *deadlineConn
	c      *smtp.Client
	broken bool // the connection cannot carry another message
}

// Send delivers one message. After a reply error (4xx/5xx) the transaction
// is reset and the session stays usable; after a network error it is
// broken and every later Send fails at once.
func (ss *smtpSession) Send(ctx context.Context, m *Message) error {
	g, env, err := m.build()
	if err != nil {
		return err
	}
	if ss.broken {
		return &SendError{Op: "send", Temporary: true, Err: errors.New("the connection to the mail server was lost")}
	}
	stop := ss.conn.bind(ctx)
	defer stop()
	if err := ss.c.Mail(env.from); err != nil {
		return ss.fail("mail from", err)
	}
	for _, to := range env.to {
		if err := ss.c.Rcpt(to); err != nil {
			return ss.fail("rcpt to", err)
		}
	}
	w, err := ss.c.Data()
	if err != nil {
		return ss.fail("data", err)
	}
	if _, err := g.WriteTo(w); err != nil {
		ss.broken = true
		return classify("data", err)
	}
	if err := w.Close(); err != nil {
		return ss.fail("data", err)
	}
	return nil
}

// fail classifies err and resets the transaction when the server is still
// talking (a reply error), else marks the session broken.
func (ss *smtpSession) fail(op string, err error) error {
	se := classify(op, err)
	if se.Code != 0 {
		if rerr := ss.c.Reset(); rerr != nil {
			ss.broken = true
		}
	} else {
		ss.broken = true
	}
	return se
}

// Close says QUIT (bounded by the deadlines) and closes the connection.
func (ss *smtpSession) Close() error {
	if ss.broken {
		return ss.c.Close()
	}
	ss.conn.timeout = min(ss.conn.timeout, 5*time.Second)
	if err := ss.c.Quit(); err != nil {
		ss.c.Close()
		return nil // the messages are sent; a rude goodbye does not matter
	}
	return nil
}

func (ss *smtpSession) abort() {
	ss.conn.timeout = min(ss.conn.timeout, 2*time.Second)
	_ = ss.c.Quit()
	_ = ss.c.Close()
}

// deadlineConn sets a fresh deadline before every read and write, capped
// by the deadline of the context bound with bind, and fails at once when
// that context is cancelled. net/smtp and crypto/tls read and write through
// it, so neither can block longer than timeout on a silent server.
type deadlineConn struct {
	net.Conn
	timeout time.Duration
	limit   atomic.Int64 // unix nanoseconds of the bound context's deadline; 0 none
	dead    atomic.Bool  // the bound context is done
}

var errCancelled = errors.New("mail: cancelled")

// bind ties the connection to ctx until the returned stop is called.
func (c *deadlineConn) bind(ctx context.Context) (stop func()) {
	if d, ok := ctx.Deadline(); ok {
		c.limit.Store(d.UnixNano())
	} else {
		c.limit.Store(0)
	}
	c.dead.Store(false)
	after := context.AfterFunc(ctx, func() {
		c.dead.Store(true)
		_ = c.Conn.SetDeadline(time.Unix(1, 0)) // wake a blocked read or write
	})
	return func() {
		after()
		c.limit.Store(0)
	}
}

func (c *deadlineConn) arm() error {
	if c.dead.Load() {
		return errCancelled
	}
	d := time.Now().Add(c.timeout)
	if l := c.limit.Load(); l != 0 && l < d.UnixNano() {
		d = time.Unix(0, l)
	}
	return c.Conn.SetDeadline(d)
}

func (c *deadlineConn) Read(p []byte) (int, error) {
	if err := c.arm(); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(p)
	if err != nil && c.dead.Load() {
		err = errCancelled
	}
	return n, err
}

func (c *deadlineConn) Write(p []byte) (int, error) {
	if err := c.arm(); err != nil {
		return 0, err
	}
	n, err := c.Conn.Write(p)
	if err != nil && c.dead.Load() {
		err = errCancelled
	}
	return n, err
}
