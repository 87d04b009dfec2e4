package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strings"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/wrapper"
)

// ApplyOptions tune Apply.
type ApplyOptions struct {
	// Publish publishes each plan the changes create, update, or whose
	// entitlements or prices they change, after all other writes and
	// before archives. Without it, everything written stays a draft.
	Publish bool
	// MigrateFeatures moves existing customers of a published plan onto
	// its new entitlements (needs Publish).
	MigrateFeatures bool
	// MigratePricing moves existing customers of a published plan onto its
	// new prices (needs Publish).
	MigratePricing bool
}

// Result is what Apply did: the operations applied, in order, and the
// ones it did not apply. When Apply fails mid-run, Failed is the operation
// that failed (also the first of NotApplied). A write that failed after its
// request was sent (anything but errors.Is(err, wrapper.ErrNotSent)) may
// still have been carried out by the API; pulling again tells.
type Result struct {
	Applied    []Operation
	NotApplied []Operation
	Failed     *Operation
}

// String lists the applied and the not applied operations, one a line.
func (r *Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "applied %d of %d operations\n", len(r.Applied), len(r.Applied)+len(r.NotApplied))
	for _, o := range r.Applied {
		b.WriteString("  done    " + o.String() + "\n")
	}
	for i, o := range r.NotApplied {
		state := "  not run "
		if i == 0 && r.Failed != nil {
			state = "  FAILED  "
		}
		b.WriteString(state + o.String() + "\n")
	}
	return b.String()
}

// Apply makes the writes of cs, a Diff against a fresh Pull of client's
// organization, on that organization, in dependency
// order: products, features, plans, entitlements, prices, then (with
// opts.Publish) publishing, then archives. Everything it writes stays a
// draft unless published. Features and plans it creates carry the Marker in
// their metadata. A plan with prices gets its whole remote price set
// replaced in one request; a plan without leaves the remote prices alone.
//
// Before any write it refuses, with ErrFeatureDrift or ErrNotApplicable,
// a Changeset with feature drift or problems. It stops at the first failed
// write (an API error, a cancelled context): the Result then says exactly
// what was applied and what was not, and the error wraps the cause. Nothing
// is rolled back; what was written is a draft, which customers do not see.
func Apply(ctx context.Context, client *wrapper.Client, cs *Changeset, opts ApplyOptions) (*Result, error) {
	if client == nil || cs == nil || cs.want == nil {
		return nil, errors.New("catalog: Apply: needs a client and a Changeset made by Diff")
	}
	steps := cs.steps(opts)
	res := &Result{NotApplied: steps}
	if len(cs.FeatureDrift) > 0 {
		names := make([]string, len(cs.FeatureDrift))
		for i, d := range cs.FeatureDrift {
			names[i] = fmt.Sprintf("%q", d.Feature)
		}
		return res, fmt.Errorf("%w: %s (nothing was written; change them in the dashboard, pull, and push again)", ErrFeatureDrift, strings.Join(names, ", "))
	}
	if p := cs.problems(opts); len(p) > 0 {
		return res, fmt.Errorf("%w (nothing was written): %s", ErrNotApplicable, strings.Join(p, "; "))
	}
	if len(steps) == 0 {
		return res, nil
	}
	a := &applier{client: client, cs: cs, opts: opts, products: map[string]string{}, features: map[string]string{}}
	if err := a.resolve(ctx); err != nil {
		return res, fmt.Errorf("catalog: apply: nothing was written: %w", err)
	}
	for i, op := range steps {
		err := ctx.Err()
		if err == nil {
			err = a.do(ctx, op)
		}
		if err != nil {
			res.Applied, res.NotApplied = steps[:i:i], steps[i:]
			res.Failed = &res.NotApplied[0]
			return res, fmt.Errorf("catalog: apply: %s: %w (%d of %d operations applied)", op, err, i, len(steps))
		}
	}
	res.Applied, res.NotApplied = steps, nil
	return res, nil
}

// applier carries one Apply: the identifier → UUID maps of the remote
// products and features, completed as it creates them.
type applier struct {
	client             *wrapper.Client
	cs                 *Changeset
	opts               ApplyOptions
	products, features map[string]string
}

