package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/web"
)

func TestSubmissionsAreRateLimitedPerAddress(t *testing.T) {
	f := newFixture(t, "", "", func(o *web.Options) { o.SubmitRate = web.RateLimit{PerMinute: 6, Burst: 2} })
	post := func(i int) *http.Response {
		resp, _ := f.do(http.MethodPost, "/api/v1/campaigns/protect-witnesses/submissions", "application/json",
			strings.Replace(goodJSON, "lukasz@", "l"+string(rune('a'+i))+"@", 1))
		return resp
	}
	for i := 0; i < 2; i++ {
		if r := post(i); r.StatusCode != http.StatusAccepted {
			t.Fatalf("request %d within the burst: %d", i, r.StatusCode)
		}
	}
	r := post(3)
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("over the limit: %d, Retry-After %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	// X-Forwarded-For from an untrusted peer does not buy a fresh bucket.
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/api/v1/campaigns/protect-witnesses/submissions", strings.NewReader(strings.Replace(goodJSON, "lukasz@", "lz@", 1)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("spoofed X-Forwarded-For escaped the limit: %d", resp.StatusCode)
	}
	// Lookups are not limited by the submission limit.
	if r, _ := f.get("/api/v1/lookup?zip=12202"); r.StatusCode != http.StatusOK {
		t.Fatalf("lookup: %d", r.StatusCode)
	}
}

// Over the limit, the supporter form comes back filled in, with the reason.
func TestFormRateLimitKeepsInput(t *testing.T) {
	f := newFixture(t, "", "", func(o *web.Options) { o.SubmitRate = web.RateLimit{PerMinute: 6, Burst: 1} })
	v := supporterForm("12202", "NY")
	v.Set("_csrf", f.csrf("protect-witnesses"))
	v.Set("personal_message", "My own paragraph, typed with care.")
	if resp, body := f.postForm("/c/protect-witnesses/submit", v); resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("first submission: %d %s", resp.StatusCode, body)
	}
	v.Set("email", "other@example.org")
	resp, body := f.postForm("/c/protect-witnesses/submit", v)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("over the limit: %d", resp.StatusCode)
	}
	mustContain(t, body, "Too many letters from your network", `value="Núñez"`, "My own paragraph, typed with care.", `value="other@example.org"`)
}

// One mailbox that sends many submissions (forged or not) is never refused
// for its address: past 5 in ten minutes the letters wait for the
// mailbox's confirmation, and past 30 in an hour it is sent no more email.
func TestMailboxFloodIsHeldThenMuted(t *testing.T) {
	f := newFixture(t, "", "")
	ctx := context.Background()
	var last string
	for i := range 31 {
		last = fmt.Sprintf("victim+%d@example.org", i)
		resp, body := f.do(http.MethodPost, "/api/v1/campaigns/protect-witnesses/submissions", "application/json",
			strings.Replace(goodJSON, "lukasz@example.org", last, 1))
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("submission %d: %d %s", i, resp.StatusCode, body)
		}
		sub, err := f.db.Submissions.FindSubmissionByToken(ctx, strings.TrimPrefix(f.emailedLink(t, slug, last), "/s/"))
		if err != nil {
			t.Fatal(err)
		}
		if held := !sub.Confirmed(); held != (i >= 5) {
			t.Fatalf("submission %d held=%v", i, held)
		}
		cp := sub.Letters[0].Deliveries[len(sub.Letters[0].Deliveries)-1]
		if cp.Channel != app.ChannelCopy || (cp.Status == app.StatusDead) != (i >= 30) {
			t.Fatalf("submission %d: copy %s %s", i, cp.Status, cp.LastError)
		}
	}
}
