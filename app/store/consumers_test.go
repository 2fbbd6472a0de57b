package store_test

import (
	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/auth"
	"github.com/advocate-org/advocate/app/campaign"
	"github.com/advocate-org/advocate/app/cwc"
	"github.com/advocate-org/advocate/app/demo"
	"github.com/advocate-org/advocate/app/keptroster"
	"github.com/advocate-org/advocate/app/outbox"
	"github.com/advocate-org/advocate/app/packets"
	"github.com/advocate-org/advocate/app/privacy"
	"github.com/advocate-org/advocate/app/rosterwatch"
	"github.com/advocate-org/advocate/app/stats"
	"github.com/advocate-org/advocate/app/store"
	"github.com/advocate-org/advocate/app/store/views"
	"github.com/advocate-org/advocate/app/submit"
	"github.com/advocate-org/advocate/app/web"
)

// Each aggregate satisfies the interfaces its consumers declare; a consumer
// that reads several aggregates gets them together (package views).
var (
	_ app.SubmissionStore    = (*store.Submissions)(nil)
	_ submit.Confirmations   = (*store.Submissions)(nil)
	_ demo.Store             = (*store.Submissions)(nil)
	_ app.CampaignStore      = (*store.Campaigns)(nil)
	_ keptroster.RuleSource  = (*store.Campaigns)(nil)
	_ rosterwatch.FlagStore  = (*store.Campaigns)(nil)
	_ app.RosterStore        = (*store.Roster)(nil)
	_ keptroster.Store       = (*store.Roster)(nil)
	_ auth.Store             = (*store.Accounts)(nil)
	_ keptroster.AdminLister = (*store.Accounts)(nil)
	_ app.AuditLog           = (*store.Audit)(nil)
	_ app.LimitCounts        = (*store.Limits)(nil)
	_ privacy.Store          = (*store.Privacy)(nil)
	_ campaign.Counter       = (*store.Stats)(nil)
	_ web.Pinger             = (*store.DB)(nil)
	_ stats.Store            = views.StatsReads{}
	_ outbox.Store           = views.OutboxStore{}
	_ packets.Store          = views.OfficeReads{}
	_ cwc.Store              = views.OfficeReads{}
	_ web.DeliveryReports    = views.OfficeReads{}
	_ rosterwatch.Store      = views.RefreshStore{}
)
