package keptroster

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/match"
)

// A change of an office's or a commission's email address decides where
// supporters' letters (names, home addresses, their own words) go. An
// organizer's change is therefore saved as typed but used only once an
// admin other than that organizer approves it; until then letters keep
// going to the address approved before, and an office with none is only
// downloaded and printed. The overlay lays approved addresses alone over
// the roster, and the outbox checks each office email against the approved
// addresses again just before sending.

// Audit actions of the approval.
const (
	ActionAddressApprove = "roster.address.approve"
	ActionAddressRefuse  = "roster.address.refuse"
)

// Notifier tells the admins that a change of address waits for one of
// them. It is called after the change is saved, off the organizer's
// request; a failure is logged, and the admin home page lists the change
// anyway.
type Notifier interface {
	AddressChangePending(ctx context.Context, c app.AddressChange) error
}

// notifyTimeout bounds one notification (several admins over a slow mail
// server).
const notifyTimeout = 2 * time.Minute

// notifyPending tells the admins about each proposed change, in the
// background so that the organizer does not wait for the mail server.
func (s *Service) notifyPending(ctx context.Context, proposed []app.AddressChange) {
	if s.notifier == nil || len(proposed) == 0 {
		return
	}
	s.notifying.Add(1)
	go func() {
		defer s.notifying.Done()
		nctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), notifyTimeout)
		defer cancel()
		for _, c := range proposed {
			if err := s.notifier.AddressChangePending(nctx, c); err != nil {
				s.log.ErrorContext(nctx, "could not tell the admins about a change of address", "subject", c.Subject, "err", err)
			}
		}
	}()
}

// Wait returns once the notifications already started are sent (or have
// failed), for shutdown and tests.
func (s *Service) Wait() { s.notifying.Wait() }

// emailProblem words app.CheckEmail's verdict for the roster forms.
func emailProblem(email string) string {
	switch app.CheckEmail(email) {
	case nil:
		return ""
	case app.ErrEmailIPLiteral:
		return "use an address at a domain name, not at an IP address such as [10.0.0.1]"
	}
	return "enter a valid email address"
}

// useApproved replaces the email of every kept office and commission with
// its approved address ("" when none is approved).
func useApproved(kept *app.Roster, approved map[string]string) {
	for i := range kept.Executives {
		kept.Executives[i].Email = approved[app.SubjectExecutive+kept.Executives[i].Key]
	}
	for i := range kept.Committees {
		kept.Committees[i].Email = approved[app.SubjectCommission+kept.Committees[i].Code]
	}
}

// delivery is one subject's delivery address in a roster.
type delivery struct {
	label, email string
}

// deliveries lists the delivery addresses of r by subject.
func deliveries(r *app.Roster) map[string]delivery {
	out := make(map[string]delivery, len(r.Executives)+len(r.Committees))
	for _, x := range r.Executives {
		out[app.SubjectExecutive+x.Key] = delivery{label: x.Title, email: strings.TrimSpace(x.Email)}
	}
	for _, c := range r.Committees {
		out[app.SubjectCommission+c.Code] = delivery{label: c.Name, email: strings.TrimSpace(c.Email)}
	}
	return out
}

// addressesOf is the non-empty delivery addresses of r by subject.
func addressesOf(r *app.Roster) map[string]string {
	out := map[string]string{}
	for s, d := range deliveries(r) {
		if d.email != "" {
			out[s] = d.email
		}
	}
	return out
}

func cloneRoster(r *app.Roster) *app.Roster {
	return &app.Roster{Committees: slices.Clone(r.Committees), Memberships: slices.Clone(r.Memberships),
		Executives: slices.Clone(r.Executives)}
}

