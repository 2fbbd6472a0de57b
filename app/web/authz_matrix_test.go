package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/auth"
	"github.com/advocate-org/advocate/app/letter/pdf"
	"github.com/advocate-org/advocate/app/packets"
	"github.com/advocate-org/advocate/app/privacy"
	"github.com/advocate-org/advocate/app/stats"
	"github.com/advocate-org/advocate/app/store"
	"github.com/advocate-org/advocate/app/store/views"
	"github.com/advocate-org/advocate/app/web"
)

// The authorization matrix: every route the server registers must appear
// in exactly one of the two tables below, so a new route cannot ship
// without someone deciding who may call it. Keys are "METHOD /path" as
// echo registers them; "*" as the method covers every method of a path.
// "echo_route_not_found" routes are the catch-alls echo adds for a group's
// middleware: unknown addresses under /admin must be as closed as the
// known ones.

// publicRoutes need no sign-in. The value says why.
var publicRoutes = map[string]string{
	"GET /":                                    "supporters: campaign list",
	"GET /c/:slug":                             "supporters: campaign page",
	"POST /c/:slug/preview":                    "supporters: letter preview",
	"POST /c/:slug/submit":                     "supporters: send letters",
	"POST /c/:slug/link":                       "supporters: the private link, emailed to the address only",
	"POST /s/:token/erase":                     "the holder of a private link: erase their own letters and details",
	"GET /s/:token":                            "supporters: thank-you page behind an unguessable token",
	"GET /s/:token/letters.pdf":                "supporters: their letters, same token",
	"GET /s/:token/letters/:id/pdf":            "supporters: one letter, same token",
	"GET /confirm/:token":                      "supporters: double opt-in page behind the emailed token",
	"POST /confirm/:token":                     "supporters: confirm their letters, same token",
	"GET /static*":                             "assets",
	"GET /favicon.ico":                         "the site's icon",
	"GET /healthz":                             "load balancer checks",
	"GET /login":                               "sign-in form",
	"POST /login":                              "sign-in",
	"GET /logout":                              "sign-out confirmation (redirects when signed out)",
	"POST /logout":                             "sign-out (harmless when signed out)",
	"GET /api/v1/lookup":                       "public API: who represents a ZIP",
	"GET /api/v1/campaigns":                    "public API: open campaigns",
	"GET /api/v1/campaigns/:slug/targets":      "public API: a supporter's targets",
	"POST /api/v1/campaigns/:slug/submissions": "public API: submit as a supporter",
	"* /api/v1/*":                              "public API: JSON 404 for unknown endpoints",
	"echo_route_not_found /":                   "supporter pages group: HTML 404",
	"echo_route_not_found /*":                  "supporter pages group: HTML 404",
}

// anySignedIn marks routes open to every signed-in user whatever the role.
var anySignedIn = []app.Role{}

