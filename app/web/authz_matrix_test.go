package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/auth"
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
	"GET /s/:token":                            "supporters: thank-you page behind an unguessable token",
	"GET /s/:token/letters.pdf":                "supporters: their letters, same token",
	"GET /s/:token/letters/:id/pdf":            "supporters: one letter, same token",
	"GET /confirm/:token":                      "supporters: double opt-in page behind the emailed token",
	"POST /confirm/:token":                     "supporters: confirm their letters, same token",
	"GET /static*":                             "assets",
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
	"GET /admin/audit":                {app.RoleAdmin},
	"echo_route_not_found /admin":     {app.RoleAdmin},
	"echo_route_not_found /admin/*":   {app.RoleAdmin},

	// Staff (staff_delivery.go).
	"GET /staff":                              {app.RoleStaff},
	"GET /staff/delivery":                     {app.RoleStaff},
	"GET /staff/campaigns/:slug":              {app.RoleStaff},
	"GET /staff/campaigns/:slug/letters":      {app.RoleStaff},
	"GET /staff/campaigns/:slug/export/:file": {app.RoleStaff},
	"GET /staff/campaigns/:slug/packets.zip":  {app.RoleStaff},
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
	role    app.Role // "" for anonymous
	browser *browser
	token   string // API token of the same user
}

func TestAuthorizationMatrix(t *testing.T) {
	af := newAuthFixture(t, authOpts{})
	ids := []*identity{{name: "anonymous", browser: af.browser()}}
	for _, r := range app.Roles {
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
