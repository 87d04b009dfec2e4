package wrapper_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/wrapper"
)

func TestValidationSendsNothing(t *testing.T) {
	t.Parallel()
	long201 := strings.Repeat("é", 201)
	valid := wrapper.ProvisionParams{ExternalID: "northwind-0042", Email: "ops@northwind.example"}
	with := func(f func(*wrapper.ProvisionParams)) wrapper.ProvisionParams { p := valid; f(&p); return p }
	cases := []struct {
		name      string
		call      func(context.Context, *wrapper.PartnerService) error
		wantField string
		wantRule  string
	}{
		{"Get not a uuid", func(ctx context.Context, p *wrapper.PartnerService) error {
			_, err := p.Get(ctx, "not-a-uuid")
			return err
		}, "identifier", "UUID"},
		{"Get empty", func(ctx context.Context, p *wrapper.PartnerService) error { _, err := p.Get(ctx, ""); return err }, "identifier", "must not be empty"},
		{"Get path traversal", func(ctx context.Context, p *wrapper.PartnerService) error {
			_, err := p.Get(ctx, "../customers")
			return err
		}, "identifier", "UUID"},
		{"GetByExternalID empty", func(ctx context.Context, p *wrapper.PartnerService) error {
			_, err := p.GetByExternalID(ctx, "")
			return err
		}, "externalId", "must not be empty"},
		{"GetByExternalID dot", func(ctx context.Context, p *wrapper.PartnerService) error {
			_, err := p.GetByExternalID(ctx, ".")
			return err
		}, "externalId", `"." or ".."`},
		{"GetByExternalID dotdot", func(ctx context.Context, p *wrapper.PartnerService) error {
			_, err := p.GetByExternalID(ctx, "..")
			return err
		}, "externalId", `"." or ".."`},
		{"GetByExternalID control char", func(ctx context.Context, p *wrapper.PartnerService) error {
			_, err := p.GetByExternalID(ctx, "a\nb")
			return err
		}, "externalId", "control characters"},
		{"List filter dotdot", func(ctx context.Context, p *wrapper.PartnerService) error {
			_, err := p.List(ctx, &wrapper.ListPartnerOrganizationsOptions{ExternalID: ".."})
			return err
		}, "external_id", `"." or ".."`},
		{"Provision bad email", func(ctx context.Context, p *wrapper.PartnerService) error {
			_, err := p.Provision(ctx, with(func(p *wrapper.ProvisionParams) { p.Email = "nope" }))
			return err
		}, "email", "email address"},
		{"Provision display-name email", func(ctx context.Context, p *wrapper.PartnerService) error {
			_, err := p.Provision(ctx, with(func(p *wrapper.ProvisionParams) { p.Email = "Ops <ops@x.example>" }))
			return err
		}, "email", "email address"},
		{"Provision empty email", func(ctx context.Context, p *wrapper.PartnerService) error {
			_, err := p.Provision(ctx, with(func(p *wrapper.ProvisionParams) { p.Email = "" }))
			return err
		}, "email", "must not be empty"},
		{"Provision empty externalId", func(ctx context.Context, p *wrapper.PartnerService) error {
			_, err := p.Provision(ctx, with(func(p *wrapper.ProvisionParams) { p.ExternalID = "" }))
			return err
		}, "externalId", "must not be empty"},
		{"Provision 201-char businessName", func(ctx context.Context, p *wrapper.PartnerService) error {
			_, err := p.Provision(ctx, with(func(p *wrapper.ProvisionParams) { p.BusinessName = long201 }))
			return err
		}, "businessName", "at most 200 characters"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, srv := setup(t, withHandler(testkit.Reply(http.StatusOK, testkit.OrgBody("x", testkit.OrgServerKey))), withKeys(testkit.PartnerKey, ""))
			err := tc.call(context.Background(), c.Partner)
			if err == nil {
				t.Fatal("call succeeded, want a validation error")
			}
			if n := srv.Count(); n != 0 {
				t.Errorf("server saw %d requests, want 0", n)
			}
			assertOnlySentinel(t, err, wrapper.ErrInvalidInput)
			var ve *wrapper.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("errors.As(*ValidationError) failed for %T: %v", err, err)
			}
			if ve.Field != tc.wantField {
				t.Errorf("Field = %q, want %q", ve.Field, tc.wantField)
			}
			if !strings.Contains(ve.Rule, tc.wantRule) || !strings.Contains(err.Error(), tc.wantRule) || !strings.Contains(err.Error(), tc.wantField) {
				t.Errorf("Rule = %q, Error() = %q; want both to contain %q and Error() to name %q", ve.Rule, err.Error(), tc.wantRule, tc.wantField)
			}
		})
	}
}