// protectedRoutes need a signed-in user holding one of the roles.
var protectedRoutes = map[string][]app.Role{
	"GET /account":                    anySignedIn,
	"POST /account/password":          anySignedIn,
	"echo_route_not_found /account":   anySignedIn,
	"echo_route_not_found /account/*": anySignedIn,
	"GET /api/v1/me":                  anySignedIn,
	"GET /api/v1/stats":               {app.RoleStaff},
	"GET /admin":                      {app.RoleAdmin},
	"GET /admin/users":                {app.RoleAdmin},
	"POST /admin/users":               {app.RoleAdmin},
	"GET /admin/users/:id":            {app.RoleAdmin},
	"POST /admin/users/:id":           {app.RoleAdmin},
	"POST /admin/users/:id/disable":   {app.RoleAdmin},
	"POST /admin/users/:id/enable":    {app.RoleAdmin},
	"POST /admin/users/:id/password":  {app.RoleAdmin},
	"POST /admin/users/:id/tokens":    {app.RoleAdmin},
	"POST /admin/tokens/:id/revoke":   {app.RoleAdmin},
	"POST /admin/grants/:id/approve":  {app.RoleAdmin}, // never one's own request or role (auth.ApproveRoleGrant)
	"POST /admin/grants/:id/refuse":   {app.RoleAdmin},
	"GET /admin/audit":                {app.RoleAdmin},
	"echo_route_not_found /admin":     {app.RoleAdmin},
	"echo_route_not_found /admin/*":   {app.RoleAdmin},

	// Changes of delivery address waiting for an admin (admin_approvals.go).
	"POST /admin/approvals/:id/approve": {app.RoleAdmin},
	"POST /admin/approvals/:id/refuse":  {app.RoleAdmin},

	// Staff (staff_delivery.go).
	"GET /staff":                              {app.RoleStaff},
	"GET /staff/delivery":                     {app.RoleStaff},
	"GET /staff/campaigns/:slug":              {app.RoleStaff},
	"GET /staff/campaigns/:slug/letters":      {app.RoleStaff},
	"GET /staff/campaigns/:slug/export/:file": {app.RoleStaff},
	"GET /staff/campaigns/:slug/packets.zip":  {app.RoleSupporterData}, // every letter in full
	"echo_route_not_found /staff":             {app.RoleStaff},
	"echo_route_not_found /staff/*":           {app.RoleStaff},

	// Supporters' personal data (staff_privacy.go): that role alone.
	"GET /staff/supporters":                    {app.RoleSupporterData},
	"GET /staff/supporters/export":             {app.RoleSupporterData},
	"POST /staff/supporters/erase":             {app.RoleSupporterData},
	"echo_route_not_found /staff/supporters":   {app.RoleSupporterData},
	"echo_route_not_found /staff/supporters/*": {app.RoleSupporterData},

	// Organizer workspace (organizer.go).
	"GET /organize":                                                    {app.RoleOrganizer},
	"GET /organize/campaigns/:slug":                                    {app.RoleOrganizer},
	"GET /organize/campaigns/:slug/edit":                               {app.RoleOrganizer},
	"GET /organize/campaigns/:slug/letters/:kind":                      {app.RoleOrganizer},
	"GET /organize/campaigns/:slug/letters/:kind/history":              {app.RoleOrganizer},
	"GET /organize/campaigns/:slug/letters/:kind/versions/:n":          {app.RoleOrganizer},
	"GET /organize/campaigns/:slug/targets":                            {app.RoleOrganizer},
	"GET /organize/campaigns/new":                                      {app.RoleOrganizer},
	"GET /organize/rosters":                                            {app.RoleOrganizer},
	"GET /organize/rosters/commissions/:code":                          {app.RoleOrganizer},
	"GET /organize/rosters/executives/:key":                            {app.RoleOrganizer},
	"GET /organize/rosters/executives/new":                             {app.RoleOrganizer},
	"POST /organize/campaigns":                                         {app.RoleOrganizer},
	"POST /organize/campaigns/:slug/close":                             {app.RoleOrganizer},
	"POST /organize/campaigns/:slug/outcome":                           {app.RoleOrganizer},
	"POST /organize/campaigns/:slug/updates":                           {app.RoleOrganizer},
	"POST /organize/campaigns/:slug/updates/:id/remove":                {app.RoleOrganizer},
	"GET /organize/campaigns/:slug/acted":                              {app.RoleOrganizer},
	"POST /organize/campaigns/:slug/acted":                             {app.RoleOrganizer},
	"GET /organize/campaigns/:slug/copy":                               {app.RoleOrganizer},
	"POST /organize/campaigns/:slug/copy":                              {app.RoleOrganizer},
	"POST /organize/campaigns/:slug/flags/:id/dismiss":                 {app.RoleOrganizer},
	"POST /organize/campaigns/:slug/edit":                              {app.RoleOrganizer},
	"POST /organize/campaigns/:slug/letters/:kind":                     {app.RoleOrganizer},
	"POST /organize/campaigns/:slug/letters/:kind/preview.json":        {app.RoleOrganizer},
	"POST /organize/campaigns/:slug/letters/:kind/preview.pdf":         {app.RoleOrganizer},
	"POST /organize/campaigns/:slug/letters/:kind/versions/:n/restore": {app.RoleOrganizer},
	"POST /organize/campaigns/:slug/open":                              {app.RoleOrganizer},
	"POST /organize/campaigns/:slug/targets":                           {app.RoleOrganizer},
	"POST /organize/campaigns/:slug/targets/move":                      {app.RoleOrganizer},
	"POST /organize/campaigns/:slug/targets/remove":                    {app.RoleOrganizer},
	"POST /organize/rosters/commissions":                               {app.RoleOrganizer},
	"POST /organize/rosters/commissions/:code":                         {app.RoleOrganizer},
	"POST /organize/rosters/commissions/:code/remove":                  {app.RoleOrganizer},
	"POST /organize/rosters/commissions/:code/seats":                   {app.RoleOrganizer},
	"POST /organize/rosters/commissions/:code/seats/:bioguide/remove":  {app.RoleOrganizer},
	"POST /organize/rosters/executives":                                {app.RoleOrganizer},
	"POST /organize/rosters/executives/:key":                           {app.RoleOrganizer},
	"POST /organize/rosters/executives/:key/remove":                    {app.RoleOrganizer},
	"POST /organize/rosters/reset":                                     {app.RoleOrganizer},
	"echo_route_not_found /organize":                                   {app.RoleOrganizer},
	"echo_route_not_found /organize/*":                                 {app.RoleOrganizer},
}

