package submit_test

import (
	"context"
	"testing"
	"time"

	"github.com/advocate-org/advocate/app"
	"github.com/advocate-org/advocate/app/load"
	"github.com/advocate-org/advocate/app/submit"
)

// A submission being answered shows on the load the service was given,
// which is all the outbox reads: it never sees the service.
func TestSubmissionsMarkTheSharedLoad(t *testing.T) {
	store := &slowCampaigns{release: make(chan struct{})}
	store.name.Store("v1")
	shared := load.New()
	svc := submit.New(submit.Options{Campaigns: store, Load: shared})
	done := make(chan error, 1)
	go func() {
		_, err := svc.Submit(context.Background(), "open", app.SubmissionInput{})
		done <- err
	}()
	deadline := time.Now().Add(30 * time.Second)
	for store.loads.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the submission never reached the store")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Held in the store for as long as the test likes: busy throughout.
	if !shared.Busy() || !svc.Busy() {
		t.Fatalf("while a submission is answered: shared load busy %v, service busy %v", shared.Busy(), svc.Busy())
	}
	close(store.release)
	if err := <-done; err == nil {
		t.Fatal("an empty submission was accepted")
	}
}

// confirming answers a confirmation that queues two office emails.
type confirming struct{ token string }

func (c confirming) FindSubmissionByConfirmToken(context.Context, string) (*app.Submission, error) {
	return &app.Submission{ID: 7, CampaignID: 1, Token: c.token, CreatedAt: time.Now()}, nil
}

func (confirming) ConfirmSubmission(context.Context, int64, time.Time, time.Time) (int64, error) {
	return 2, nil
}

// A confirmation that queued emails says so on the shared load, which wakes
// whoever sends them.
func TestConfirmationWakesTheSender(t *testing.T) {
	token, err := submit.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	shared := load.New()
	svc := submit.New(submit.Options{Campaigns: oneCampaign{}, Submissions: &tokenLookups{token: token},
		Confirmations: confirming{token: token}, Load: shared})
	if _, _, err := svc.Confirm(context.Background(), token); err != nil {
		t.Fatal(err)
	}
	select {
	case <-shared.Wake():
	default:
		t.Fatal("the confirmation queued emails but woke nobody")
	}
}
