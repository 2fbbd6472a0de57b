package campaign

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/match"
)

// MaxRules bounds a campaign's target list; more would be a mistake, and
// every rule is applied to every submission.
const MaxRules = 50

// RuleView is a target rule as the organizer sees it: in plain words, with
// how many people it reaches in the current roster.
type RuleView struct {
	app.TargetRule
	// Description says whom the rule writes to, e.g. "Leaders of the Tom
	// Lantos Human Rights Commission".
	Description string
	// Filter adds the per-supporter condition in words, or "".
	Filter string
	// Reach is how many people in the current roster the rule can write
	// to (over all supporters).
	Reach int
	// PerSupporter says how many of them one supporter writes to, when
	// that differs from Reach ("1", "2", "those who represent them").
	PerSupporter string
	// Problem says why the rule reaches no one, or "".
	Problem string
	// Key names the rule in forms and URLs (see RuleKey).
	Key string
}

// RuleKey names a rule by what it targets ("committee:TLHRC",
// "executive:DHS_SECRETARY", "own_senators"). Rules are unique by it, and
// unlike row ids it survives the replacement of a campaign's rule list, so
// a page a little out of date still removes the rule it shows.
func RuleKey(r app.TargetRule) string {
	switch r.Kind {
	case app.RuleCommittee:
		return "committee:" + r.CommitteeCode
	case app.RuleExecutive:
		return "executive:" + r.ExecutiveKey
	}
	return string(r.Kind)
}

// Rules lists a campaign's target rules in order, described against the
// current roster, and how many different people they reach together.
func (s *Service) Rules(ctx context.Context, slug string) ([]RuleView, int, error) {
	_, c, err := s.campaignFor(ctx, slug)
	if err != nil {
		return nil, 0, err
	}
	if err := s.needRoster(); err != nil {
		return nil, 0, err
	}
	rules, err := s.store.ListTargetRules(ctx, c.ID)
	if err != nil {
		return nil, 0, err
	}
	ix := s.roster.Index()
	out := make([]RuleView, len(rules))
	for i, r := range rules {
		out[i] = describeRule(ix, r)
	}
	return out, totalReach(ix, rules), nil
}

// describeRule puts a rule in words and counts whom it reaches.
func describeRule(ix *match.Index, r app.TargetRule) RuleView {
	v := RuleView{TargetRule: r, Key: RuleKey(r)}
	st := ix.Stats()
	switch r.Kind {
	case app.RuleOwnRepresentative:
		v.Description = "The supporter\u2019s own Representative (or Delegate)"
		v.Reach, v.PerSupporter = st.Representatives, "1"
	case app.RuleOwnSenators:
		v.Description = "The supporter\u2019s two Senators"
		v.Reach, v.PerSupporter = st.Senators, "2 (none in DC and the territories)"
	case app.RuleCommittee:
		name := ix.CommitteeName(r.CommitteeCode)
		if name == "" {
			name = r.CommitteeCode
		} else if !strings.HasPrefix(name, "The ") {
			name = "the " + name
		}
		if r.LeadershipOnly {
			v.Description = "Leaders (chairs, co-chairs, ranking members) of " + name
		} else {
			v.Description = "All members of " + name
		}
		for _, m := range ix.Members(r.CommitteeCode) {
			if !r.LeadershipOnly || m.Leadership() {
				v.Reach++
			}
		}
		if r.OnlyConstituents {
			v.Filter = "only those who represent the supporter"
			v.PerSupporter = "those who represent them"
		}
	case app.RuleExecutive:
		if x, ok := ix.Executive(r.ExecutiveKey); ok {
			v.Description = x.Title
			if x.Name != "" {
				v.Description += ", " + x.Name
			}
			v.Reach = 1
		} else {
			v.Description = "Executive target " + r.ExecutiveKey
		}
	default:
		v.Description = "Unknown rule " + string(r.Kind)
	}
	v.Problem = ruleProblem(ix, r)
	return v
}

