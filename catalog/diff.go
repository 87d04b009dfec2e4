package catalog

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// Action is what an Operation does.
type Action string

// The actions, in the order Apply runs them within a kind.
const (
	ActionCreate  Action = "create"
	ActionUpdate  Action = "update"
	ActionDelete  Action = "delete"  // an entitlement removed from a plan
	ActionReplace Action = "replace" // a plan's whole price set
	ActionPublish Action = "publish"
	ActionArchive Action = "archive" // a prune
)

// Kind is what an Operation acts on.
type Kind string

// The kinds.
const (
	KindProduct     Kind = "product"
	KindFeature     Kind = "feature"
	KindPlan        Kind = "plan"
	KindEntitlement Kind = "entitlement"
	KindPrices      Kind = "prices"
)

// Change is one field's value before (From, nil when absent) and after (To,
// nil when absent).
type Change struct {
	Field string `json:"field"`
	From  any    `json:"from"`
	To    any    `json:"to"`
}

// String is the change as the human diff shows it: field from → to, with
// (none) for an absent value.
func (c Change) String() string { return c.Field + " " + show(c.From) + " → " + show(c.To) }

// Operation is one write Apply makes. Identifier names the product, feature
// or plan (for KindEntitlement the feature, and Plan the plan; for
// KindPrices the plan).
type Operation struct {
	Action     Action   `json:"action"`
	Kind       Kind     `json:"kind"`
	Identifier string   `json:"identifier"`
	Plan       string   `json:"plan,omitempty"`
	Changes    []Change `json:"changes,omitempty"`
}

// String is the operation as one line of the human diff, value to value:
//
//	~ update plan "pro": name "Pro" → "Pro Plan"
func (o Operation) String() string {
	var b strings.Builder
	sign := map[Action]string{ActionCreate: "+", ActionUpdate: "~", ActionDelete: "-", ActionReplace: "~", ActionPublish: "^", ActionArchive: "-"}[o.Action]
	switch o.Kind {
	case KindEntitlement:
		prep := map[Action]string{ActionCreate: "on", ActionUpdate: "on", ActionDelete: "from"}[o.Action]
		fmt.Fprintf(&b, "%s %s entitlement %q %s plan %q", sign, o.Action, o.Identifier, prep, o.Plan)
	case KindPrices:
		fmt.Fprintf(&b, "%s replace prices of plan %q", sign, o.Identifier)
	default:
		fmt.Fprintf(&b, "%s %s %s %q", sign, o.Action, o.Kind, o.Identifier)
	}
	for i, c := range o.Changes {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString(", ")
		}
		if o.Action == ActionCreate { // nothing to come from
			b.WriteString(c.Field + " " + show(c.To))
			continue
		}
		b.WriteString(c.String())
	}
	return b.String()
}

// Drift is a feature whose remote attributes differ from the file's.
// Features cannot be updated through the API, so any drift stops Apply
// before it writes anything.
type Drift struct {
	Feature string   `json:"feature"`
	Changes []Change `json:"changes"`
}

// Skipped is a remote-only resource that a prune leaves alone, and why.
type Skipped struct {
	Kind       Kind   `json:"kind"`
	Identifier string `json:"identifier"`
	Reason     string `json:"reason"`
}

// DiffOptions tune Diff.
type DiffOptions struct {
	// Prune archives remote plans and features absent from the file, when
	// they carry the Marker (the others are listed in Skipped). Products
	// are never archived. Without Prune, remote-only resources are only
	// warnings.
	Prune bool
}

