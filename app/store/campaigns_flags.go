package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/advocate-org/advocate/app"
)

var flagMsgs = msgs{notFound: "This notice does not exist or was already dismissed."}

// AddCampaignFlags stores flags (their ids are set).
func (cs *Campaigns) AddCampaignFlags(ctx context.Context, flags []app.CampaignFlag) error {
	err := cs.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := pool(tx)
		for i := range flags {
			f := &flags[i]
			if err := q.QueryRowContext(ctx, cs.rebind(`INSERT INTO campaign_flags
				(campaign_id, roster_version, changes, created_at, dismissed_at, dismissed_by)
				VALUES (?, ?, ?, ?, NULL, '') RETURNING id`),
				f.CampaignID, f.RosterVersion, strings.Join(f.Changes, "\n"), dbTime(f.CreatedAt)).Scan(&f.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return mapErr(err, "add campaign flags", flagMsgs)
}

// OpenCampaignFlags lists the flags nobody dismissed, newest first: of
// one campaign, or of all (campaignID 0).
func (cs *Campaigns) OpenCampaignFlags(ctx context.Context, campaignID int64) ([]app.CampaignFlag, error) {
	q := `SELECT id, campaign_id, roster_version, changes, created_at FROM campaign_flags WHERE dismissed_at IS NULL`
	var args []any
	if campaignID != 0 {
		q += ` AND campaign_id = ?`
		args = append(args, campaignID)
	}
	var out []app.CampaignFlag
	err := scanAll(ctx, pool(cs.r.WithContext(ctx)), cs.rebind(q+` ORDER BY id DESC`), func(rows *sql.Rows) error {
		var f app.CampaignFlag
		var changes string
		if err := rows.Scan(&f.ID, &f.CampaignID, &f.RosterVersion, &changes, &f.CreatedAt); err != nil {
			return err
		}
		f.CreatedAt = f.CreatedAt.UTC()
		f.Changes = strings.Split(changes, "\n")
		out = append(out, f)
		return nil
	}, args...)
	return out, mapErr(err, "list campaign flags", flagMsgs)
}

// DismissCampaignFlag marks a campaign's open flag dismissed by whom
// (ENOTFOUND when it is not that campaign's or was dismissed already).
func (cs *Campaigns) DismissCampaignFlag(ctx context.Context, campaignID, id int64, by string, at time.Time) error {
	res, err := pool(cs.w.WithContext(ctx)).ExecContext(ctx, cs.rebind(`UPDATE campaign_flags SET dismissed_at = ?, dismissed_by = ?
		WHERE id = ? AND campaign_id = ? AND dismissed_at IS NULL`), dbTime(at), by, id, campaignID)
	if err != nil {
		return mapErr(err, "dismiss campaign flag", flagMsgs)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return app.Errorf(app.ENOTFOUND, "%s", flagMsgs.notFound)
	}
	return nil
}
