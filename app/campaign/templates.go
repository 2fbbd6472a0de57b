package campaign

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/letter"
)

// MaxNoteLen bounds the organizer's note on a saved version.
const MaxNoteLen = 300

// kindOf checks a kind from a URL.
func kindOf(k app.TargetKind) error {
	if !k.Valid() {
		return app.Errorf(app.ENOTFOUND, "There is no letter for %q recipients.", k)
	}
	return nil
}

// Template returns a campaign and the current version of one of its
// letters (nil when the kind has none yet), for the editor.
func (s *Service) Template(ctx context.Context, slug string, kind app.TargetKind) (*app.Campaign, *app.TemplateVersion, error) {
	if err := kindOf(kind); err != nil {
		return nil, nil, err
	}
	_, c, err := s.campaignFor(ctx, slug)
	if err != nil {
		return nil, nil, err
	}
	tpls, err := s.store.CurrentTemplates(ctx, c.ID)
	if err != nil {
		return nil, nil, err
	}
	if tv, ok := tpls[kind]; ok {
		return c, &tv, nil
	}
	return c, nil, nil
}

// Templates returns the current version of each letter of a campaign.
func (s *Service) Templates(ctx context.Context, c *app.Campaign) (map[app.TargetKind]app.TemplateVersion, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	return s.store.CurrentTemplates(ctx, c.ID)
}

// Fields lists the merge fields a letter of c may use, for the editor.
func (s *Service) Fields(c *app.Campaign) []letter.Field { return letter.Fields(c) }

// TemplateDraft is the editor's form.
type TemplateDraft struct {
	Subject string
	Body    string
	Note    string // why it changed, shown in the history
	// BaseVersion is the version the organizer started from. When someone
	// saved a newer one meanwhile, the save is refused (ECONFLICT) rather
	// than silently dropping their work; 0 skips the check.
	BaseVersion int
}

// normalize makes line endings and trailing space canonical, so that a
// browser's CRLF never shows up as a change.
func (d *TemplateDraft) normalize() {
	d.Subject = strings.TrimSpace(d.Subject)
	d.Body = strings.TrimRight(strings.ReplaceAll(d.Body, "\r\n", "\n"), " \t\n")
	d.Note = strings.TrimSpace(d.Note)
}

// ValidateTemplate checks a draft without saving it: the letter package's
// checks (syntax, unknown fields with line and column, output bounds) and
// that the text can be printed. Errors are EINVALID with fields "subject",
// "body" and "note"; the letter.CompileErrors are reachable with errors.As.
func (s *Service) ValidateTemplate(c *app.Campaign, kind app.TargetKind, d TemplateDraft) error {
	d.normalize()
	err := s.letters.Validate(app.TemplateVersion{Kind: kind, Subject: d.Subject, Body: d.Body}, c)
	fe := app.FieldErrors{}
	if len([]rune(d.Note)) > MaxNoteLen {
		fe.Add("note", fmt.Sprintf("keep the note to %d characters", MaxNoteLen))
	}
	if s.pdf != nil {
		// Merge tags are plain ASCII, so checking the source checks every
		// character the organizer typed.
		for field, text := range map[string]string{"subject": d.Subject, "body": d.Body} {
			if perr := s.pdf.CheckText(text); perr != nil && app.ErrorFieldsOf(err)[field] == "" {
				fe.Add(field, app.ErrorMessageOf(perr))
			}
		}
	}
	if err == nil && len(fe) == 0 {
		return nil
	}
	if err == nil {
		return fe.Err("The letter template has errors.")
	}
	if ae, ok := err.(*app.Error); ok && len(fe) > 0 {
		for k, v := range fe {
			if _, dup := ae.Fields[k]; !dup {
				ae.Fields[k] = v
			}
		}
	}
	return err
}

