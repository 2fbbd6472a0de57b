package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/advocate-org/advocate/app"
)

// Campaigns keeps campaigns with their target rules, template versions,
// case updates and the notices a roster refresh leaves for organizers.
type Campaigns struct{ *engine }

// campaignRow is the campaigns table as gorm sees it.
type campaignRow struct {
	ID            int64 `gorm:"primaryKey"`
	Slug          string
	Title         string
	Summary       string
	Ask           string
	Facts         string // JSON object
	Status        string
	StartsAt      *time.Time
	EndsAt        *time.Time
	RetentionDays int
	// Delivery settings (migration 0004).
	DoubleOptIn        bool
	ConfirmWithinHours int
	ReplyToSupporter   bool
	OrgName            string
	OrgStatement       string
	CWCTopic           string `gorm:"column:cwc_topic"`
	// Case truth (migration 0015): JSON fact sources and acted list.
	FactSources string
	ReviewDays  int
	Outcome     string
	OutcomeOn   *time.Time
	Acted       string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (campaignRow) TableName() string { return "campaigns" }

func toCampaignRow(c *app.Campaign) (campaignRow, error) {
	facts := "{}"
	if len(c.Facts) > 0 {
		b, err := json.Marshal(c.Facts)
		if err != nil {
			return campaignRow{}, fmt.Errorf("encode facts: %w", err)
		}
		facts = string(b)
	}
	sources, acted := "{}", "[]"
	if len(c.FactSources) > 0 {
		norm := make(map[string]app.FactSource, len(c.FactSources))
		for k, v := range c.FactSources {
			v.VerifiedOn = dbTimePtr(v.VerifiedOn)
			norm[k] = v
		}
		b, err := json.Marshal(norm)
		if err != nil {
			return campaignRow{}, fmt.Errorf("encode fact sources: %w", err)
		}
		sources = string(b)
	}
	if len(c.Acted) > 0 {
		norm := make([]app.ActedRecipient, len(c.Acted))
		for i, a := range c.Acted {
			a.On = dbTimePtr(a.On)
			norm[i] = a
		}
		b, err := json.Marshal(norm)
		if err != nil {
			return campaignRow{}, fmt.Errorf("encode acted: %w", err)
		}
		acted = string(b)
	}
	return campaignRow{
		FactSources: sources, ReviewDays: c.ReviewDays, Outcome: c.Outcome, OutcomeOn: dbTimePtr(c.OutcomeOn), Acted: acted,
		ID: c.ID, Slug: c.Slug, Title: c.Title, Summary: c.Summary, Ask: c.Ask, Facts: facts,
		Status: string(c.Status), StartsAt: dbTimePtr(c.StartsAt), EndsAt: dbTimePtr(c.EndsAt),
		RetentionDays: c.RetentionDays, CreatedAt: dbTime(c.CreatedAt), UpdatedAt: dbTime(c.UpdatedAt),
		DoubleOptIn: c.Delivery.DoubleOptIn, ConfirmWithinHours: c.Delivery.ConfirmWithinHours,
		ReplyToSupporter: c.Delivery.ReplyToSupporter, OrgName: c.Delivery.OrgName,
		OrgStatement: c.Delivery.OrgStatement, CWCTopic: c.Delivery.CWCTopic,
	}, nil
}

func (r *campaignRow) toApp() (*app.Campaign, error) {
	c := &app.Campaign{
		ID: r.ID, Slug: r.Slug, Title: r.Title, Summary: r.Summary, Ask: r.Ask,
		Status: app.CampaignStatus(r.Status), StartsAt: utcPtr(r.StartsAt), EndsAt: utcPtr(r.EndsAt),
		RetentionDays: r.RetentionDays, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		ReviewDays: r.ReviewDays, Outcome: r.Outcome, OutcomeOn: utcPtr(r.OutcomeOn),
		Delivery: app.DeliverySettings{
			DoubleOptIn: r.DoubleOptIn, ConfirmWithinHours: r.ConfirmWithinHours, ReplyToSupporter: r.ReplyToSupporter,
			OrgName: r.OrgName, OrgStatement: r.OrgStatement, CWCTopic: r.CWCTopic,
		},
	}
	if r.Facts != "" && r.Facts != "{}" {
		if err := json.Unmarshal([]byte(r.Facts), &c.Facts); err != nil {
			return nil, fmt.Errorf("store: campaign %d facts: %w", r.ID, err)
		}
	}
	if r.FactSources != "" && r.FactSources != "{}" {
		if err := json.Unmarshal([]byte(r.FactSources), &c.FactSources); err != nil {
			return nil, fmt.Errorf("store: campaign %d fact sources: %w", r.ID, err)
		}
		for k, v := range c.FactSources {
			v.VerifiedOn = utcPtr(v.VerifiedOn)
			c.FactSources[k] = v
		}
	}
	if r.Acted != "" && r.Acted != "[]" {
		if err := json.Unmarshal([]byte(r.Acted), &c.Acted); err != nil {
			return nil, fmt.Errorf("store: campaign %d acted: %w", r.ID, err)
		}
		for i := range c.Acted {
			c.Acted[i].On = utcPtr(c.Acted[i].On)
		}
	}
	return c, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC()
	return &v
}

var campaignMsgs = msgs{
	notFound: "Campaign not found.",
	conflict: "Another campaign already uses this address (slug).",
}

// CreateCampaign stores c and sets its ID and timestamps. A taken slug is
// ECONFLICT.
func (cs *Campaigns) CreateCampaign(ctx context.Context, c *app.Campaign) error {
	now := cs.now()
	row, err := toCampaignRow(c)
	if err != nil {
		return err
	}
	row.ID, row.CreatedAt, row.UpdatedAt = 0, now, now
	if err := cs.w.WithContext(ctx).Create(&row).Error; err != nil {
		return mapErr(err, "create campaign", campaignMsgs)
	}
	c.ID, c.CreatedAt, c.UpdatedAt = row.ID, now, now
	c.StartsAt, c.EndsAt, c.OutcomeOn = row.StartsAt, row.EndsAt, row.OutcomeOn
	c.FactSources, c.Acted = normSources(c.FactSources), normActed(c.Acted)
	return nil
}

// UpdateCampaign saves the organizer's fields of c and sets UpdatedAt.
func (cs *Campaigns) UpdateCampaign(ctx context.Context, c *app.Campaign) error {
	row, err := toCampaignRow(c)
	if err != nil {
		return err
	}
	row.UpdatedAt = cs.now()
	res := cs.w.WithContext(ctx).Model(&campaignRow{}).Where("id = ?", c.ID).Updates(map[string]any{
		"slug": row.Slug, "title": row.Title, "summary": row.Summary, "ask": row.Ask, "facts": row.Facts,
		"status": row.Status, "starts_at": timeArg(row.StartsAt), "ends_at": timeArg(row.EndsAt),
		"retention_days": row.RetentionDays, "updated_at": row.UpdatedAt,
		"double_opt_in": row.DoubleOptIn, "confirm_within_hours": row.ConfirmWithinHours,
		"reply_to_supporter": row.ReplyToSupporter, "org_name": row.OrgName,
		"org_statement": row.OrgStatement, "cwc_topic": row.CWCTopic,
		"fact_sources": row.FactSources, "review_days": row.ReviewDays, "outcome": row.Outcome,
		"outcome_on": timeArg(row.OutcomeOn), "acted": row.Acted,
	})
	if res.Error != nil {
		return mapErr(res.Error, "update campaign", campaignMsgs)
	}
	if res.RowsAffected == 0 {
		return app.Errorf(app.ENOTFOUND, "%s", campaignMsgs.notFound)
	}
	c.UpdatedAt = row.UpdatedAt
	c.StartsAt, c.EndsAt, c.OutcomeOn = row.StartsAt, row.EndsAt, row.OutcomeOn
	c.FactSources, c.Acted = normSources(c.FactSources), normActed(c.Acted)
	return nil
}

// FindCampaignBySlug loads a campaign for its public page (ENOTFOUND).
func (cs *Campaigns) FindCampaignBySlug(ctx context.Context, slug string) (*app.Campaign, error) {
	var row campaignRow
	if err := cs.r.WithContext(ctx).Where("slug = ?", slug).Take(&row).Error; err != nil {
		return nil, mapErr(err, "find campaign", campaignMsgs)
	}
	return cs.withUpdates(ctx, &row)
}

// FindCampaignByID loads a campaign (ENOTFOUND).
func (cs *Campaigns) FindCampaignByID(ctx context.Context, id int64) (*app.Campaign, error) {
	var row campaignRow
	if err := cs.r.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return nil, mapErr(err, "find campaign", campaignMsgs)
	}
	return cs.withUpdates(ctx, &row)
}

