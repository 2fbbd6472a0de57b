package keptroster_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/auth"
	"github.com/advocate-org/advocate/app/keptroster"
	"github.com/advocate-org/advocate/app/letter/pdf"
	"github.com/advocate-org/advocate/app/mail"
	"github.com/advocate-org/advocate/app/mail/mailtest"
	"github.com/advocate-org/advocate/app/outbox"
	"github.com/advocate-org/advocate/app/store/views"
	"github.com/advocate-org/advocate/templates"
)

// notes records the notifications of pending changes.
type notes struct {
	mu   sync.Mutex
	list []app.AddressChange
}

func (n *notes) AddressChangePending(_ context.Context, c app.AddressChange) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.list = append(n.list, c)
	return nil
}

func actorCtx(id int64, email string, roles ...app.Role) context.Context {
	return app.WithActor(context.Background(), app.Actor{UserID: id, Email: email, Roles: roles, Via: "session"})
}

// sendAll flushes the outbox to a recording SMTP server and returns every
// recipient it received mail for.
func sendAll(t *testing.T, e *env, srv *mailtest.Server) []string {
	t.Helper()
	smtp, err := mail.NewSMTP(mail.SMTPOptions{URL: srv.URL(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	maker, err := pdf.New(pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	comp, err := outbox.NewComposer(outbox.ComposerOptions{From: mail.Address{Name: "Advocate", Email: "letters@advocate.example"},
		BaseURL: "https://letters.example.org", Templates: templates.Emails(), PDF: maker, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	x, err := outbox.New(outbox.Options{Store: views.Outbox(e.db), Sender: smtp, Composer: comp})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range srv.Received() {
		out = append(out, r.To...)
	}
	return out
}

// officeEmails lists where a submission's office emails are queued, by
// recipient key.
func officeEmails(sub *app.Submission) map[string][]string {
	out := map[string][]string{}
	for _, l := range sub.Letters {
		for _, d := range l.Deliveries {
			if d.Channel == app.ChannelEmail {
				out[l.Recipient.Key] = append(out[l.Recipient.Key], d.To)
			}
		}
	}
	return out
}

// The attack of the review: an organizer points an office's letters at an
// inbox of their choosing. Nothing goes there until an admin other than
// them approves; a refusal keeps the old address; the audit log has the
// old and new values and the decisions.
func TestChangeOfAddressWaitsForAnotherAdmin(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	told := &notes{}
	kept := keptroster.New(keptroster.Options{Store: e.db.Roster, Roster: e.roster, Campaigns: e.db.Campaigns, Auditor: auth.NewAudit(e.db.Audit, nil), Notifier: told})
	orgAdmin := actorCtx(1, "org@example.org", app.RoleOrganizer, app.RoleAdmin)
	organizerOnly := actorCtx(3, "helper@example.org", app.RoleOrganizer)
	admin := actorCtx(2, "admin@example.org", app.RoleAdmin)

	tl, err := kept.Commission(orgAdmin, "TLHRC")
	if err != nil || tl.Email != "TLHRC@mail.house.gov" {
		t.Fatalf("seed TLHRC: %+v %v", tl, err)
	}
	if err := kept.SaveCommission(orgAdmin, keptroster.CommissionInput{Code: "TLHRC", Name: tl.Name, Chamber: tl.Chamber, URL: tl.URL,
		Address: tl.Address, Phone: tl.Phone, Email: "letters@attacker.example"}, false); err != nil {
		t.Fatal(err)
	}
	dhs, err := kept.Executive(orgAdmin, "DHS_SECRETARY")
	if err != nil || dhs.Email != "" {
		t.Fatalf("seed DHS: %+v %v", dhs, err)
	}
	if err := kept.SaveExecutive(orgAdmin, keptroster.ExecutiveInput{Key: dhs.Key, Title: dhs.Title, Name: dhs.Name, Salutation: dhs.Salutation,
		Greeting: dhs.Greeting, Address: dhs.Address, Email: "inbox@attacker.example", InOfficeSince: dhs.InOfficeSince}, false); err != nil {
		t.Fatal(err)
	}
	kept.Wait()

	// The organizer sees what they typed, waiting; the roster that letters
	// are made from has only approved addresses.
	if got, _ := kept.Commission(orgAdmin, "TLHRC"); got.Email != "letters@attacker.example" {
		t.Errorf("organizer's view of TLHRC: %q", got.Email)
	}
	pending, err := kept.PendingAddresses(organizerOnly)
	if err != nil || len(pending) != 2 || pending["commission:TLHRC"].OldEmail != "TLHRC@mail.house.gov" ||
		pending["executive:DHS_SECRETARY"].NewEmail != "inbox@attacker.example" || pending["executive:DHS_SECRETARY"].OldEmail != "" {
		t.Fatalf("pending: %+v %v", pending, err)
	}
	if c, _ := e.roster.Index().Committee("TLHRC"); c.Email != "TLHRC@mail.house.gov" {
		t.Errorf("index TLHRC email %q", c.Email)
	}
	if x, _ := e.roster.Index().Executive("DHS_SECRETARY"); x.Email != "" {
		t.Errorf("index DHS email %q", x.Email)
	}
	told.mu.Lock()
	if len(told.list) != 2 || told.list[0].ProposedBy != "org@example.org" || told.list[0].ProposedByID != 1 {
		t.Errorf("admins told: %+v", told.list)
	}
	told.mu.Unlock()

	// A supporter writes: TLHRC's letters go to its approved address, the
	// DHS letter is only downloaded; the outbox sends nothing to the
	// attacker.
	srv := mailtest.Start(t, mailtest.Options{})
	first := officeEmails(submitFrom(t, e, "first@example.org"))
	for key, tos := range first {
		for _, to := range tos {
			if to != "TLHRC@mail.house.gov" {
				t.Errorf("before approval the letter to %s is emailed to %s", key, to)
			}
		}
	}
	if len(first["exec:DHS_SECRETARY"]) != 0 || len(first) == 0 {
		t.Errorf("office emails before approval: %v", first)
	}
	for _, to := range sendAll(t, e, srv) {
		if strings.Contains(to, "attacker") {
			t.Fatalf("sent to %s before any approval", to)
		}
	}

	// Deciding on one's own change is refused, even for an admin; an
	// organizer cannot decide at all.
	tlID, dhsID := pending["commission:TLHRC"].ID, pending["executive:DHS_SECRETARY"].ID
	if _, err := kept.DecideAddress(orgAdmin, tlID, true); app.ErrorCodeOf(err) != app.EFORBIDDEN {
		t.Fatalf("self-approval: %v", err)
	}
	if _, err := kept.DecideAddress(organizerOnly, tlID, true); app.ErrorCodeOf(err) != app.EFORBIDDEN {
		t.Fatalf("organizer approval: %v", err)
	}
	if _, err := kept.AddressChanges(organizerOnly, app.AddressChangeFilter{}); app.ErrorCodeOf(err) != app.EFORBIDDEN {
		t.Fatalf("organizer lists decisions: %v", err)
	}

	// Another admin refuses TLHRC's change and approves DHS's.
	if c, err := kept.DecideAddress(admin, tlID, false); err != nil || c.Status != app.ApprovalRefused {
		t.Fatalf("refuse: %+v %v", c, err)
	}
	if c, err := kept.DecideAddress(admin, dhsID, true); err != nil || c.Status != app.ApprovalApproved {
		t.Fatalf("approve: %+v %v", c, err)
	}
	if got, _ := kept.Commission(orgAdmin, "TLHRC"); got.Email != "TLHRC@mail.house.gov" {
		t.Errorf("after the refusal the roster shows %q", got.Email)
	}
	second := officeEmails(submitFrom(t, e, "second@example.org"))
	if !slices.Equal(second["exec:DHS_SECRETARY"], []string{"inbox@attacker.example"}) {
		t.Errorf("after approval the DHS letter goes to %v", second["exec:DHS_SECRETARY"])
	}
	for key, tos := range second {
		if key != "exec:DHS_SECRETARY" && !slices.Equal(tos, []string{"TLHRC@mail.house.gov"}) {
			t.Errorf("after the refusal %s goes to %v", key, tos)
		}
	}
	sent := sendAll(t, e, srv)
	if !slices.Contains(sent, "inbox@attacker.example") || slices.Contains(sent, "letters@attacker.example") {
		t.Errorf("sent to %v", sent)
	}

	// The audit log has every old and new value and both decisions.
	evs, err := e.db.Audit.ListAuditEvents(ctx, app.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"roster.commission.save": "TLHRC email: \u201cTLHRC@mail.house.gov\u201d \u2192 \u201cletters@attacker.example\u201d (waiting for an admin's approval; until then letters go to TLHRC@mail.house.gov)",
		"roster.executive.save":  "DHS_SECRETARY email: (none) \u2192 \u201cinbox@attacker.example\u201d (waiting for an admin's approval; until then letters are not emailed)",
		"roster.address.refuse":  "email: \u201cTLHRC@mail.house.gov\u201d \u2192 \u201cletters@attacker.example\u201d",
		"roster.address.approve": "email: (none) \u2192 \u201cinbox@attacker.example\u201d",
	}
	for action, line := range want {
		found := false
		for _, ev := range evs {
			if ev.Action == action && strings.Contains(ev.Detail, line) {
				found = true
				if strings.HasPrefix(action, "roster.address.") && ev.ActorEmail != "admin@example.org" {
					t.Errorf("%s recorded for %s", action, ev.ActorEmail)
				}
			}
		}
		if !found {
			t.Errorf("no %s event with %q in %+v", action, line, evs)
		}
	}
}

// Every field an organizer changes is in the audit log with its old and
// new value, and going back to the approved address needs no approval.
func TestAuditHasBeforeAndAfter(t *testing.T) {
	e := newEnv(t)
	kept := keptroster.New(keptroster.Options{Store: e.db.Roster, Roster: e.roster, Campaigns: e.db.Campaigns, Auditor: auth.NewAudit(e.db.Audit, nil)})
	ctx := actorCtx(1, "org@example.org", app.RoleOrganizer)
	dhs, _ := kept.Executive(ctx, "DHS_SECRETARY")
	if err := kept.SaveExecutive(ctx, keptroster.ExecutiveInput{Key: dhs.Key, Title: dhs.Title, Name: "Jane Q. Public",
		Greeting: "Dear Madam Secretary:", Address: "DHS\nWashington, DC 20528", InOfficeSince: "2026-12-01"}, false); err != nil {
		t.Fatal(err)
	}
	if err := kept.SaveSeat(ctx, "TLHRC", keptroster.SeatInput{Member: "M000312", Title: "Member"}); err != nil {
		t.Fatal(err)
	}
	evs, err := e.db.Audit.ListAuditEvents(context.Background(), app.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	details := ""
	for _, ev := range evs {
		details += ev.Detail + "\n"
	}
	for _, line := range []string{
		"DHS_SECRETARY name: \u201cMarkwayne Mullin\u201d \u2192 \u201cJane Q. Public\u201d",
		"DHS_SECRETARY greeting: (none) \u2192 \u201cDear Madam Secretary:\u201d",
		"DHS_SECRETARY postal address: \u201c" + strings.ReplaceAll(dhs.Address, "\n", " / ") + "\u201d \u2192 \u201cDHS / Washington, DC 20528\u201d",
		"DHS_SECRETARY in office since: \u201c2026-03-23\u201d \u2192 \u201c2026-12-01\u201d",
		"TLHRC seat of James P. McGovern [M000312]: \u201cCo-Chair\u201d \u2192 \u201cmember\u201d",
	} {
		if !strings.Contains(details, line) {
			t.Errorf("audit lacks %q in:\n%s", line, details)
		}
	}
	if pending, _ := kept.PendingAddresses(ctx); len(pending) != 0 {
		t.Errorf("no address changed, yet pending: %+v", pending)
	}

	// Discarding the hand edits withdraws a waiting change of address and
	// records every value that goes back to the imported one.
	if err := kept.SaveExecutive(ctx, keptroster.ExecutiveInput{Key: dhs.Key, Title: dhs.Title, Name: "Jane Q. Public",
		Address: "DHS", Email: "x@dhs.example"}, false); err != nil {
		t.Fatal(err)
	}
	if err := kept.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if pending, _ := kept.PendingAddresses(ctx); len(pending) != 0 {
		t.Errorf("pending after the reset: %+v", pending)
	}
	evs, err = e.db.Audit.ListAuditEvents(context.Background(), app.AuditFilter{Action: keptroster.ActionReset})
	if err != nil || len(evs) != 1 {
		t.Fatalf("reset events: %+v %v", evs, err)
	}
	for _, line := range []string{
		"withdrew the change of address of Secretary of Homeland Security: (none) \u2192 \u201cx@dhs.example\u201d",
		"DHS_SECRETARY name: \u201cJane Q. Public\u201d \u2192 \u201cMarkwayne Mullin\u201d",
		"TLHRC seat of James P. McGovern [M000312]: \u201cmember\u201d \u2192 \u201cCo-Chair\u201d",
	} {
		if !strings.Contains(evs[0].Detail, line) {
			t.Errorf("reset audit lacks %q in:\n%s", line, evs[0].Detail)
		}
	}
}

// An address at an IP literal is refused for offices and commissions with
// the reason.
func TestRosterRefusesIPLiteralAddresses(t *testing.T) {
	e := newEnv(t)
	ctx := organizer()
	for _, email := range []string{"a@[10.0.0.1]", "a@[IPv6:::1]", "a@127.0.0.1"} {
		err := e.kept.SaveExecutive(ctx, keptroster.ExecutiveInput{Key: "STATE", Title: "Secretary of State", Name: "A. Person",
			Address: "Washington, DC", Email: email}, true)
		if msg := app.ErrorFieldsOf(err)["email"]; !strings.Contains(msg, "IP address") {
			t.Errorf("executive %s: %v %q", email, err, msg)
		}
		err = e.kept.SaveCommission(ctx, keptroster.CommissionInput{Code: "TLHRC", Name: "TLHRC", Chamber: app.House, Email: email}, false)
		if msg := app.ErrorFieldsOf(err)["email"]; !strings.Contains(msg, "IP address") {
			t.Errorf("commission %s: %v %q", email, err, msg)
		}
	}
}

// The admins are told by email: every active admin except the one who
// asked, with the old and new address and the link to the admin page.
func TestMailNotifierTellsTheOtherAdmins(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	users := map[string]*app.User{}
	for _, u := range []app.User{
		{Email: "org@example.org", Roles: []app.Role{app.RoleOrganizer, app.RoleAdmin}},
		{Email: "admin@example.org", Name: "Ada Admin", Roles: []app.Role{app.RoleAdmin}},
		{Email: "second@example.org", Roles: []app.Role{app.RoleAdmin, app.RoleStaff}},
		{Email: "gone@example.org", Roles: []app.Role{app.RoleAdmin}, Disabled: true},
		{Email: "staff@example.org", Roles: []app.Role{app.RoleStaff}},
	} {
		u.PasswordHash = "x"
		if err := e.db.Accounts.CreateUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
		users[u.Email] = &u
	}
	srv := mailtest.Start(t, mailtest.Options{})
	smtp, err := mail.NewSMTP(mail.SMTPOptions{URL: srv.URL(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	n, err := keptroster.NewMailNotifier(keptroster.MailNotifierOptions{Sender: smtp, Users: e.db.Accounts,
		From: mail.Address{Name: "Advocate", Email: "letters@advocate.example"}, BaseURL: "https://letters.example.org/"})
	if err != nil {
		t.Fatal(err)
	}
	c := app.AddressChange{ID: 4, Subject: "commission:TLHRC", Label: "Tom Lantos Human Rights Commission",
		OldEmail: "TLHRC@mail.house.gov", NewEmail: "letters@attacker.example", ProposedBy: "org@example.org", ProposedByID: users["org@example.org"].ID}
	if err := n.AddressChangePending(ctx, c); err != nil {
		t.Fatal(err)
	}
	var to []string
	for _, r := range srv.Received() {
		to = append(to, r.To...)
		body := string(r.Data)
		for _, want := range []string{"Subject: Approve a change of address: Tom Lantos Human Rights Commission",
			"TLHRC@mail.house.gov", "letters@attacker.example", "https://letters.example.org/admin"} {
			if !strings.Contains(body, want) {
				t.Errorf("message to %v lacks %q:\n%s", r.To, want, body)
			}
		}
	}
	slices.Sort(to)
	if !slices.Equal(to, []string{"admin@example.org", "second@example.org"}) {
		t.Fatalf("told %v", to)
	}

	// With no other active admin nobody can approve: that is an error (the
	// service logs it) rather than silence.
	for _, email := range []string{"admin@example.org", "second@example.org"} {
		u := users[email]
		u.Disabled = true
		if err := e.db.Accounts.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.AddressChangePending(ctx, c); err == nil || !strings.Contains(err.Error(), "no other active admin") {
		t.Fatalf("no other admin: %v", err)
	}
}
