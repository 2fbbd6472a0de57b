package mail

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// FileSender writes each message as an .eml file into a folder instead of
// sending it: what Advocate does when no mail server is configured, so that
// nothing is lost and an operator can inspect (or later import) the mail.
type FileSender struct {
	dir string
}

// NewFileSender returns a sender writing into dir (created on first use).
func NewFileSender(dir string) *FileSender { return &FileSender{dir: dir} }

// Live is false: filed messages are not sent.
func (f *FileSender) Live() bool { return false }

// String names the folder.
func (f *FileSender) String() string { return "files in " + f.dir }

// Dir is the folder messages are written to.
func (f *FileSender) Dir() string { return f.dir }

// Open makes sure the folder exists.
func (f *FileSender) Open(context.Context) (Session, error) {
	if err := os.MkdirAll(f.dir, 0o750); err != nil {
		return nil, &SendError{Op: "open outbox folder", Temporary: true, Err: err}
	}
	return fileSession{f}, nil
}

type fileSession struct{ f *FileSender }

// Send writes the message atomically (temporary file, then rename) under a
// name derived from its Message-ID, so a repeat overwrites the same file.
func (s fileSession) Send(_ context.Context, m *Message) error {
	b, err := m.Bytes()
	if err != nil {
		return err
	}
	name := CleanFileName(strings.ReplaceAll(strings.Trim(m.MessageID, "<>"), "@", "_")) + ".eml"
	tmp, err := os.CreateTemp(s.f.dir, ".tmp-*.eml")
	if err != nil {
		return &SendError{Op: "file", Temporary: true, Err: err}
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), filepath.Join(s.f.dir, name))
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return &SendError{Op: "file", Temporary: true, Err: fmt.Errorf("write %s: %w", name, werr)}
	}
	return nil
}

func (fileSession) Close() error { return nil }
