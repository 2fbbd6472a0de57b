package submit_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/submit"
)

// tokenLookups answers FindSubmissionByToken for one token and counts the
// lookups that reach it.
type tokenLookups struct {
	app.SubmissionStore
	token   string
	lookups int
}

func (s *tokenLookups) FindSubmissionByToken(_ context.Context, token string) (*app.Submission, error) {
	s.lookups++
	if token != s.token {
		return nil, app.Errorf(app.ENOTFOUND, "no submission")
	}
	return &app.Submission{ID: 7, CampaignID: 1, Token: token}, nil
}

type oneCampaign struct{ app.CampaignStore }

func (oneCampaign) FindCampaignByID(context.Context, int64) (*app.Campaign, error) {
	return &app.Campaign{ID: 1, Slug: "open"}, nil
}

func TestTokensSortInTheOrderTheyWereMade(t *testing.T) {
	start := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	var toks []string
	seen := map[string]bool{}
	for i := range 200 {
		tok, err := submit.NewTokenAt(start.Add(time.Duration(i) * time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		if len(tok) != 32 || strings.Trim(tok, "abcdefghijklmnopqrstuvwxyz234567") != "" {
			t.Fatalf("token %q is not 32 lowercase base32 characters", tok)
		}
		if seen[tok] {
			t.Fatalf("token %q made twice", tok)
		}
		seen[tok] = true
		toks = append(toks, tok)
	}
	if !sort.StringsAreSorted(toks) {
		t.Fatal("tokens made a millisecond apart do not sort in the order they were made")
	}
	// Made at the same moment, two tokens share the clock and differ in
	// their random part: the last 26 characters, 128 bits.
	a, _ := submit.NewTokenAt(start)
	b, _ := submit.NewTokenAt(start)
	if a[:6] != b[:6] || a[7:] == b[7:] {
		t.Fatalf("same moment: %q and %q", a, b)
	}
	// The clock wraps every 2^32 ms, so the token does not date the
	// submission.
	c, _ := submit.NewTokenAt(start.Add(1 << 32 * time.Millisecond))
	if a[:6] != c[:6] {
		t.Fatalf("the clock part did not wrap: %q and %q", a, c)
	}
}

func TestLinksWithEarlierTokensStillWork(t *testing.T) {
	ctx := context.Background()
	const old = "abcdefghijklmnopqrstuvwxyz" // 26 characters, as earlier versions made them
	subs := &tokenLookups{token: old}
	svc := submit.New(submit.Options{Campaigns: oneCampaign{}, Submissions: subs})
	sub, _, err := svc.FindByToken(ctx, old)
	if err != nil || sub.ID != 7 {
		t.Fatalf("an earlier version's token: %v %v", sub, err)
	}
	tok, _ := submit.NewToken()
	subs.token = tok
	if sub, _, err := svc.FindByToken(ctx, tok); err != nil || sub.ID != 7 {
		t.Fatalf("a new token: %v %v", sub, err)
	}
	// Malformed tokens never reach the store, and read as an unknown link.
	lookups := subs.lookups
	for _, bad := range []string{"", old[:25], tok + "a", strings.ToUpper(tok), tok[:31] + "1", old[:25] + "!"} {
		if _, _, err := svc.FindByToken(ctx, bad); app.ErrorCodeOf(err) != app.ENOTFOUND || app.ErrorMessageOf(err) != "This link is not valid." {
			t.Errorf("token %q: %v", bad, err)
		}
	}
	if subs.lookups != lookups {
		t.Fatalf("%d malformed tokens reached the store", subs.lookups-lookups)
	}
}
