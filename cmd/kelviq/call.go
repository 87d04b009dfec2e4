package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kelviq/kelviq-go/internal/check"
	"github.com/kelviq/kelviq-go/wrapper"
)

// paramFlag collects repeated -p NAME=VALUE flags.
type paramFlag struct{ list [][2]string }

func (p *paramFlag) String() string { return "" }

func (p *paramFlag) Type() string { return "param" }

func (p *paramFlag) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return errors.New("must be NAME=VALUE")
	}
	p.list = append(p.list, [2]string{name, value})
	return nil
}

func (a *app) callCommand() *cobra.Command {
	paramList := &paramFlag{}
	var data string
	var all bool
	c := &cobra.Command{
		Use:   "call OPERATION_ID [-p NAME=VALUE]... [--data JSON|@FILE|-] [--all]",
		Short: "call any API operation by its operationId",
		Long: `Sends one request for the operation (see 'kelviq ops' for the list) and prints
the response body as indented JSON (--output table: a list's results, or an
object, as a table that fits the terminal). -p fills the operation's path and query
parameters by their names in the spec. --data is the JSON request body, given
inline, read from FILE (@FILE) or from standard input (-); it is checked to be
valid JSON before anything is sent. A redirect (e.g. downloadCatalogPlanFile)
is not followed: its Location is printed.

With --all, a paginated list operation (one with page and page_size) is walked
page by page (at the largest page_size the operation takes, unless -p
page_size is given) until next is null, and every item of every page is
printed as one JSON array.

The credential is chosen from the spec: KELVIQ_PARTNER_KEY for the partner
operations, a server key for the others. call targets production unless
--sandbox is given: its key is KELVIQ_SERVER_API_KEY (also the key for a
base URL you give, such as 'kelviq fake' prints), else the key stored by
'kelviq login --prod'; with --sandbox, KELVIQ_SANDBOX_SERVER_API_KEY, else
the key stored by 'kelviq login'. A stored key goes only to kelviq's own
host of its environment. 'kelviq env --prod' shows what is set.

Examples:
  kelviq call listCustomers -p search=acme -p page_size=10
  kelviq call listCustomers --all
  kelviq call createCustomer --data '{"customerId": "cus-1", "email": "a@example.com"}'
  kelviq call updateCustomer -p customerId=cus-1 --data @patch.json`,
		ValidArgsFunction: completeOperationID,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if len(args) == 0 {
				return usagef("missing OPERATION_ID (see 'kelviq ops')")
			}
			if len(args) > 1 {
				return usagef("unexpected argument %q", args[1])
			}
			op, ok := wrapper.LookupOperation(args[0])
			if !ok {
				return unknownOperation(args[0])
			}
			params := map[string]string{}
			for _, kv := range paramList.list {
				if _, dup := params[kv[0]]; dup {
					return usagef("-p %s: given more than once", kv[0])
				}
				params[kv[0]] = kv[1]
			}
			var body []byte
			if cmd.Flags().Changed("data") {
				if all {
					return usagef("--data: cannot be combined with --all, which walks a list")
				}
				b, err := readData(data, a.stdin)
				if err != nil {
					return err
				}
				body = b
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			if all {
				items := []any{}
				for item, err := range c.CallAll(ctx, op.ID(), params) {
					if err != nil {
						return callError(err)
					}
					v, err := decodeJSON([]byte(a.scrub(string(item))))
					if err != nil {
						return fmt.Errorf("%s: an item is not JSON: %w", op.ID(), err)
					}
					items = append(items, v)
				}
				return a.writeJSON(items)
			}
			resp, err := c.Call(ctx, op.ID(), params, body)
			if err != nil {
				return callError(err)
			}
			return a.printResponse(op, resp)
		},
	}
	c.Flags().VarP(paramList, "p", "p", "set the path or query parameter `NAME=VALUE` (repeatable)")
	c.Flags().StringVar(&data, "data", "", "request body: `JSON`, @FILE or - for standard input")
	c.Flags().BoolVar(&all, "all", false, "fetch every page of a paginated list and print one JSON array")
	return c
}

func unknownOperation(id string) error {
	for _, op := range wrapper.Operations() {
		if strings.EqualFold(op.ID(), id) {
			return usagef("unknown operation %q; did you mean %q?", id, op.ID())
		}
	}
	return usagef("unknown operation %q (run 'kelviq ops' for the list)", id)
}

// callError words the input that Call refused in terms of the command
// line: a parameter as its -p flag, the body as --data, a walk as --all.
func callError(err error) error {
	var ve *wrapper.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	switch {
	case ve.Field == "body" && strings.Contains(ve.Rule, "needs"):
		return usagef("--data is required: %s", ve.Rule)
	case ve.Field == "body":
		return usagef("--data: %s", ve.Rule)
	case ve.Field == "operationId":
		return usagef("--all: %s", ve.Rule)
	case ve.Field == "page":
		return usagef("-p page: cannot be combined with --all, which walks every page")
	case strings.HasPrefix(ve.Rule, "is required"):
		return usagef("-p %s=VALUE %s", ve.Field, ve.Rule)
	}
	return usagef("-p %s: %s", ve.Field, ve.Rule)
}

// printResponse prints a success response: a redirect's Location, nothing
// for an empty body, JSON indented, anything else as it came; credentials
// redacted (see scrub).
func (a *app) printResponse(op wrapper.Operation, resp *wrapper.RawResponse) error {
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		loc := resp.Header.Get("Location")
		if loc == "" {
			return fmt.Errorf("%s: %d response without a Location header", op.ID(), resp.StatusCode)
		}
		_, err := fmt.Fprintln(a.stdout, a.scrub(loc))
		return err
	}
	if len(bytes.TrimSpace(resp.Body)) == 0 {
		return nil // e.g. 204 No Content
	}
	body := a.scrub(string(resp.Body))
	v, err := decodeJSON([]byte(body))
	if err != nil { // not JSON: print it as it came
		_, err := io.WriteString(a.stdout, body)
		return err
	}
	return a.writeJSON(v)
}

// readData returns the --data body: inline JSON, @FILE or - (stdin). It
// reads no more than a body may hold; the body's rules are Call's
// (check.Body), whose errors name --data.
func readData(data string, stdin io.Reader) ([]byte, error) {
	var body []byte
	switch {
	case data == "-":
		b, err := io.ReadAll(io.LimitReader(stdin, check.MaxBodyBytes+1))
		if err != nil {
			return nil, usagef("--data -: reading standard input: %v", err)
		}
		body = b
	case strings.HasPrefix(data, "@"):
		name := data[1:]
		if name == "" {
			return nil, usagef("--data @FILE: missing file name")
		}
		f, err := os.Open(name)
		if err != nil {
			return nil, usagef("--data: %v", err)
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, check.MaxBodyBytes+1))
		if err != nil {
			return nil, usagef("--data: reading %s: %v", name, err)
		}
		body = b
	default:
		body = []byte(data)
	}
	return body, nil
}
