package outbox_test

import (
	"context"
	"testing"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/mail/mailtest"
	"github.com/advocate-org/advocate/app/outbox"
)

// BenchmarkOutbox measures the whole send path on SQLite: claim a batch,
// load each submission, render the letter's PDF, compose the MIME message,
// send it to a local SMTP sink over a reused connection and record the
// outcome. Each submission queues an office email and a copy (whose PDF
// holds its one letter), so b.N submissions make 2·b.N messages.
func BenchmarkOutbox(b *testing.B) {
	e := newEnv(b, "", app.DeliverySettings{})
	for i := 0; i < b.N; i++ {
		e.add(b, sub{offices: []string{"office@house.example"}})
	}
	srv := mailtest.Start(b, mailtest.Options{Discard: true})
	x := e.outbox(b, smtpSender(b, srv.URL(), 0), func(o *outbox.Options) { o.BatchSize = 50 })
	b.ReportAllocs()
	b.ResetTimer()
	n, err := x.Flush(context.Background())
	if err != nil || n != 2*b.N || srv.Count() != 2*b.N {
		b.Fatalf("flushed %d, received %d: %v", n, srv.Count(), err)
	}
	b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkOutboxOneInbox is BenchmarkOutbox for a supporter writing to six
// commission members who share one inbox and to one executive office: each
// submission makes one email to the commission carrying six PDFs, one to
// the office and the copy (all seven letters in one PDF), so b.N
// submissions make 3·b.N messages for 8·b.N deliveries of 7·b.N letters.
func BenchmarkOutboxOneInbox(b *testing.B) {
	e := newEnv(b, "", app.DeliverySettings{})
	for i := 0; i < b.N; i++ {
		e.add(b, tlhrcSub())
	}
	srv := mailtest.Start(b, mailtest.Options{Discard: true})
	x := e.outbox(b, smtpSender(b, srv.URL(), 0), func(o *outbox.Options) { o.BatchSize = 50 })
	b.ReportAllocs()
	b.ResetTimer()
	n, err := x.Flush(context.Background())
	if err != nil || n != 8*b.N || srv.Count() != 3*b.N {
		b.Fatalf("flushed %d, received %d: %v", n, srv.Count(), err)
	}
	b.ReportMetric(float64(3*b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(7*b.N)/b.Elapsed().Seconds(), "letters/s")
}