// ruleProblem explains why a stored rule reaches no one in the current
// roster ("" when it is fine). Rules are checked when they are added, but
// a later import or roster edit can remove what they point at.
func ruleProblem(ix *match.Index, r app.TargetRule) string {
	switch r.Kind {
	case app.RuleCommittee:
		if _, ok := ix.Committee(r.CommitteeCode); !ok {
			return fmt.Sprintf("The committee or commission %s is not in the current roster, so this rule reaches no one.", r.CommitteeCode)
		}
		n := 0
		for _, m := range ix.Members(r.CommitteeCode) {
			if !r.LeadershipOnly || m.Leadership() {
				n++
			}
		}
		if n == 0 {
			if r.LeadershipOnly {
				return fmt.Sprintf("Nobody on %s holds a title in the current roster, so this rule reaches no one.", r.CommitteeCode)
			}
			return fmt.Sprintf("%s has no sitting members in the current roster, so this rule reaches no one.", r.CommitteeCode)
		}
	case app.RuleExecutive:
		if _, ok := ix.Executive(r.ExecutiveKey); !ok {
			return fmt.Sprintf("The executive target %s is not in the current roster, so this rule reaches no one.", r.ExecutiveKey)
		}
	case app.RuleOwnRepresentative, app.RuleOwnSenators:
	default:
		return fmt.Sprintf("Unknown kind of rule %q.", r.Kind)
	}
	return ""
}

// totalReach counts the different people all rules can reach together.
func totalReach(ix *match.Index, rules []app.TargetRule) int {
	seen := map[string]bool{}
	st := ix.Stats()
	n := 0
	for _, r := range rules {
		switch r.Kind {
		case app.RuleOwnRepresentative:
			if !seen["@reps"] {
				seen["@reps"] = true
				n += st.Representatives
			}
		case app.RuleOwnSenators:
			if !seen["@sens"] {
				seen["@sens"] = true
				n += st.Senators
			}
		}
	}
	for _, r := range rules {
		switch r.Kind {
		case app.RuleCommittee:
			for _, m := range ix.Members(r.CommitteeCode) {
				if r.LeadershipOnly && !m.Leadership() {
					continue
				}
				if seen["leg:"+m.BioguideID] {
					continue
				}
				seen["leg:"+m.BioguideID] = true
				// Already counted among everyone's Representatives or Senators?
				if l, ok := ix.Legislator(m.BioguideID); ok {
					if (l.Chamber == app.House && seen["@reps"]) || (l.Chamber == app.Senate && seen["@sens"]) {
						continue
					}
				}
				n++
			}
		case app.RuleExecutive:
			if _, ok := ix.Executive(r.ExecutiveKey); ok && !seen["exec:"+r.ExecutiveKey] {
				seen["exec:"+r.ExecutiveKey] = true
				n++
			}
		}
	}
	return n
}

// RuleInput is a new rule as chosen in the form.
type RuleInput struct {
	Kind             app.RuleKind
	CommitteeCode    string
	LeadershipOnly   bool
	OnlyConstituents bool
	ExecutiveKey     string
}