// concretePath fills a route pattern with values that match no stored
// row, so calling a route changes nothing.
func concretePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		switch {
		case s == ":slug":
			parts[i] = slug
		case strings.HasPrefix(s, ":"):
			parts[i] = "999999"
		case strings.Contains(s, "*"):
			parts[i] = strings.ReplaceAll(s, "*", "no-such-page")
		}
	}
	return strings.Join(parts, "/")
}

// identity is one kind of caller in the matrix.
type identity struct {
	name    string
	role    app.Role   // "" for anonymous
	roles   []app.Role // every role held (fullApp's identities)
	browser *browser
	token   string // API token of the same user
}

func TestAuthorizationMatrix(t *testing.T) {
	af := newAuthFixture(t, authOpts{})
	ids := []*identity{{name: "anonymous", browser: af.browser()}}
	for _, r := range app.Roles() {
		u := af.user(string(r)+"@example.org", r)
		l, err := af.auth.StartSession(context.Background(), u.ID, auth.Client{IP: "127.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		b := af.browser()
		b.jar.SetCookies(b.url(), []*http.Cookie{{Name: "advocate_session", Value: l.Token}})
		secret, _, err := af.auth.CreateToken(cliCtx, u.ID, "matrix")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, &identity{name: string(r), role: r, browser: b, token: secret})
	}
	csrf := map[*identity]string{}
	for _, id := range ids {
		csrf[id] = id.browser.csrfToken()
	}

	seen := map[string]bool{}
	var unlisted []string
	for _, r := range af.web.Routes() {
		key := r.Method + " " + r.Path
		_, public := publicRoutes[key]
		if _, anyMethod := publicRoutes["* "+r.Path]; anyMethod {
			public, seen["* "+r.Path] = true, true
		}
		roles, protected := protectedRoutes[key]
		seen[key] = true
		switch {
		case public && protected:
			t.Errorf("%s is listed as both public and protected", key)
			continue
		case !public && !protected:
			unlisted = append(unlisted, key)
			continue
		case public:
			continue // anyone may call it; the supporter tests cover what it does
		}
		method := r.Method
		if method == "echo_route_not_found" {
			method = http.MethodGet
		}
		path := concretePath(r.Path)
		api := strings.HasPrefix(path, "/api/")
		for _, id := range ids {
			status, loc := call(t, af, id, method, path, api, csrf[id])
			allowed := id.role != "" && (len(roles) == 0 || slices.Contains(roles, id.role))
			switch {
			case id.role == "" && api:
				if status != http.StatusUnauthorized {
					t.Errorf("%s as anonymous: %d, want 401", key, status)
				}
			case id.role == "":
				if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
					t.Errorf("%s as anonymous: %d %q, want 303 to /login", key, status, loc)
				}
			case allowed:
				if status == http.StatusUnauthorized || status == http.StatusForbidden || strings.HasPrefix(loc, "/login") {
					t.Errorf("%s as %s: %d %q, want access", key, id.name, status, loc)
				}
			default:
				if status != http.StatusForbidden {
					t.Errorf("%s as %s: %d, want 403", key, id.name, status)
				}
			}
		}
	}
	sort.Strings(unlisted)
	for _, k := range unlisted {
		t.Errorf("route %s is in neither publicRoutes nor protectedRoutes (authz_matrix_test.go): decide who may call it", k)
	}
	// Entries for routes that no longer exist would hide a typo.
	for _, table := range []map[string]bool{keys(publicRoutes), keys(protectedRoutes)} {
		for k := range table {
			if !seen[k] {
				t.Errorf("matrix entry %q matches no registered route", k)
			}
		}
	}
}

