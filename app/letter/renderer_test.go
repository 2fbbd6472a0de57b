package letter_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter"
)

func TestValidate(t *testing.T) {
	c := testCampaign()
	r := letter.NewRenderer(letter.Options{})
	long := strings.Repeat("x", letter.MaxSubjectLen+1)
	tests := []struct {
		name   string
		tv     app.TemplateVersion
		fields map[string]string // field -> message prefix; nil = valid
		lines  int               // CompileErrors expected
	}{
		{name: "valid", tv: app.TemplateVersion{Kind: app.TargetSenator, Subject: "About {{ campaign.facts.person }}", Body: "{{ recipient.greeting }}\n\nText."}},
		{name: "subject max length", tv: app.TemplateVersion{Subject: long[1:], Body: "x"}},
		{name: "empty subject", tv: app.TemplateVersion{Subject: "  ", Body: "x"}, fields: map[string]string{"subject": "a subject is required"}},
		{name: "two-line subject", tv: app.TemplateVersion{Subject: "a\nb", Body: "x"}, fields: map[string]string{"subject": "the subject must be a single line"}},
		{name: "long subject", tv: app.TemplateVersion{Subject: long, Body: "x"}, fields: map[string]string{"subject": "keep the subject to 300 characters or fewer"}},
		{name: "empty body", tv: app.TemplateVersion{Subject: "x", Body: "\n \n"}, fields: map[string]string{"body": "the letter text is required"}},
		{name: "bad kind", tv: app.TemplateVersion{Kind: "mayor", Subject: "x", Body: "x"}, fields: map[string]string{"kind": "unknown recipient kind"}},
		{name: "compile errors in both", tv: app.TemplateVersion{Subject: "{{ supporter.nam }}", Body: "ok\n{{ if x }}\n{{ supporter.city | shout }}"},
			fields: map[string]string{
				"subject": `line 1, column 4: unknown field "supporter.nam"`,
				"body":    `line 2, column 1: this {{ if }} is never closed: add {{ end }}; line 2, column 7: unknown field "x"; line 3, column 21: unknown filter "shout"`,
			}, lines: 4},
		{name: "blow-up caught at save", tv: app.TemplateVersion{Subject: "x", Body: strings.Repeat("{{ personal_message }}", 60)},
			fields: map[string]string{"body": "with a 2000-character personal message the letter would be longer than 100000 bytes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := r.Validate(tt.tv, c)
			if tt.fields == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if app.ErrorCodeOf(err) != app.EINVALID {
				t.Fatalf("err = %v", err)
			}
			got := app.ErrorFieldsOf(err)
			if len(got) != len(tt.fields) {
				t.Errorf("fields = %v", got)
			}
			for k, v := range tt.fields {
				if !strings.HasPrefix(got[k], v) {
					t.Errorf("%s = %q, want prefix %q", k, got[k], v)
				}
			}
			var ces letter.CompileErrors
			if errors.As(err, &ces) != (tt.lines > 0) || len(ces) != tt.lines {
				t.Errorf("CompileErrors = %v", ces)
			}
		})
	}
}

func TestRenderSubjectIsOneLine(t *testing.T) {
	r := letter.NewRenderer(letter.Options{})
	tv := app.TemplateVersion{Subject: "From {{ supporter.first_name }}: {{ personal_message }}", Body: "x"}
	subject, _, err := r.Render(tv, testCampaign(), repTarget(), testSupporter(), "Line one\r\nBcc: evil@example.org\n\n  and more", letterDate)
	if err != nil {
		t.Fatal(err)
	}
	if subject != "From Maria: Line one Bcc: evil@example.org and more" {
		t.Errorf("subject = %q", subject)
	}
	subject, _, _ = r.Render(tv, testCampaign(), repTarget(), testSupporter(), strings.Repeat("word ", 200), letterDate)
	if n := len([]rune(subject)); n > letter.MaxSubjectLen || !strings.HasSuffix(subject, "\u2026") {
		t.Errorf("subject has %d characters: %q", n, subject)
	}
}

func TestRenderBodyTrim(t *testing.T) {
	r := letter.NewRenderer(letter.Options{})
	tv := app.TemplateVersion{Subject: "x", Body: "\n\n{{ if personal_message }}\n  {{ personal_message }}\n{{ end }}\nEnd.\n\n  \n"}
	_, body, err := r.Render(tv, testCampaign(), repTarget(), testSupporter(), "Hi", letterDate)
	if err != nil || body != "  Hi\nEnd." {
		t.Fatalf("body %q, %v", body, err)
	}
}