// withUpdates converts a loaded row and adds its case updates, newest
// first. One campaign is loaded per page or per cache fill, so the second
// query is cheap; lists skip it.
func (cs *Campaigns) withUpdates(ctx context.Context, row *campaignRow) (*app.Campaign, error) {
	c, err := row.toApp()
	if err != nil {
		return nil, err
	}
	var rows []caseUpdateRow
	if err := cs.r.WithContext(ctx).Where("campaign_id = ?", c.ID).Order("posted_on DESC, id DESC").
		Find(&rows).Error; err != nil {
		return nil, mapErr(err, "list case updates", msgs{})
	}
	for _, r := range rows {
		c.Updates = append(c.Updates, app.CaseUpdate{ID: r.ID, CampaignID: r.CampaignID, On: r.PostedOn.UTC(),
			Body: r.Body, SourceURL: r.SourceURL, Author: r.Author, CreatedAt: r.CreatedAt.UTC()})
	}
	return c, nil
}

// normSources and normActed give the stored precision (and UTC) to the
// dates of what was just written, so it equals what a later load returns.
func normSources(m map[string]app.FactSource) map[string]app.FactSource {
	for k, v := range m {
		v.VerifiedOn = utcPtr(dbTimePtr(v.VerifiedOn))
		m[k] = v
	}
	return m
}

