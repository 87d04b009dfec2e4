package mcpserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kelviq/kelviq-go/cmd/kelviq/internal/mcpserver"
	"github.com/kelviq/kelviq-go/kelviqtest"
)

// A server on the in-memory fake, and an MCP client on the other end of an
// in-memory transport: list the read-only tools of one tag, provision an
// organization, and act for it by its external ID.
func ExampleNew() {
	fake, err := kelviqtest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	srv, err := mcpserver.New(fake.Client(), mcpserver.Options{Secrets: []string{fake.PartnerKey()}})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	serverSide, clientSide := mcp.NewInMemoryTransports()
	ss, err := srv.MCP().Connect(ctx, serverSide, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer ss.Close()
	session, err := mcp.NewClient(&mcp.Implementation{Name: "example", Version: "1"}, nil).Connect(ctx, clientSide, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer session.Close()

	call := func(name string, args map[string]any) string {
		res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
		if err != nil {
			log.Fatal(err)
		}
		return res.Content[0].(*mcp.TextContent).Text
	}
	var org struct{ PartnerExternalID, ServerKey string }
	_ = json.Unmarshal([]byte(call("provisionPartnerOrganization", map[string]any{
		"body": map[string]any{"externalId": "example-org", "email": "owner@example-org.example"},
	})), &org)
	fmt.Println("provisioned", org.PartnerExternalID, "with server key", org.ServerKey)

	var customer struct{ CustomerID string }
	_ = json.Unmarshal([]byte(call("createCustomer", map[string]any{
		"organization": "example-org",
		"body":         map[string]any{"customerId": "cus-example"},
	})), &customer)
	fmt.Println("created", customer.CustomerID)

	fmt.Println(call("createCustomer", map[string]any{"organization": "example-org", "body": map[string]any{}}))
	// Output:
	// provisioned example-org with server key [REDACTED]
	// created cus-example
	// {"error":{"field":"body","message":"invalid body (nothing was sent): required: missing properties: [\"customerId\"]"}}
}
