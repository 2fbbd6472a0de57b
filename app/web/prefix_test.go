package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

func TestSupporterPrefixOverHTTP(t *testing.T) {
	f := newFixture(t, "", "")
	_, page := f.get("/c/" + slug)
	mustContain(t, page, `<select id="prefix" name="prefix"`, `<option value="Mx.">Mx.</option>`)

	form := supporterForm("12202", "NY")
	form.Set("_csrf", f.csrf(slug))
	form.Set("prefix", "Sir")
	resp, body := f.postForm("/c/"+slug+"/preview", form)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad prefix: %d", resp.StatusCode)
	}
	mustContain(t, body, `id="prefix-error"`)

	form.Set("prefix", "dr")
	resp, body = f.postForm("/c/"+slug+"/preview", form)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("preview %d: %s", resp.StatusCode, body)
	}
	mustContain(t, body, `<input type="hidden" name="prefix" value="Dr.">`)
	resp, body = f.postForm("/c/"+slug+"/submit", form)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("submit %d: %s", resp.StatusCode, body)
	}
	sub, err := f.db.Submissions.FindSubmissionByToken(context.Background(), strings.TrimPrefix(f.formLink(t, resp, form), "/s/"))
	if err != nil || sub.Supporter.Prefix != "Dr." {
		t.Fatalf("stored prefix %q (%v)", sub.Supporter.Prefix, err)
	}
}
