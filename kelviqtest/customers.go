package kelviqtest

import (
	"net/http"
	"strings"
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/kelviq/kelviq-go/internal/fakeapi"
)

// CreateCustomer adds a customer to the organization; a customerId it
// already has is 400.
func (f *fake) CreateCustomer(w http.ResponseWriter, r *http.Request) {
	var body fakeapi.CustomerCreateRequest
	f.withOrg(w, r, &body, func(o *org) {
		if o.customers.get(body.CustomerId) != nil || o.archivedCustomers[body.CustomerId] {
			writeFieldErrors(w, "customerId", "customer with this customerId already exists.")
			return
		}
		id := newUUID()
		created := f.s.now().Format(time.RFC3339Nano)
		details := map[string]any{}
		c := &fakeapi.CustomerResponse{
			Id:             &id,
			CustomerId:     &body.CustomerId,
			Details:        &details,
			CreatedOn:      &created,
			ModifiedOn:     &created,
			Name:           body.Name,
			Email:          body.Email,
			Metadata:       body.Metadata,
			BillingAddress: body.BillingAddress,
		}
		if !c.Name.IsSpecified() {
			c.Name.SetNull()
		}
		if !c.Email.IsSpecified() {
			c.Email.SetNull()
		}
		if !c.Metadata.IsSpecified() {
			c.Metadata.Set(map[string]string{})
		}
		if !c.BillingAddress.IsSpecified() {
			c.BillingAddress.SetNull()
		}
		o.customers.add(body.CustomerId, c)
		f.s.emit(o, "customer.created", o.customerHook(c), nil)
		writeJSON(w, http.StatusCreated, c)
	})
}

// UpdateCustomer changes the fields present in the body: a value sets the
// field, an explicit null clears it, a field left out keeps its value.
func (f *fake) UpdateCustomer(w http.ResponseWriter, r *http.Request, customerID string) {
	var body fakeapi.CustomerUpdateRequest
	f.withOrg(w, r, &body, func(o *org) {
		c := o.customers.lookup(w, customerID, notFound)
		if c == nil {
			return
		}
		before := o.customerHook(c)
		patchNullable(&c.Name, body.Name)
		patchNullable(&c.Email, body.Email)
		patchNullable(&c.Metadata, body.Metadata)
		patchNullable(&c.BillingAddress, body.BillingAddress)
		modified := f.s.now().Format(time.RFC3339Nano)
		c.ModifiedOn = &modified
		after := o.customerHook(c)
		f.s.emit(o, "customer.updated", after, customerChanges(before, after))
		writeJSON(w, http.StatusOK, c)
	})
}

// ListCustomers lists the organization's customers, newest first, filtered
// by search (customerId, name or email, case-insensitive) and paged.
func (f *fake) ListCustomers(w http.ResponseWriter, r *http.Request, params fakeapi.ListCustomersParams) {
	f.withOrg(w, r, nil, func(o *org) {
		search := strings.ToLower(deref(params.Search))
		items := listed(o.customers.newestFirst(), func(c *fakeapi.CustomerResponse) bool {
			return search == "" || containsFold(search, deref(c.CustomerId), c.Name.GetOrEmpty(), c.Email.GetOrEmpty())
		}, func(c *fakeapi.CustomerResponse) *fakeapi.CustomerResponse { return c })
		writePage(w, r, f.s.spec, items, params.Page, params.PageSize)
	})
}

// patch sets *field to v when the request body gives v (a field left out
// of an update keeps its value).
func patch[T any](field **T, v *T) {
	if v != nil {
		*field = v
	}
}

// patchNullable sets *field to v when the request body names the field: a
// value sets it, an explicit null clears it.
func patchNullable[T any](field *nullable.Nullable[T], v nullable.Nullable[T]) {
	if v.IsSpecified() {
		*field = v
	}
}

// containsFold reports whether any of fields contains needle, which is
// already lower-case.
func containsFold(needle string, fields ...string) bool {
	for _, f := range fields {
		if strings.Contains(strings.ToLower(f), needle) {
			return true
		}
	}
	return false
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// newCustomer is a customer with only its ID set, as createCustomer makes
// one from {"customerId": id}.
func newCustomer(id string, t time.Time) *fakeapi.CustomerResponse {
	uid := newUUID()
	created := rfc3339(t)
	c := &fakeapi.CustomerResponse{Id: &uid, CustomerId: ptr(id), Details: &map[string]any{}, CreatedOn: &created, ModifiedOn: &created}
	c.Name.SetNull()
	c.Email.SetNull()
	c.Metadata.Set(map[string]string{})
	c.BillingAddress.SetNull()
	return c
}
