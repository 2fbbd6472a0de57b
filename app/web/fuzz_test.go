package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzSubmissionBodies sends arbitrary bodies through the real submission
// handlers: the API's JSON body and the supporter form (preview and
// submit). Whatever arrives, the answer is a 2xx, 3xx or 4xx (echo turns a
// panic into a 500, so this catches those too), and an API answer is JSON.
func FuzzSubmissionBodies(f *testing.F) {
	f.Add([]byte(goodJSON), supporterForm("12202", "NY").Encode())
	f.Add([]byte(`{"first_name":1,"lat":"x","lon":[],"contact_ok":"yes"}`), "first_name=%ZZ&zip=1220&lat=NaN&lon=Inf")
	f.Add([]byte(`{"first_name":"A","last_name":"B","email":"a@example.org","address1":"1 Main St","city":"Chicago","state":"IL","zip":"60173","lat":42.04,"lon":-88.03}`),
		"first_name=A&last_name=B&email=a%40example.org&address1=1+Main+St&city=Chicago&state=IL&zip=60173&representative=K000391")
	f.Add([]byte(`{"first_name":"\u0000","personal_message":"\ud800"} {}`), "website=http%3A%2F%2Fspam.example&first_name=%00")
	f.Add([]byte(`[`+strings.Repeat(`[`, 100)), strings.Repeat("a=b&", 500))

	fx := newFixture(f, "", "")
	srv := fx.srv.Config.Handler
	// One CSRF token (cookie and form field) for every form post.
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/c/"+slug, nil))
	m := csrfRE.FindStringSubmatch(rec.Body.String())
	if m == nil {
		f.Fatal("no CSRF token on the campaign page")
	}
	token, cookies := m[1], rec.Result().Cookies()

	f.Fuzz(func(t *testing.T, body []byte, form string) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/campaigns/"+slug+"/submissions", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("API %q: %d %s", body, rec.Code, rec.Body)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("API %q: not JSON: %s", body, rec.Body)
		}
		for _, action := range []string{"preview", "submit"} {
			req := httptest.NewRequest(http.MethodPost, "/c/"+slug+"/"+action, strings.NewReader(form+"&_csrf="+url.QueryEscape(token)))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for _, c := range cookies {
				req.AddCookie(c)
			}
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("%s %q: %d %s", action, form, rec.Code, rec.Body)
			}
		}
	})
}
