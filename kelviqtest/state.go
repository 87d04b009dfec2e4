package kelviqtest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kelviq/kelviq-go/internal/fakeapi"
)

// state is everything one Server remembers. mu guards all of it, the
// organizations' data included.
type state struct {
	mu         sync.Mutex
	orgs       collection[openapi_types.UUID, org] // in provisioning order
	byExternal map[string]*org
	byEmail    map[string]*org // lower-cased email
	byKey      map[string]*org // server key
	byClient   map[string]*org // client key
	// origin is the fake's scheme and host, for the links it writes
	// outside a request (webhook payloads).
	origin     string
	slugs      map[string]bool
	lastUserID int
	// sessionOrg finds a checkout session's organization, for the checkout
	// link and CompleteCheckout, which carry no server key.
	sessionOrg map[string]*org
	portalOrg  map[string]*org
	// clock is the fake's time (WithClock).
	clock func() time.Time
	// lastIntID numbers the objects the API identifies by integers
	// (payment methods, checkout and order events).
	lastIntID int
}

func newState(clock func() time.Time) *state {
	return &state{
		clock:      clock,
		byExternal: map[string]*org{},
		byEmail:    map[string]*org{},
		byKey:      map[string]*org{},
		byClient:   map[string]*org{},
		slugs:      map[string]bool{},
		lastUserID: 1000,
		sessionOrg: map[string]*org{},
		portalOrg:  map[string]*org{},
	}
}

// org is a partner organization and the data its server key reaches.
type org struct {
	id                 openapi_types.UUID
	slug               string
	externalID         string
	email              string
	clientKey          string
	serverKey          string
	userID             int
	customers          collection[string, fakeapi.CustomerResponse] // by customerId
	products           collection[openapi_types.UUID, product]
	features           collection[openapi_types.UUID, feature]
	plans              collection[string, plan] // by identifier
	productIdentifiers map[string]bool
	featureIdentifiers map[string]bool

	// What the server key reaches beyond the catalog (see the files named
	// after the services: subscriptions.go, checkout.go, orders.go, ...).
	numericID       int
	productSettings map[openapi_types.UUID]map[string]any
	subscriptions   collection[openapi_types.UUID, subscription]
	sessions        collection[string, checkoutSession]
	orders          collection[string, order]
	transactions    []*transaction
	refunds         collection[openapi_types.UUID, refund]
	paymentMethods  []*paymentMethod
	licenses        collection[string, license] // by key
	promotions      map[string]Promotion
	portalTokens    map[string]string // token → customerId
	// usage is what reportUsage recorded: customerId → feature identifier →
	// current usage.
	usage       map[string]map[string]int64
	webhookLogs []*webhookLog
	// archivedCustomers are the customerIds of deleted customers, which
	// stay taken.
	archivedCustomers map[string]bool
	// rawEvents are the events POST /report/event/ accepted.
	rawEvents []*rawEvent
	// declined are the customers whose card payments fail
	// (Server.DeclinePayments).
	declined map[string]bool
	// st is the state the organization belongs to (for its clock).
	st *state
	// logMu guards the delivery fields of webhookLogs' entries, which the
	// delivery worker updates without the state's lock.
	logMu sync.Mutex
}

// product is a catalog product; archived ones are left out of lists.
type product struct {
	data     fakeapi.Product
	archived bool
}

// feature is a catalog feature; data.IsArchived tells whether it is archived.
type feature struct {
	data fakeapi.CatalogFeature
}

// plan is a catalog plan with its versions, oldest first. The last version is
// the latest; at most the last one is a draft.
type plan struct {
	identifier string
	product    openapi_types.UUID
	archived   bool
	versions   []*planVersion
}

// planVersion is one version of a plan: its fields, the features it
// grants (with their entitlement details) and its prices.
type planVersion struct {
	data     fakeapi.CatalogPlan
	status   string // planDraft, planPublished or planRetired
	features []*planFeature
	prices   []map[string]any // PlanPrice objects, ids included
}

// planFeature is one feature of a plan version and its entitlement details
// (value, hasUnlimitedUsage, hardLimit, reset, ...), as the API took them.
type planFeature struct {
	feature openapi_types.UUID
	details map[string]any
}

const (
	planDraft     = "draft"
	planPublished = "published"
	planRetired   = "retired"
)

func (p *plan) latest() *planVersion { return p.versions[len(p.versions)-1] }

func (p *plan) version(n int) *planVersion {
	for _, v := range p.versions {
		if v.data.Version != nil && *v.data.Version == n {
			return v
		}
	}
	return nil
}

