package outbox

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/mail"
)

// groupData is what office-group.txt and office-group.html see.
type groupData struct {
	Campaign         *app.Campaign
	Supporter        app.Supporter
	Letters          []app.Letter
	OrgName          string
	ReplyToSupporter bool
}

// ComposeGroup builds the one email that carries several letters of a
// submission to one inbox (dls are their email deliveries, the first the
// group's lead, whose Message-ID the email takes). Each letter is attached
// as its own PDF rather than one combined file: every letter is a separate
// document to a different member, with its own address block and
// greeting, and an office passes each on to its member or files it under
// that member; a combined PDF would have to be split by hand. The body
// lists the recipients and carries every letter's full text.
func (c *Composer) ComposeGroup(dls []app.Delivery, sub *app.Submission, camp *app.Campaign, now time.Time) (*mail.Message, error) {
	if len(dls) == 0 {
		return nil, &ComposeError{fmt.Errorf("an email needs at least one letter")}
	}
	if len(dls) == 1 {
		return c.Compose(dls[0], sub, camp, now)
	}
	byID := make(map[int64]*app.Letter, len(sub.Letters))
	for i := range sub.Letters {
		byID[sub.Letters[i].ID] = &sub.Letters[i]
	}
	letters := make([]app.Letter, 0, len(dls))
	for _, dl := range dls {
		l := byID[dl.LetterID]
		switch {
		case l == nil:
			return nil, &ComposeError{fmt.Errorf("letter %d is not in submission %d", dl.LetterID, sub.ID)}
		case dl.Channel != app.ChannelEmail:
			return nil, &ComposeError{fmt.Errorf("channel %q does not go to an office inbox", dl.Channel)}
		case !strings.EqualFold(strings.TrimSpace(dl.To), strings.TrimSpace(dls[0].To)):
			return nil, &ComposeError{fmt.Errorf("letters to %s and %s cannot share one email", dls[0].To, dl.To)}
		}
		letters = append(letters, *l)
	}
	if sub.Supporter.ErasedAt != nil {
		return nil, &ComposeError{fmt.Errorf("the supporter's data was erased")}
	}
	org := strings.TrimSpace(camp.Delivery.OrgName)
	if org == "" {
		org = c.from.Name
	}
	name := sub.Supporter.FullName()
	m := &mail.Message{
		MessageID: MessageID(dls[0], c.host),
		Date:      now,
		From:      mail.Address{Name: name + " via " + firstNonEmpty(org, camp.Title), Email: c.from.Email},
		To:        []mail.Address{{Name: sharedBody(letters), Email: dls[0].To}},
		Headers:   map[string]string{"X-Advocate-Campaign": camp.Slug},
		Subject:   groupSubject(name, letters),
	}
	if camp.Delivery.ReplyToSupporter {
		m.ReplyTo = &mail.Address{Name: name, Email: sub.Supporter.Email}
	}
	d := groupData{Campaign: camp, Supporter: sub.Supporter, Letters: letters, OrgName: org,
		ReplyToSupporter: camp.Delivery.ReplyToSupporter}
	var err error
	if m.Text, err = execText(c.groupT, d); err != nil {
		return nil, err
	}
	if m.HTML, err = execHTML(c.groupH, d); err != nil {
		return nil, err
	}
	used := map[string]int{}
	for _, l := range letters {
		b, err := c.render(sub, []app.Letter{l})
		if err != nil {
			return nil, err
		}
		base := camp.Slug + "-letter-to-" + firstNonEmpty(l.Recipient.LastName, "recipient")
		used[base]++
		if n := used[base]; n > 1 { // two members share a last name
			base += "-" + strconv.Itoa(n)
		}
		m.Attachments = append(m.Attachments, mail.Attachment{Name: base + ".pdf", ContentType: "application/pdf", Data: b})
	}
	if _, err := m.Bytes(); err != nil {
		return nil, &ComposeError{err}
	}
	return m, nil
}

// groupSubject names the sender and the count, then the letters' subject
// when they share one (they usually do: one template per kind of target).
func groupSubject(name string, letters []app.Letter) string {
	s := strconv.Itoa(len(letters)) + " letters from " + name
	for _, l := range letters[1:] {
		if l.Subject != letters[0].Subject {
			return s
		}
	}
	if subj := strings.TrimSpace(letters[0].Subject); subj != "" {
		s += ": " + subj
	}
	return s
}

// sharedBody is the committee or commission every recipient sits on (the
// owner of the shared inbox, e.g. "Tom Lantos Human Rights Commission"),
// or "" when they have none in common.
func sharedBody(letters []app.Letter) string {
	for _, r := range letters[0].Recipient.Roles {
		all := true
		for _, l := range letters[1:] {
			found := false
			for _, o := range l.Recipient.Roles {
				if o.CommitteeCode == r.CommitteeCode {
					found = true
					break
				}
			}
			all = all && found
		}
		if all && r.CommitteeName != "" {
			return r.CommitteeName
		}
	}
	return ""
}