// checkRule validates a new rule against the current roster and the rules
// already there. Field names match the form: kind, committee, executive.
func checkRule(ix *match.Index, in RuleInput, existing []app.TargetRule) (app.TargetRule, error) {
	r := app.TargetRule{Kind: in.Kind, CommitteeCode: strings.ToUpper(strings.TrimSpace(in.CommitteeCode)),
		ExecutiveKey: strings.TrimSpace(in.ExecutiveKey)}
	fe := app.FieldErrors{}
	switch r.Kind {
	case app.RuleOwnRepresentative, app.RuleOwnSenators:
	case app.RuleCommittee:
		r.LeadershipOnly, r.OnlyConstituents = in.LeadershipOnly, in.OnlyConstituents
		if r.CommitteeCode == "" {
			fe.Add("committee", "choose a committee or commission")
		} else if _, ok := ix.Committee(r.CommitteeCode); !ok {
			fe.Add("committee", fmt.Sprintf("there is no committee or commission %q in the current roster", r.CommitteeCode))
		}
	case app.RuleExecutive:
		if r.ExecutiveKey == "" {
			fe.Add("executive", "choose an executive target")
		} else if _, ok := ix.Executive(r.ExecutiveKey); !ok {
			fe.Add("executive", fmt.Sprintf("there is no executive target %q; add it under Rosters first", r.ExecutiveKey))
		}
	default:
		fe.Add("kind", "choose whom to write to")
	}
	if len(fe) == 0 {
		for _, e := range existing {
			if e.Kind != r.Kind {
				continue
			}
			switch {
			case r.Kind == app.RuleCommittee && e.CommitteeCode == r.CommitteeCode:
				fe.Add("committee", "the campaign already writes to this committee; remove that rule first to change whom it reaches")
			case r.Kind == app.RuleExecutive && e.ExecutiveKey == r.ExecutiveKey:
				fe.Add("executive", "the campaign already writes to this office")
			case r.Kind == app.RuleOwnRepresentative || r.Kind == app.RuleOwnSenators:
				fe.Add("kind", "the campaign already has this rule")
			}
		}
		if len(existing) >= MaxRules {
			fe.Add("kind", fmt.Sprintf("a campaign has at most %d rules", MaxRules))
		}
	}
	if err := fe.Err("The rule was not added."); err != nil {
		return app.TargetRule{}, err
	}
	if err := r.Validate(); err != nil {
		return app.TargetRule{}, err
	}
	return r, nil
}

// AddRule appends a rule after checking it against the current roster:
// committee codes and executive keys must exist. When the rule brings a
// new kind of recipient, that kind gets a starter letter.
func (s *Service) AddRule(ctx context.Context, slug string, in RuleInput) (RuleView, error) {
	a, c, err := s.campaignFor(ctx, slug)
	if err != nil {
		return RuleView{}, err
	}
	if err := s.needRoster(); err != nil {
		return RuleView{}, err
	}
	rules, err := s.store.ListTargetRules(ctx, c.ID)
	if err != nil {
		return RuleView{}, err
	}
	ix := s.roster.Index()
	r, err := checkRule(ix, in, rules)
	if err != nil {
		return RuleView{}, err
	}
	if err := s.refuseLiveStarter(ctx, c, rules, r); err != nil {
		return RuleView{}, err
	}
	r.CampaignID = c.ID
	rules = append(rules, r)
	if err := s.replaceRules(ctx, c, rules); err != nil {
		return RuleView{}, err
	}
	if err := s.ensureTemplates(ctx, a, c, rules); err != nil {
		return RuleView{}, err
	}
	v := describeRule(ix, r)
	s.record(ctx, ActionRuleAdd, subjectOf(c), ruleWords(v))
	return v, nil
}

func ruleWords(v RuleView) string {
	if v.Filter != "" {
		return v.Description + " (" + v.Filter + ")"
	}
	return v.Description
}

