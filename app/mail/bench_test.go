package mail_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	advmail "github.com/advocate-org/advocate/app/mail"
	"github.com/advocate-org/advocate/app/mail/mailtest"
)

// BenchmarkSMTPSession sends letters with a 40 KB PDF attached to a local
// SMTP sink over one reused connection: the cost of composing the MIME
// message and the SMTP round trips, without rendering the PDF.
func BenchmarkSMTPSession(b *testing.B) {
	srv := mailtest.Start(b, mailtest.Options{Discard: true})
	s := newSender(b, advmail.SMTPOptions{URL: srv.URL()})
	m := sampleMessage()
	m.Attachments[0].Data = bytes.Repeat(fakePDF[:4096], 10)
	ctx := context.Background()
	sess, err := s.Open(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer sess.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.MessageID = fmt.Sprintf("<bench-%d@advocate.example>", i)
		if err := sess.Send(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