func normActed(list []app.ActedRecipient) []app.ActedRecipient {
	for i := range list {
		list[i].On = utcPtr(dbTimePtr(list[i].On))
	}
	return list
}

// caseUpdateRow is the case_updates table.
type caseUpdateRow struct {
	ID         int64 `gorm:"primaryKey"`
	CampaignID int64
	PostedOn   time.Time
	Body       string
	SourceURL  string
	Author     string
	CreatedAt  time.Time
}

func (caseUpdateRow) TableName() string { return "case_updates" }

// AddCaseUpdate stores u and sets its ID and CreatedAt (ENOTFOUND when the
// campaign is gone).
func (cs *Campaigns) AddCaseUpdate(ctx context.Context, u *app.CaseUpdate) error {
	row := caseUpdateRow{CampaignID: u.CampaignID, PostedOn: dbTime(u.On), Body: u.Body, SourceURL: u.SourceURL,
		Author: u.Author, CreatedAt: cs.now()}
	err := cs.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := cs.lockCampaign(tx, u.CampaignID); err != nil {
			return err
		}
		return tx.Create(&row).Error
	})
	if err != nil {
		return mapErr(err, "add case update", msgs{notFound: campaignMsgs.notFound, missing: campaignMsgs.notFound})
	}
	u.ID, u.CreatedAt, u.On = row.ID, row.CreatedAt, row.PostedOn.UTC()
	return nil
}

