// Package web is Advocate's HTTP face: server-rendered pages for supporters
// (and later organizers and staff) and the JSON API. Handlers are thin: they
// bind a request, call a domain service and render. It is the only package
// that imports echo, so a move to another router stays here.
package web

import (
	"context"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/advocate-org/advocate/app/auth"
	"github.com/advocate-org/advocate/app/campaign"
	"github.com/advocate-org/advocate/app/keptroster"
	"github.com/advocate-org/advocate/app/limit"
	"github.com/advocate-org/advocate/app/privacy"
	"github.com/advocate-org/advocate/app/roster"
	"github.com/advocate-org/advocate/app/stats"
	"github.com/advocate-org/advocate/app/submit"
)

// Pinger reports whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Options wires a Server.
type Options struct {
	Submit *submit.Service
	Roster *roster.Service
	DB     Pinger
	Pages  fs.FS // html/template pages, see templates.Pages
	Static fs.FS // /static/ assets
	Logger *slog.Logger
	// MaxBodyBytes caps request bodies (413 beyond).
	MaxBodyBytes int64
	// Timeouts bound how long a client may take to send a request and to
	// read the answer (see HTTPServer); zero fields take the defaults.
	Timeouts Timeouts
	// SecureCookies marks cookies Secure (set when served over TLS).
	SecureCookies bool
	Clock         func() time.Time
	// Location is the time zone dates are shown in on staff pages (default
	// UTC; serve passes ADVOCATE_TIMEZONE).
	Location *time.Location
	// Delivery and Packets serve the staff delivery page; nil leaves it
	// unavailable.
	Delivery DeliveryReports
	Packets  PacketWriter
	// Flags shows organizers what a roster refresh changed about their
	// campaigns' targets (organizer_flags.go); nil shows none.
	Flags CampaignFlags
	// SubmitRate limits submissions per client network (zero: no limit).
	SubmitRate RateLimit
	// Limits keeps the counts behind SubmitRate in the database, for every
	// instance; nil turns the submission limit off.
	Limits *limit.Counter
	// Auth signs organizers, staff and admins in; nil leaves every
	// protected page closed (anonymous only).
	Auth *auth.Service
	// TrustedProxies are the addresses or CIDR ranges of reverse proxies
	// whose X-Forwarded-For is believed; empty: use the connection's peer.
	TrustedProxies []string
	// Campaigns and Rosters serve the organizer workspace (organizer.go);
	// nil leaves its pages unavailable.
	Campaigns *campaign.Service
	Rosters   *keptroster.Service
	// Privacy serves the supporter-data pages (staff_privacy.go); nil
	// leaves them unavailable.
	Privacy *privacy.Service
	// Stats serves the staff outreach pages, their exports and
	// /api/v1/stats (staff.go); nil leaves them unavailable.
	Stats *stats.Service
	// PDFs serves supporters' PDF downloads (public_pdf.go); nil: made
	// from Submit with the default cache and render turns.
	PDFs *submit.PDFs
	// DownloadRate limits PDF downloads per client address, and
	// DownloadTokenRate per submission link (zero: no limit).
	DownloadRate      RateLimit
	DownloadTokenRate RateLimit
	// DBTimeout bounds each request's database work [5s]; the streamed
	// staff exports get exportTimeout instead (middleware.go).
	DBTimeout time.Duration
}

// Timeouts are the connection deadlines of HTTPServer. A client that sends
// its headers or body slowly (to hold connections open) is cut off when
// they pass.
type Timeouts struct {
	// ReadHeader is how long the request line and headers may take [10s].
	ReadHeader time.Duration
	// Read is how long the whole request, body included, may take [30s].
	Read time.Duration
	// Write is how long the answer may take, from the end of the headers
	// [60s: a large PDF or packet archive needs a while].
	Write time.Duration
	// Idle is how long a kept-alive connection may wait for its next
	// request [2m].
	Idle time.Duration
}