// SaveTemplate validates a draft and stores it as the next version, with
// the actor as author. Nothing is saved when it has errors. Saving text
// identical to the current version stores nothing and returns the current
// version with changed=false. Letters already made keep the version they
// were made from.
func (s *Service) SaveTemplate(ctx context.Context, slug string, kind app.TargetKind, d TemplateDraft) (tv *app.TemplateVersion, changed bool, err error) {
	if err := kindOf(kind); err != nil {
		return nil, false, err
	}
	a, c, err := s.campaignFor(ctx, slug)
	if err != nil {
		return nil, false, err
	}
	d.normalize()
	if err := s.ValidateTemplate(c, kind, d); err != nil {
		return nil, false, err
	}
	if p, err := s.livePlaceholder(ctx, c, kind, d.Subject, d.Body); err != nil || p != "" {
		if err != nil {
			return nil, false, err
		}
		return nil, false, &app.Error{Code: app.EINVALID, Message: "The letter was not saved.", Fields: map[string]string{
			"body": "this letter goes to offices now: replace the starter letter's placeholder " + p + " first"}}
	}
	cur, err := s.current(ctx, c, kind)
	if err != nil {
		return nil, false, err
	}
	if cur != nil {
		if d.BaseVersion > 0 && cur.Version != d.BaseVersion {
			return nil, false, &app.Error{Code: app.ECONFLICT, Message: fmt.Sprintf(
				"%s saved version %d of this letter while you were editing version %d. Your text is below, not saved: compare it with the history, then save again.",
				cur.Author, cur.Version, d.BaseVersion)}
		}
		if cur.Subject == d.Subject && cur.Body == d.Body {
			return cur, false, nil
		}
	}
	nv := app.TemplateVersion{CampaignID: c.ID, Kind: kind, Subject: d.Subject, Body: d.Body, Author: a.Label(), Note: d.Note}
	if err := s.store.SaveTemplateVersion(ctx, &nv); err != nil {
		return nil, false, err
	}
	s.forget(c.Slug)
	detail := fmt.Sprintf("%s letter version %d", kind, nv.Version)
	if cur != nil {
		ins, del := DiffStats(DiffLines(versionText(cur), versionText(&nv)))
		detail += fmt.Sprintf(" (+%d \u2212%d lines)", ins, del)
	}
	if nv.Note != "" {
		detail += ": " + nv.Note
	}
	s.record(ctx, ActionTemplateSave, subjectOf(c), detail)
	return &nv, true, nil
}

func (s *Service) current(ctx context.Context, c *app.Campaign, kind app.TargetKind) (*app.TemplateVersion, error) {
	tpls, err := s.store.CurrentTemplates(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	if tv, ok := tpls[kind]; ok {
		return &tv, nil
	}
	return nil, nil
}

// RestoreTemplate makes an old version current again by saving a copy of
// it as a new version noted "restored version N"; history is never
// rewritten. The copy is validated first, since the campaign's facts may
// have changed since.
func (s *Service) RestoreTemplate(ctx context.Context, slug string, kind app.TargetKind, version int) (*app.TemplateVersion, error) {
	if err := kindOf(kind); err != nil {
		return nil, err
	}
	a, c, err := s.campaignFor(ctx, slug)
	if err != nil {
		return nil, err
	}
	old, err := s.findVersion(ctx, c, kind, version)
	if err != nil {
		return nil, err
	}
	if err := s.ValidateTemplate(c, kind, TemplateDraft{Subject: old.Subject, Body: old.Body}); err != nil {
		return nil, app.WrapError(app.ECONFLICT, err,
			"Version %d cannot be restored as it is: %s Open it, copy what you need into the editor and fix it there.",
			version, fieldSummary(err))
	}
	if p, err := s.livePlaceholder(ctx, c, kind, old.Subject, old.Body); err != nil || p != "" {
		if err != nil {
			return nil, err
		}
		return nil, app.Errorf(app.ECONFLICT, "Version %d still has the starter letter's placeholder %s and this letter goes to offices now: "+
			"open it, copy what you need into the editor and write your own words there.", version, p)
	}
	nv := app.TemplateVersion{CampaignID: c.ID, Kind: kind, Subject: old.Subject, Body: old.Body, Author: a.Label(),
		Note: fmt.Sprintf("restored version %d", version)}
	if err := s.store.SaveTemplateVersion(ctx, &nv); err != nil {
		return nil, err
	}
	s.forget(c.Slug)
	s.record(ctx, ActionTemplateRestore, subjectOf(c), fmt.Sprintf("%s letter version %d restored as version %d", kind, version, nv.Version))
	return &nv, nil
}

func fieldSummary(err error) string {
	var parts []string
	for _, f := range []string{"subject", "body", "note"} {
		if m := app.ErrorFieldsOf(err)[f]; m != "" {
			parts = append(parts, f+": "+m+".")
		}
	}
	if len(parts) == 0 {
		return app.ErrorMessageOf(err)
	}
	return strings.Join(parts, " ")
}

func (s *Service) findVersion(ctx context.Context, c *app.Campaign, kind app.TargetKind, version int) (*app.TemplateVersion, error) {
	list, err := s.store.ListTemplateVersions(ctx, c.ID, kind)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].Version == version {
			return &list[i], nil
		}
	}
	return nil, app.Errorf(app.ENOTFOUND, "The %s letter has no version %d.", kind, version)
}

