package pdf

import (
	"strings"
	"time"

	"github.com/advocate-org/advocate/app"
)

// The address blocks live next to the layout that prints them, so that the
// supporter's download, the office's emailed attachment, the organizer's
// preview and the mailed packets all print one address the same way, and
// none of them needs the submission service to do it.

// StoredLetter lays out a stored letter of sub for printing, dated in loc
// (the time zone letters are dated in, not the server's).
func StoredLetter(sub *app.Submission, l app.Letter, loc *time.Location) Letter {
	return Letter{
		SenderLines:    SenderLines(sub.Supporter),
		Date:           l.CreatedAt.In(loc),
		RecipientLines: RecipientLines(l.Recipient),
		Subject:        l.Subject,
		Body:           l.Body,
	}
}

// SenderLines is the supporter's return address block. An erased
// supporter keeps only the name.
func SenderLines(s app.Supporter) []string {
	lines := []string{s.FullName()}
	for _, l := range []string{s.Address1, s.Address2} {
		if l != "" {
			lines = append(lines, l)
		}
	}
	place := s.City
	if stateZip := strings.TrimSpace(s.State + " " + s.Zip); stateZip != "" {
		if place != "" {
			place += ", "
		}
		place += stateZip
	}
	if place != "" {
		lines = append(lines, place)
	}
	if s.Email != "" {
		lines = append(lines, s.Email)
	}
	return lines
}

// RecipientLines is the inside address: name, office, postal address. A
// published address often repeats the office's title; it is printed once.
func RecipientLines(t app.Target) []string {
	name := t.Name
	if t.Honorific != "" {
		name = t.Honorific + " " + t.Name
	}
	lines := []string{name}
	switch {
	case t.Chamber == app.House:
		lines = append(lines, "U.S. House of Representatives")
	case t.Chamber == app.Senate:
		lines = append(lines, "United States Senate")
	case t.Kind == app.TargetExecutive && t.Title != "":
		lines = append(lines, t.Title)
	}
	for _, l := range t.AddressLines {
		if l != lines[len(lines)-1] {
			lines = append(lines, l)
		}
	}
	return lines
}