// Server is the HTTP handler with everything it needs. Handlers reach the
// domain services through its fields only; opts keeps the settings (clock,
// time zone, limits, timeouts) as NewServer completed them.
type Server struct {
	e     *echo.Echo
	pages map[string]*template.Template
	log   *slog.Logger
	opts  Options

	// The services, from Options; nil where Options leaves a page
	// unavailable.
	submit      *submit.Service
	roster      *roster.Service
	db          Pinger
	auth        *auth.Service
	campaigns   *campaign.Service
	keptRosters *keptroster.Service
	privacy     *privacy.Service
	stats       *stats.Service
	delivery    DeliveryReports
	packets     PacketWriter
	flags       CampaignFlags
	limits      *limit.Counter

	// submitLimit is the per-address rate limit on submission routes.
	submitLimit echo.MiddlewareFunc
	// pdfs and downloadLimit serve and limit the PDF downloads.
	pdfs          *submit.PDFs
	downloadLimit echo.MiddlewareFunc
	icon          *favicon
}

// NewServer parses every page template (failing on a broken one) and
// registers the routes.
func NewServer(o Options) (*Server, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = 64 << 10
	}
	orDefault := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	orDefault(&o.Timeouts.ReadHeader, 10*time.Second)
	orDefault(&o.Timeouts.Read, 30*time.Second)
	orDefault(&o.Timeouts.Write, time.Minute)
	orDefault(&o.Timeouts.Idle, 2*time.Minute)
	orDefault(&o.DBTimeout, 5*time.Second)
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.PDFs == nil && o.Submit != nil {
		o.PDFs = o.Submit.NewPDFs(submit.PDFOptions{})
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	pages, err := parsePages(o.Pages)
	if err != nil {
		return nil, err
	}
	ipx, err := ipExtractor(o.TrustedProxies)
	if err != nil {
		return nil, err
	}
	icon, err := loadFavicon(o.Static)
	if err != nil {
		return nil, err
	}
	s := &Server{pages: pages, log: o.Logger, opts: o,
		submit: o.Submit, roster: o.Roster, db: o.DB, auth: o.Auth, pdfs: o.PDFs,
		campaigns: o.Campaigns, keptRosters: o.Rosters, privacy: o.Privacy, stats: o.Stats,
		delivery: o.Delivery, packets: o.Packets, flags: o.Flags, limits: o.Limits, icon: icon}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	// The client IP comes from the connection unless a trusted proxy is
	// configured; X-Forwarded-For is never believed by default.
	e.IPExtractor = ipx
	s.e = e
	s.submitLimit = s.submitLimiter()
	s.downloadLimit = s.downloadLimiter()
	s.routes()
	return s, nil
}

// HTTPServer returns the http.Server to run s with: its timeouts and a
// header size limit, so that slow or oversized requests cannot tie up
// connections.
func (s *Server) HTTPServer() *http.Server {
	t := s.opts.Timeouts
	return &http.Server{
		Handler:           s,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    64 << 10,
	}
}

// ServeHTTP makes Server an http.Handler. A HEAD request is routed as the
// GET it stands for: echo v4 routes HEAD nowhere, so uptime monitors got
// 404 for pages that answer GET. Only the router's copy of the request says
// GET; net/http, which still sees HEAD, sends the GET's status and headers
// and drops the body. Every GET route answers HEAD this way, with the same
// authorization, so the route table stays one list.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead {
		r = r.WithContext(r.Context()) // a shallow copy
		r.Method = http.MethodGet
	}
	s.e.ServeHTTP(w, r)
}

// healthPing bounds the health check's database ping, so that a load
// balancer asking with a 2 s timeout hears 503 rather than nothing.
const healthPing = 1500 * time.Millisecond

func (s *Server) health(c echo.Context) error {
	if s.db != nil {
		ctx, cancel := context.WithTimeout(c.Request().Context(), healthPing)
		defer cancel()
		if err := s.db.Ping(ctx); err != nil {
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
		}
	}
	info := s.roster.Info()
	return c.JSON(http.StatusOK, map[string]any{"status": "ok", "roster_version": info.Version, "roster_source": info.Source})
}
