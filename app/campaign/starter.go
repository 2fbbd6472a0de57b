package campaign

import (
	"regexp"

	"github.com/advocate-org/advocate/app"
)

// The starter letters use only fields every campaign has, so a new campaign
// can be previewed before its organizer writes a word; they are meant to be
// rewritten.
const (
	starterSignature = `
Respectfully,

{{ supporter.full_name }}
{{ supporter.address1 }}
{{ if supporter.address2 }}
{{ supporter.address2 }}
{{ end }}
{{ supporter.city_state_zip }}`

	starterPersonal = `
{{ if personal_message }}
{{ personal_message }}

{{ end }}`

	starterLegislator = `{{ recipient.greeting }}

As your constituent in {{ supporter.city }}, {{ supporter.state }}, I am writing to ask you to {{ campaign.ask | default "support this campaign" }}.

[Explain in two or three short paragraphs what is happening and why it matters. Use campaign facts for names, dates and places, so they stay the same in every letter.]
` + starterPersonal + `
I ask you to act on this without delay, and I would be grateful to hear what you will do.
` + starterSignature

	starterCommittee = `{{ recipient.greeting }}

I am writing to you{{ if recipient.roles }} in your role as {{ recipient.roles }}{{ end }} to ask you to {{ campaign.ask | default "support this campaign" }}.

[Explain why this matters to the body you serve on, and what it can do.]
` + starterPersonal + `
Thank you for your leadership and for your attention to this urgent matter.
` + starterSignature

	starterExecutive = `{{ recipient.greeting }}

I am writing to ask you to {{ campaign.ask | default "support this campaign" }}.

[Explain what the department can do, and why it should do it now.]
` + starterPersonal + `
Thank you for your attention to this matter.
` + starterSignature
)

// StarterTemplate is the first letter of a new campaign for a kind of
// recipient (Subject and Body only).
func StarterTemplate(k app.TargetKind) app.TemplateVersion {
	tv := app.TemplateVersion{Kind: k, Subject: "{{ campaign.title }}: please act now"}
	switch k {
	case app.TargetCommittee:
		tv.Body = starterCommittee
	case app.TargetExecutive:
		tv.Body = starterExecutive
	default:
		tv.Body = starterLegislator
	}
	return tv
}

// placeholderRE finds the starter letters' bracketed instructions ("[Explain
// in two or three short paragraphs ...]"): a bracket, a capital letter and
// a sentence, on one line. "[sic]" and footnote marks are not matched.
var placeholderRE = regexp.MustCompile(`\[[A-Z][^\[\]\n]{12,}\]`)

// Placeholder returns the first placeholder left in a letter (shortened),
// or "" when there is none. A letter with one must not reach an office.
func Placeholder(tv app.TemplateVersion) string {
	for _, src := range []string{tv.Subject, tv.Body} {
		if m := placeholderRE.FindString(src); m != "" {
			return "\u201c" + clip(m, 40) + "\u201d"
		}
	}
	return ""
}