// Changeset is what it takes to make a remote catalog (have) match a file
// (want): the writes in dependency order, the feature drift and the
// problems that would stop Apply, and warnings. Its String is the human
// diff; Document is the machine-readable plan of record. A Changeset only
// describes: nothing is written until Apply.
type Changeset struct {
	// Operations are the writes, in the order Apply makes them: products,
	// features, plans, entitlements, prices, then archives. Publishing is
	// added by Apply (and Document) when asked for.
	Operations []Operation
	// FeatureDrift lists features that differ from the remote ones; any
	// makes Apply refuse before writing.
	FeatureDrift []Drift
	// Problems are other reasons Apply refuses before writing (e.g. a
	// plan moved to another product, which the API cannot do).
	Problems []string
	// Skipped are the remote-only plans, features and products a prune
	// leaves alone (only with DiffOptions.Prune).
	Skipped []Skipped
	// Warnings are informational: remote-only resources without Prune,
	// and what Pull could not represent.
	Warnings []string
	// Prune is DiffOptions.Prune.
	Prune bool

	have, want *Catalog
	priced     map[string]bool // plans that will have at least one price
	drafts     []string        // plans of want whose remote latest version is a draft
}

// ErrFeatureDrift is returned by Apply when the Changeset reports feature
// drift; nothing has been written.
var ErrFeatureDrift = errors.New("catalog: features differ from the remote ones and cannot be updated")

// ErrNotApplicable is returned by Apply when the Changeset has Problems (or
// the options ask for something it cannot do); nothing has been written.
var ErrNotApplicable = errors.New("catalog: the changes cannot be applied")