// DeleteCaseUpdate removes one update of a campaign (ENOTFOUND).
func (cs *Campaigns) DeleteCaseUpdate(ctx context.Context, campaignID, id int64) error {
	res := cs.w.WithContext(ctx).Where("campaign_id = ? AND id = ?", campaignID, id).Delete(&caseUpdateRow{})
	if res.Error != nil {
		return mapErr(res.Error, "delete case update", msgs{})
	}
	if res.RowsAffected == 0 {
		return app.Errorf(app.ENOTFOUND, "That update is no longer there.")
	}
	return nil
}

// ListCampaigns returns campaigns, newest first.
func (cs *Campaigns) ListCampaigns(ctx context.Context, f app.CampaignFilter) ([]app.Campaign, error) {
	q := cs.r.WithContext(ctx).Order("created_at DESC, id DESC")
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	var rows []campaignRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, mapErr(err, "list campaigns", campaignMsgs)
	}
	out := make([]app.Campaign, 0, len(rows))
	for i := range rows {
		c, err := rows[i].toApp()
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, nil
}

// targetRuleRow is the target_rules table.
type targetRuleRow struct {
	ID               int64 `gorm:"primaryKey"`
	CampaignID       int64
	Kind             string
	CommitteeCode    string
	LeadershipOnly   bool
	OnlyConstituents bool
	ExecutiveKey     string
	Position         int
}

func (targetRuleRow) TableName() string { return "target_rules" }

// ReplaceTargetRules sets a campaign's rules (in one transaction), kept in
// the order of their Position, then the order given.
func (cs *Campaigns) ReplaceTargetRules(ctx context.Context, campaignID int64, rules []app.TargetRule) error {
	rows := make([]targetRuleRow, len(rules))
	for i, r := range rules {
		rows[i] = targetRuleRow{CampaignID: campaignID, Kind: string(r.Kind), CommitteeCode: r.CommitteeCode,
			LeadershipOnly: r.LeadershipOnly, OnlyConstituents: r.OnlyConstituents, ExecutiveKey: r.ExecutiveKey,
			Position: r.Position}
	}
	err := cs.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := cs.lockCampaign(tx, campaignID); err != nil {
			return err
		}
		if err := tx.Where("campaign_id = ?", campaignID).Delete(&targetRuleRow{}).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		return tx.Create(&rows).Error
	})
	return mapErr(err, "replace target rules", msgs{notFound: campaignMsgs.notFound, missing: campaignMsgs.notFound})
}

// ListTargetRules returns a campaign's rules in order.
func (cs *Campaigns) ListTargetRules(ctx context.Context, campaignID int64) ([]app.TargetRule, error) {
	var rows []targetRuleRow
	if err := cs.r.WithContext(ctx).Where("campaign_id = ?", campaignID).Order("position, id").Find(&rows).Error; err != nil {
		return nil, mapErr(err, "list target rules", msgs{})
	}
	out := make([]app.TargetRule, len(rows))
	for i, r := range rows {
		out[i] = app.TargetRule{ID: r.ID, CampaignID: r.CampaignID, Kind: app.RuleKind(r.Kind),
			CommitteeCode: r.CommitteeCode, LeadershipOnly: r.LeadershipOnly, OnlyConstituents: r.OnlyConstituents,
			ExecutiveKey: r.ExecutiveKey, Position: r.Position}
	}
	return out, nil
}

// templateVersionRow is the template_versions table.
type templateVersionRow struct {
	ID         int64 `gorm:"primaryKey"`
	CampaignID int64
	Kind       string
	Version    int
	Subject    string
	Body       string
	Author     string
	Note       string
	CreatedAt  time.Time
}

func (templateVersionRow) TableName() string { return "template_versions" }

func (r *templateVersionRow) toApp() app.TemplateVersion {
	return app.TemplateVersion{ID: r.ID, CampaignID: r.CampaignID, Kind: app.TargetKind(r.Kind), Version: r.Version,
		Subject: r.Subject, Body: r.Body, Author: r.Author, Note: r.Note, CreatedAt: r.CreatedAt.UTC()}
}

