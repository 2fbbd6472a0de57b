package rosterwatch

import (
	"context"
	"fmt"
	"time"

	"github.com/advocate-org/advocate/app"
)

// FlagStore is what the organizer pages need (store.Campaigns has it).
type FlagStore interface {
	OpenCampaignFlags(ctx context.Context, campaignID int64) ([]app.CampaignFlag, error)
	DismissCampaignFlag(ctx context.Context, campaignID, id int64, by string, at time.Time) error
}

// ActionFlagDismiss is the audit action of an organizer dismissing a flag.
const ActionFlagDismiss = "campaign.roster_changed.dismiss"

// Flags shows and dismisses the notices a refresh left for organizers.
type Flags struct {
	store   FlagStore
	auditor Auditor
	clock   app.Clock
}

// NewFlags wires Flags; auditor and clock may be nil.
func NewFlags(store FlagStore, auditor Auditor, clock app.Clock) *Flags {
	if clock == nil {
		clock = time.Now
	}
	return &Flags{store: store, auditor: auditor, clock: clock}
}

// Open lists the campaign's notices nobody dismissed (all campaigns' for
// campaignID 0), newest first.
func (f *Flags) Open(ctx context.Context, campaignID int64) ([]app.CampaignFlag, error) {
	return f.store.OpenCampaignFlags(ctx, campaignID)
}

// Dismiss closes one notice of campaign c for the organizer in ctx and
// records who did it.
func (f *Flags) Dismiss(ctx context.Context, c *app.Campaign, id int64) error {
	a, ok := app.ActorFrom(ctx)
	if !ok || !a.Has(app.RoleOrganizer) {
		return app.Errorf(app.EFORBIDDEN, "Only organizers can dismiss a campaign's notices.")
	}
	if err := f.store.DismissCampaignFlag(ctx, c.ID, id, a.Label(), f.clock()); err != nil {
		return err
	}
	if f.auditor != nil {
		_ = f.auditor.Record(ctx, ActionFlagDismiss, "campaign:"+c.Slug, fmt.Sprintf("notice %d", id))
	}
	return nil
}