// Diff compares have (usually Pull's result) with want (usually Load's) and
// returns what Apply must write to make have match want. Entries match by
// identifier, entitlements by feature, prices by price type and currency.
// want is checked with Parse's rules first. For entitlements only the keys
// want sets are compared (the API keeps the others); a plan's price set is
// compared as a whole and only when want has a prices key.
func Diff(have, want *Catalog, opts DiffOptions) (*Changeset, error) {
	if have == nil || want == nil {
		return nil, errors.New("catalog: Diff: have and want must not be nil")
	}
	w, err := canonical(want)
	if err != nil {
		return nil, fmt.Errorf("catalog: Diff: want is not a valid catalog: %w", err)
	}
	cs := &Changeset{Prune: opts.Prune, have: have, want: w, priced: map[string]bool{}}
	cs.Warnings = append(cs.Warnings, have.Warnings...)
	for _, w := range want.Warnings { // a pulled want (Promote): what the source has that the format lacks
		cs.Warnings = append(cs.Warnings, "source: "+w)
	}

	var productOps, featureOps, planOps, entOps, priceOps, archives []Operation

	productOps = diffByIdentifier(KindProduct, have.Products, w.Products, func(p Product) string { return p.Identifier },
		func(ident string, ch []Change) Operation {
			return Operation{Action: ActionUpdate, Kind: KindProduct, Identifier: ident, Changes: ch}
		})
	// A feature is never updated: a difference is drift, reported.
	featureOps = diffByIdentifier(KindFeature, have.Features, w.Features, func(f Feature) string { return f.Identifier },
		func(ident string, ch []Change) Operation {
			cs.FeatureDrift = append(cs.FeatureDrift, Drift{Feature: ident, Changes: ch})
			return Operation{}
		})

	havePlans := index(have.Plans, func(p Plan) string { return p.Identifier })
	for _, p := range w.Plans {
		h, exists := havePlans[p.Identifier]
		if !exists {
			planOps = append(planOps, Operation{Action: ActionCreate, Kind: KindPlan, Identifier: p.Identifier})
		} else {
			if h.Product != p.Product {
				cs.Problems = append(cs.Problems, fmt.Sprintf("plan %q: its product cannot be changed (%q → %q): create a plan with another identifier instead", p.Identifier, h.Product, p.Product))
			}
			if ch := diffFields(h, p, false, "identifier", "product", "entitlements", "prices"); len(ch) > 0 {
				// isVisible absent from the file means: leave it.
				ch = slices.DeleteFunc(ch, func(c Change) bool { return c.Field == "isVisible" && p.IsVisible == nil })
				if len(ch) > 0 {
					planOps = append(planOps, Operation{Action: ActionUpdate, Kind: KindPlan, Identifier: p.Identifier, Changes: ch})
				}
			}
			if h.Draft {
				cs.drafts = append(cs.drafts, p.Identifier)
				cs.Warnings = append(cs.Warnings, fmt.Sprintf("plan %q: its latest version is an unpublished draft (Apply with Publish publishes it)", p.Identifier))
			}
		}
		entOps = append(entOps, diffEntitlements(p.Identifier, h.Entitlements, p.Entitlements)...)
		if p.Prices != nil {
			cs.priced[p.Identifier] = len(p.Prices) > 0
			if ch := diffPrices(h.Prices, p.Prices); len(ch) > 0 {
				priceOps = append(priceOps, Operation{Action: ActionReplace, Kind: KindPrices, Identifier: p.Identifier, Changes: ch})
			}
		} else {
			cs.priced[p.Identifier] = len(h.Prices) > 0
		}
	}

	// Remote-only resources: pruned (plans, then features) or reported.
	wantPlans := index(w.Plans, func(p Plan) string { return p.Identifier })
	wantFeatures := index(w.Features, func(f Feature) string { return f.Identifier })
	wantProducts := index(w.Products, func(p Product) string { return p.Identifier })
	remoteOnly := func(kind Kind, ident string, managed bool) {
		reason := ""
		switch {
		case kind == KindProduct:
			reason = "products are never pruned"
		case !managed:
			reason = fmt.Sprintf("it has no %s: %s metadata marker (it was not created by this tool)", MarkerKey, MarkerValue)
		}
		switch {
		case !opts.Prune && reason == "":
			cs.Warnings = append(cs.Warnings, fmt.Sprintf("remote %s %q is not in the file; a prune would archive it", kind, ident))
		case !opts.Prune:
			cs.Warnings = append(cs.Warnings, fmt.Sprintf("remote %s %q is not in the file; a prune would leave it: %s", kind, ident, reason))
		case reason != "":
			cs.Skipped = append(cs.Skipped, Skipped{Kind: kind, Identifier: ident, Reason: reason})
		default:
			archives = append(archives, Operation{Action: ActionArchive, Kind: kind, Identifier: ident})
		}
	}
	for _, p := range have.Plans {
		if _, ok := wantPlans[p.Identifier]; !ok {
			remoteOnly(KindPlan, p.Identifier, p.Managed)
		}
	}
	for _, f := range have.Features {
		if _, ok := wantFeatures[f.Identifier]; !ok {
			remoteOnly(KindFeature, f.Identifier, f.Managed)
		}
	}
	for _, p := range have.Products {
		if _, ok := wantProducts[p.Identifier]; !ok {
			remoteOnly(KindProduct, p.Identifier, false)
		}
	}

	cs.Operations = slices.Concat(productOps, featureOps, planOps, entOps, priceOps, archives)
	return cs, nil
}

// canonical returns c as Parse reads it back from YAML: checked by the same
// rules, values normalized.
func canonical(c *Catalog) (*Catalog, error) {
	data, err := c.YAML()
	if err != nil {
		return nil, err
	}
	return parse("want", data)
}

// diffByIdentifier compares each item of want with the item of have of the
// same identifier (ident), field by field but for the identifier: an item
// have lacks is a create of kind; one that differs is changed's operation,
// unless that is the zero Operation.
func diffByIdentifier[T any](kind Kind, have, want []T, ident func(T) string, changed func(ident string, ch []Change) Operation) []Operation {
	byIdent := index(have, ident)
	var ops []Operation
	for _, w := range want {
		id := ident(w)
		h, ok := byIdent[id]
		if !ok {
			ops = append(ops, Operation{Action: ActionCreate, Kind: kind, Identifier: id})
			continue
		}
		if ch := diffFields(h, w, false, "identifier"); len(ch) > 0 {
			if op := changed(id, ch); op.Action != "" {
				ops = append(ops, op)
			}
		}
	}
	return ops
}