// The limits are inclusive: exactly 128 and 200 characters are accepted.
func TestValidationLimitsInclusive(t *testing.T) {
	t.Parallel()
	c, srv := setup(t, withHandler(testkit.Reply(http.StatusCreated, testkit.OrgBody("x", testkit.OrgServerKey))), withKeys(testkit.PartnerKey, ""))
	ctx := context.Background()
	if _, err := c.Partner.Provision(ctx, wrapper.ProvisionParams{ExternalID: strings.Repeat("é", 128), Email: "ops@localhost", BusinessName: strings.Repeat("b", 200)}); err != nil {
		t.Errorf("Provision at the limits: %v", err)
	}
	if _, err := c.Partner.GetByExternalID(ctx, strings.Repeat("x", 128)); err != nil {
		t.Errorf("GetByExternalID with 128 characters: %v", err)
	}
	if n := srv.Count(); n != 2 {
		t.Errorf("server saw %d requests, want 2", n)
	}
}

func TestExternalIDEscaping(t *testing.T) {
	t.Parallel()
	cases := []struct {
		value   string
		escaped string
	}{
		{"../customers", "..%2Fcustomers"},
		{"a/b", "a%2Fb"},
		{"%2F", "%252F"},
		{"a b", "a%20b"},
		{"a?b=c", "a%3Fb=c"},
		{"a#b", "a%23b"},
		{"é", "%C3%A9"},
		{"...", "..."},
	}
	for _, tc := range cases {
		t.Run(tc.value, func(t *testing.T) {
			t.Parallel()
			const prefix = "/api/v1/partner/organizations/by-external-id/"
			// segment returns the one path segment after prefix, unescaped.
			segment := func(escapedPath string) (string, bool) {
				rest, ok := strings.CutPrefix(escapedPath, prefix)
				seg, ok2 := strings.CutSuffix(rest, "/")
				if !ok || !ok2 || strings.Contains(seg, "/") {
					return "", false
				}
				v, err := url.PathUnescape(seg)
				return v, err == nil
			}
			c, srv := setup(t, withHandler(func(w http.ResponseWriter, r *http.Request) {
				v, ok := segment(r.URL.EscapedPath())
				if !ok {
					http.Error(w, `{"detail":"not one segment"}`, http.StatusBadRequest)
					return
				}
				testkit.Reply(http.StatusOK, testkit.OrgBody(v, testkit.OrgServerKey))(w, r)
			}), withKeys(testkit.PartnerKey, ""))
			org, err := c.Partner.GetByExternalID(context.Background(), tc.value)
			if err != nil {
				t.Fatalf("GetByExternalID(%q): %v", tc.value, err)
			}
			r := srv.Only(t)
			want := "/api/v1/partner/organizations/by-external-id/" + tc.escaped + "/"
			if r.EscapedPath != want || r.RequestURI != want {
				t.Errorf("escaped path = %q, request URI = %q, want %q", r.EscapedPath, r.RequestURI, want)
			}
			if r.RawQuery != "" {
				t.Errorf("query = %q, want none", r.RawQuery)
			}
			if got, _ := segment(r.EscapedPath); got != tc.value || org.ExternalID != tc.value {
				t.Errorf("server got %q, org.ExternalID = %q, want %q", got, org.ExternalID, tc.value)
			}
			testkit.AssertPartnerAuth(t, r)
		})
	}
}

