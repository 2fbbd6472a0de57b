package letter_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter"
)

// Templates written to break out, blow up or hang must fail cleanly.
func TestHostileTemplatesRejected(t *testing.T) {
	fields := letter.Fields(testCampaign())
	tests := []struct {
		name string
		src  string
		want string // substring of the first error
	}{
		{"deep nesting", strings.Repeat("{{ if personal_message }}", 1000) + strings.Repeat("{{ end }}", 1000), "nested too deeply"},
		{"deep unclosed nesting", strings.Repeat("{{ if personal_message }}\n", 1500), "never closed"},
		{"deep parentheses", "{{ if " + strings.Repeat("(", 5000) + "personal_message" + strings.Repeat(")", 5000) + " }}{{ end }}", "nested too deeply"},
		{"deep not", "{{ if " + strings.Repeat("not ", 5000) + "personal_message }}{{ end }}", "nested too deeply"},
		{"over 50 KB", strings.Repeat("{{ supporter.first_name }}", 3000), "the template is too long"},
		{"go template env", "{{ .Env }}", `unexpected "."`},
		{"go template dot", "{{ . }}", `unexpected "."`},
		{"go template call", "{{ call .Func }}", `"call" is not supported`},
		{"go template include", `{{ template "x" }}`, `"template" is not supported`},
		{"go template define", `{{ define "x" }}y{{ end }}`, `"define" is not supported`},
		{"go template range", "{{ range $i := . }}x{{ end }}", `"range" is not supported`},
		{"go template variable", "{{ $x }}", "unexpected character '$'"},
		{"go template printf", `{{ printf "%s" supporter.first_name }}`, `"printf" is not supported`},
		{"method call", "{{ supporter.first_name.ToUpper }}", "unknown field"},
		{"proto", "{{ supporter.__proto__ }}", `unknown field "supporter.__proto__"`},
		{"constructor", "{{ constructor.constructor }}", "unknown field"},
		{"jinja loop", "{% for x in y %}{{ x }}{% endfor %}", `unknown field "x"`},
		{"function call syntax", "{{ upper(supporter.first_name) }}", `unexpected "("`},
		{"assignment", "{{ supporter.first_name = \"x\" }}", "templates cannot assign"},
		{"unbalanced open", "Dear {{ recipient.name }\nText", "unclosed tag"},
		{"unbalanced close", "Dear { recipient.name }}", `unexpected "}}"`},
		{"triple braces", "{{{ supporter.first_name }}}", "unexpected character '{'"},
		{"nested tags", "{{ {{ supporter.first_name }} }}", "unexpected character '{'"},
		{"open only", "{{", "unclosed tag"},
		{"quote eats close", `{{ supporter.city | default "}}`, "unterminated quoted text"},
		{"null byte", "{{ supporter.city\x00 }}", `unexpected character '\x00'`},
		{"huge field name", "{{ " + strings.Repeat("a", 40000) + " }}", "unknown field"},
		{"huge fact name", "{{ campaign.facts." + strings.Repeat("b", 40000) + " }}", "unknown field"},
		{"many errors", strings.Repeat("{{ x }}", 7000), "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := letter.Compile("body", tt.src, fields)
			if err == nil {
				t.Fatalf("compiled: %v", tpl)
			}
			var ces letter.CompileErrors
			if !errors.As(err, &ces) || len(ces) == 0 || len(ces) > 26 {
				t.Fatalf("err = %v", err)
			}
			if !strings.Contains(ces[0].Msg, tt.want) {
				t.Errorf("first error %q, want %q", ces[0].Error(), tt.want)
			}
			if len(ces[0].Msg) > 300 {
				t.Errorf("message is %d bytes long", len(ces[0].Msg))
			}
			for _, e := range ces {
				if e.Line < 1 || e.Col < 1 {
					t.Errorf("bad position %+v", e)
				}
			}
		})
	}
}

func TestOutputBlowUp(t *testing.T) {
	// Just under 50 KB of repeats of the longest personal message allowed.
	src := strings.Repeat("{{ personal_message }}", (letter.MaxTemplateSize-1)/len("{{ personal_message }}"))
	tpl, err := letter.Compile("body", src, letter.Fields(testCampaign()))
	if err != nil {
		t.Fatal(err)
	}
	msg := strings.Repeat("é", app.MaxPersonalMessageLen)
	_, err = tpl.Render(testData(msg))
	var ole *letter.OutputLimitError
	if !errors.As(err, &ole) || ole.Limit != letter.DefaultMaxOutput {
		t.Fatalf("err = %v", err)
	}
	if err.Error() != "the letter would be longer than 100000 bytes" {
		t.Errorf("message %q", err)
	}
	out, err := tpl.RenderLimit(testData("ab"), 0)
	if err != nil || len(out) != 2*2272 {
		t.Fatalf("short message: %d bytes, %v", len(out), err)
	}
	if _, err := tpl.RenderLimit(testData("ab"), 10); !errors.As(err, &ole) || ole.Limit != 10 {
		t.Fatalf("limit 10: %v", err)
	}
	// Upper-casing cannot grow a value past the limit unnoticed.
	tpl, _ = letter.Compile("body", "{{ personal_message | upper }}", letter.Fields(nil))
	if _, err := tpl.RenderLimit(testData(strings.Repeat("ɐ", 100)), 250); !errors.As(err, &ole) {
		t.Fatalf("upper: %v", err)
	}
	// The Renderer turns it into a domain error.
	r := letter.NewRenderer(letter.Options{})
	_, _, err = r.Render(app.TemplateVersion{ID: 1, Subject: "x", Body: src}, testCampaign(), repTarget(), testSupporter(), msg, letterDate)
	if app.ErrorCodeOf(err) != app.ETOOLARGE || !strings.Contains(app.ErrorMessageOf(err), "longer than 100000 bytes") {
		t.Fatalf("err = %v", err)
	}
	if err := r.Validate(app.TemplateVersion{Subject: "x", Body: src}, testCampaign()); app.ErrorCodeOf(err) != app.EINVALID {
		t.Fatalf("Validate: %v", err)
	}
}

// Merge values are data, never template code.
func TestValuesAreNotInterpreted(t *testing.T) {
	tpl, err := letter.Compile("body", "{{ personal_message }}|{{ campaign.facts.person }}", letter.Fields(testCampaign()))
	if err != nil {
		t.Fatal(err)
	}
	c := testCampaign()
	c.Facts["person"] = "{{ supporter.email }}"
	got, err := tpl.Render(letter.NewData(c, repTarget(), testSupporter(), "{{ supporter.email }} {{ if }}", letterDate))
	if err != nil || got != "{{ supporter.email }} {{ if }}|{{ supporter.email }}" {
		t.Fatalf("got %q, %v", got, err)
	}
}