func TestRenderErrors(t *testing.T) {
	r := letter.NewRenderer(letter.Options{MaxOutput: 1000})
	c := testCampaign()
	// A saved version whose fact was later removed from the campaign.
	tv := app.TemplateVersion{ID: 9, Subject: "x", Body: "{{ campaign.facts.person }}"}
	if _, _, err := r.Render(tv, c, repTarget(), testSupporter(), "", letterDate); err != nil {
		t.Fatal(err)
	}
	c2 := testCampaign()
	delete(c2.Facts, "person")
	_, _, err := r.Render(tv, c2, repTarget(), testSupporter(), "", letterDate)
	var ces letter.CompileErrors
	if app.ErrorCodeOf(err) != app.EINVALID || !errors.As(err, &ces) || ces[0].Name != "body" {
		t.Fatalf("err = %v", err)
	}
	if msg := app.ErrorMessageOf(err); msg != "The letter template has errors." {
		t.Errorf("message = %q", msg)
	}
	// Output over the limit.
	tv = app.TemplateVersion{ID: 10, Subject: "x", Body: strings.Repeat("{{ personal_message }}\n", 10)}
	_, _, err = r.Render(tv, c, repTarget(), testSupporter(), strings.Repeat("m", 200), letterDate)
	var ole *letter.OutputLimitError
	if app.ErrorCodeOf(err) != app.ETOOLARGE || !errors.As(err, &ole) || ole.Limit != 1000 {
		t.Fatalf("err = %v", err)
	}
	tv = app.TemplateVersion{ID: 11, Subject: strings.Repeat("{{ personal_message }}", 10), Body: "x"}
	if _, _, err = r.Render(tv, c, repTarget(), testSupporter(), strings.Repeat("m", 200), letterDate); app.ErrorCodeOf(err) != app.ETOOLARGE {
		t.Fatalf("subject over limit: err = %v", err)
	}
}

func TestRendererCache(t *testing.T) {
	r := letter.NewRenderer(letter.Options{CacheSize: 3})
	c := testCampaign()
	render := func(id int64, c *app.Campaign) string {
		t.Helper()
		tv := app.TemplateVersion{ID: id, Subject: "s", Body: fmt.Sprintf("v%d {{ supporter.first_name }}", id)}
		_, body, err := r.Render(tv, c, repTarget(), testSupporter(), "", letterDate)
		if err != nil {
			t.Fatal(err)
		}
		return body
	}
	render(0, c)
	if r.CacheLen() != 0 {
		t.Fatal("ID 0 was cached")
	}
	for id := int64(1); id <= 5; id++ {
		if got := render(id, c); got != fmt.Sprintf("v%d Maria", id) {
			t.Fatalf("got %q", got)
		}
	}
	if r.CacheLen() != 3 {
		t.Fatalf("cache holds %d, want 3", r.CacheLen())
	}
	render(5, c)
	if r.CacheLen() != 3 {
		t.Fatal("a hit added an entry")
	}
	// Different fact keys are a different entry.
	c2 := testCampaign()
	c2.Facts["lawyer"] = "X"
	render(5, c2)
	if r.CacheLen() != 3 {
		t.Fatal("cache grew past its size")
	}
	// The cache keys on the version ID: versions never change, so a second
	// body under the same ID is not seen (documented behaviour).
	tv := app.TemplateVersion{ID: 5, Subject: "s", Body: "changed"}
	if _, body, _ := r.Render(tv, c, repTarget(), testSupporter(), "", letterDate); body != "v5 Maria" {
		t.Fatalf("got %q", body)
	}
}

func TestRendererConcurrent(t *testing.T) {
	r := letter.NewRenderer(letter.Options{CacheSize: 4})
	c := testCampaign()
	subject, body := readDefault(t, app.TargetRepresentative)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				tv := app.TemplateVersion{ID: int64(1 + (g+i)%6), Subject: subject, Body: body}
				_, got, err := r.Render(tv, c, repTarget(), testSupporter(), fmt.Sprint("message ", g), letterDate)
				if err != nil || !strings.Contains(got, fmt.Sprint("message ", g)) {
					errs <- fmt.Errorf("goroutine %d: %v", g, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if r.CacheLen() > 4 {
		t.Errorf("cache holds %d", r.CacheLen())
	}
}
