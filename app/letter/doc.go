// Package letter turns organizer-edited letter templates into the text a
// supporter sends.
//
// Organizers edit templates in the browser, so the template language is
// deliberately small and closed: a template can print merge fields from a
// declared schema (with the filters upper, lower and default), branch with
// if / else if / else / end, and hold comments. It has no loops, calls,
// assignments or includes, so it cannot reach anything but the merge data,
// and rendering cost is linear in the template size with a hard cap on the
// output. Unknown fields and filters are compile errors reported with
// line:column, so a broken template is rejected when it is saved rather than
// when a supporter submits.
//
// Syntax:
//
//	{{ supporter.first_name }}                 print a field
//	{{ recipient.name | upper }}               filters: upper, lower, default "text"
//	{{ if recipient.is_constituent }} ... {{ else if campaign.facts.x == "y" }} ... {{ else }} ... {{ end }}
//	{{# a comment }}
//
// Conditions combine fields with not, and, or, ==, != (against quoted text)
// and parentheses. A line that holds only if/else/end/comment tags disappears
// together with its line break, so plain-text letters stay tidy.
//
// The package does not import text/template on purpose: that language can
// call methods and range over data, which is more power than an editor in a
// browser should have.
package letter
