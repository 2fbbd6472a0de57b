package letter_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter"
)

// FuzzCompile checks that no template makes Compile or Render panic, that
// errors always carry a position, and that output respects the limit.
func FuzzCompile(f *testing.F) {
	for _, k := range app.TargetKinds() {
		subject, body := readDefault(f, k)
		f.Add(subject)
		f.Add(body)
	}
	for _, s := range []string{
		"", "{{", "}}", "{{}}", "{{ }}", "{{#", "{{# x }}", "a\n{{ if x }}\n", "{{ end }}", "{{ else }}",
		`{{ supporter.first_name | default "a \" b" | upper }}`,
		`{{ if (recipient.is_senator or not personal_message) and recipient.state != "NY" }}x{{ else if recipient.kind == "committee" }}y{{ else }}z{{ end }}`,
		"{{ .Env }}", "{{ call }}", `{{ template "x" }}`, "{{ supporter.__proto__ }}", "{{{ x }}}", "{{ x }",
		"\r\n{{ if personal_message }}\r\n{{ personal_message }}\r\n{{ end }}\r\n", "é{{ nope }}", "\xff{{",
	} {
		f.Add(s)
	}
	fields := letter.Fields(testCampaign())
	data := testData("A personal message\nwith two lines.")
	f.Fuzz(func(t *testing.T, src string) {
		tpl, err := letter.Compile("body", src, fields)
		if err != nil {
			var ces letter.CompileErrors
			if !errors.As(err, &ces) || len(ces) == 0 {
				t.Fatalf("error %T %v is not CompileErrors", err, err)
			}
			lines := strings.Count(src, "\n") + 1
			for _, e := range ces {
				if e.Line < 1 || e.Col < 1 || e.Line > lines || e.Msg == "" {
					t.Fatalf("bad error %+v for %q", e, src)
				}
			}
			return
		}
		out, err := tpl.Render(data)
		if err != nil {
			var ole *letter.OutputLimitError
			if !errors.As(err, &ole) {
				t.Fatalf("render: %v", err)
			}
		}
		if len(out) > letter.DefaultMaxOutput {
			t.Fatalf("output %d bytes", len(out))
		}
		if utf8.ValidString(src) && !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 output for %q", src)
		}
		if _, err := tpl.RenderLimit(data, 64); err != nil {
			var ole *letter.OutputLimitError
			if !errors.As(err, &ole) {
				t.Fatalf("render: %v", err)
			}
		}
	})
}