// RemoveRule deletes a rule by its RuleKey.
func (s *Service) RemoveRule(ctx context.Context, slug, key string) error {
	_, c, err := s.campaignFor(ctx, slug)
	if err != nil {
		return err
	}
	rules, err := s.store.ListTargetRules(ctx, c.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(rules, func(r app.TargetRule) bool { return RuleKey(r) == key })
	if i < 0 {
		return app.Errorf(app.ENOTFOUND, "That rule is no longer there; someone may have changed the list. Reload the page.")
	}
	gone := rules[i]
	rules = slices.Delete(rules, i, i+1)
	if err := s.replaceRules(ctx, c, rules); err != nil {
		return err
	}
	words := string(gone.Kind)
	if s.roster != nil {
		words = ruleWords(describeRule(s.roster.Index(), gone))
	}
	s.record(ctx, ActionRuleRemove, subjectOf(c), words)
	return nil
}

// MoveRule moves a rule (by RuleKey) one place up (delta -1) or down (delta 1). Order
// matters to supporters: letters are listed in rule order within each
// kind of recipient.
func (s *Service) MoveRule(ctx context.Context, slug, key string, delta int) error {
	_, c, err := s.campaignFor(ctx, slug)
	if err != nil {
		return err
	}
	rules, err := s.store.ListTargetRules(ctx, c.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(rules, func(r app.TargetRule) bool { return RuleKey(r) == key })
	if i < 0 {
		return app.Errorf(app.ENOTFOUND, "That rule is no longer there; someone may have changed the list. Reload the page.")
	}
	j := i + delta
	if delta == 0 || j < 0 || j >= len(rules) {
		return nil
	}
	rules[i], rules[j] = rules[j], rules[i]
	if err := s.replaceRules(ctx, c, rules); err != nil {
		return err
	}
	dir := "up"
	if delta > 0 {
		dir = "down"
	}
	s.record(ctx, ActionRuleMove, subjectOf(c), fmt.Sprintf("rule %d moved %s", i+1, dir))
	return nil
}

func (s *Service) replaceRules(ctx context.Context, c *app.Campaign, rules []app.TargetRule) error {
	for i := range rules {
		rules[i].Position = i
		rules[i].CampaignID = c.ID
	}
	if err := s.store.ReplaceTargetRules(ctx, c.ID, rules); err != nil {
		return err
	}
	s.forget(c.Slug)
	return nil
}

// ensureTemplates gives every kind the rules produce a letter.
func (s *Service) ensureTemplates(ctx context.Context, a app.Actor, c *app.Campaign, rules []app.TargetRule) error {
	tpls, err := s.store.CurrentTemplates(ctx, c.ID)
	if err != nil {
		return err
	}
	for _, k := range kindsFor(rules) {
		if _, ok := tpls[k]; ok {
			continue
		}
		tv := StarterTemplate(k)
		tv.CampaignID, tv.Author, tv.Note = c.ID, a.Label(), "starter letter"
		if err := s.store.SaveTemplateVersion(ctx, &tv); err != nil {
			return err
		}
	}
	s.forget(c.Slug)
	return nil
}

// Choices lists what the add-rule form offers: committees and commissions
// (commissions first) and executive targets of the current roster.
func (s *Service) Choices() ([]app.Committee, []app.ExecutiveTarget) {
	if s.roster == nil {
		return nil, nil
	}
	ix := s.roster.Index()
	comms := ix.Committees()
	slices.SortStableFunc(comms, func(a, b app.Committee) int {
		ac, bc := a.Kind == app.KindCommission, b.Kind == app.KindCommission
		switch {
		case ac && !bc:
			return -1
		case bc && !ac:
			return 1
		}
		return 0
	})
	return comms, ix.Executives()
}

// refuseLiveStarter stops a rule from sending, at once, a letter that is
// still a starter: on an open campaign a rule that brings a new kind of
// recipient needs that kind's letter written first.
func (s *Service) refuseLiveStarter(ctx context.Context, c *app.Campaign, rules []app.TargetRule, r app.TargetRule) error {
	if c.Status != app.CampaignOpen {
		return nil
	}
	kind := kindsFor([]app.TargetRule{r})[0]
	if slices.Contains(kindsFor(rules), kind) {
		return nil
	}
	tpls, err := s.store.CurrentTemplates(ctx, c.ID)
	if err != nil {
		return err
	}
	tv, ok := tpls[kind]
	p := Placeholder(tv)
	if ok && p == "" {
		return nil
	}
	msg := fmt.Sprintf("the campaign is open and has no %s letter yet: write it first, then add this target", kind)
	if ok {
		msg = fmt.Sprintf("the campaign is open and its %s letter still has the starter letter's placeholder %s: write it first, then add this target", kind, p)
	}
	return &app.Error{Code: app.EINVALID, Message: "The rule was not added.", Fields: map[string]string{"kind": msg}}
}
