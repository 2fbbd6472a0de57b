package letter_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter"
)

func TestRender(t *testing.T) {
	fields := letter.Fields(testCampaign())
	tests := []struct {
		name string
		src  string
		msg  string            // personal message
		set  map[string]string // overrides on top of the representative's data
		want string
	}{
		{name: "plain text", src: "Hello, world.\n", want: "Hello, world.\n"},
		{name: "empty", src: "", want: ""},
		{name: "field", src: "Hi {{ supporter.first_name }}!", want: "Hi Maria!"},
		{name: "no spaces", src: "{{supporter.first_name}}{{supporter.last_name}}", want: "MariaLopez"},
		{name: "tabs inside tag", src: "{{\tsupporter.city\t}}", want: "Albany"},
		{name: "upper", src: "{{ recipient.name | upper }}", want: "PAUL TONKO"},
		{name: "lower", src: "{{ recipient.name|lower }}", want: "paul tonko"},
		{name: "upper unicode", src: "{{ supporter.first_name | upper }}", set: map[string]string{"supporter.first_name": "éva"}, want: "ÉVA"},
		{name: "default used", src: `{{ personal_message | default "a friend" }}`, want: "a friend"},
		{name: "default unused", src: `{{ supporter.first_name | default "a friend" }}`, want: "Maria"},
		{name: "filter chain", src: `{{ personal_message | default "x y" | upper }}`, want: "X Y"},
		{name: "filter order", src: `{{ personal_message | upper | default "x y" }}`, want: "x y"},
		{name: "escapes and braces in text", src: `{{ personal_message | default "say \"hi\" \\ }} {{" }}`, want: `say "hi" \ }} {{`},
		{name: "fact", src: "{{ campaign.facts.person }}, {{ campaign.facts.person_age }}", want: "Guan Heng, 38"},
		{name: "campaign fields", src: "{{ campaign.title }} /{{ campaign.slug }}", want: "Free Guan Heng /free-guan-heng"},
		{name: "date", src: "{{ date }}", want: "November 22, 2026"},
		{name: "recipient names", src: "{{ recipient.full_name }}|{{ recipient.greeting }}|{{ recipient.district_label }}|{{ recipient.district }}",
			want: "The Honorable Paul Tonko|Dear Representative Tonko:|NY-20|20"},
		{name: "address block", src: "{{ recipient.address }}", want: "2269 Rayburn House Office Building\nWashington, DC 20515"},
		{name: "supporter address", src: "{{ supporter.address }}|{{ supporter.city_state_zip }}", want: "12 Elm Street, Albany, NY 12203|Albany, NY 12203"},
		{name: "single braces are text", src: "a { b } c {x} }{", want: "a { b } c {x} }{"},
		{name: "lone closing brace after tag", src: "{{ supporter.zip }}}", want: "12203}"},

		{name: "if bool true", src: "{{ if recipient.is_representative }}R{{ else }}S{{ end }}", want: "R"},
		{name: "if bool false", src: "{{ if recipient.is_senator }}S{{ else }}R{{ end }}", want: "R"},
		{name: "if empty string", src: "{{ if personal_message }}yes{{ else }}no{{ end }}", want: "no"},
		{name: "if string", src: "{{ if personal_message }}yes{{ else }}no{{ end }}", msg: "hello", want: "yes"},
		{name: "white space message is empty", src: "{{ if personal_message }}yes{{ else }}no{{ end }}", msg: " \n\t ", want: "no"},
		{name: "if without else", src: "a{{ if recipient.is_senator }}S{{ end }}b", want: "ab"},
		{name: "else if first", src: `{{ if recipient.kind == "representative" }}1{{ else if recipient.kind == "senator" }}2{{ else }}3{{ end }}`, want: "1"},
		{name: "else if second", src: `{{ if recipient.kind == "senator" }}1{{ else if recipient.kind == "representative" }}2{{ else }}3{{ end }}`, want: "2"},
		{name: "else if none", src: `{{ if recipient.kind == "senator" }}1{{ else if recipient.kind == "executive" }}2{{ else }}3{{ end }}`, want: "3"},
		{name: "else if no else", src: `{{ if recipient.is_senator }}1{{ else if recipient.is_executive }}2{{ end }}`, want: ""},
		{name: "not equal", src: `{{ if recipient.state != "CA" }}not CA{{ end }}`, want: "not CA"},
		{name: "equal is exact", src: `{{ if recipient.state == "ny" }}x{{ else }}case matters{{ end }}`, want: "case matters"},
		{name: "not", src: "{{ if not recipient.is_senator }}ok{{ end }}", want: "ok"},
		{name: "not not", src: "{{ if not not recipient.is_senator }}bad{{ else }}ok{{ end }}", want: "ok"},
		{name: "and", src: "{{ if recipient.is_representative and recipient.is_constituent }}ok{{ end }}", want: "ok"},
		{name: "and false", src: "{{ if recipient.is_representative and personal_message }}bad{{ else }}ok{{ end }}", want: "ok"},
		{name: "or", src: "{{ if recipient.is_senator or recipient.is_representative }}ok{{ end }}", want: "ok"},
		{name: "and binds tighter than or", src: "{{ if recipient.is_representative or recipient.is_senator and recipient.is_executive }}ok{{ end }}", want: "ok"},
		{name: "parentheses", src: "{{ if (recipient.is_representative or recipient.is_senator) and recipient.is_executive }}bad{{ else }}ok{{ end }}", want: "ok"},
		{name: "not binds tighter than and", src: "{{ if not personal_message and recipient.is_representative }}ok{{ end }}", want: "ok"},
		{name: "not over parentheses", src: "{{ if not (personal_message or recipient.is_senator) }}ok{{ end }}", want: "ok"},
		{name: "compare in and", src: `{{ if recipient.state == "NY" and recipient.district == "20" }}ok{{ end }}`, want: "ok"},
		{name: "nested if", src: "{{ if recipient.is_representative }}A{{ if personal_message }}B{{ else }}C{{ end }}D{{ end }}", want: "ACD"},
		{name: "keywords as field parts", src: "{{ if recipient.is_senator }}x{{ end }}", want: ""},

		{name: "comment", src: "a{{# ignore {{ me }}b", want: "ab"},
		{name: "comment without space", src: "a{{#x}}b", want: "ab"},
		{name: "multi-line comment inline", src: "a{{# one\ntwo }}b", want: "ab"},

		{name: "standalone if true", src: "Line1\n{{ if recipient.is_representative }}\nA\n{{ end }}\nLine2\n", want: "Line1\nA\nLine2\n"},
		{name: "standalone if false", src: "Line1\n{{ if recipient.is_senator }}\nA\n{{ end }}\nLine2\n", want: "Line1\nLine2\n"},
		{name: "standalone else chain", src: "x\n{{ if recipient.is_senator }}\nS\n{{ else if recipient.is_executive }}\nE\n{{ else }}\nR\n{{ end }}\ny", want: "x\nR\ny"},
		{name: "standalone with indentation", src: "a\n  {{ if recipient.is_representative }}  \n  b\n\t{{ end }}\t\nc", want: "a\n  b\nc"},
		{name: "standalone at edges", src: "{{ if recipient.is_representative }}\nA\n{{ end }}", want: "A\n"},
		{name: "standalone at end with spaces", src: "A\n{{# done }}   ", want: "A\n"},
		{name: "standalone comment", src: "a\n{{# note for organizers }}\nb\n", want: "a\nb\n"},
		{name: "standalone multi-line comment", src: "a\n{{# note\n  more }}\nb\n", want: "a\nb\n"},
		{name: "two block tags on a line", src: "a\n{{ if recipient.is_senator }}S\n{{ end }}{{ if recipient.is_representative }}\nR\n{{ end }}\nb", want: "a\nR\nb"},
		{name: "crlf", src: "a\r\n{{ if recipient.is_representative }}\r\nB\r\n{{ end }}\r\nc", want: "a\r\nB\r\nc"},
		{name: "inline if not trimmed", src: "A {{ if recipient.is_representative }}B{{ end }}\nC", want: "A B\nC"},
		{name: "tag then text not standalone", src: "{{ if recipient.is_representative }} x\n{{ end }}", want: " x\n"},
		{name: "output tag line kept", src: "{{ personal_message }}\nX", want: "\nX"},
		{name: "blank lines kept", src: "a\n\n{{ if personal_message }}\n{{ personal_message }}\n\n{{ end }}\nb", want: "a\n\nb"},
		{name: "blank lines with message", src: "a\n\n{{ if personal_message }}\n{{ personal_message }}\n\n{{ end }}\nb", msg: "Hi.", want: "a\n\nHi.\n\nb"},
		{name: "address2 block empty", src: "{{ supporter.address1 }}\n{{ if supporter.address2 }}\n{{ supporter.address2 }}\n{{ end }}\n{{ supporter.city_state_zip }}",
			want: "12 Elm Street\nAlbany, NY 12203"},
		{name: "address2 block given", src: "{{ supporter.address1 }}\n{{ if supporter.address2 }}\n{{ supporter.address2 }}\n{{ end }}\n{{ supporter.city_state_zip }}",
			set: map[string]string{"supporter.address2": "Apt 3"}, want: "12 Elm Street\nApt 3\nAlbany, NY 12203"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := letter.Compile("body", tt.src, fields)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			d := testData(tt.msg)
			for k, v := range tt.set {
				d.Set(k, v)
			}
			got, err := tpl.Render(d)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	fields := letter.Fields(testCampaign())
	tests := []struct {
		name string
		src  string
		want []string // "line:col: message" exactly, in order
	}{
		{"unknown field typo", "Dear {{ supporter.frist_name }},",
			[]string{`1:9: unknown field "supporter.frist_name" (did you mean supporter.first_name?)`}},
		{"unknown field on line 3", "a\nb\nxx  Hello {{ supporter.nme }}",
			[]string{`3:14: unknown field "supporter.nme"`}},
		{"unknown fact typo", "{{ campaign.facts.persn }}",
			[]string{`1:4: unknown field "campaign.facts.persn" (did you mean campaign.facts.person?)`}},
		{"unknown fact", "{{ campaign.facts.lawyer_name }}",
			[]string{`1:4: unknown field "campaign.facts.lawyer_name": the campaign has no fact named "lawyer_name"`}},
		{"group", "{{ supporter }}",
			[]string{`1:4: "supporter" is a group of fields, not a field (for example supporter.address)`}},
		{"bare last segment", "{{ first_name }}",
			[]string{`1:4: unknown field "first_name" (did you mean supporter.first_name?)`}},
		{"unknown field", "{{ weather.today }}", []string{`1:4: unknown field "weather.today"`}},
		{"unknown field in condition", "{{ if recipient.is_senatr }}x{{ end }}",
			[]string{`1:7: unknown field "recipient.is_senatr" (did you mean recipient.is_senator?)`}},
		{"unknown filter", "{{ supporter.city | title }}",
			[]string{`1:21: unknown filter "title" (use upper, lower or default "text")`}},
		{"unknown filter typo", "{{ supporter.city | uper }}",
			[]string{`1:21: unknown filter "uper" (did you mean upper?)`}},
		{"filter without name", "{{ supporter.city | }}",
			[]string{`1:21: expected a filter name after "|": upper, lower or default "text"`}},
		{"default without text", "{{ supporter.city | default }}",
			[]string{`1:29: the default filter needs quoted text, like default "a friend"`}},
		{"upper with text", `{{ supporter.city | upper "x" }}`,
			[]string{`1:27: the upper filter takes no text`}},
		{"missing pipe", "{{ supporter.city upper }}",
			[]string{`1:19: unexpected "upper" after supporter.city: put "|" before a filter`}},
		{"print bool", "{{ recipient.is_senator }}",
			[]string{`1:4: recipient.is_senator is a yes/no field and cannot be printed; use it in a condition: {{ if recipient.is_senator }}`}},
		{"compare bool", `{{ if recipient.is_senator == "yes" }}x{{ end }}`,
			[]string{`1:28: recipient.is_senator is a yes/no field and cannot be compared to text; use it on its own: {{ if recipient.is_senator }} or {{ if not recipient.is_senator }}`}},
		{"compare to bare word", "{{ if recipient.state == NY }}x{{ end }}",
			[]string{`1:26: expected quoted text after "==", like "NY"`}},
		{"compare to nothing", "{{ if recipient.state != }}x{{ end }}",
			[]string{`1:26: expected quoted text after "!=", like "NY"`}},
		{"unclosed tag", "Hello {{ supporter.city\nnext line {{ supporter.zip }}",
			[]string{`1:7: unclosed tag: "{{" needs a closing "}}" on the same line`}},
		{"unclosed tag at end", "Hello {{ supporter.city }",
			[]string{`1:7: unclosed tag: "{{" needs a closing "}}"`}},
		{"unclosed comment", "a {{# note", []string{`1:3: unclosed comment: "{{#" needs a closing "}}"`}},
		{"unclosed if", "{{ if personal_message }}\nA",
			[]string{`1:1: this {{ if }} is never closed: add {{ end }}`}},
		{"two unclosed ifs", "{{ if personal_message }}\n  {{ if recipient.is_senator }}\n{{ end }}",
			[]string{`1:1: this {{ if }} is never closed: add {{ end }}`}},
		{"stray end", "A\n{{ end }}", []string{`2:1: {{ end }} without an open {{ if }}`}},
		{"stray else", "A {{ else }}", []string{`1:3: "else" without an open {{ if }}`}},
		{"stray else if", `{{ else if personal_message }}`, []string{`1:1: "else if" without an open {{ if }}`}},
		{"else after else", "{{ if personal_message }}{{ else }}{{ else }}{{ end }}",
			[]string{`1:36: "else" after the "else" of this if; "else" must come last`}},
		{"else if after else", "{{ if personal_message }}{{ else }}{{ else if recipient.is_senator }}{{ end }}",
			[]string{`1:36: "else if" after the "else" of this if; "else" must come last`}},
		{"else with junk", "{{ if personal_message }}{{ else junk }}{{ end }}",
			[]string{`1:34: unexpected "junk" after "else": write {{ else }} or {{ else if condition }}`}},
		{"end with junk", "{{ if personal_message }}{{ end if }}",
			[]string{`1:33: unexpected "if": {{ end }} takes nothing after it`}},
		{"endif", "{{ if personal_message }}x{{ endif }}",
			[]string{`1:30: "endif" is not a keyword here: close an if with {{ end }}`}},
		{"elif", "{{ if personal_message }}x{{ elif recipient.is_senator }}y{{ end }}",
			[]string{`1:30: "elif" is not a keyword here: write {{ else if condition }}`}},
		{"empty condition", "{{ if }}x{{ end }}", []string{`1:7: expected a condition, like {{ if personal_message }}`}},
		{"dangling and", "{{ if personal_message and }}x{{ end }}",
			[]string{`1:28: the condition ends too early: expected a field name`}},
		{"double operator", "{{ if personal_message and or recipient.is_senator }}x{{ end }}",
			[]string{`1:28: unexpected "or": expected a field name`}},
		{"missing paren", "{{ if (personal_message or recipient.is_senator }}x{{ end }}",
			[]string{`1:49: expected ")" to match the "(" at column 7`}},
		{"extra paren", "{{ if personal_message) }}x{{ end }}",
			[]string{`1:23: unexpected ")" in the condition`}},
		{"two fields", "{{ if personal_message recipient.is_senator }}x{{ end }}",
			[]string{`1:24: unexpected "recipient.is_senator" in the condition`}},
		{"filter in condition", "{{ if personal_message | upper }}x{{ end }}",
			[]string{`1:24: filters cannot be used in a condition`}},
		{"literal in condition", `{{ if "yes" }}x{{ end }}`,
			[]string{`1:7: unexpected quoted text: expected a field name`}},
		{"assignment", `{{ if recipient.state = "NY" }}x{{ end }}`,
			[]string{`1:23: unexpected "=": use "==" to compare; templates cannot assign`}},
		{"bang", "{{ if !personal_message }}x{{ end }}", []string{`1:7: unexpected "!": use "not"`}},
		{"double ampersand", "{{ if personal_message && recipient.is_senator }}x{{ end }}", []string{`1:24: unexpected "&": use "and"`}},
		{"double bar", "{{ if personal_message || recipient.is_senator }}x{{ end }}", []string{`1:24: unexpected "||": use "or"`}},
		{"unterminated text", `{{ personal_message | default "abc }}`,
			[]string{`1:31: unterminated quoted text: add a closing '"'`}},
		{"unknown escape", `{{ personal_message | default "a\nb" }}`,
			[]string{`1:33: unknown escape "\n" in quoted text (only \" and \\ are allowed)`}},
		{"empty tag", "a {{ }} b", []string{`1:3: empty tag: write a field name, like {{ supporter.first_name }}`}},
		{"stray closing braces", "a }} b", []string{`1:3: unexpected "}}" without an opening "{{"`}},
		{"number", "{{ 42 }}", []string{`1:4: unexpected "42": expected a field name such as supporter.first_name (put text in quotes)`}},
		{"dot field", "{{ .Env }}", []string{`1:4: unexpected ".": field names start with a letter, like supporter.first_name`}},
		{"trailing dot", "{{ supporter. }}", []string{`1:4: incomplete field name "supporter."`}},
		{"double dot", "{{ supporter..city }}", []string{`1:4: incomplete field name "supporter..city"`}},
		{"call", "{{ call }}", []string{`1:4: "call" is not supported: templates have no calls; they can show fields and use if/else/end`}},
		{"template include", `{{ template "x" }}`, []string{`1:4: "template" is not supported: templates have no includes; they can show fields and use if/else/end`}},
		{"range", "{{ range supporter }}", []string{`1:4: "range" is not supported: templates have no loops; they can show fields and use if/else/end`}},
		{"proto", "{{ supporter.__proto__ }}", []string{`1:4: unknown field "supporter.__proto__"`}},
		{"keyword as output", "{{ not personal_message }}", []string{`1:4: "not" belongs in a condition: {{ if ... }}`}},
		{"unicode column", "héllo wörld {{ nope }}", []string{`1:16: unknown field "nope"`}},
		{"unexpected character", "{{ supporter.city € }}", []string{`1:19: unexpected character '€'`}},
		{"too large", strings.Repeat("a", letter.MaxTemplateSize+1),
			[]string{fmt.Sprintf("1:1: the template is too long (%d bytes; the limit is %d)", letter.MaxTemplateSize+1, letter.MaxTemplateSize)}},
		{"invalid utf-8", "ok\nab\xffc", []string{`2:3: the template contains bytes that are not valid UTF-8 text`}},
		{"several errors in order", "{{ supporter.nme }}\n{{ recipient.x | upper }} {{ supporter.city | shout }}\n{{ end }}\n}}",
			[]string{
				`1:4: unknown field "supporter.nme"`,
				`2:4: unknown field "recipient.x"`,
				`2:47: unknown filter "shout" (use upper, lower or default "text")`,
				`3:1: {{ end }} without an open {{ if }}`,
				`4:1: unexpected "}}" without an opening "{{"`,
			}},
		{"bad if keeps structure", "{{ if recipient.is_senatr }}\nx\n{{ else }}\ny\n{{ end }}",
			[]string{`1:7: unknown field "recipient.is_senatr" (did you mean recipient.is_senator?)`}},
		{"lex error in if keeps structure", "{{ if a = b }}x{{ end }}",
			[]string{`1:9: unexpected "=": use "==" to compare; templates cannot assign`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := letter.Compile("body", tt.src, fields)
			if err == nil {
				t.Fatal("Compile succeeded, want errors")
			}
			var ces letter.CompileErrors
			if !errors.As(err, &ces) {
				t.Fatalf("error is %T, want CompileErrors", err)
			}
			var got []string
			for _, e := range ces {
				if e.Name != "body" {
					t.Errorf("Name = %q", e.Name)
				}
				got = append(got, fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

func TestCompileErrorMessage(t *testing.T) {
	_, err := letter.Compile("body", "Dear friend,\n\nI live in {{ supporter.cty }}.\n{{ if x }}", letter.Fields(nil))
	want := "body:3:14: unknown field \"supporter.cty\" (did you mean supporter.city?)\n" +
		"body:4:1: this {{ if }} is never closed: add {{ end }}\n" +
		"body:4:7: unknown field \"x\""
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	ae := letter.AsAppError(err)
	if app.ErrorCodeOf(ae) != app.EINVALID {
		t.Errorf("code = %q", app.ErrorCodeOf(ae))
	}
	if f := app.ErrorFieldsOf(ae)["body"]; !strings.HasPrefix(f, "line 3, column 14: unknown field") {
		t.Errorf("field message = %q", f)
	}
	var ces letter.CompileErrors
	if !errors.As(ae, &ces) || len(ces) != 3 {
		t.Errorf("CompileErrors not reachable: %v", ces)
	}
	if letter.AsAppError(nil) != nil {
		t.Error("AsAppError(nil) != nil")
	}
	other := errors.New("x")
	if letter.AsAppError(other) != other {
		t.Error("other errors must pass through")
	}
}

func TestCompileErrorLimit(t *testing.T) {
	src := strings.Repeat("{{ nope }}\n", 100)
	_, err := letter.Compile("body", src, letter.Fields(nil))
	var ces letter.CompileErrors
	if !errors.As(err, &ces) {
		t.Fatal(err)
	}
	if len(ces) != 26 {
		t.Fatalf("got %d errors, want 25 and a summary", len(ces))
	}
	if last := ces[25]; last.Line != 26 || last.Msg != "75 more errors not shown; fix the ones above first" {
		t.Errorf("summary = %+v", last)
	}
}

func TestNesting(t *testing.T) {
	fields := letter.Fields(nil)
	nest := func(n int) string {
		return strings.Repeat("{{ if personal_message }}", n) + "x" + strings.Repeat("{{ end }}", n)
	}
	if _, err := letter.Compile("body", nest(letter.MaxNesting), fields); err != nil {
		t.Fatalf("%d levels: %v", letter.MaxNesting, err)
	}
	_, err := letter.Compile("body", nest(letter.MaxNesting+1), fields)
	col := len("{{ if personal_message }}")*letter.MaxNesting + 1
	want := fmt.Sprintf("body:1:%d: ifs are nested too deeply (more than 20 levels)", col)
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}

	cond := func(n int) string {
		return "{{ if " + strings.Repeat("not ", n) + "personal_message }}x{{ end }}"
	}
	if _, err := letter.Compile("body", cond(letter.MaxNesting), fields); err != nil {
		t.Fatalf("%d nots: %v", letter.MaxNesting, err)
	}
	_, err = letter.Compile("body", cond(letter.MaxNesting+1), fields)
	if err == nil || err.Error() != "body:1:87: the condition is nested too deeply (more than 20 levels)" {
		t.Fatalf("got %v", err)
	}
	parens := "{{ if " + strings.Repeat("(", 21) + "personal_message" + strings.Repeat(")", 21) + " }}x{{ end }}"
	_, err = letter.Compile("body", parens, fields)
	if err == nil || err.Error() != "body:1:27: the condition is nested too deeply (more than 20 levels)" {
		t.Fatalf("got %v", err)
	}
}