// resolve reads the UUIDs of the remote products and features.
func (a *applier) resolve(ctx context.Context) error {
	for p, err := range a.client.Catalog.Products.All(ctx, nil) {
		if err != nil {
			return fmt.Errorf("listing products: %w", err)
		}
		if p.Id != nil {
			a.products[wrapper.Deref(p.Identifier)] = p.Id.String()
		}
	}
	for f, err := range a.client.Catalog.Features.All(ctx, nil) {
		if err != nil {
			return fmt.Errorf("listing features: %w", err)
		}
		if f.Id != nil {
			a.features[wrapper.Deref(f.Identifier)] = f.Id.String()
		}
	}
	return nil
}

func (a *applier) do(ctx context.Context, op Operation) error {
	want, have := a.cs.want, a.cs.have
	switch op.Kind {
	case KindProduct:
		p := index(want.Products, func(p Product) string { return p.Identifier })[op.Identifier]
		if op.Action == ActionCreate {
			got, err := a.client.Catalog.Products.Create(ctx, api.ProductCreateRequest{
				Identifier: &p.Identifier, Name: p.Name, TaxCode: api.ProductCreateRequestTaxCode(p.TaxCode), Description: &p.Description,
			})
			if err != nil {
				return err
			}
			if got.Id == nil {
				return errors.New("the response has no product id")
			}
			a.products[p.Identifier] = got.Id.String()
			return nil
		}
		id, err := a.productID(p.Identifier)
		if err != nil {
			return err
		}
		return a.call(ctx, "updateCatalogProduct", map[string]string{"pk": id}, patchOf(op.Changes, nil))

	case KindFeature:
		switch op.Action {
		case ActionCreate:
			f := index(want.Features, func(f Feature) string { return f.Identifier })[op.Identifier]
			meta := mark(f.Metadata)
			got, err := a.client.Catalog.Features.Create(ctx, api.FeatureCreateRequest{
				Identifier: &f.Identifier, Name: f.Name, FeatureType: api.FeatureCreateRequestFeatureType(f.Type),
				Description: &f.Description, FeatureDetails: optMap(f.FeatureDetails), Meter: optMap(f.Meter), Metadata: &meta,
			})
			if err != nil {
				return err
			}
			if got.Id == nil {
				return errors.New("the response has no feature id")
			}
			a.features[f.Identifier] = got.Id.String()
			return nil
		case ActionArchive:
			id, ok := a.features[op.Identifier]
			if !ok {
				return fmt.Errorf("feature %q is no longer listed", op.Identifier)
			}
			return a.client.Catalog.Features.Delete(ctx, id)
		}

	case KindPlan:
		switch op.Action {
		case ActionCreate:
			p := index(want.Plans, func(p Plan) string { return p.Identifier })[op.Identifier]
			product, err := a.productID(p.Product)
			if err != nil {
				return err
			}
			meta := mark(p.Metadata)
			body := map[string]any{"identifier": p.Identifier, "name": p.Name, "product": product, "description": p.Description, "metadata": meta}
			if p.IsVisible != nil {
				body["isVisible"] = *p.IsVisible
			}
			return a.call(ctx, "createCatalogPlan", nil, body)
		case ActionUpdate:
			h := index(have.Plans, func(p Plan) string { return p.Identifier })[op.Identifier]
			return a.call(ctx, "updateCatalogPlan", map[string]string{"identifier": op.Identifier}, patchOf(op.Changes, &h))
		case ActionPublish:
			body := api.PlanPublishRequest{}
			if a.opts.MigrateFeatures {
				body.UpdateFeatures = &a.opts.MigrateFeatures
			}
			if a.opts.MigratePricing {
				body.UpdatePricing = &a.opts.MigratePricing
			}
			_, err := a.client.Catalog.Plans.Publish(ctx, op.Identifier, body)
			return err
		case ActionArchive:
			return a.client.Catalog.Plans.Delete(ctx, op.Identifier, nil)
		}

	case KindEntitlement:
		plan := map[string]string{"identifier": op.Plan}
		switch op.Action {
		case ActionCreate, ActionUpdate:
			p := index(want.Plans, func(p Plan) string { return p.Identifier })[op.Plan]
			e := index(p.Entitlements, func(e Entitlement) string { return e.Feature })[op.Identifier]
			id, err := a.featureID(e.Feature)
			if err != nil {
				return err
			}
			details, err := toMap(e)
			if err != nil {
				return err
			}
			delete(details, "feature")
			if op.Action == ActionCreate {
				return a.call(ctx, "addCatalogPlanFeatures", plan, map[string]any{
					"planEntitlements": []any{map[string]any{"feature": id, "details": details}},
				})
			}
			plan["feature_id"] = id
			return a.call(ctx, "updateCatalogPlanFeature", plan, map[string]any{"details": details})
		case ActionDelete:
			id, ok := a.features[op.Identifier]
			if !ok {
				id = op.Identifier // a feature no longer listed: the API takes its identifier too
			}
			plan["feature_id"] = id
			return a.call(ctx, "deleteCatalogPlanFeature", plan, nil)
		}

	case KindPrices:
		p := index(want.Plans, func(p Plan) string { return p.Identifier })[op.Identifier]
		prices := make([]any, 0, len(p.Prices))
		for i, pr := range p.Prices {
			m, err := toMap(pr)
			if err != nil {
				return err
			}
			var missing []string
			missing = append(missing, mapChargeFeatures(m, func(slug string) (string, bool) {
				id, ok := a.features[slug]
				return id, ok
			}, fmt.Sprintf("price %d", i+1))...)
			if len(missing) > 0 {
				return errors.New(strings.Join(missing, "; "))
			}
			prices = append(prices, m)
		}
		return a.call(ctx, "bulkSetCatalogPlanPrices", map[string]string{"identifier": op.Identifier}, map[string]any{"prices": prices})
	}
	return fmt.Errorf("catalog: no way to %s a %s", op.Action, op.Kind)
}

