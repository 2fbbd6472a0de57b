package pdf_test

import (
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter/pdf"
)

func TestCheckText(t *testing.T) {
	const latinOnly = "Latin letters (Uyghur Latin or English is fine)"
	cases := []struct {
		name string
		in   string
		want string // "" for OK, else a fragment of the message
	}{
		{"empty", "", ""},
		{"ascii", "Dear Senator Schumer, please act. 100% of us agree!", ""},
		{"latin diacritics", "José Núñez, Łukasz Żółć, Zoë Brontë, Ștefan Țiriac, Søren Ærø, İlkay Gündoğan", ""},
		{"typographic punctuation", "It’s “time” — now… ‘really’ • €5 – §3", ""},
		{"uyghur latin", "Men Uyghur, Ürümchidin keldim. Ğ ş ç ö ü ë é", ""},
		{"greek and cyrillic", "Αθήνα Київ Москва", ""},
		{"newlines and tabs", "Para one\tstill.\r\n\r\nPara two\nline", ""},
		{"decomposed accents", "Jose\u0301", ""},
		{"invisible format chars dropped", "a\u200bb\ufeffc\u00ad\u200e", ""},
		{"uyghur arabic script", "ئۇيغۇر تىلى", latinOnly},
		{"uyghur mixed with english", "My name is ئەخمەت and I live in Albany", latinOnly},
		{"persian", "سلام", latinOnly},
		{"urdu presentation forms", "\uFB8A\uFE8D", latinOnly},
		{"arabic supplement", "\u0750", latinOnly},
		{"arabic extended-a", "\u08A0", latinOnly},
		{"arabic comma alone", "one\u060C two", latinOnly},
		{"hebrew", "שלום", "Hebrew script cannot be printed"},
		{"devanagari", "नमस्ते", "Devanagari script"},
		{"chinese", "停止强迫劳动", "“停”, “止”, “强”, “迫”, “劳”, “动”"},
		{"japanese", "こんにちは", "“こ”"},
		{"korean", "안녕", "“안”"},
		{"emoji", "Thanks 😀👍", "“😀”, “👍”"},
		{"dingbat", "Done ✓", "“✓”"},
		{"many unsupported", "一二三四五六七八九十百千", "and 2 more"},
		{"private use", "\uE000", "U+E000"},
		{"bell", "ring\a", "control characters (U+0007)"},
		{"escape", "\x1b[31mred", "U+001B"},
		{"c1 control", "x\u0085y\u0090", "U+0090"},
		{"invalid utf-8", "caf\xe9", "could not be read"},
		{"arabic wins over cjk", "中 ب", latinOnly},
	}
	m := defaultMaker(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for name, check := range map[string]func(string) error{"CheckText": pdf.CheckText, "Maker.CheckText": m.CheckText} {
				err := check(c.in)
				if c.want == "" {
					if err != nil {
						t.Errorf("%s(%q) = %v, want nil", name, c.in, err)
					}
					continue
				}
				if app.ErrorCodeOf(err) != app.EINVALID {
					t.Fatalf("%s(%q) = %v, want EINVALID", name, c.in, err)
				}
				if msg := app.ErrorMessageOf(err); !strings.Contains(msg, c.want) {
					t.Errorf("%s(%q) message %q lacks %q", name, c.in, msg, c.want)
				}
			}
		})
	}
}
