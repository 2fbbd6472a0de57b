// Package mailtest runs real SMTP servers on the loopback interface for
// tests: one that records what it receives (and can be told to refuse,
// defer or slow down), and one that accepts connections and never says a
// word. Tests of the mail package and the outbox speak real SMTP over TCP
// to them, so timeouts, retries and MIME parsing are exercised end to end.
package mailtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one message the server accepted.
type Received struct {
	From string
	To   []string
	Data []byte
	// Conn numbers the connection it came on (1, 2, ...), to check reuse.
	Conn int
}

// Options shapes a Server's behaviour.
type Options struct {
	// Reply decides the answer to the DATA of message n (1-based, counted
	// over the server's life): nil accepts it; a *smtp.SMTPError (see
	// Temp and Perm) refuses it.
	Reply func(n int, r Received) error
	// RcptReply, when set, answers RCPT TO (nil accepts).
	RcptReply func(to string) error
	// STARTTLS offers STARTTLS with a self-signed certificate for
	// 127.0.0.1; use Server.ClientTLS to trust it.
	STARTTLS bool
	// User and Password require AUTH PLAIN with these credentials.
	User, Password string
	// DataDelay sleeps before answering DATA (a slow server).
	DataDelay time.Duration
	// Discard counts messages without keeping them (benchmarks).
	Discard bool
}

// Server is a recording SMTP server on 127.0.0.1.
type Server struct {
	Addr string
	srv  *smtp.Server
	opts Options
	cert *x509.Certificate

	mu       sync.Mutex
	received []Received
	n        int
	conns    int
}

// Temp is a 451 reply (try again later).
func Temp(msg string) error {
	return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: msg}
}

// Perm is a 550 reply (rejected for good).
func Perm(msg string) error {
	return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: msg}
}

// Start runs a server until the test ends.
func Start(tb testing.TB, o Options) *Server {
	tb.Helper()
	s := &Server{opts: o}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.MaxMessageBytes = 50 << 20
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.ErrorLog = nopLogger{}
	if o.STARTTLS {
		cfg, cert := selfSigned(tb)
		srv.TLSConfig = cfg
		s.cert = cert
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	s.srv = srv
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	return s
}

// URL is smtp://127.0.0.1:port, with the configured credentials.
func (s *Server) URL() string {
	u := &url.URL{Scheme: "smtp", Host: s.Addr}
	if s.opts.User != "" {
		u.User = url.UserPassword(s.opts.User, s.opts.Password)
	}
	return u.String()
}

// ClientTLS trusts the server's self-signed certificate.
func (s *Server) ClientTLS() *tls.Config {
	pool := x509.NewCertPool()
	if s.cert != nil {
		pool.AddCert(s.cert)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// Received returns a copy of the accepted messages.
func (s *Server) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// Count is how many messages were accepted.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.received)
}

// Attempts is how many DATA commands arrived (accepted or not).
func (s *Server) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// Conns is how many connections the server saw.
func (s *Server) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// NewSession implements smtp.Backend.
func (s *Server) NewSession(*smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	s.conns++
	n := s.conns
	s.mu.Unlock()
	return &session{s: s, conn: n}, nil
}

type session struct {
	s      *Server
	conn   int
	authed bool
	cur    Received
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.opts.User == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.s.opts.User || pass != ss.s.opts.Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.opts.User != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.cur = Received{From: from, Conn: ss.conn}
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if f := ss.s.opts.RcptReply; f != nil {
		if err := f(to); err != nil {
			return err
		}
	}
	ss.cur.To = append(ss.cur.To, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if d := ss.s.opts.DataDelay; d > 0 {
		time.Sleep(d)
	}
	ss.cur.Data = b
	s := ss.s
	s.mu.Lock()
	s.n++
	n := s.n
	s.mu.Unlock()
	if f := s.opts.Reply; f != nil {
		if err := f(n, ss.cur); err != nil {
			return err
		}
	}
	s.mu.Lock()
	if s.opts.Discard {
		ss.cur.Data = nil
	}
	s.received = append(s.received, ss.cur)
	s.mu.Unlock()
	return nil
}

func (ss *session) Reset()        { ss.cur = Received{} }
func (ss *session) Logout() error { return nil }

// Silent listens on 127.0.0.1, accepts connections and never answers (not
// even the greeting), like a stalled server. It returns the address.
func Silent(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	tb.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return ln.Addr().String()
}

// selfSigned makes a certificate for 127.0.0.1 and localhost.
func selfSigned(tb testing.TB) (*tls.Config, *x509.Certificate) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mailtest"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, cert
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}
func (nopLogger) Println(...any)        {}