func index[T any](list []T, key func(T) string) map[string]T {
	m := make(map[string]T, len(list))
	for _, e := range list {
		m[key(e)] = e
	}
	return m
}

// diffFields compares two format structs of the same type field by field
// (Extra key by key), leaving out the fields named in skip. With subset,
// only the fields and Extra keys that want sets are compared.
func diffFields(have, want any, subset bool, skip ...string) []Change {
	hv, wv := reflect.ValueOf(have), reflect.ValueOf(want)
	keys, extra := named(wv.Type())
	var out []Change
	for _, f := range keys {
		if slices.Contains(skip, f.key) {
			continue
		}
		h, w := plain(hv.Field(f.index)), plain(wv.Field(f.index))
		if f.key == "metadata" {
			h, w = withoutMarker(h), withoutMarker(w)
		}
		if subset && w == nil {
			continue
		}
		if !same(h, w) {
			out = append(out, Change{Field: f.key, From: h, To: w})
		}
	}
	if extra != nil {
		he, _ := plain(hv.Field(extra.index)).(map[string]any)
		we, _ := plain(wv.Field(extra.index)).(map[string]any)
		names := slices.Collect(maps.Keys(we))
		if !subset {
			for k := range he {
				if _, ok := we[k]; !ok {
					names = append(names, k)
				}
			}
		}
		slices.Sort(names)
		for _, k := range names {
			if !same(he[k], we[k]) {
				out = append(out, Change{Field: k, From: he[k], To: we[k]})
			}
		}
	}
	return out
}

// plain is a field's value for comparing and showing: nil when absent
// (zero strings, nil pointers, empty maps), pointers followed, numbers
// normalized.
func plain(v reflect.Value) any {
	switch v.Kind() {
	case reflect.String:
		if v.String() == "" {
			return nil
		}
		return v.String()
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return norm(v.Elem().Interface())
	case reflect.Map:
		if v.Len() == 0 {
			return nil
		}
		return norm(v.Interface())
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		if v.Len() == 0 {
			return []any{}
		}
		return norm(v.Interface())
	}
	return norm(v.Interface())
}

func withoutMarker(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	m, _ = unmark(m)
	if len(m) == 0 {
		return nil
	}
	return m
}

func same(a, b any) bool { return reflect.DeepEqual(norm(a), norm(b)) }

// diffEntitlements compares a plan's entitlements by feature.
func diffEntitlements(plan string, have, want []Entitlement) []Operation {
	var out []Operation
	byFeature := index(have, func(e Entitlement) string { return e.Feature })
	wanted := map[string]bool{}
	for _, e := range want {
		wanted[e.Feature] = true
		h, ok := byFeature[e.Feature]
		if !ok {
			out = append(out, Operation{Action: ActionCreate, Kind: KindEntitlement, Identifier: e.Feature, Plan: plan,
				Changes: diffFields(Entitlement{}, e, true, "feature")})
			continue
		}
		if ch := diffFields(h, e, true, "feature"); len(ch) > 0 {
			out = append(out, Operation{Action: ActionUpdate, Kind: KindEntitlement, Identifier: e.Feature, Plan: plan, Changes: ch})
		}
	}
	for _, e := range have {
		if !wanted[e.Feature] {
			out = append(out, Operation{Action: ActionDelete, Kind: KindEntitlement, Identifier: e.Feature, Plan: plan})
		}
	}
	return out
}

