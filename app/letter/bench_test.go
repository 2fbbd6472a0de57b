package letter_test

import (
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter"
)

// BenchmarkRender is the per-target cost of a submission: a cached version of
// the default representative letter rendered with fresh merge data.
func BenchmarkRender(b *testing.B) {
	subject, body := readDefault(b, app.TargetRepresentative)
	tv := app.TemplateVersion{ID: 1, Kind: app.TargetRepresentative, Subject: subject, Body: body}
	r := letter.NewRenderer(letter.Options{})
	c, tgt, sup := testCampaign(), repTarget(), testSupporter()
	const msg = "I am a retired teacher in Albany and have followed this case since August."
	if _, _, err := r.Render(tv, c, tgt, sup, msg, letterDate); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := r.Render(tv, c, tgt, sup, msg, letterDate); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompile is the cost of a cache miss or a save: compiling the
// default representative letter (subject and body).
func BenchmarkCompile(b *testing.B) {
	subject, body := readDefault(b, app.TargetRepresentative)
	fields := letter.Fields(testCampaign())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := letter.Compile("subject", subject, fields); err != nil {
			b.Fatal(err)
		}
		if _, err := letter.Compile("body", body, fields); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileMax compiles a template of nearly MaxTemplateSize bytes
// full of tags, the worst an organizer can send per save.
func BenchmarkCompileMax(b *testing.B) {
	unit := "{{ if recipient.is_senator and personal_message }}{{ supporter.first_name | upper }}{{ end }}\n"
	src := ""
	for len(src)+len(unit) < letter.MaxTemplateSize {
		src += unit
	}
	fields := letter.Fields(testCampaign())
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := letter.Compile("body", src, fields); err != nil {
			b.Fatal(err)
		}
	}
}