// SaveTemplateVersion stores tv as the next version of its campaign and kind
// and sets ID, Version and CreatedAt. Numbering happens inside the
// transaction, with the campaign row locked on PostgreSQL, so concurrent
// saves (even from several instances) get distinct, gap-free numbers.
func (cs *Campaigns) SaveTemplateVersion(ctx context.Context, tv *app.TemplateVersion) error {
	if !tv.Kind.Valid() {
		return app.Errorf(app.EINVALID, "unknown letter template kind %q", tv.Kind)
	}
	row := templateVersionRow{CampaignID: tv.CampaignID, Kind: string(tv.Kind), Subject: tv.Subject, Body: tv.Body,
		Author: tv.Author, Note: tv.Note, CreatedAt: cs.now()}
	err := cs.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := cs.lockCampaign(tx, tv.CampaignID); err != nil {
			return err
		}
		if err := tx.Raw("SELECT COALESCE(MAX(version), 0) + 1 FROM template_versions WHERE campaign_id = ? AND kind = ?",
			row.CampaignID, row.Kind).Scan(&row.Version).Error; err != nil {
			return err
		}
		return tx.Create(&row).Error
	})
	if err != nil {
		return mapErr(err, "save template", msgs{notFound: campaignMsgs.notFound, missing: campaignMsgs.notFound,
			conflict: "Someone saved this template at the same moment; please save again."})
	}
	tv.ID, tv.Version, tv.CreatedAt = row.ID, row.Version, row.CreatedAt
	return nil
}

// lockCampaign makes sure the campaign exists and, on PostgreSQL, holds its
// row until the transaction ends, serialising edits of one campaign across
// instances. (SQLite's write transaction is already exclusive.)
func (cs *Campaigns) lockCampaign(tx *gorm.DB, id int64) error {
	q := "SELECT id FROM campaigns WHERE id = ?" + cs.dialect.forUpdate("", false)
	var got int64
	return tx.Raw(q, id).Row().Scan(&got)
}

// CurrentTemplates returns the newest version of each kind of template.
func (cs *Campaigns) CurrentTemplates(ctx context.Context, campaignID int64) (map[app.TargetKind]app.TemplateVersion, error) {
	var rows []templateVersionRow
	err := cs.r.WithContext(ctx).Raw(`SELECT t.* FROM template_versions t
		WHERE t.campaign_id = ? AND t.version = (SELECT MAX(version) FROM template_versions m
			WHERE m.campaign_id = t.campaign_id AND m.kind = t.kind)`, campaignID).Scan(&rows).Error
	if err != nil {
		return nil, mapErr(err, "current templates", msgs{})
	}
	out := make(map[app.TargetKind]app.TemplateVersion, len(rows))
	for i := range rows {
		out[app.TargetKind(rows[i].Kind)] = rows[i].toApp()
	}
	return out, nil
}

// ListTemplateVersions returns the history of one template, newest first.
func (cs *Campaigns) ListTemplateVersions(ctx context.Context, campaignID int64, kind app.TargetKind) ([]app.TemplateVersion, error) {
	var rows []templateVersionRow
	if err := cs.r.WithContext(ctx).Where("campaign_id = ? AND kind = ?", campaignID, string(kind)).
		Order("version DESC").Find(&rows).Error; err != nil {
		return nil, mapErr(err, "list template versions", msgs{})
	}
	out := make([]app.TemplateVersion, len(rows))
	for i := range rows {
		out[i] = rows[i].toApp()
	}
	return out, nil
}

// FindTemplateVersion loads one version (ENOTFOUND).
func (cs *Campaigns) FindTemplateVersion(ctx context.Context, id int64) (*app.TemplateVersion, error) {
	var row templateVersionRow
	if err := cs.r.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return nil, mapErr(err, "find template version", msgs{notFound: "Template version not found."})
	}
	tv := row.toApp()
	return &tv, nil
}