// diffPrices compares two price sets, matching prices by type and
// currency; it returns nothing when they are equal.
func diffPrices(have, want []Price) []Change {
	key := func(list []Price) ([]string, map[string]Price) {
		seen := map[string]int{}
		m := map[string]Price{}
		var order []string
		for _, p := range list {
			k := strings.TrimSpace(p.Currency + " " + p.PriceType)
			if seen[k]++; seen[k] > 1 {
				k = fmt.Sprintf("%s #%d", k, seen[k])
			}
			m[k] = p
			order = append(order, k)
		}
		return order, m
	}
	hOrder, hm := key(have)
	wOrder, wm := key(want)
	var out []Change
	for _, k := range wOrder {
		h, ok := hm[k]
		if !ok {
			out = append(out, Change{Field: "prices[" + k + "]", To: priceValue(wm[k])})
			continue
		}
		for _, c := range diffFields(h, wm[k], false) {
			c.Field = "prices[" + k + "]." + c.Field
			out = append(out, c)
		}
	}
	for _, k := range hOrder {
		if _, ok := wm[k]; !ok {
			out = append(out, Change{Field: "prices[" + k + "]", From: priceValue(hm[k])})
		}
	}
	return out
}

// priceValue is a price as a plain map, as it is sent.
func priceValue(p Price) map[string]any {
	m, err := toMap(p)
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	return m
}

