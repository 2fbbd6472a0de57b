package web

import (
	"archive/zip"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/packets"
)

// DeliveryReports is what the staff delivery page reads.
type DeliveryReports interface {
	DeliveryCounts(ctx context.Context) ([]app.DeliveryCount, error)
	ListCampaigns(ctx context.Context, f app.CampaignFilter) ([]app.Campaign, error)
	OfficeTallies(ctx context.Context, campaignID int64, kinds []app.TargetKind) ([]app.OfficeTally, error)
}

// deliveryCampaign is one campaign's offices on the staff page.
type deliveryCampaign struct {
	Campaign app.Campaign
	Offices  []app.OfficeTally
	Names    map[string]string // target key -> office name from the current roster
	Letters  int
}

// officeName names a target key for people ("Rep. Paul Tonko (NY-20)").
func (s *Server) officeName(key string) string {
	ix := s.roster.Index()
	switch {
	case strings.HasPrefix(key, "leg:"):
		if l, ok := ix.Legislator(strings.TrimPrefix(key, "leg:")); ok {
			if l.Chamber == app.House {
				return "Rep. " + l.DisplayName() + " (" + app.DistrictKey{State: l.State, District: l.District}.String() + ")"
			}
			return "Sen. " + l.DisplayName() + " (" + l.State + ")"
		}
	case strings.HasPrefix(key, "exec:"):
		if x, ok := ix.Executive(strings.TrimPrefix(key, "exec:")); ok {
			return x.Title + " " + x.Name
		}
	}
	return key // no longer in the roster: the key still identifies it
}

// staffDelivery shows how the outbox is doing and which offices have
// letters waiting for hand delivery.
func (s *Server) staffDelivery(c echo.Context) error {
	rep := s.delivery
	if rep == nil {
		return errNotFound("Delivery reports are not available on this server.")
	}
	ctx := c.Request().Context()
	counts, err := rep.DeliveryCounts(ctx)
	if err != nil {
		return err
	}
	camps, err := rep.ListCampaigns(ctx, app.CampaignFilter{Limit: 100})
	if err != nil {
		return err
	}
	var list []deliveryCampaign
	for _, camp := range camps {
		offices, err := rep.OfficeTallies(ctx, camp.ID, nil)
		if err != nil {
			return err
		}
		dc := deliveryCampaign{Campaign: camp, Offices: offices, Names: map[string]string{}}
		for i, o := range offices {
			offices[i].First, offices[i].Last = o.First.In(s.opts.Location), o.Last.In(s.opts.Location)
			dc.Letters += o.Letters
			dc.Names[o.TargetKey] = s.officeName(o.TargetKey)
		}
		sort.SliceStable(dc.Offices, func(i, j int) bool { return dc.Offices[i].Letters > dc.Offices[j].Letters })
		list = append(list, dc)
	}
	return s.render(c, http.StatusOK, "staff_delivery.html", pageData{Title: "Delivery", DeliveryCounts: counts, DeliveryCampaigns: list})
}

// staffPackets streams a ZIP of the campaign's office packets (one PDF per
// office, plus index.csv), made from the stored letters on request.
func (s *Server) staffPackets(c echo.Context) error {
	if s.packets == nil {
		return errNotFound("Office packets are not available on this server.")
	}
	ctx := c.Request().Context()
	slug := c.Param("slug")
	dir, err := os.MkdirTemp("", "advocate-packets-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	res, err := s.packets.Write(ctx, slug, dir)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", `attachment; filename="packets-`+slug+`.zip"`)
	h.Set("Cache-Control", "private, no-store")
	c.Response().WriteHeader(http.StatusOK)
	zw := zip.NewWriter(c.Response())
	names := []string{"index.csv"}
	for _, f := range res.Files {
		names = append(names, filepath.Base(f.Path))
	}
	for _, name := range names {
		if err := addToZip(zw, filepath.Join(dir, name), name); err != nil {
			s.log.Error("packets zip", "campaign", slug, "err", err)
			return nil // the status is sent; the broken archive tells the client
		}
	}
	if err := zw.Close(); err != nil {
		s.log.Error("packets zip", "campaign", slug, "err", err)
	}
	return nil
}

func addToZip(zw *zip.Writer, path, name string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store}) // PDFs are compressed already
	if err != nil {
		return err
	}
	_, err = io.Copy(w, f)
	return err
}

// PacketWriter writes office packets (packets.Writer has it).
type PacketWriter interface {
	Write(ctx context.Context, slug, dir string) (*packets.Result, error)
}
