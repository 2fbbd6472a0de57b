package mailtest

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
)

// Attachment is one non-text part of a received message.
type Attachment struct {
	Name string // from Content-Disposition
	Type string // media type
	Data []byte // decoded
}

// Parsed is a received message taken apart, for assertions.
type Parsed struct {
	Header      mail.Header
	MediaType   string // of the whole message, e.g. multipart/mixed
	Text, HTML  string // decoded, as sent (CRLF line ends kept)
	Attachments []Attachment
}

// Parse decodes a raw message: headers, the text and HTML alternatives and
// every attachment, through nested multiparts and both transfer encodings.
func Parse(tb testing.TB, raw []byte) Parsed {
	tb.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		tb.Fatalf("parse message: %v\n%s", err, raw)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		tb.Fatalf("content type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	p := Parsed{Header: msg.Header, MediaType: mt}
	var walk func(r io.Reader, boundary string)
	walk = func(r io.Reader, boundary string) {
		mr := multipart.NewReader(r, boundary)
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				tb.Fatal(err)
			}
			ct, cp, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
			if strings.HasPrefix(ct, "multipart/") {
				walk(part, cp["boundary"])
				continue
			}
			var body []byte
			switch part.Header.Get("Content-Transfer-Encoding") {
			case "base64":
				body, err = io.ReadAll(base64.NewDecoder(base64.StdEncoding, part))
			case "quoted-printable":
				body, err = io.ReadAll(quotedprintable.NewReader(part))
			default:
				body, err = io.ReadAll(part)
			}
			if err != nil {
				tb.Fatal(err)
			}
			switch ct {
			case "text/plain":
				p.Text = string(body)
			case "text/html":
				p.HTML = string(body)
			default:
				_, dp, err := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
				if err != nil {
					tb.Fatalf("content disposition %q: %v", part.Header.Get("Content-Disposition"), err)
				}
				p.Attachments = append(p.Attachments, Attachment{Name: dp["filename"], Type: ct, Data: body})
			}
		}
	}
	if strings.HasPrefix(mt, "multipart/") {
		walk(msg.Body, params["boundary"])
	}
	return p
}

// DecodeHeader decodes RFC 2047 encoded words in a header value.
func DecodeHeader(tb testing.TB, v string) string {
	tb.Helper()
	d, err := new(mime.WordDecoder).DecodeHeader(v)
	if err != nil {
		tb.Fatalf("decode %q: %v", v, err)
	}
	return d
}
