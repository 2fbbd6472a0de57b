package loadtest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// TestSupporterEmailsComeInNoOrder: consecutive supporters' addresses are
// as likely to sort down as up, like real supporters' (see supporter), and
// stay unique and well formed.
func TestSupporterEmailsComeInNoOrder(t *testing.T) {
	seen := map[string]bool{}
	up, prev := 0, ""
	const n = 2000
	for i := 0; i < n; i++ {
		var in struct{ Email, Zip, State string }
		if err := json.Unmarshal(supporter(fmt.Sprintf("n-1764740000-%d", i), "12202", "NY"), &in); err != nil {
			t.Fatal(err)
		}
		if seen[in.Email] || !strings.HasSuffix(in.Email, ".load-n-1764740000-"+strconv.Itoa(i)+"@example.org") || in.Zip != "12202" || in.State != "NY" {
			t.Fatalf("supporter %d: %+v", i, in)
		}
		seen[in.Email] = true
		if in.Email > prev {
			up++
		}
		prev = in.Email
	}
	if up < n*4/10 || up > n*6/10 {
		t.Fatalf("%d of %d consecutive addresses sort upwards: they come in order", up, n)
	}
}
