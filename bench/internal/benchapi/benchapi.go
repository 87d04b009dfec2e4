// Package benchapi holds what the benchmarks share: the server they call
// (its canned responses, and a way to run it in a process of its own) and the
// tuned hand-written client ("raw") every client is compared with. The
// benchmarks of this module (bench/) and of the peers module (bench/peers/,
// which adds an ogen-generated client) import it.
package benchapi

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	// PartnerKey and ServerKey are the keys the server accepts.
	PartnerKey = "kvqp_bench_0123456789"
	ServerKey  = "sk_bench_0123456789"
	// ExternalID is the organization the get workload looks up.
	ExternalID = "northwind-0042"
	// PageSize is the page size of the customer lists.
	PageSize = 100
)

// OrgBody is the response of the organization lookup.
var OrgBody = []byte(`{"userId":4102,"organizationIdentifier":"3f0c2a8e-5b7d-4c1e-9a2f-6d8e0b4c7a19","organizationSlug":"northwind","clientKey":"ck_bench_abc","serverKey":"sk_bench_0123456789","partnerExternalId":"northwind-0042"}`)

// CustomerPages builds the pages of n customers, PageSize to a page, whose
// next links point at base.
func CustomerPages(base string, n int) [][]byte {
	var bodies [][]byte
	for start, page := 0, 1; start < n; start, page = start+PageSize, page+1 {
		var sb strings.Builder
		next := "null"
		if start+PageSize < n {
			next = fmt.Sprintf(`"%s/api/v1/customers/?page=%d&page_size=%d"`, base, page+1, PageSize)
		}
		fmt.Fprintf(&sb, `{"count":%d,"next":%s,"previous":null,"results":[`, n, next)
		for i := start; i < min(start+PageSize, n); i++ {
			if i > start {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, `{"id":"00000000-0000-4000-8000-%012d","customerId":"cus_%06d","email":"c%06d@northwind.example","name":"Customer %d","metadata":{"tier":"gold"},"createdOn":"2026-01-02T03:04:05Z"}`, i, i, i, i)
		}
		sb.WriteString("]}")
		bodies = append(bodies, []byte(sb.String()))
	}
	return bodies
}

// Mux serves the two operations the benchmarks use: the organization by
// external ID (partner key) and pages of customers (server key). pages
// returns the page bodies for the list a request asks for: page_size
// selects nothing, the "items" query parameter picks the list's length
// (0: the default list).
func Mux(pages func(items int) [][]byte) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/partner/organizations/by-external-id/{id}/", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Kelviq-Partner-Key") != PartnerKey {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(OrgBody)
	})
	mux.HandleFunc("GET /api/v1/customers/", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+ServerKey {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		q := r.URL.Query()
		items, _ := strconv.Atoi(q.Get("search"))
		bodies := pages(items)
		page, _ := strconv.Atoi(q.Get("page"))
		if page < 1 || page > len(bodies) {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(bodies[page-1])
	})
	return mux
}

// TunedTransport is what a careful hand-written client would use: Go's
// default transport with room for 128 idle connections per host.
func TunedTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 128
	return t
}

// Raw is the hand-written net/http + encoding/json client.
type Raw struct {
	HC   *http.Client
	Base string // the API's base URL, ending in /api/v1
}

// Org is the organization as Raw decodes it.
type Org struct {
	UserID                 *int    `json:"userId"`
	OrganizationIdentifier string  `json:"organizationIdentifier"`
	OrganizationSlug       *string `json:"organizationSlug"`
	ClientKey              *string `json:"clientKey"`
	ServerKey              *string `json:"serverKey"`
	PartnerExternalID      *string `json:"partnerExternalId"`
}

// Customer is a customer as Raw decodes it.
type Customer struct {
	ID         string            `json:"id"`
	CustomerID string            `json:"customerId"`
	Email      *string           `json:"email"`
	Name       *string           `json:"name"`
	Metadata   map[string]string `json:"metadata"`
	CreatedOn  string            `json:"createdOn"`
}

func (c *Raw) get(ctx context.Context, url, header, value string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set(header, value)
	resp, err := c.HC.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// OrgByExternalID looks the organization up.
func (c *Raw) OrgByExternalID(ctx context.Context, id string) (*Org, error) {
	var o Org
	err := c.get(ctx, c.Base+"/partner/organizations/by-external-id/"+id+"/", "X-Kelviq-Partner-Key", PartnerKey, &o)
	return &o, err
}

// AllCustomers walks the customers page by page; search is sent as the
// search parameter when set (the server picks the list by it).
func (c *Raw) AllCustomers(ctx context.Context, search string, each func(Customer)) error {
	for page := 1; ; page++ {
		var p struct {
			Next    *string    `json:"next"`
			Results []Customer `json:"results"`
		}
		url := c.Base + "/customers/?page=" + strconv.Itoa(page) + "&page_size=" + strconv.Itoa(PageSize)
		if search != "" {
			url += "&search=" + search
		}
		if err := c.get(ctx, url, "Authorization", "Bearer "+ServerKey, &p); err != nil {
			return err
		}
		for _, it := range p.Results {
			each(it)
		}
		if p.Next == nil || len(p.Results) == 0 {
			return nil
		}
	}
}

// serverEnv makes a test binary run the benchmark's server instead of its
// tests (see MaybeServe).
const serverEnv = "KELVIQ_BENCH_SERVER"

// MaybeServe, called first in a TestMain, serves the benchmark API and
// exits when the process was started by StartServer; otherwise it returns.
// The server holds lists of each of the given lengths; the list asked for
// without a length is the first.
func MaybeServe(lists ...int) {
	if os.Getenv(serverEnv) != "1" {
		return
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	base := "http://" + ln.Addr().String()
	pages := map[int][][]byte{}
	for _, n := range lists {
		pages[n] = CustomerPages(base, n)
	}
	mux := Mux(func(items int) [][]byte {
		if items == 0 && len(lists) > 0 {
			items = lists[0]
		}
		return pages[items]
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Println("ADDR", base)
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = srv.Close()
	os.Exit(0)
}

// StartServer runs the test binary again as the benchmark's server, in a
// process of its own (so that its work counts against no client), and
// returns its base URL (without /api/v1). The process ends with the test.
func StartServer(tb testing.TB) string {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serverEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "ADDR ")
	if err != nil || !ok {
		tb.Fatalf("server process said %q (%v)", line, err)
	}
	return addr
}
