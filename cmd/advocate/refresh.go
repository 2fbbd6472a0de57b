package main

import (
	"context"
	"path/filepath"

	"github.com/advocate-org/advocate/app/congress"
	"github.com/advocate-org/advocate/app/roster"
	"github.com/advocate-org/advocate/app/rosterwatch"
	"github.com/advocate-org/advocate/app/store"
	"github.com/advocate-org/advocate/app/store/views"
)

// startRosterRefresh has serve download the public roster again every
// ADVOCATE_ROSTER_REFRESH (one instance per interval on a shared database)
// and flag the campaigns whose targets changed. Other instances load the
// new roster through rs.Watch. Off with ADVOCATE_ROSTER_REFRESH=off.
func (c *cli) startRosterRefresh(ctx context.Context, db *store.DB, rs *roster.Service, audit rosterwatch.Auditor) error {
	if c.cfg.RosterRefresh <= 0 {
		c.log.Info("roster refresh is off (ADVOCATE_ROSTER_REFRESH)")
		return nil
	}
	fetcher := c.fetcher(nil)
	w, err := rosterwatch.New(rosterwatch.Options{
		Store: views.Refresh(db), Dir: filepath.Join(c.cfg.DataDir, "public"), Every: c.cfg.RosterRefresh,
		Owner: c.cfg.Delivery.Instance, Auditor: audit, Logger: c.log,
		Fetch: func(ctx context.Context, dir string) error {
			_, err := fetcher.Fetch(ctx, dir)
			return err
		},
		Replace: func(ctx context.Context, dir string) (roster.Replacement, error) {
			return rs.ReplaceFrom(ctx, dir, congress.ImportOptions{})
		},
	})
	if err != nil {
		return err
	}
	c.log.Info("the public roster refreshes itself", "every", c.cfg.RosterRefresh.String())
	go w.Run(ctx)
	return nil
}
