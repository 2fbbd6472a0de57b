package letter_test

import (
	"errors"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter"
)

func TestParseLetterFile(t *testing.T) {
	tests := []struct {
		name, src, subject, body, err string
	}{
		{name: "ok", src: "Subject: Hello {{ recipient.name }}\n\n{{ recipient.greeting }}\n\nText.\n\n", subject: "Hello {{ recipient.name }}", body: "{{ recipient.greeting }}\n\nText."},
		{name: "crlf and bom", src: "\ufeffsubject:  Hi \r\n\r\nBody\r\nline\r\n", subject: "Hi", body: "Body\nline"},
		{name: "colon in subject", src: "Subject: Re: help\n\nx", subject: "Re: help", body: "x"},
		{name: "no subject line", src: "Dear friend\n\nx", err: `the letter file must start with a "Subject: ..." line`},
		{name: "empty subject", src: "Subject:   \n\nx", err: "the subject line of the letter file is empty"},
		{name: "no blank line", src: "Subject: x\nBody", err: "the subject line must be followed by a blank line"},
		{name: "no body", src: "Subject: x\n\n  \n", err: "the letter file has no body after the subject"},
		{name: "only subject", src: "Subject: x", err: "the letter file has no body after the subject"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, b, err := letter.ParseLetterFile(tt.src)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err || app.ErrorCodeOf(err) != app.EINVALID {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || s != tt.subject || b != tt.body {
				t.Fatalf("got %q, %q, %v", s, b, err)
			}
		})
	}
}

func TestDefaultTemplatesMissing(t *testing.T) {
	fsys := fstest.MapFS{"letters/representative.txt": {Data: []byte("Subject: x\n\ny")}}
	_, err := letter.DefaultTemplates(fsys, "letters")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
	fsys = fstest.MapFS{}
	for _, k := range app.TargetKinds() {
		fsys["l/"+string(k)+".txt"] = &fstest.MapFile{Data: []byte("Subject: x\n\ny")}
	}
	fsys["l/executive.txt"].Data = []byte("no subject")
	if _, err := letter.DefaultTemplates(fsys, "l"); err == nil || app.ErrorCodeOf(err) != app.EINVALID {
		t.Fatalf("err = %v", err)
	}
}