// addressUpdate works out what an edit from before to after does to
// delivery addresses, given the approved address of each subject. A new
// address (one that is not the approved one) waits for an admin; going
// back to the approved address withdraws the request; clearing the address
// or removing the office stops its email at once, since no mail then goes
// anywhere new. When the lists were just adopted from the imported roster,
// its addresses are trusted: the operator loaded them, not a web user.
// notes says, by subject, what the audit line of the email should add.
func addressUpdate(before, after *app.Roster, approved map[string]string, adopted bool, a app.Actor) (app.AddressUpdate, map[string]string) {
	var u app.AddressUpdate
	notes := map[string]string{}
	if adopted {
		u.Trust = addressesOf(before)
	}
	was, now := deliveries(before), deliveries(after)
	subjects := make([]string, 0, len(now))
	for s := range now {
		subjects = append(subjects, s)
	}
	slices.Sort(subjects) // a stable order for the audit and the tests
	for _, s := range subjects {
		d, old := now[s], was[s]
		cur := approved[s]
		edited := old.email != d.email
		switch {
		case !edited:
			// Unchanged by this edit; a request already made stays.
		case d.email == "":
			if cur != "" {
				u.Drop = append(u.Drop, s)
				notes[s] = "no longer emailed: letters are downloaded and printed"
			} else {
				u.Withdraw = append(u.Withdraw, s)
			}
		case app.SameEmail(d.email, cur):
			u.Withdraw = append(u.Withdraw, s)
			notes[s] = "the approved address: no approval needed"
		default:
			u.Propose = append(u.Propose, app.AddressChange{Subject: s, Label: d.label, OldEmail: cur, NewEmail: d.email,
				ProposedBy: a.Label(), ProposedByID: a.UserID})
			if cur == "" {
				notes[s] = "waiting for an admin's approval; until then letters are not emailed"
			} else {
				notes[s] = "waiting for an admin's approval; until then letters go to " + cur
			}
		}
	}
	for s := range was {
		if _, ok := now[s]; !ok {
			u.Drop = append(u.Drop, s)
		}
	}
	slices.Sort(u.Drop)
	return u, notes
}

// quote shows a value in an audit line; an empty one as "(none)".
func quote(v string) string {
	if v == "" {
		return "(none)"
	}
	return "\u201c" + strings.ReplaceAll(v, "\n", " / ") + "\u201d"
}

// diffRoster lists every field an edit changed, as "field: “old” → “new”"
// lines for the audit log, with the notes of addressUpdate after the
// email lines.
func diffRoster(before, after *app.Roster, ix *match.Index, notes map[string]string) []string {
	var out []string
	field := func(prefix, name, old, new, note string) {
		if old == new {
			return
		}
		line := prefix + name + ": " + quote(old) + " \u2192 " + quote(new)
		if note != "" {
			line += " (" + note + ")"
		}
		out = append(out, line)
	}
	// Executive offices, in the order of the new list, then removed ones.
	oldX := map[string]app.ExecutiveTarget{}
	for _, x := range before.Executives {
		oldX[x.Key] = x
	}
	newX := map[string]bool{}
	for _, x := range after.Executives {
		newX[x.Key] = true
		o, had := oldX[x.Key]
		p := x.Key + " "
		if !had {
			out = append(out, "new office "+x.Key)
		}
		field(p, "title", o.Title, x.Title, "")
		field(p, "name", o.Name, x.Name, "")
		field(p, "name on the address line", o.Salutation, x.Salutation, "")
		field(p, "greeting", o.Greeting, x.Greeting, "")
		field(p, "postal address", o.Address, x.Address, "")
		field(p, "email", o.Email, x.Email, notes[app.SubjectExecutive+x.Key])
		field(p, "in office since", o.InOfficeSince, x.InOfficeSince, "")
	}
	for _, o := range before.Executives {
		if !newX[o.Key] {
			out = append(out, "removed office "+o.Key+": "+quote(o.Title)+", "+quote(o.Name)+", email "+quote(o.Email))
		}
	}
	// Commissions.
	oldC := map[string]app.Committee{}
	for _, c := range before.Committees {
		oldC[c.Code] = c
	}
	newC := map[string]bool{}
	for _, c := range after.Committees {
		newC[c.Code] = true
		o, had := oldC[c.Code]
		p := c.Code + " "
		if !had {
			out = append(out, "new commission "+c.Code)
		}
		field(p, "name", o.Name, c.Name, "")
		field(p, "chamber", string(o.Chamber), string(c.Chamber), "")
		field(p, "web address", o.URL, c.URL, "")
		field(p, "postal address", o.Address, c.Address, "")
		field(p, "phone", o.Phone, c.Phone, "")
		field(p, "email", o.Email, c.Email, notes[app.SubjectCommission+c.Code])
	}
	for _, o := range before.Committees {
		if !newC[o.Code] {
			out = append(out, "removed commission "+o.Code+": "+quote(o.Name)+", email "+quote(o.Email))
		}
	}
	// Seats: who sits where, with what role.
	type seat struct{ code, id string }
	role := func(t string) string {
		if t == "" {
			return "member"
		}
		return t
	}
	name := func(id string) string {
		if l, ok := ix.Legislator(id); ok {
			return l.DisplayName() + " [" + id + "]"
		}
		return id
	}
	oldS := map[seat]app.Membership{}
	for _, m := range before.Memberships {
		oldS[seat{m.CommitteeCode, m.BioguideID}] = m
	}
	newS := map[seat]bool{}
	for _, m := range after.Memberships {
		k := seat{m.CommitteeCode, m.BioguideID}
		newS[k] = true
		o, had := oldS[k]
		switch {
		case !had:
			out = append(out, fmt.Sprintf("%s seat of %s: (none) \u2192 %s", m.CommitteeCode, name(m.BioguideID), quote(role(m.Title))))
		case o.Title != m.Title:
			out = append(out, fmt.Sprintf("%s seat of %s: %s \u2192 %s", m.CommitteeCode, name(m.BioguideID), quote(role(o.Title)), quote(role(m.Title))))
		}
	}
	for _, m := range before.Memberships {
		k := seat{m.CommitteeCode, m.BioguideID}
		if !newS[k] && newC[m.CommitteeCode] {
			out = append(out, fmt.Sprintf("%s seat of %s: %s \u2192 (removed)", m.CommitteeCode, name(m.BioguideID), quote(role(m.Title))))
		}
	}
	return out
}

