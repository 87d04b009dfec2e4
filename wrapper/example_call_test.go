package wrapper_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"os"

	"github.com/kelviq/kelviq-go/kelviqtest"
	"github.com/kelviq/kelviq-go/wrapper"
)

// Call sends any operation by its operationId, with parameters by their
// names in the spec; it takes the same path as the service methods. A
// logger shows each attempt (never a key).
func ExampleClient_Call() {
	fake, err := kelviqtest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	org, err := fake.ProvisionOrganization("northwind-0042", "ops@northwind.example")
	if err != nil {
		log.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == "time" || a.Key == "duration" {
				return slog.Attr{} // left out so that the output below is stable
			}
			return a
		},
	}))
	client, err := wrapper.New(wrapper.WithoutEnvKeys(), wrapper.WithBaseURL(fake.URL()),
		wrapper.WithServerKey(org.ServerKey.Reveal()), wrapper.WithLogger(quiet))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := client.Call(ctx, "createCustomer", nil, []byte(`{"customerId": "cus-0001"}`)); err != nil {
		log.Fatal(err)
	}
	resp, err := client.Call(ctx, "listCustomers", map[string]string{"page_size": "10"}, nil)
	if err != nil {
		log.Fatal(err)
	}
	var page struct{ Count int }
	if err := json.Unmarshal(resp.Body, &page); err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, page.Count)

	// Parameters are checked against the spec before anything is sent.
	_, err = client.Call(ctx, "listCustomers", map[string]string{"page_size": "500"}, nil)
	fmt.Println(err)
	// Output:
	// level=DEBUG msg="kelviq call" operation=createCustomer method=POST path=/customers/ status=201 attempt=1
	// level=DEBUG msg="kelviq call" operation=listCustomers method=GET path=/customers/ status=200 attempt=1
	// 200 1
	// kelviq: invalid page_size: must be at most 100
}
