package kelviqtest_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/kelviqtest"
	"github.com/kelviq/kelviq-go/wrapper"
)

// TestUsageSaturatesAtTheInt64Bound: SET to the largest int64 and then
// DELTA +1 keeps the usage at the bound, past the hard limit, instead of
// wrapping to a negative number, then 0, and access again.
func TestUsageSaturatesAtTheInt64Bound(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	s := newShop(t, srv, "saturating")
	ctx := context.Background()
	testkit.Must(s.c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus_max"}))(t)
	testkit.Must(s.c.Subscriptions.Create(ctx, api.CreateSubscriptionRequest{
		PlanIdentifier: "team", ChargePeriod: "MONTHLY", CustomerId: nullable.NewNullableWithValue("cus_max"),
	}))(t)
	for _, r := range []struct {
		v int
		b api.ReportUsageRequestBehaviour
	}{{math.MaxInt64, "SET"}, {1, "DELTA"}, {math.MaxInt64, "DELTA"}} {
		testkit.Must(s.c.Usage.Report(ctx, api.ReportUsageRequest{CustomerId: "cus_max", FeatureId: "seats", Value: r.v, Behaviour: r.b}))(t)
		if n := testkit.Must(srv.Usage(s.org.Identifier.String(), "cus_max", "seats"))(t); n != math.MaxInt64 {
			t.Fatalf("after %s %d: usage %d, want %d", r.b, r.v, n, int64(math.MaxInt64))
		}
		if got := readMeter(t, entitlement(t, s.c, "cus_max", "seats")); got.access || got.remaining != 0 || got.usage != math.MaxInt32 {
			t.Fatalf("after %s %d: seats = %+v, want no access, nothing remaining, usage clamped to int32", r.b, r.v, got)
		}
	}
	// And back down: a negative DELTA from the bound is plain arithmetic.
	testkit.Must(s.c.Usage.Report(ctx, api.ReportUsageRequest{CustomerId: "cus_max", FeatureId: "seats", Value: -math.MaxInt64, Behaviour: "DELTA"}))(t)
	if n := testkit.Must(srv.Usage(s.org.Identifier.String(), "cus_max", "seats"))(t); n != 0 {
		t.Fatalf("after DELTA -MaxInt64: usage %d, want 0", n)
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestRefusedRequestsAreNotKeptWhole: 120 requests with a 900 KiB path
// (through Handler, where no HTTP server limits the request line) leave
// the heap about where it was (each used to keep its request line, through
// the logged method and path: +180 MiB per 120) and get 414
// before routing, the log keeps a cut path, and the
// fake's own HTTP server refuses such a request line with 431.
func TestRefusedRequestsAreNotKeptWhole(t *testing.T) {
	srv := kelviqtest.NewServer(t)
	long := "/api/v1/" + strings.Repeat("a", 900<<10)
	before := heapInUse()
	for range 120 {
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, httptest.NewRequest("GET", long, nil))
		if w.Code != http.StatusRequestURITooLong {
			t.Fatalf("status %d", w.Code)
		}
	}
	after := heapInUse()
	if grew := int64(after) - int64(before); grew > 20<<20 {
		t.Errorf("120 refused requests with a 900 KiB path grew the heap by %d MiB", grew>>20)
	}
	reqs := srv.Requests()
	if len(reqs) != 120 {
		t.Fatalf("%d requests logged", len(reqs))
	}
	if p := reqs[0].Path; len(p) != kelviqtest.MaxLoggedPath || !strings.HasSuffix(p, "...") {
		t.Errorf("logged path is %d bytes, want %d ending in ...", len(p), kelviqtest.MaxLoggedPath)
	}

	conn, err := net.Dial("tcp", strings.TrimPrefix(strings.TrimSuffix(srv.URL(), kelviqtest.BasePath), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", long)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a 900 KiB request line over HTTP = %d, want 431", resp.StatusCode)
	}
}

// hostPort is the fake's address.
func hostPort(srv *kelviqtest.Server) string {
	return strings.TrimPrefix(strings.TrimSuffix(srv.URL(), kelviqtest.BasePath), "http://")
}

// TestSlowClientsHoldUpNoOne: a client that asks for a large response and
// does not read it, and a client that sends half of its body and stalls,
// do not keep another organization's requests from being served (the
// response used to be written while the state's lock was held, so the others
// waited for the write timeout, here 5 minutes; the wait allowed, 60s, is
// for a loaded machine under -race).
func TestSlowClientsHoldUpNoOne(t *testing.T) {
	t.Parallel()
	// Without the fix another organization would wait for the write
	// timeout: make it far longer than the wait allowed below.
	srv, _, wcBig := setup(t, "slow-reader", kelviqtest.WithTimeouts(kelviqtest.Timeouts{Write: 5 * time.Minute}))
	ctx := context.Background()
	big := wcBig.API()
	// A customer list of about 10 MiB: more than loopback's socket buffers.
	meta := nullable.NewNullableWithValue(map[string]string{"blob": strings.Repeat("m", 100<<10)})
	for i := range 100 {
		testkit.Must(big.CreateCustomerWithResponse(ctx, api.CustomerCreateRequest{CustomerId: fmt.Sprintf("cus_%03d", i), Metadata: meta}))(t)
	}
	key := mustKey(t, srv, "slow-reader")
	_, wcOther := srv.NewOrganization(t, "bystander")
	other := wcOther.API()

	reader, err := net.Dial("tcp", hostPort(srv))
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	if tc, ok := reader.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(4096)
	}
	fmt.Fprintf(reader, "GET %s/customers/?page_size=100 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", kelviqtest.BasePath, key)

	sender, err := net.Dial("tcp", hostPort(srv))
	if err != nil {
		t.Fatal(err)
	}
	defer sender.Close()
	fmt.Fprintf(sender, "POST %s/customers/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"customerId\":", kelviqtest.BasePath, key)

	time.Sleep(300 * time.Millisecond) // let both be read by the server
	done := make(chan error, 1)
	go func() {
		_, err := other.CreateCustomerWithResponse(ctx, api.CustomerCreateRequest{CustomerId: "cus_other"})
		if err == nil {
			_, err = srv.Client().Partner.Provision(ctx, wrapper.ProvisionParams{ExternalID: "newcomer", Email: "newcomer@example.com"})
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("another organization's request is still waiting behind the slow clients after 60s")
	}
}

// TestStalledConnectionsAreClosed: with short timeouts, a client that
// stops in its headers, one that stops in its body and an idle keep-alive
// connection are each closed by the fake.
func TestStalledConnectionsAreClosed(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t, kelviqtest.WithTimeouts(kelviqtest.Timeouts{
		ReadHeader: 200 * time.Millisecond, Read: 400 * time.Millisecond, Idle: 400 * time.Millisecond,
	}))
	srv.NewOrganization(t, "stalled")
	key := mustKey(t, srv, "stalled")
	cases := map[string]string{
		"in its headers": "GET " + kelviqtest.BasePath + "/customers/ HTTP/1.1\r\nHost: x\r\n",
		"in its body": "POST " + kelviqtest.BasePath + "/customers/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key +
			"\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{\"cus",
		"idle after a response": "GET " + kelviqtest.BasePath + "/customers/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\n\r\n",
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			conn, err := net.Dial("tcp", hostPort(srv))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, text); err != nil {
				t.Fatal(err)
			}
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, err = io.Copy(io.Discard, conn) // returns when the server closes the connection
			if err != nil {
				t.Fatalf("the connection stalled %s was not closed by the server within 10s: %v", name, err)
			}
		})
	}
	if _, err := kelviqtest.New(kelviqtest.WithTimeouts(kelviqtest.Timeouts{Read: -time.Second})); err == nil {
		t.Error("a negative timeout was accepted")
	}
}