// PendingAddresses returns the changes of address waiting for an admin,
// by subject, so that the roster pages can say so. Organizers and admins
// may see them.
func (s *Service) PendingAddresses(ctx context.Context) (map[string]app.AddressChange, error) {
	a, ok := app.ActorFrom(ctx)
	if !ok || !(a.Has(app.RoleOrganizer) || a.Has(app.RoleAdmin)) {
		return nil, app.Errorf(app.EFORBIDDEN, "Only organizers and admins can see changes of address.")
	}
	list, err := s.store.ListAddressChanges(ctx, app.AddressChangeFilter{Status: app.ApprovalPending, Limit: 500})
	if err != nil {
		return nil, err
	}
	out := make(map[string]app.AddressChange, len(list))
	for _, c := range list {
		out[c.Subject] = c
	}
	return out, nil
}

func requireAdmin(ctx context.Context) (app.Actor, error) {
	a, ok := app.ActorFrom(ctx)
	if !ok {
		return app.Actor{}, app.Errorf(app.EUNAUTHORIZED, "Please sign in.")
	}
	if !a.Has(app.RoleAdmin) {
		return app.Actor{}, app.Errorf(app.EFORBIDDEN, "Only admins can decide on changes of address.")
	}
	return a, nil
}

// AddressChanges lists changes of address newest first, for the admins.
func (s *Service) AddressChanges(ctx context.Context, f app.AddressChangeFilter) ([]app.AddressChange, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	return s.store.ListAddressChanges(ctx, f)
}

// DecideAddress approves or refuses a change of address. Only an admin who
// did not ask for it may decide (EFORBIDDEN otherwise, whatever other roles
// they hold). Approving sends letters made from now on to the new address;
// refusing keeps the approved one and shows it on the roster again. The
// decision is in the audit log.
func (s *Service) DecideAddress(ctx context.Context, id int64, approve bool) (*app.AddressChange, error) {
	a, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.store.DecideAddressChange(ctx, id, approve, a.Label(), a.UserID)
	if err != nil {
		return nil, err
	}
	action, verb := ActionAddressRefuse, "refused"
	if approve {
		action, verb = ActionAddressApprove, "approved"
	}
	if s.audit != nil {
		detail := fmt.Sprintf("%s the change of address of %s asked for by %s\nemail: %s \u2192 %s",
			verb, quote(c.Label), c.ProposedBy, quote(c.OldEmail), quote(c.NewEmail))
		if !approve {
			detail += "\nletters keep going to " + quote(c.OldEmail)
		}
		if err := s.audit.Record(ctx, action, c.Subject, detail); err != nil {
			s.log.ErrorContext(ctx, "audit record failed", "action", action, "err", err)
		}
	}
	if err := s.roster.Rebuild(ctx); err != nil {
		return c, app.WrapError(app.EUNAVAILABLE, err, "The decision was saved but the live roster could not be rebuilt; it will apply after the next refresh.")
	}
	return c, nil
}
