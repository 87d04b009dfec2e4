package entitlements_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kelviq/kelviq-go/entitlements"
	"github.com/kelviq/kelviq-go/wrapper"
)

// panickyDoer panics with a message that holds the request's headers.
type panickyDoer struct{}

func (panickyDoer) Do(r *http.Request) (*http.Response, error) {
	panic(fmt.Sprintf("doer broke on %v", r.Header))
}

// A panic in the user's Doer, reached through the checker, comes back as
// an error with the server key scrubbed, like any other error.
func TestDoerPanicThroughCheckerIsScrubbed(t *testing.T) {
	c, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithServerKey("sk_checker_SECRET"), wrapper.WithDoer(panickyDoer{}))
	if err != nil {
		t.Fatal(err)
	}
	checker, err := entitlements.NewChecker(c)
	if err != nil {
		t.Fatal(err)
	}
	defer checker.Close()
	_, err = checker.HasAccess(context.Background(), "cus-1", "seats")
	if err == nil || strings.Contains(err.Error(), "SECRET") || !strings.Contains(err.Error(), "panicked") {
		t.Fatalf("HasAccess err = %v", err)
	}
}