// show formats a value for the human diff.
func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "(none)"
	case string:
		return fmt.Sprintf("%q", x)
	case bool, int64, float64, int:
		return fmt.Sprint(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// steps are the operations Apply makes with opts: Operations, with a
// publish of each changed plan before the archives when opts.Publish.
func (c *Changeset) steps(opts ApplyOptions) []Operation {
	if !opts.Publish {
		return slices.Clone(c.Operations)
	}
	i := slices.IndexFunc(c.Operations, func(o Operation) bool { return o.Action == ActionArchive })
	if i < 0 {
		i = len(c.Operations)
	}
	var pubs []Operation
	for _, p := range c.PublishPlans() {
		pubs = append(pubs, Operation{Action: ActionPublish, Kind: KindPlan, Identifier: p})
	}
	return slices.Concat(c.Operations[:i], pubs, c.Operations[i:])
}

// PublishPlans returns the plans that Apply with Publish would publish: the
// ones the changes create, update, or whose entitlements or prices they
// change, in order, then the plans of the file whose remote latest version
// is an unpublished draft (e.g. left by an Apply without Publish).
func (c *Changeset) PublishPlans() []string {
	var out []string
	for _, o := range c.Operations {
		p := ""
		switch {
		case o.Kind == KindPlan && o.Action != ActionArchive, o.Kind == KindPrices:
			p = o.Identifier
		case o.Kind == KindEntitlement:
			p = o.Plan
		}
		if p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	for _, p := range c.drafts {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// problems are the reasons Apply with opts refuses, drift aside.
func (c *Changeset) problems(opts ApplyOptions) []string {
	out := slices.Clone(c.Problems)
	if (opts.MigrateFeatures || opts.MigratePricing) && !opts.Publish {
		out = append(out, "migrating customers (MigrateFeatures, MigratePricing) needs Publish")
	}
	if opts.Publish {
		for _, p := range c.PublishPlans() {
			if !c.priced[p] {
				out = append(out, fmt.Sprintf("plan %q has no price, and the API refuses to publish a plan without one: give it prices", p))
			}
		}
	}
	return out
}

// HasChanges reports whether have and want differ: an operation to make,
// or feature drift.
func (c *Changeset) HasChanges() bool { return len(c.Operations) > 0 || len(c.FeatureDrift) > 0 }

// String is the human diff: one line per operation, then the feature drift,
// the problems, what a prune skips and the warnings; "no changes" when
// there is nothing to do.
func (c *Changeset) String() string {
	var b strings.Builder
	for _, o := range c.Operations {
		b.WriteString(o.String() + "\n")
	}
	for _, d := range c.FeatureDrift {
		parts := make([]string, len(d.Changes))
		for i, ch := range d.Changes {
			parts[i] = ch.String()
		}
		fmt.Fprintf(&b, "! feature %q differs: %s (features cannot be updated: change it in the dashboard, pull, and push again)\n", d.Feature, strings.Join(parts, ", "))
	}
	for _, p := range c.Problems {
		b.WriteString("! " + p + "\n")
	}
	for _, s := range c.Skipped {
		fmt.Fprintf(&b, "= skip %s %q: %s\n", s.Kind, s.Identifier, s.Reason)
	}
	if !c.HasChanges() && len(c.Problems) == 0 {
		b.WriteString("no changes\n")
	}
	for _, w := range c.Warnings {
		b.WriteString("warning: " + w + "\n")
	}
	return b.String()
}

// Document is the machine-readable plan of record, the document
// `kelviq catalog push --dry-run --json` prints (see Changeset.Document).
// Lists are empty, never null.
type Document struct {
	Environment string `json:"environment"` // the caller's label, e.g. "sandbox"
	Direction   string `json:"direction"`   // the caller's label, e.g. "kelviq.yaml → sandbox"
	// Changes reports whether the file and the remote catalog differ
	// (Changeset.HasChanges): false means in sync, even when plans left as
	// drafts would still be published.
	Changes      bool          `json:"changes"`
	Summary      Summary       `json:"summary"`      // the operations counted by action
	Operations   []Operation   `json:"operations"`   // every write, in order, publishes and archives included
	Prune        PruneReport   `json:"prune"`        // what a prune archives and skips
	Publish      PublishReport `json:"publish"`      // what is published
	FeatureDrift []Drift       `json:"featureDrift"` // features that differ: Apply would refuse
	Errors       []string      `json:"errors"`       // why Apply would refuse; empty when it would run
	Warnings     []string      `json:"warnings"`
}

// Summary counts the operations by action.
type Summary struct {
	Create  int `json:"create"`
	Update  int `json:"update"`
	Delete  int `json:"delete"`
	Replace int `json:"replace"`
	Publish int `json:"publish"`
	Archive int `json:"archive"`
}

// PruneReport is what a prune archives and what it leaves alone.
type PruneReport struct {
	Enabled bool        `json:"enabled"`
	Archive []Operation `json:"archive"`
	Skipped []Skipped   `json:"skipped"`
}

// PublishReport is what Apply would publish, and whether customers would
// be migrated.
type PublishReport struct {
	Enabled         bool     `json:"enabled"`
	Plans           []string `json:"plans"`
	MigrateFeatures bool     `json:"migrateFeatures"`
	MigratePricing  bool     `json:"migratePricing"`
}

// Document renders the changes as Apply with opts would make them, under
// the caller's labels: environment (e.g. "sandbox") and direction (e.g.
// "kelviq.yaml → sandbox", "sandbox → production").
func (c *Changeset) Document(environment, direction string, opts ApplyOptions) Document {
	steps := c.steps(opts)
	d := Document{
		Environment:  environment,
		Direction:    direction,
		Changes:      c.HasChanges(),
		Operations:   nonNil(steps),
		Prune:        PruneReport{Enabled: c.Prune, Archive: []Operation{}, Skipped: nonNil(c.Skipped)},
		Publish:      PublishReport{Enabled: opts.Publish, Plans: []string{}, MigrateFeatures: opts.MigrateFeatures, MigratePricing: opts.MigratePricing},
		FeatureDrift: nonNil(c.FeatureDrift),
		Errors:       nonNil(c.problems(opts)),
		Warnings:     nonNil(c.Warnings),
	}
	for _, dr := range c.FeatureDrift {
		d.Errors = append(d.Errors, fmt.Sprintf("feature %q differs from the remote one; features cannot be updated", dr.Feature))
	}
	for _, o := range steps {
		switch o.Action {
		case ActionCreate:
			d.Summary.Create++
		case ActionUpdate:
			d.Summary.Update++
		case ActionDelete:
			d.Summary.Delete++
		case ActionReplace:
			d.Summary.Replace++
		case ActionPublish:
			d.Summary.Publish++
			d.Publish.Plans = append(d.Publish.Plans, o.Identifier)
		case ActionArchive:
			d.Summary.Archive++
			d.Prune.Archive = append(d.Prune.Archive, o)
		}
	}
	return d
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