func keys[V any](m map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

// call makes one request as id: pages with the browser's cookies and a
// valid CSRF token on POST, the API with the Bearer token.
func call(t *testing.T, af *authFixture, id *identity, method, path string, api bool, csrf string) (int, string) {
	t.Helper()
	var req *http.Request
	if method == http.MethodGet || method == http.MethodHead {
		req, _ = http.NewRequest(method, af.srv.URL+path, nil)
	} else {
		form := url.Values{"_csrf": {csrf}}
		req, _ = http.NewRequest(method, af.srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if api {
		if id.token != "" {
			req.Header.Set("Authorization", "Bearer "+id.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Location")
	}
	resp, _ := id.browser.do(req)
	return resp.StatusCode, resp.Header.Get("Location")
}

// What supporters' personal data (names, emails, street addresses, own
// paragraphs) a route's answer can carry. Every route needs a row here as
// well, so a new route cannot ship without someone saying what it shows.
const (
	// pdNone: none, to anyone (totals, campaign settings, accounts).
	pdNone = "none"
	// pdMasked: names and emails masked ("J. D.", "j***@e***.org") for
	// readers without the supporter-data role, in full for those with it.
	pdMasked = "masked unless supporter-data"
	// pdFull: in full, so the route is for the supporter-data role alone.
	pdFull = "full: supporter-data only"
	// pdOwn: the supporter's own data, to the supporter: what they typed,
	// or their letters behind the unguessable link they were given.
	pdOwn = "the supporter's own"
)

var personalData = map[string]string{
	"GET /":                                    pdNone,
	"GET /c/:slug":                             pdNone,
	"POST /c/:slug/preview":                    pdOwn,
	"POST /c/:slug/submit":                     pdOwn,
	"POST /c/:slug/link":                       pdNone,
	"POST /s/:token/erase":                     pdOwn,
	"GET /s/:token":                            pdOwn,
	"GET /s/:token/letters.pdf":                pdOwn,
	"GET /s/:token/letters/:id/pdf":            pdOwn,
	"GET /confirm/:token":                      pdOwn,
	"POST /confirm/:token":                     pdOwn,
	"GET /static*":                             pdNone,
	"GET /favicon.ico":                         pdNone,
	"GET /healthz":                             pdNone,
	"GET /login":                               pdNone,
	"POST /login":                              pdNone,
	"GET /logout":                              pdNone,
	"POST /logout":                             pdNone,
	"GET /api/v1/lookup":                       pdNone,
	"GET /api/v1/campaigns":                    pdNone,
	"GET /api/v1/campaigns/:slug/targets":      pdNone,
	"POST /api/v1/campaigns/:slug/submissions": pdOwn,
	"* /api/v1/*":                              pdNone,
	"echo_route_not_found /":                   pdNone,
	"echo_route_not_found /*":                  pdNone,

	"GET /account":                                      pdNone,
	"POST /account/password":                            pdNone,
	"echo_route_not_found /account":                     pdNone,
	"echo_route_not_found /account/*":                   pdNone,
	"GET /api/v1/me":                                    pdNone,
	"GET /api/v1/stats":                                 pdNone,
	"GET /admin":                                        pdNone,
	"GET /admin/users":                                  pdNone,
	"POST /admin/users":                                 pdNone,
	"GET /admin/users/:id":                              pdNone,
	"POST /admin/users/:id":                             pdNone,
	"POST /admin/users/:id/disable":                     pdNone,
	"POST /admin/users/:id/enable":                      pdNone,
	"POST /admin/users/:id/password":                    pdNone,
	"POST /admin/users/:id/tokens":                      pdNone,
	"POST /admin/tokens/:id/revoke":                     pdNone,
	"POST /admin/grants/:id/approve":                    pdNone,
	"POST /admin/approvals/:id/approve":                 pdNone,
	"POST /admin/approvals/:id/refuse":                  pdNone,
	"POST /organize/campaigns/:slug/updates":            pdNone,
	"POST /organize/campaigns/:slug/updates/:id/remove": pdNone,
	"GET /organize/campaigns/:slug/acted":               pdNone,
	"POST /organize/campaigns/:slug/acted":              pdNone,
	"GET /organize/campaigns/:slug/copy":                pdNone,
	"POST /organize/campaigns/:slug/copy":               pdNone,
	"POST /organize/campaigns/:slug/outcome":            pdNone,
	"POST /organize/campaigns/:slug/flags/:id/dismiss":  pdNone,
	"POST /admin/grants/:id/refuse":                     pdNone,
	"GET /admin/audit":                                  pdNone, // privacy events name addresses masked
	"echo_route_not_found /admin":                       pdNone,
	"echo_route_not_found /admin/*":                     pdNone,

	"GET /staff":                              pdNone,
	"GET /staff/delivery":                     pdNone,
	"GET /staff/campaigns/:slug":              pdNone,
	"GET /staff/campaigns/:slug/letters":      pdMasked,
	"GET /staff/campaigns/:slug/export/:file": pdMasked, // letters.csv/json; ?personal=1 needs supporter-data
	"GET /staff/campaigns/:slug/packets.zip":  pdFull,
	"echo_route_not_found /staff":             pdNone,
	"echo_route_not_found /staff/*":           pdNone,

	"GET /staff/supporters":                    pdFull,
	"GET /staff/supporters/export":             pdFull,
	"POST /staff/supporters/erase":             pdFull,
	"echo_route_not_found /staff/supporters":   pdNone,
	"echo_route_not_found /staff/supporters/*": pdNone,

	"GET /organize":                                                    pdNone,
	"GET /organize/campaigns/:slug":                                    pdNone,
	"GET /organize/campaigns/:slug/edit":                               pdNone,
	"GET /organize/campaigns/:slug/letters/:kind":                      pdNone, // previews use a sample supporter
	"GET /organize/campaigns/:slug/letters/:kind/history":              pdNone,
	"GET /organize/campaigns/:slug/letters/:kind/versions/:n":          pdNone,
	"GET /organize/campaigns/:slug/targets":                            pdNone,
	"GET /organize/campaigns/new":                                      pdNone,
	"GET /organize/rosters":                                            pdNone,
	"GET /organize/rosters/commissions/:code":                          pdNone,
	"GET /organize/rosters/executives/:key":                            pdNone,
	"GET /organize/rosters/executives/new":                             pdNone,
	"POST /organize/campaigns":                                         pdNone,
	"POST /organize/campaigns/:slug/close":                             pdNone,
	"POST /organize/campaigns/:slug/edit":                              pdNone,
	"POST /organize/campaigns/:slug/letters/:kind":                     pdNone,
	"POST /organize/campaigns/:slug/letters/:kind/preview.json":        pdNone,
	"POST /organize/campaigns/:slug/letters/:kind/preview.pdf":         pdNone,
	"POST /organize/campaigns/:slug/letters/:kind/versions/:n/restore": pdNone,
	"POST /organize/campaigns/:slug/open":                              pdNone,
	"POST /organize/campaigns/:slug/targets":                           pdNone,
	"POST /organize/campaigns/:slug/targets/move":                      pdNone,
	"POST /organize/campaigns/:slug/targets/remove":                    pdNone,
	"POST /organize/rosters/commissions":                               pdNone,
	"POST /organize/rosters/commissions/:code":                         pdNone,
	"POST /organize/rosters/commissions/:code/remove":                  pdNone,
	"POST /organize/rosters/commissions/:code/seats":                   pdNone,
	"POST /organize/rosters/commissions/:code/seats/:bioguide/remove":  pdNone,
	"POST /organize/rosters/executives":                                pdNone,
	"POST /organize/rosters/executives/:key":                           pdNone,
	"POST /organize/rosters/executives/:key/remove":                    pdNone,
	"POST /organize/rosters/reset":                                     pdNone,
	"echo_route_not_found /organize":                                   pdNone,
	"echo_route_not_found /organize/*":                                 pdNone,
}

// The supporter whose data the personal-data test looks for.
const (
	zebEmail   = "zebulon.quixotic@example.org"
	zebFirst   = "Zebulon"
	zebLast    = "Quixotic"
	zebStreet  = "742 Evergreen Terrace"
	zebMessage = "Xyzzy paragraph of my own"
)

var zebMarkers = []string{zebEmail, zebFirst, zebLast, zebStreet, zebMessage}

// probes are the concrete addresses tried for a route pattern where the
// placeholder values of concretePath would only reach a 404.
var probes = map[string][]string{
	"GET /static*":                                            {"/static/app.js"},
	"GET /api/v1/stats":                                       {"/api/v1/stats?campaign=" + slug},
	"GET /api/v1/lookup":                                      {"/api/v1/lookup?zip=12202"},
	"GET /staff/supporters":                                   {"/staff/supporters?email=" + url.QueryEscape(zebEmail)},
	"GET /staff/supporters/export":                            {"/staff/supporters/export?email=" + url.QueryEscape(zebEmail)},
	"GET /organize/campaigns/:slug/letters/:kind":             {"/organize/campaigns/" + slug + "/letters/representative"},
	"GET /organize/campaigns/:slug/letters/:kind/history":     {"/organize/campaigns/" + slug + "/letters/representative/history"},
	"GET /organize/campaigns/:slug/letters/:kind/versions/:n": {"/organize/campaigns/" + slug + "/letters/representative/versions/1"},
	"GET /staff/campaigns/:slug/export/:file": func() []string {
		var out []string
		for _, what := range stats.Exports() {
			for _, format := range stats.Formats() {
				out = append(out, "/staff/campaigns/"+slug+"/export/"+what+"."+format)
			}
		}
		return append(out, "/staff/campaigns/"+slug+"/export/letters.csv?personal=1", "/staff/campaigns/"+slug+"/export/letters.json?personal=1")
	}(),
}

// fullApp is the whole app as serve wires it, with the supporter-data
// pages, outreach totals and audited packets, and identities for every
// role, one holding staff and supporter-data together, each with a browser
// session and an API token.
func fullApp(t *testing.T) (*authFixture, []*identity) {
	t.Helper()
	af := newAttackApp(t, "", func(o *web.Options) {
		db := o.DB.(*store.DB)
		audit := auth.NewAudit(db.Audit, nil)
		priv, err := privacy.New(privacy.Options{Store: db.Privacy, Audit: audit})
		if err != nil {
			t.Fatal(err)
		}
		maker, err := pdf.New(pdf.Options{})
		if err != nil {
			t.Fatal(err)
		}
		o.Privacy, o.Stats = priv, stats.New(stats.Options{Store: views.Stats(db), Audit: audit})
		o.Packets = packets.New(packets.Options{Store: views.Office(db), PDF: maker, Audit: audit})
	})
	ids := []*identity{{name: "anonymous", browser: af.browser()}}
	sets := [][]app.Role{}
	for _, r := range app.Roles() {
		sets = append(sets, []app.Role{r})
	}
	sets = append(sets, []app.Role{app.RoleStaff, app.RoleSupporterData}, []app.Role{app.RoleAdmin, app.RoleOrganizer, app.RoleStaff})
	for i, roles := range sets {
		u := af.user(fmt.Sprintf("id%d@example.org", i), roles...)
		l, err := af.auth.StartSession(context.Background(), u.ID, auth.Client{IP: "127.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		b := af.browser()
		b.jar.SetCookies(b.url(), []*http.Cookie{{Name: "advocate_session", Value: l.Token}})
		secret, _, err := af.auth.CreateToken(cliCtx, u.ID, "matrix")
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range roles {
			names = append(names, string(r))
		}
		ids = append(ids, &identity{name: strings.Join(names, "+"), role: roles[0], roles: roles, browser: b, token: secret})
	}
	return af, ids
}

// has reports whether the identity holds role r.
func (id *identity) has(r app.Role) bool { return slices.Contains(id.roles, r) }

// fetch sends method to path as id (the API with its token, pages with
// its cookies) and returns the answer with its body.
func fetch(t *testing.T, af *authFixture, id *identity, method, path string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, af.srv.URL+path, nil)
	if strings.HasPrefix(path, "/api/") {
		if id.token != "" {
			req.Header.Set("Authorization", "Bearer "+id.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	return id.browser.do(req)
}

// getProbes lists every GET route with the addresses to try for it.
func getProbes(af *authFixture) map[string][]string {
	out := map[string][]string{}
	for _, r := range af.web.Routes() {
		if r.Method != http.MethodGet {
			continue
		}
		key := r.Method + " " + r.Path
		if p, ok := probes[key]; ok {
			out[key] = p
		} else {
			out[key] = []string{concretePath(r.Path)}
		}
	}
	return out
}

// TestAuthorizationMatrixPersonalData: every route says what personal data
// it shows, and every GET route is called as every role to check it: no
// supporter's name, email, street address or paragraph where the table
// says none or masked, and routes that show them in full open only to the
// supporter-data role.
func TestAuthorizationMatrixPersonalData(t *testing.T) {
	af, ids := fullApp(t)
	// The table covers every route, and only routes that exist.
	seen := map[string]bool{}
	for _, r := range af.web.Routes() {
		key := r.Method + " " + r.Path
		if _, ok := personalData["* "+r.Path]; ok {
			key = "* " + r.Path
		}
		seen[key] = true
		pd, ok := personalData[key]
		if !ok {
			t.Errorf("route %s has no row in personalData (authz_matrix_test.go): say what supporters' data it shows", key)
			continue
		}
		roles, protected := protectedRoutes[key]
		switch pd {
		case pdFull:
			if !protected || !slices.Equal(roles, []app.Role{app.RoleSupporterData}) {
				t.Errorf("%s shows supporters' data in full but is open to %v (protected %v)", key, roles, protected)
			}
		case pdMasked:
			if !protected || len(roles) == 0 {
				t.Errorf("%s shows masked supporters' data but is open to anyone signed in or not", key)
			}
		case pdOwn:
			if protected {
				t.Errorf("%s is marked the supporter's own but needs an account", key)
			}
		case pdNone:
		default:
			t.Errorf("%s: unknown personal-data value %q", key, pd)
		}
	}
	for k := range personalData {
		if !seen[k] {
			t.Errorf("personalData entry %q matches no registered route", k)
		}
	}

	// A supporter with data that is easy to find, confirmed so that their
	// letters reach every list and packet.
	tok := submitToken(t, af, map[string]any{"first_name": zebFirst, "last_name": zebLast, "email": zebEmail,
		"address1": zebStreet, "personal_message": zebMessage})
	if _, body := af.browser().get("/s/" + tok); !strings.Contains(body, zebFirst) {
		t.Fatal("the thank-you page does not show the supporter's name: the markers would prove nothing")
	}
	fullSeen := map[string]bool{} // pdMasked routes that showed the data in full to supporter-data
	for key, paths := range getProbes(af) {
		pd := personalData[key]
		if pd == pdOwn {
			continue // the supporter's own, behind their token: the supporter tests cover them
		}
		for _, path := range paths {
			for _, id := range ids {
				resp, body := fetch(t, af, id, http.MethodGet, path)
				if resp.StatusCode != http.StatusOK {
					if pd == pdFull && id.has(app.RoleSupporterData) && resp.StatusCode == http.StatusForbidden {
						t.Errorf("GET %s as %s: 403, want access", path, id.name)
					}
					continue
				}
				var found []string
				for _, m := range zebMarkers {
					if strings.Contains(body, m) {
						found = append(found, m)
					}
				}
				switch {
				case pd == pdFull && !id.has(app.RoleSupporterData):
					t.Errorf("GET %s as %s: 200, but the route is for supporter-data alone", path, id.name)
				case pd == pdNone && len(found) > 0:
					t.Errorf("GET %s as %s shows %v, but the table says no personal data", path, id.name, found)
				case pd == pdMasked && !id.has(app.RoleSupporterData) && len(found) > 0:
					t.Errorf("GET %s as %s shows %v unmasked", path, id.name, found)
				case pd == pdMasked && len(found) > 0:
					fullSeen[key] = true
				}
			}
		}
	}
	// The markers do show where the role allows: the check above is live.
	for _, key := range []string{"GET /staff/campaigns/:slug/letters", "GET /staff/campaigns/:slug/export/:file"} {
		if !fullSeen[key] {
			t.Errorf("%s never showed the supporter's data to staff with supporter-data", key)
		}
	}
}

// TestHeadAnswersLikeGet: uptime monitors and link checkers send HEAD;
// every GET route answers it with the GET's status and headers and no
// body, with the same authorization.
func TestHeadAnswersLikeGet(t *testing.T) {
	af, ids := fullApp(t)
	submitToken(t, af, map[string]any{"email": "head@example.org"})
	// Anonymous, one role, and the roles together.
	ids = []*identity{ids[0], ids[3], ids[len(ids)-2], ids[len(ids)-1]}
	n := 0
	for key, paths := range getProbes(af) {
		for _, path := range paths {
			for _, id := range ids {
				get, _ := fetch(t, af, id, http.MethodGet, path)
				head, body := fetch(t, af, id, http.MethodHead, path)
				if head.StatusCode != get.StatusCode || head.Header.Get("Content-Type") != get.Header.Get("Content-Type") ||
					head.Header.Get("Location") != get.Header.Get("Location") {
					t.Errorf("%s: HEAD %s as %s: %d %q %q, GET: %d %q %q", key, path, id.name, head.StatusCode, head.Header.Get("Content-Type"),
						head.Header.Get("Location"), get.StatusCode, get.Header.Get("Content-Type"), get.Header.Get("Location"))
				}
				if body != "" {
					t.Errorf("HEAD %s as %s sent a body of %d bytes", path, id.name, len(body))
				}
				if get.StatusCode == http.StatusOK {
					n++
				}
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d GETs answered 200: the probes reach too little", n)
	}
	// Uptime monitors: the health check and the home page.
	for _, p := range []string{"/healthz", "/c/" + slug, "/api/v1/campaigns"} {
		if resp, _ := fetch(t, af, ids[0], http.MethodHead, p); resp.StatusCode != http.StatusOK {
			t.Errorf("HEAD %s: %d", p, resp.StatusCode)
		}
	}
}