// TestMaxBodyBytes: WithMaxBodyBytes sets the body limit; a larger body is
// 413 whether or not it declares its length, and a non-positive limit is
// refused.
func TestMaxBodyBytes(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t, kelviqtest.WithMaxBodyBytes(1000))
	srv.NewOrganization(t, "capped")
	key := http.Header{"Authorization": {"Bearer " + mustKey(t, srv, "capped")}, "Content-Type": {"application/json"}}
	fits := `{"customerId":"c1","name":"` + strings.Repeat("n", 900) + `"}`
	if code, _, body := rawDo(t, "POST", srv.URL()+"/customers/", key, []byte(fits)); code != http.StatusCreated {
		t.Fatalf("a %d-byte body: %d %s", len(fits), code, body)
	}
	tooBig := `{"customerId":"c2","name":"` + strings.Repeat("n", 1000) + `"}`
	code, _, body := rawDo(t, "POST", srv.URL()+"/customers/", key, []byte(tooBig))
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "1000 bytes") {
		t.Fatalf("a %d-byte body: %d %s", len(tooBig), code, body)
	}
	// Without a Content-Length (chunked): cut at the limit while reading.
	req, _ := http.NewRequest("POST", srv.URL()+"/customers/", io.MultiReader(strings.NewReader(tooBig)))
	req.Header = key.Clone()
	req.ContentLength = -1
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a chunked %d-byte body: %d", len(tooBig), resp.StatusCode)
	}
	for _, n := range []int64{0, -1} {
		if _, err := kelviqtest.New(kelviqtest.WithMaxBodyBytes(n)); err == nil {
			t.Errorf("WithMaxBodyBytes(%d) was accepted", n)
		}
	}
}

