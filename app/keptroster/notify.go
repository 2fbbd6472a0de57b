package keptroster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/mail"
)

// AdminLister finds the accounts to tell (app.UserStore satisfies it).
type AdminLister interface {
	ListUsers(ctx context.Context, f app.UserFilter) ([]app.User, error)
}

// MailNotifierOptions wires a MailNotifier.
type MailNotifierOptions struct {
	// Sender is the mail server the outbox uses (or its folder sink).
	Sender mail.Sender
	// From is ADVOCATE_MAIL_FROM.
	From  mail.Address
	Users AdminLister
	// BaseURL is the public site address, for the link to the admin page.
	BaseURL string
	Clock   app.Clock
}

// MailNotifier emails every active admin, except the one who asked for the
// change (who cannot approve it), when a change of address waits for a
// decision. The outbox's queue carries letters only, so these few messages
// go straight to the mail server; the admin home page is the lasting list,
// and a message lost with the mail server down loses no decision.
type MailNotifier struct {
	o MailNotifierOptions
}

// NewMailNotifier checks the options.
func NewMailNotifier(o MailNotifierOptions) (*MailNotifier, error) {
	if o.Sender == nil || o.Users == nil {
		return nil, errors.New("keptroster: a mail sender and the accounts are required to notify admins")
	}
	if _, err := mail.ParseAddress(o.From.Email); err != nil {
		return nil, fmt.Errorf("keptroster: sender address: %w", err)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	return &MailNotifier{o: o}, nil
}

// AddressChangePending sends one message to each admin to tell.
func (n *MailNotifier) AddressChangePending(ctx context.Context, c app.AddressChange) error {
	admins, err := n.o.Users.ListUsers(ctx, app.UserFilter{Role: app.RoleAdmin, ActiveOnly: true})
	if err != nil {
		return err
	}
	var to []app.User
	for _, u := range admins {
		if u.Disabled || !u.Has(app.RoleAdmin) || (c.ProposedByID != 0 && u.ID == c.ProposedByID) || strings.EqualFold(u.Email, c.ProposedBy) {
			continue
		}
		to = append(to, u)
	}
	if len(to) == 0 {
		return fmt.Errorf("no other active admin to approve the change of address of %s: add one under Users", c.Label)
	}
	sess, err := n.o.Sender.Open(ctx)
	if err != nil {
		return err
	}
	defer sess.Close()
	var errs []error
	for _, u := range to {
		if err := sess.Send(ctx, n.message(c, u)); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", u.Email, err))
		}
	}
	return errors.Join(errs...)
}

// message is the email to one admin.
func (n *MailNotifier) message(c app.AddressChange, u app.User) *mail.Message {
	old := c.OldEmail
	meanwhile := "Until then letters keep going to " + old + "."
	if old == "" {
		old = "(none: its letters are only downloaded and printed)"
		meanwhile = "Until then its letters are not emailed."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s asked to email the letters to %s to a new address:\n\n", c.ProposedBy, c.Label)
	fmt.Fprintf(&b, "  now: %s\n  new: %s\n\n", old, c.NewEmail)
	fmt.Fprintf(&b, "The new address receives supporters' letters only once an admin other than %s approves it. %s\n\n",
		c.ProposedBy, meanwhile)
	b.WriteString("Check the new address with the office itself (its website or a phone call), not with the person who asked, ")
	b.WriteString("then approve or refuse the change on the admin page:\n\n")
	fmt.Fprintf(&b, "  %s/admin\n", n.o.BaseURL)
	host := n.o.From.Email[strings.LastIndexByte(n.o.From.Email, '@')+1:]
	var r [6]byte
	_, _ = rand.Read(r[:])
	return &mail.Message{
		MessageID: "<address-change-" + strconv.FormatInt(c.ID, 10) + "." + hex.EncodeToString(r[:]) + "@" + host + ">",
		Date:      n.o.Clock(),
		From:      n.o.From,
		To:        []mail.Address{{Name: u.Name, Email: u.Email}},
		Subject:   "Approve a change of address: " + c.Label,
		Text:      b.String(),
		Headers:   map[string]string{"Auto-Submitted": "auto-generated"},
	}
}
