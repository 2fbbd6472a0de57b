package submit_test

import (
	"testing"

	"github.com/advocate-org/advocate/app/submit"
)

func TestDedupKeyIgnoresCaseAndSpace(t *testing.T) {
	a := submit.DedupKey(1, "Jose@Example.org ")
	if a != submit.DedupKey(1, "jose@example.org") {
		t.Fatal("case or space changes the key")
	}
	if a == submit.DedupKey(2, "jose@example.org") || a == submit.DedupKey(1, "other@example.org") {
		t.Fatal("different campaign or email gives the same key")
	}
}