// TestConcurrentClientsKeepStateConsistent: 64 clients of four
// organizations at once create customers, report usage and read lists;
// afterwards every organization has exactly the customers it created and
// the usage is the sum of the deltas reported. Run it with -race.
func TestConcurrentClientsKeepStateConsistent(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	ctx := context.Background()
	const orgs, clients, perClient = 4, 64, 5
	shops := make([]*shop, orgs)
	for i := range shops {
		shops[i] = newShop(t, srv, fmt.Sprintf("busy-%d", i))
		testkit.Must(shops[i].c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "metered"}))(t)
		testkit.Must(shops[i].c.Subscriptions.Create(ctx, api.CreateSubscriptionRequest{
			PlanIdentifier: "team", ChargePeriod: "MONTHLY", CustomerId: nullable.NewNullableWithValue("metered"),
		}))(t)
	}
	var wg sync.WaitGroup
	errs := make(chan error, clients*perClient*3)
	for n := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := shops[n%orgs]
			for j := range perClient {
				_, err := s.c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: fmt.Sprintf("cus_%d_%d", n, j)})
				errs <- err
				_, err = s.c.Usage.Report(ctx, api.ReportUsageRequest{CustomerId: "metered", FeatureId: "exports", Value: 1, Behaviour: "DELTA"})
				errs <- err
				_, err = s.c.Customers.List(ctx, &api.ListCustomersParams{PageSize: testkit.Ptr(100)})
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range shops {
		n := 0
		for c, err := range s.c.Customers.All(ctx, nil) {
			if err != nil {
				t.Fatal(err)
			}
			var client, j int
			if id := wrapper.Deref(c.CustomerId); id != "metered" {
				if _, err := fmt.Sscanf(id, "cus_%d_%d", &client, &j); err != nil || client%orgs != i {
					t.Errorf("organization %d has customer %q, created by another organization's client", i, id)
				}
			}
			n++
		}
		want := 1 + clients/orgs*perClient
		if n != want {
			t.Errorf("organization %d has %d customers, want %d", i, n, want)
		}
		if u := testkit.Must(srv.Usage(s.org.Identifier.String(), "metered", "exports"))(t); u != int64(clients/orgs*perClient) {
			t.Errorf("organization %d: usage %d, want %d", i, u, clients/orgs*perClient)
		}
	}
}
