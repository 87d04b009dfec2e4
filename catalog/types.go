package catalog

// The types below are the file format. Their struct tags are the one
// description of it: the `kv` tag names the key and its rules, the `doc` tag
// says what it is. Parsing, the unknown-key check and its suggestions, the
// YAML writer and the JSON Schema (Schema, kelviq.schema.json) all read them
// (see fields.go), so a rule is written once.
//
// The kv tag is "key[,option...]" with the options
//
//	required         the key must be present
//	slug             a string matching ^[a-z0-9][a-z0-9-_]*$
//	ref=products     a slug naming a product (or feature) of the same file
//	enum=A|B|C       one of these strings
//	open             with enum: other strings are accepted too (passed on)
//	min=0            an integer at least this
//	extra            the field (a map) keeps the keys no other field names
//
// and "-" for fields that are not part of the file.

// Marker is the metadata entry Apply stamps on the features and plans it
// creates (MarkerKey: MarkerValue). Only remote features and plans carrying
// it are ever archived by a prune.
const (
	MarkerKey   = "managed-by"
	MarkerValue = "kelviq-cli"
)

// Catalog is a catalog file: the products, features and plans of one
// organization, by identifier. Load and Parse read one; Pull builds one from
// an organization; YAML writes one.
type Catalog struct {
	Schema   string    `kv:"$schema" doc:"URL of the JSON Schema of this file, for editors. Ignored otherwise."`
	Products []Product `kv:"products" doc:"The products that plans belong to. Products are never archived by a prune."`
	Features []Feature `kv:"features" doc:"The features that plans grant. Features cannot be changed once created."`
	Plans    []Plan    `kv:"plans" doc:"The plans: each belongs to a product, grants features and may carry its complete price set."`

	// Warnings are what Pull could not represent in the format (one line
	// each); they are not part of the file.
	Warnings []string `kv:"-"`
}

// Product is a product of the catalog.
type Product struct {
	Identifier  string `kv:"identifier,required,slug" doc:"Stable identifier, the same in every environment; plans name their product by it."`
	Name        string `kv:"name,required" doc:"Display name."`
	TaxCode     string `kv:"taxCode,required,enum=saas|saas_business|software|videocontent|informationservice|ebook|digitalgraphic|videogame|eservice|training" doc:"Tax category of the product."`
	Description string `kv:"description" doc:"Free text."`
}

// Feature is a feature plans can grant. Features are immutable: a feature
// that differs from its remote counterpart is reported as drift, and Apply
// refuses to run.
type Feature struct {
	Identifier     string         `kv:"identifier,required,slug" doc:"Stable identifier; entitlements name their feature by it."`
	Name           string         `kv:"name,required" doc:"Display name."`
	Type           string         `kv:"type,required,enum=BOOLEAN|CUSTOMIZABLE|METER" doc:"BOOLEAN (on or off), CUSTOMIZABLE (a limit set per plan) or METER (usage counted)."`
	Description    string         `kv:"description" doc:"Free text."`
	FeatureDetails map[string]any `kv:"featureDetails" doc:"Details that depend on the type (for METER: featureSubType and units), sent to the API as they are."`
	Meter          map[string]any `kv:"meter" doc:"Meter settings of a METER feature counting raw events, sent to the API as they are."`
	Metadata       map[string]any `kv:"metadata" doc:"Free key-value pairs."`

	// Managed reports that the remote feature carries the Marker (set by
	// Pull; Pull leaves the marker out of Metadata). Not part of the file.
	Managed bool `kv:"-"`
}

// Plan is a plan: a product's offer of features at a price.
type Plan struct {
	Identifier   string         `kv:"identifier,required,slug" doc:"Stable identifier."`
	Name         string         `kv:"name,required" doc:"Display name."`
	Product      string         `kv:"product,required,ref=products" doc:"Identifier of the plan's product, which this file must define."`
	Description  string         `kv:"description" doc:"Free text."`
	IsVisible    *bool          `kv:"isVisible" doc:"Whether the plan is shown publicly. Left as it is when absent."`
	Metadata     map[string]any `kv:"metadata" doc:"Free key-value pairs."`
	Entitlements []Entitlement  `kv:"entitlements" doc:"The features the plan grants; a remote entitlement missing here is removed."`
	Prices       []Price        `kv:"prices" doc:"The plan's complete price set: when present it replaces the remote set as a whole; when absent the remote prices are left alone."`

	// Managed reports that the remote plan carries the Marker (set by Pull;
	// Pull leaves the marker out of Metadata). Not part of the file.
	Managed bool `kv:"-"`
	// Draft reports that the remote plan's latest version is not published
	// (set by Pull). Not part of the file.
	Draft bool `kv:"-"`
}

// Entitlement is one feature granted by a plan. Keys beyond the named ones
// are kept in Extra and sent to the API as they are.
type Entitlement struct {
	Feature           string         `kv:"feature,required,ref=features" doc:"Identifier of the granted feature, which this file must define."`
	Value             any            `kv:"value" doc:"The grant: true or false for a BOOLEAN feature, a number (a limit) otherwise."`
	HasUnlimitedUsage *bool          `kv:"hasUnlimitedUsage" doc:"Grant unlimited usage instead of a limit."`
	Reset             string         `kv:"reset,enum=NEVER|EVERY_DAY|EVERY_28_DAYS|EVERY_MONTH|EVERY_QUARTER|EVERY_YEAR,open" doc:"How often usage starts again from zero; values beyond these are passed on to the API."`
	HardLimit         *bool          `kv:"hardLimit" doc:"Whether usage beyond the limit is refused."`
	UsageAlerts       map[string]any `kv:"usageAlerts" doc:"Usage alert settings, sent to the API as they are."`
	Extra             map[string]any `kv:",extra" doc:"Other entitlement details, sent to the API as they are."`
}

// Price is one price of a plan (one per currency). Keys beyond the named
// ones are kept in Extra and sent to the API as they are.
type Price struct {
	PriceType          string           `kv:"priceType,required,enum=FREE|PAID|CUSTOM" doc:"FREE, PAID or CUSTOM."`
	Currency           string           `kv:"currency" doc:"ISO 4217 currency code, e.g. EUR."`
	FreeTrial          *bool            `kv:"freeTrial" doc:"Whether the price starts with a free trial. Set it: the API's default otherwise differs from the file on every run."`
	TrialPeriod        *int             `kv:"trialPeriod,min=0" doc:"Length of the free trial in days."`
	Enabled            *bool            `kv:"enabled" doc:"Whether the price can be bought."`
	TaxBehavior        string           `kv:"taxBehavior,enum=INCLUSIVE|EXCLUSIVE|UNSPECIFIED" doc:"Whether amounts include tax."`
	ChargeCatalogPrice []map[string]any `kv:"chargeCatalogPrice" doc:"How each feature is charged (price models, tiers, periods), sent to the API as it is, except that a feature is named by its identifier."`
	Extra              map[string]any   `kv:",extra" doc:"Other price fields, sent to the API as they are."`
}
