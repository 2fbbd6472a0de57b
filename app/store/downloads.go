package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/advocate-org/advocate/app"
)

// Every letter has a download delivery (the supporter's copy to print and
// post), and it starts pending. Most stay pending, and storing them was a
// third of a submission's rows, all written by the single writer while the
// supporter waits. So a new letter's pending download is not stored: a
// letter without a download row has a pending one, created when the letter
// was. The rollups count it from the start (statAdds), readers add it
// (withDownload, allDeliveries), and a writer that changes a letter's
// download, or needs it as a row, stores it first (storePendingDownloads)
// and then changes the row as any other, moving its count (rollups.go).

// virtualDownload is the index in l.Deliveries of the download delivery
// that is not to be stored, or -1: l's only download delivery, when it is
// pending and untouched, with the letter's own time.
func virtualDownload(l *app.Letter) int {
	at := -1
	for i := range l.Deliveries {
		if l.Deliveries[i].Channel != app.ChannelDownload {
			continue
		}
		if at >= 0 {
			return -1
		}
		at = i
	}
	if at < 0 {
		return -1
	}
	dl := &l.Deliveries[at]
	fresh := dl.Status == app.StatusPending && dl.Attempts == 0 && dl.NextAttemptAt == nil && dl.LastError == "" &&
		dl.LeaseOwner == "" && dl.LeaseUntil == nil && dl.MessageID == "" && dl.SentAt == nil && dl.To == "" &&
		dl.CreatedAt.Equal(l.CreatedAt) && dl.UpdatedAt.Equal(l.CreatedAt)
	if !fresh {
		return -1
	}
	return at
}

// pendingDownload is the download delivery of a letter that has no
// download row.
func pendingDownload(letterID int64, created time.Time) app.Delivery {
	return app.Delivery{LetterID: letterID, Channel: app.ChannelDownload, Status: app.StatusPending,
		CreatedAt: created, UpdatedAt: created}
}

// withDownload puts l's download delivery first among its deliveries (where
// a new letter has it), adding the pending one when none is stored. Its
// ID is 0 until it is stored.
func withDownload(l *app.Letter) {
	l.Deliveries = downloadFirst(l.Deliveries, func(d *app.Delivery) app.Channel { return d.Channel },
		func() app.Delivery { return pendingDownload(l.ID, l.CreatedAt) })
}

// downloadFirst moves the download delivery in ds to the front, or puts
// missing() there when ds has none (the other deliveries keep their order).
func downloadFirst[T any](ds []T, channel func(*T) app.Channel, missing func() T) []T {
	for i := range ds {
		if channel(&ds[i]) == app.ChannelDownload {
			if i > 0 {
				dl := ds[i]
				copy(ds[1:i+1], ds[:i])
				ds[0] = dl
			}
			return ds
		}
	}
	return append([]T{missing()}, ds...)
}

// noDownloadRow is a condition on letters l: l has no download row, so its
// download is pending and unstored.
const noDownloadRow = `NOT EXISTS (SELECT 1 FROM deliveries x WHERE x.letter_id = l.id AND x.channel = 'download')`

// allDeliveries is a derived table of every delivery's letter_id, channel
// and status, the unstored pending downloads included, for counts.
const allDeliveries = `(SELECT letter_id, channel, status FROM deliveries
	UNION ALL SELECT l.id, 'download', 'pending' FROM letters l WHERE ` + noDownloadRow + `)`

// storePendingDownloads stores the pending download of each letter l
// matching cond that has none stored. The rollups counted these at the
// submission, so the insert is not counted again.
//
// On PostgreSQL two instances may store the same letter's download at once
// (a supporter downloading twice, a download during an erasure): the
// letters are locked first, so the second transaction waits for the first
// and its insert, a new statement, sees the row the first stored. SQLite's
// single writer runs one transaction at a time.
func (e *engine) storePendingDownloads(ctx context.Context, q querier, cond string, args ...any) error {
	if lock := e.dialect.forUpdate("", false); lock != "" {
		if err := scanAll(ctx, q, e.rebind(`SELECT l.id FROM letters l WHERE (`+cond+`) ORDER BY l.id`+lock),
			func(*sql.Rows) error { return nil }, args...); err != nil {
			return fmt.Errorf("store pending downloads: %w", err)
		}
	}
	if _, err := q.ExecContext(ctx, e.rebind(`INSERT INTO deliveries (letter_id, channel, status, attempts,
		last_error, lease_owner, message_id, created_at, updated_at, to_address)
		SELECT l.id, 'download', 'pending', 0, '', '', '', l.created_at, l.created_at, ''
		FROM letters l WHERE (`+cond+`) AND `+noDownloadRow+` ORDER BY l.id`), args...); err != nil {
		return fmt.Errorf("store pending downloads: %w", err)
	}
	return nil
}