// VersionView is one saved version with what it changed.
type VersionView struct {
	app.TemplateVersion
	// Current is set on the newest version.
	Current bool
	// Previous is the version number compared against (0 for the first).
	Previous int
	// Diff against the previous version of the same letter, subject line
	// included; Hunks are the changed parts with context.
	Diff              []DiffLine
	Hunks             []Hunk
	Inserted, Deleted int
}

// versionText is what diffs compare: the letter-file layout, so a subject
// change shows as a change of the first line.
func versionText(tv *app.TemplateVersion) string {
	return "Subject: " + tv.Subject + "\n\n" + tv.Body
}

// DiffContext is how many unchanged lines surround a change in a hunk.
const DiffContext = 3

// History lists a letter's versions, newest first, each with its diff
// against the one before.
func (s *Service) History(ctx context.Context, slug string, kind app.TargetKind) (*app.Campaign, []VersionView, error) {
	if err := kindOf(kind); err != nil {
		return nil, nil, err
	}
	_, c, err := s.campaignFor(ctx, slug)
	if err != nil {
		return nil, nil, err
	}
	list, err := s.store.ListTemplateVersions(ctx, c.ID, kind)
	if err != nil {
		return nil, nil, err
	}
	out := make([]VersionView, len(list))
	for i := range list {
		var prev *app.TemplateVersion
		if i+1 < len(list) {
			prev = &list[i+1]
		}
		out[i] = viewOf(&list[i], prev, i == 0)
	}
	return c, out, nil
}

func viewOf(tv, prev *app.TemplateVersion, current bool) VersionView {
	v := VersionView{TemplateVersion: *tv, Current: current}
	old := ""
	if prev != nil {
		old = versionText(prev)
		v.Previous = prev.Version
	}
	v.Diff = DiffLines(old, versionText(tv))
	v.Hunks = Hunks(v.Diff, DiffContext)
	v.Inserted, v.Deleted = DiffStats(v.Diff)
	return v
}

// Version returns one version with its diff against the previous one.
func (s *Service) Version(ctx context.Context, slug string, kind app.TargetKind, version int) (*app.Campaign, *VersionView, error) {
	c, list, err := s.History(ctx, slug, kind)
	if err != nil {
		return nil, nil, err
	}
	for i := range list {
		if list[i].Version == version {
			return c, &list[i], nil
		}
	}
	return nil, nil, app.Errorf(app.ENOTFOUND, "The %s letter has no version %d.", kind, version)
}

// livePlaceholder returns the starter placeholder left in a letter that
// would reach offices at once (its campaign is open and writes to its
// kind), or "". Drafts may keep placeholders: Open refuses them.
func (s *Service) livePlaceholder(ctx context.Context, c *app.Campaign, kind app.TargetKind, subject, body string) (string, error) {
	if c.Status != app.CampaignOpen {
		return "", nil
	}
	p := Placeholder(app.TemplateVersion{Subject: subject, Body: body})
	if p == "" {
		return "", nil
	}
	rules, err := s.store.ListTargetRules(ctx, c.ID)
	if err != nil {
		return "", err
	}
	if !slices.Contains(kindsFor(rules), kind) {
		return "", nil
	}
	return p, nil
}
