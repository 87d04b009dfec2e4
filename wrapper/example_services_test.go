package wrapper_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/wrapper"
)

// All walks every page of a list: here 250 orders, which it fetches as
// pages 1, 2 and 3 of 100 while the loop reads them one by one.
func ExampleOrdersService_All() {
	// A stand-in for the API, serving 250 orders in pages.
	var pages atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pages.Add(1)
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		size, _ := strconv.Atoi(r.URL.Query().Get("page_size"))
		const total = 250
		var items []string
		for i := (page-1)*size + 1; i <= min(page*size, total); i++ {
			items = append(items, fmt.Sprintf(`{"id":"ord_%03d","status":"COMPLETE"}`, i))
		}
		next := "null"
		if page*size < total {
			next = strconv.Quote(fmt.Sprintf("https://api.kelviq.com/api/v1/orders/?page=%d", page+1))
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"count":%d,"next":%s,"results":[%s]}`, total, next, strings.Join(items, ","))
	}))
	defer srv.Close()

	client, err := wrapper.New(
		wrapper.WithoutEnvKeys(),
		wrapper.WithBaseURL(srv.URL+"/api/v1"),
		wrapper.WithServerKey("sk_test_example"),
	)
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	var count int
	var first, last string
	for order, err := range client.Orders.All(ctx, &api.ListOrdersParams{Status: new(api.ListOrdersParamsStatusCOMPLETE)}) {
		if err != nil {
			log.Fatal(err) // the first error ends the loop
		}
		if count == 0 {
			first = wrapper.Deref(order.Id)
		}
		last = wrapper.Deref(order.Id)
		count++
	}
	fmt.Println("orders:", count)
	fmt.Println("first:", first, "last:", last)
	fmt.Println("pages fetched:", pages.Load())
	// Output:
	// orders: 250
	// first: ord_001 last: ord_250
	// pages fetched: 3
}