// call sends an operation with a JSON body through the client's one door.
func (a *applier) call(ctx context.Context, op string, params map[string]string, body any) error {
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			return fmt.Errorf("%s: encoding the body: %w", op, err)
		}
	}
	_, err := a.client.Call(ctx, op, params, data)
	return err
}

func (a *applier) productID(ident string) (string, error) {
	if id, ok := a.products[ident]; ok {
		return id, nil
	}
	return "", fmt.Errorf("product %q is not in the organization", ident)
}

func (a *applier) featureID(ident string) (string, error) {
	if id, ok := a.features[ident]; ok {
		return id, nil
	}
	return "", fmt.Errorf("feature %q is not in the organization", ident)
}

// patchOf is the PATCH body of an update: each changed field's new value
// (null when the file leaves it out: "" for text, so that it is cleared).
// When the remote plan carries the Marker, new metadata keeps it.
func patchOf(changes []Change, remote *Plan) map[string]any {
	body := map[string]any{}
	for _, c := range changes {
		v := c.To
		switch {
		case c.Field == "metadata":
			m, _ := v.(map[string]any)
			if remote != nil && remote.Managed {
				m = mark(m)
			} else if m == nil {
				m = map[string]any{}
			}
			v = m
		case v == nil:
			v = ""
		}
		body[c.Field] = v
	}
	return body
}

// mark returns metadata with the Marker added.
func mark(meta map[string]any) map[string]any {
	out := maps.Clone(meta)
	if out == nil {
		out = map[string]any{}
	}
	out[MarkerKey] = MarkerValue
	return out
}

func optMap(m map[string]any) *map[string]any {
	if m == nil {
		return nil
	}
	return &m
}

// toMap is a format struct (an entitlement, a price) as the plain map that
// is sent: the fields it sets and its Extra keys.
func toMap(v any) (map[string]any, error) {
	n, err := structNode(reflect.ValueOf(v))
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := n.Decode(&m); err != nil {
		return nil, err
	}
	out, _ := norm(m).(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	return out, nil
}

// Promote makes to's catalog match from's, as three calls would: Pull from
// from (the source, e.g. sandbox), Pull from to (e.g. production), Diff,
// then Apply to to. It returns the Changeset it applied and Apply's Result.
// For a dry run, make the first three calls and stop before Apply.
func Promote(ctx context.Context, from, to *wrapper.Client, diff DiffOptions, apply ApplyOptions) (*Changeset, *Result, error) {
	want, err := Pull(ctx, from)
	if err != nil {
		return nil, nil, fmt.Errorf("catalog: promote: reading the source: %w", err)
	}
	have, err := Pull(ctx, to)
	if err != nil {
		return nil, nil, fmt.Errorf("catalog: promote: reading the target: %w", err)
	}
	cs, err := Diff(have, want, diff)
	if err != nil {
		return nil, nil, fmt.Errorf("catalog: promote: %w", err)
	}
	res, err := Apply(ctx, to, cs, apply)
	return cs, res, err
}
