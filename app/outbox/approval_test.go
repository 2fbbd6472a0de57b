package outbox_test

import (
	"strings"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/mail/mailtest"
)

// An office email whose address no admin approved for the office is never
// sent, whatever put it in the queue: it ends dead with the reason, and the
// supporter's copy still goes. An address approved for another office does
// not count.
func TestRefusesAddressesNoAdminApproved(t *testing.T) {
	e := newEnv(t, "", app.DeliverySettings{})
	e.approve(t, "executive:DHS_SECRETARY", "secretary@dhs.example")
	s := e.add(t, sub{offices: []string{"letters@attacker.example", "secretary@dhs.example"}, unapproved: true})
	srv := mailtest.Start(t, mailtest.Options{})
	x := e.outbox(t, smtpSender(t, srv.URL(), 0), nil)
	flush(t, x)
	for _, r := range srv.Received() {
		if r.To[0] != s.Supporter.Email {
			t.Errorf("sent to %q", r.To)
		}
	}
	if srv.Count() != 1 {
		t.Errorf("received %d messages, want only the supporter's copy", srv.Count())
	}
	var dead int
	for _, d := range e.deliveries(t, s) {
		if d.Channel != app.ChannelEmail {
			continue
		}
		if d.Status != app.StatusDead || !strings.Contains(d.LastError, "not an approved address") {
			t.Errorf("%s: %s %q", d.To, d.Status, d.LastError)
		}
		dead++
	}
	if dead != 2 {
		t.Fatalf("%d dead office emails, want 2", dead)
	}

	// Once approved for the commission the letters were made for, a new
	// letter to that address goes.
	e.approve(t, "commission:TLHRC", "letters@attacker.example")
	s2 := e.add(t, sub{offices: []string{"letters@attacker.example"}, unapproved: true})
	flush(t, x)
	if got := statuses(e.deliveries(t, s2)); !strings.Contains(got, "email:sent") {
		t.Fatalf("approved address: %s", got)
	}
}
