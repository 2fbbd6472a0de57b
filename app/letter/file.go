package letter

import (
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/advocate-org/advocate/app"
)

// ParseLetterFile reads the default-letter file format: a first line
// "Subject: ...", a blank line, then the body. Keeping subject and body in
// one plain file lets the default letters be read and reviewed like letters.
func ParseLetterFile(src string) (subject, body string, err error) {
	src = strings.TrimPrefix(src, "\ufeff")
	src = strings.ReplaceAll(src, "\r\n", "\n")
	first, rest, _ := strings.Cut(src, "\n")
	label, subj, ok := strings.Cut(first, ":")
	if !ok || !strings.EqualFold(strings.TrimSpace(label), "subject") {
		return "", "", app.Errorf(app.EINVALID, `the letter file must start with a "Subject: ..." line`)
	}
	subject = strings.TrimSpace(subj)
	if subject == "" {
		return "", "", app.Errorf(app.EINVALID, "the subject line of the letter file is empty")
	}
	blank, rest, _ := strings.Cut(rest, "\n")
	if strings.TrimSpace(blank) != "" {
		return "", "", app.Errorf(app.EINVALID, "the subject line must be followed by a blank line")
	}
	body = strings.TrimRight(rest, " \t\n")
	if strings.TrimSpace(body) == "" {
		return "", "", app.Errorf(app.EINVALID, "the letter file has no body after the subject")
	}
	return subject, body, nil
}

// DefaultTemplates reads the default letter for every target kind from
// dir/<kind>.txt in fsys (for example the embedded templates folder with dir
// "letters"), ready to be saved as a new campaign's first versions.
func DefaultTemplates(fsys fs.FS, dir string) (map[app.TargetKind]app.TemplateVersion, error) {
	out := make(map[app.TargetKind]app.TemplateVersion, len(app.TargetKinds()))
	for _, k := range app.TargetKinds() {
		name := path.Join(dir, string(k)+".txt")
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("default letter %s: %w", name, err)
		}
		subject, body, err := ParseLetterFile(string(src))
		if err != nil {
			return nil, fmt.Errorf("default letter %s: %w", name, err)
		}
		out[k] = app.TemplateVersion{Kind: k, Subject: subject, Body: body, Author: "seed", Note: "default letter"}
	}
	return out, nil
}