// Every operation with a string path parameter refuses "", "." and ".." in
// it, through every door (the generated client reached by API() and Call),
// with a *ValidationError naming the parameter, before anything is sent:
// URL resolution would otherwise collapse the path into another
// operation's (DELETE /catalog/plans/p/features/../ is DELETE /catalog/plans/p/).
func TestDotSegmentsRefusedThroughEveryDoor(t *testing.T) {
	t.Parallel()
	c, srv := setup(t, withHandler(testkit.Reply(http.StatusOK, `{}`)))
	raw := reflect.ValueOf(c.API().ClientInterface)
	ctx := reflect.ValueOf(context.Background())
	checked := 0
	for _, op := range wrapper.Operations() {
		var names []string
		for _, p := range op.Params() {
			if p.In == "path" && p.Format != "uuid" {
				names = append(names, p.Name)
			}
		}
		m := raw.MethodByName(strings.ToUpper(op.ID()[:1]) + op.ID()[1:])
		if !m.IsValid() {
			t.Fatalf("no generated method for %s", op.ID())
		}
		for target, name := range names {
			for _, bad := range []string{"..", ".", ""} {
				// Through the generated client.
				args := []reflect.Value{ctx}
				k := 0
				for i := 1; i < m.Type().NumIn(); i++ {
					in := m.Type().In(i)
					if m.Type().IsVariadic() && i == m.Type().NumIn()-1 {
						break
					}
					v := reflect.New(in).Elem()
					if in.Kind() == reflect.String {
						v.SetString("v")
						if k == target {
							v.SetString(bad)
						}
						k++
					}
					args = append(args, v)
				}
				out := m.Call(args)
				err, _ := out[1].Interface().(error)
				var ve *wrapper.ValidationError
				if !errors.As(err, &ve) || ve.Field != name || !errors.Is(err, wrapper.ErrInvalidInput) {
					t.Errorf("API().%s with %s=%q: err = %v, want a *ValidationError naming %s", m.Type(), name, bad, err, name)
				}
				// Through Call.
				params := map[string]string{}
				for _, p := range op.Params() {
					if p.In == "path" {
						params[p.Name] = "8d3c1f9e-2b4a-4c6d-9e8f-0a1b2c3d4e5f"
					}
				}
				for _, n := range names {
					params[n] = "v"
				}
				params[name] = bad
				var body []byte
				if op.BodyRequired() {
					body = []byte(`{}`)
				}
				_, err = c.Call(context.Background(), op.ID(), params, body)
				if !errors.As(err, &ve) || ve.Field != name {
					t.Errorf("Call(%s) with %s=%q: err = %v, want a *ValidationError naming %s", op.ID(), name, bad, err, name)
				}
				checked++
			}
		}
	}
	if checked < 3*20 {
		t.Errorf("checked %d parameter values, want every string path parameter of the API", checked)
	}
	if n := srv.Count(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
	// The probe's example: DELETE /catalog/plans/plan-1/features/../ would
	// delete the plan.
	_, err := c.API().DeleteCatalogPlanFeature(context.Background(), "plan-1", "..")
	var ve *wrapper.ValidationError
	if !errors.As(err, &ve) || ve.Field != "feature_id" {
		t.Errorf("DeleteCatalogPlanFeature(plan-1, ..) = %v", err)
	}
}

// TestQueryBoundsAtEveryDoor: a query value the spec rules out (page_size
// over its maximum, page under 1, a search over the length limit) is
// refused by the request engine before anything is sent, whether a service
// method (List or All) or Call built the request, with the same error.
func TestQueryBoundsAtEveryDoor(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	ctx := context.Background()
	over, zero, long := 101, 0, strings.Repeat("s", 4097)
	for _, tc := range []struct {
		name        string
		typed, call func() error
		field, rule string
	}{
		{"page_size over the maximum",
			func() error {
				_, err := c.Customers.List(ctx, &api.ListCustomersParams{PageSize: &over})
				return err
			},
			func() error {
				_, err := c.Call(ctx, "listCustomers", map[string]string{"page_size": "101"}, nil)
				return err
			},
			"page_size", "must be at most 100"},
		{"page under 1",
			func() error {
				_, err := c.Customers.List(ctx, &api.ListCustomersParams{Page: &zero})
				return err
			},
			func() error { _, err := c.Call(ctx, "listCustomers", map[string]string{"page": "0"}, nil); return err },
			"page", "must be at least 1"},
		{"search over the length limit",
			func() error {
				_, err := c.Customers.List(ctx, &api.ListCustomersParams{Search: &long})
				return err
			},
			func() error {
				_, err := c.Call(ctx, "listCustomers", map[string]string{"search": long}, nil)
				return err
			},
			"search", "must be at most 4096 bytes"},
	} {
		for door, send := range map[string]func() error{"service": tc.typed, "Call": tc.call} {
			err := send()
			var ve *wrapper.ValidationError
			if !errors.As(err, &ve) || ve.Field != tc.field || ve.Rule != tc.rule {
				t.Errorf("%s by %s: %v, want a ValidationError %s: %s", tc.name, door, err, tc.field, tc.rule)
			}
		}
	}
	// All asks for the size it is given, and so is refused as List is:
	// one error, yielded once, nothing sent.
	var errs []error
	for _, err := range c.Customers.All(ctx, &api.ListCustomersParams{PageSize: &over}) {
		errs = append(errs, err)
	}
	var ve *wrapper.ValidationError
	if len(errs) != 1 || !errors.As(errs[0], &ve) || ve.Field != "page_size" || ve.Rule != "must be at most 100" {
		t.Errorf("All with page_size 101 yielded %v, want one ValidationError page_size: must be at most 100", errs)
	}
	if n := srv.Count(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
	// The value is checked first, as Call checks it: a client without the
	// key hears of the value, not of the key.
	keyless, _ := setup(t, withKeys("", ""))
	if _, err := keyless.Customers.List(ctx, &api.ListCustomersParams{PageSize: &over}); !errors.Is(err, wrapper.ErrInvalidInput) {
		t.Errorf("List with page_size 101 and no key: %v, want the ValidationError", err)
	}
	// The bounds are inclusive.
	max := 100
	if _, err := c.Customers.List(ctx, &api.ListCustomersParams{PageSize: &max}); err != nil {
		t.Errorf("page_size 100: %v", err)
	}
	if n := srv.Count(); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
}