// published reports whether some version of the plan is live.
func (p *plan) published() bool {
	for _, v := range p.versions {
		if v.status == planPublished {
			return true
		}
	}
	return false
}

// Errors of provision; the handler maps them to the API's responses.
var (
	errExternalIDTaken = errors.New("an organization with this external ID already exists")
	errEmailTaken      = errors.New("a user with this email already exists")
)

// provision creates an organization, its owner's user ID and its keys.
func (s *state) provision(externalID, email, businessName string) (*org, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byExternal[externalID]; ok {
		return nil, errExternalIDTaken
	}
	if _, ok := s.byEmail[strings.ToLower(email)]; ok {
		return nil, errEmailTaken
	}
	base := slugify(businessName)
	if base == "" {
		base = slugify(externalID)
	}
	if base == "" {
		base = "organization"
	}
	slug := uniqueIdentifier(base, func(id string) bool { return s.slugs[id] })
	s.lastUserID++
	o := &org{
		id:                 newUUID(),
		slug:               slug,
		externalID:         externalID,
		email:              email,
		clientKey:          "ck_test_" + randomHex(16),
		serverKey:          "sk_test_" + randomHex(24),
		userID:             s.lastUserID,
		productIdentifiers: map[string]bool{},
		featureIdentifiers: map[string]bool{},
		st:                 s,
		numericID:          s.lastUserID - 1000,
		productSettings:    map[openapi_types.UUID]map[string]any{},
		promotions:         map[string]Promotion{},
		portalTokens:       map[string]string{},
		usage:              map[string]map[string]int64{},
	}
	s.slugs[slug] = true
	s.orgs.add(o.id, o)
	s.byExternal[externalID] = o
	s.byEmail[strings.ToLower(email)] = o
	s.byKey[o.serverKey] = o
	s.byClient[o.clientKey] = o
	return o, nil
}

// orgByID returns the organization with the given identifier, for the
// Server method named op; its errors name op. The caller holds s.mu.
func (s *state) orgByID(op, organizationID string) (*org, error) {
	id, err := parseUUID(organizationID)
	if err != nil {
		return nil, fmt.Errorf("kelviqtest: %s: organizationID: %w", op, err)
	}
	o := s.orgs.get(id)
	if o == nil {
		return nil, fmt.Errorf("kelviqtest: %s: no organization %s", op, organizationID)
	}
	return o, nil
}

// orgForKey returns the organization a server key belongs to.
func (s *state) orgForKey(key string) *org {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byKey[key]
}

// toAPI is the organization as the partner operations return it. The caller
// holds s.mu or knows o is not changing (its partner fields never do).
func (o *org) toAPI() fakeapi.PartnerOrganization {
	id := o.id
	var out fakeapi.PartnerOrganization
	out.OrganizationIdentifier = &id
	out.OrganizationSlug.Set(o.slug)
	out.PartnerExternalId.Set(o.externalID)
	out.ClientKey.Set(o.clientKey)
	out.ServerKey.Set(o.serverKey)
	out.UserId.Set(o.userID)
	return out
}

// slugify lower-cases s and turns every run of characters other than ASCII
// letters and digits into one '-', trimming them at both ends.
func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}

// uniqueIdentifier returns base, or base-2, base-3 … if taken.
func uniqueIdentifier(base string, taken func(string) bool) string {
	id := base
	for n := 2; taken(id); n++ {
		id = base + "-" + strconv.Itoa(n)
	}
	return id
}

// newUUID returns a random (version 4) UUID.
func newUUID() openapi_types.UUID {
	var u openapi_types.UUID
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails
	u[6] = (u[6] & 0x0f) | 0x40
	u[8] = (u[8] & 0x3f) | 0x80
	return u
}

// stableUUID is a UUID (version 5 layout) derived from parts: the same
// parts give the same UUID, so repeated reads of a derived object agree.
func stableUUID(parts ...string) openapi_types.UUID {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	var u openapi_types.UUID
	copy(u[:], h[:16])
	u[6] = (u[6] & 0x0f) | 0x50
	u[8] = (u[8] & 0x3f) | 0x80
	return u
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// now is the fake's clock (see WithClock), in UTC and to the microsecond, as
// the API writes time stamps.
func (s *state) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// now is the server's clock.
func (s *Server) now() time.Time { return s.state.now() }

// now is the clock of the server the organization belongs to.
func (o *org) now() time.Time { return o.st.now() }

func parseUUID(s string) (openapi_types.UUID, error) {
	var u openapi_types.UUID
	if err := u.UnmarshalText([]byte(s)); err != nil {
		return u, fmt.Errorf("%q is not a UUID", s)
	}
	return u, nil
}
