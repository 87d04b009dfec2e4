package kelviqtest_test

// Tests of the rules kelviq's guides, changelog and reference state for the
// fake's resources; testdata/documented.md lists each rule and its test.

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oapi-codegen/nullable"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/internal/testkit"
	"github.com/kelviq/kelviq-go/kelviqtest"
)

// subscribed is a priced shop with customer cus_1 subscribed monthly to
// "team" (20.00), on a fake whose clock the test moves.
func subscribed(t *testing.T, externalID string) (*kelviqtest.Server, *shop, *testkit.Clock, string) {
	t.Helper()
	clk := testkit.NewClock(time.Date(2026, 5, 4, 8, 30, 0, 0, time.UTC))
	srv := kelviqtest.NewServer(t, kelviqtest.WithClock(clk.Now))
	s := newPricedShop(t, srv, externalID)
	ctx := context.Background()
	testkit.Must(s.c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus_1", Email: nullable.NewNullableWithValue("one@shop.example")}))(t)
	sub := testkit.Must(s.c.Subscriptions.Create(ctx, api.CreateSubscriptionRequest{PlanIdentifier: "team", ChargePeriod: "MONTHLY", CustomerId: nullable.NewNullableWithValue("cus_1")}))(t)
	return srv, s, clk, sub.Id.String()
}

func TestPeriodEndCancellationIsAnUpdateUntilItEnds(t *testing.T) {
	t.Parallel()
	srv, s, clk, subID := subscribed(t, "period-end")
	ctx := context.Background()
	created := eventsOf(t, srv, "subscription.created")
	if len(created) != 1 || object(created[0])["end_date"] != nil || object(created[0])["id"] != subID {
		t.Fatalf("subscription.created = %v", created)
	}
	testkit.Must(s.c.Subscriptions.Cancel(ctx, subID, api.CancelSubscriptionRequest{CancellationType: "CURRENT_PERIOD_ENDS"}))(t)
	if n := len(eventsOf(t, srv, "subscription.cancelled")); n != 0 {
		t.Fatalf("%d subscription.cancelled when the cancellation was only scheduled", n)
	}
	updated := eventsOf(t, srv, "subscription.updated")
	if len(updated) != 1 {
		t.Fatalf("%d subscription.updated after scheduling a cancellation, want 1", len(updated))
	}
	o, prev := object(updated[0]), previous(updated[0])
	if o["status"] != "active" || o["end_date"] != "2026-06-04" {
		t.Fatalf("scheduled cancellation: status %v end_date %v", o["status"], o["end_date"])
	}
	if v, ok := prev["end_date"]; !ok || v != nil || len(prev) != 1 {
		t.Fatalf("previous_attributes = %v, want {end_date: null}", prev)
	}
	// billing_period_end_time is the period, end_date the subscription's end.
	if o["billing_period_end_time"] != "2026-06-04T08:30:00Z" {
		t.Fatalf("billing_period_end_time = %v", o["billing_period_end_time"])
	}
	if sub := testkit.Must(s.c.Subscriptions.Get(ctx, subID))(t); *sub.Status != "active" || sub.CanceledAt == nil || sub.EndDate == nil {
		t.Fatalf("scheduled subscription = status %v canceledAt %v endDate %v", *sub.Status, sub.CanceledAt, sub.EndDate)
	}

	clk.Advance(32 * 24 * time.Hour)
	if sub := testkit.Must(s.c.Subscriptions.Get(ctx, subID))(t); *sub.Status != "canceled" {
		t.Fatalf("after the period: status %v", *sub.Status)
	}
	cancelled := eventsOf(t, srv, "subscription.cancelled")
	if len(cancelled) != 1 || object(cancelled[0])["status"] != "canceled" || previous(cancelled[0])["status"] != "active" {
		t.Fatalf("subscription.cancelled at the period's end = %v", cancelled)
	}
	// Listed without status, an expired subscription is left out; asked
	// for by status, it is there.
	if list := testkit.Must(s.c.Subscriptions.List(ctx, &api.ListSubscriptionsParams{CustomerId: testkit.Ptr("cus_1")}))(t); len(*list.Results) != 0 {
		t.Fatalf("default list has the expired subscription: %+v", *list.Results)
	}
	if list := testkit.Must(s.c.Subscriptions.List(ctx, &api.ListSubscriptionsParams{CustomerId: testkit.Ptr("cus_1"), Status: testkit.Ptr("canceled")}))(t); len(*list.Results) != 1 {
		t.Fatalf("status=canceled lists %d", len(*list.Results))
	}
}

func TestImmediateCancellationSendsCancelled(t *testing.T) {
	t.Parallel()
	srv, s, _, subID := subscribed(t, "immediate")
	testkit.Must(s.c.Subscriptions.Cancel(context.Background(), subID, api.CancelSubscriptionRequest{CancellationType: "IMMEDIATE",
		CancellationFeedback: nullable.NewNullableWithValue(api.CancelSubscriptionRequestCancellationFeedback("UNUSED"))}))(t)
	cancelled := eventsOf(t, srv, "subscription.cancelled")
	if len(cancelled) != 1 || object(cancelled[0])["end_date"] != "2026-05-04" || len(eventsOf(t, srv, "subscription.updated")) != 0 {
		t.Fatalf("immediate cancellation events: cancelled %v", cancelled)
	}
	sub := testkit.Must(s.c.Subscriptions.Get(context.Background(), subID))(t)
	if sub.CancellationReason == nil || string(*sub.CancellationReason) != "CANCELLED_BY_MERCHANT" || sub.CancellationFeedback == nil || string(*sub.CancellationFeedback) != "UNUSED" {
		t.Fatalf("cancellation details = reason %v feedback %v", sub.CancellationReason, sub.CancellationFeedback)
	}
}

func TestPlanChangeSendsThePreviousSubscription(t *testing.T) {
	t.Parallel()
	srv, s, _, subID := subscribed(t, "plan-change")
	ctx := context.Background()
	testkit.Must(s.c.Subscriptions.Update(ctx, subID, api.UpdateSubscriptionRequest{PlanIdentifier: "solo", ChargePeriod: "MONTHLY"}))(t)
	changed := eventsOf(t, srv, "subscription.plan_changed")
	if len(changed) != 1 {
		t.Fatalf("%d subscription.plan_changed", len(changed))
	}
	o, prev := object(changed[0]), previous(changed[0])
	plan, _ := o["plan"].(map[string]any)
	oldPlan, _ := prev["plan"].(map[string]any)
	if plan["identifier"] != "solo" || o["amount_units"] != 500.0 || oldPlan["identifier"] != "team" || prev["amount_units"] != 2000.0 || prev["id"] != subID {
		t.Fatalf("plan_changed: object plan %v %v, previous plan %v %v", plan, o["amount_units"], oldPlan, prev["amount_units"])
	}
	if n := len(eventsOf(t, srv, "subscription.updated")); n != 0 {
		t.Fatalf("a plan change also sent %d subscription.updated", n)
	}
	// Another charge period of the same plan: subscription.updated with
	// only what changed.
	testkit.Must(s.c.Subscriptions.Update(ctx, subID, api.UpdateSubscriptionRequest{PlanIdentifier: "solo", ChargePeriod: "MONTHLY"}))(t)
	testkit.Must(s.c.Subscriptions.Update(ctx, subID, api.UpdateSubscriptionRequest{PlanIdentifier: "team", ChargePeriod: "YEARLY"}))(t)
	testkit.Must(s.c.Subscriptions.Update(ctx, subID, api.UpdateSubscriptionRequest{PlanIdentifier: "team", ChargePeriod: "MONTHLY"}))(t)
	updated := eventsOf(t, srv, "subscription.updated")
	if len(updated) == 0 {
		t.Fatal("no subscription.updated for a charge period change")
	}
	last := previous(updated[len(updated)-1])
	if last["amount_units"] != 20000.0 || last["recurrence"] != "1 year" || last["plan"] != nil {
		t.Fatalf("previous_attributes of a period change = %v", last)
	}
}

func TestCheckoutEventsAsTheGuideOrdersThem(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	s := newPricedShop(t, srv, "checkout-events")
	ctx := context.Background()
	meta := map[string]any{"order_ref": "R-9", "orderRef": "kept apart"}
	session := testkit.Must(s.c.Checkout.CreateSession(ctx, api.CreateCheckoutSessionRequest{PlanIdentifier: "team", ChargePeriod: "MONTHLY",
		SuccessUrl: "https://shop.example/ok", Metadata: nullable.NewNullableWithValue(meta)}))(t)
	if err := srv.CompleteCheckout(*session.CheckoutSessionId); err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, e := range srv.Events() {
		order = append(order, e.Type)
	}
	want := []string{"customer.created", "checkout.completed", "subscription.created", "payment_method.created", "order.created", "invoice.created", "invoice.paid"}
	if strings.Join(order, " ") != strings.Join(want, " ") {
		t.Fatalf("events %v, want %v", order, want)
	}
	co := object(eventsOf(t, srv, "checkout.completed")[0])
	if _, has := co["subscription_id"]; has {
		t.Fatal("checkout.completed carries subscription_id")
	}
	if got, _ := json.Marshal(co["metadata"]); string(got) != `{"orderRef":"kept apart","order_ref":"R-9"}` {
		t.Fatalf("checkout metadata = %s", got)
	}
	data, _ := co["data"].(map[string]any)
	if co["status"] != "success" || data["discounts_enabled"] != true || co["amount_units"] != 2000.0 {
		t.Fatalf("checkout.completed = %v", co)
	}
	// A customer created by the checkout gets a unique customerId.
	cust := object(eventsOf(t, srv, "customer.created")[0])
	if id, _ := cust["customer_id"].(string); id == "" || co["customer_id"] != cust["id"] {
		t.Fatalf("checkout customer %v, created customer %v", co["customer_id"], cust)
	}
	for _, typ := range []string{"invoice.created", "invoice.paid"} {
		inv := object(eventsOf(t, srv, typ)[0])
		if inv["status"] != "PAID" || inv["payment_link"] != nil || inv["paid_at"] == nil || inv["subscription_id"] != object(eventsOf(t, srv, "subscription.created")[0])["id"] {
			t.Fatalf("%s = %v", typ, inv)
		}
	}
	if o := object(eventsOf(t, srv, "order.created")[0]); o["is_renewal"] != false || o["billing_type"] != "SUBSCRIPTION" {
		t.Fatalf("order.created = %v", o)
	}

	// discountsEnabled false is kept.
	off := testkit.Must(s.c.Checkout.CreateSession(ctx, api.CreateCheckoutSessionRequest{PlanIdentifier: "team", ChargePeriod: "MONTHLY",
		SuccessUrl: "https://shop.example/ok", DiscountsEnabled: nullable.NewNullableWithValue(false)}))(t)
	if err := srv.CompleteCheckout(*off.CheckoutSessionId); err != nil {
		t.Fatal(err)
	}
	all := eventsOf(t, srv, "checkout.completed")
	if data, _ := object(all[1])["data"].(map[string]any); data["discounts_enabled"] != false {
		t.Fatalf("discountsEnabled false: data = %v", data)
	}
}

func TestRefundsAsDocumented(t *testing.T) {
	t.Parallel()
	srv, s, _, subID := subscribed(t, "refund-rules")
	ctx := context.Background()
	orders := *testkit.Must(s.c.Orders.List(ctx, nil))(t).Results
	orderID := *orders[0].Id
	// No reason given: REQUESTED_BY_CUSTOMER. amountUnits wins over amount.
	rf := testkit.Must(s.c.Refunds.Create(ctx, api.RefundCreateRequest{OrderId: orderID, AmountUnits: testkit.Ptr(int64(500)), Amount: testkit.Ptr(json.Number("9.00"))}))(t)
	if rf.Reason == nil || string(*rf.Reason) != "REQUESTED_BY_CUSTOMER" || *rf.AmountUnits != 500 {
		t.Fatalf("refund without a reason = reason %v, units %v", rf.Reason, rf.AmountUnits)
	}
	if got := testkit.Must(s.c.Refunds.Get(ctx, rf.Id.String()))(t); got.Reason == nil || string(*got.Reason) != "REQUESTED_BY_CUSTOMER" || *got.Status != "SUCCEEDED" {
		t.Fatalf("retrieved refund = %+v", got)
	}
	// amount alone is in major units.
	testkit.Must(s.c.Refunds.Create(ctx, api.RefundCreateRequest{OrderId: orderID, Amount: testkit.Ptr(json.Number("5.00")), Reason: testkit.Ptr(api.RefundCreateRequestReason("DUPLICATE"))}))(t)
	order := testkit.Must(s.c.Orders.Get(ctx, orderID))(t)
	if *order.Status != "PARTIAL_REFUND" || *order.RefundedTotalUnits != 1000 {
		t.Fatalf("order after 10.00 of 20.00 = %v, refunded %v", *order.Status, *order.RefundedTotalUnits)
	}
	// Nothing given: the rest.
	testkit.Must(s.c.Refunds.Create(ctx, api.RefundCreateRequest{OrderId: orderID}))(t)
	if order = testkit.Must(s.c.Orders.Get(ctx, orderID))(t); *order.Status != "REFUNDED" || *order.RefundedTotalUnits != 2000 {
		t.Fatalf("order after refunding the rest = %v, refunded %v", *order.Status, *order.RefundedTotalUnits)
	}

	created, updated := eventsOf(t, srv, "refund.created"), eventsOf(t, srv, "refund.updated")
	if len(created) != 3 || len(updated) != 3 {
		t.Fatalf("%d refund.created, %d refund.updated; want 3 each", len(created), len(updated))
	}
	first := object(created[0])
	cust, _ := first["customer"].(map[string]any)
	if first["status"] != "PROCESSING" || object(updated[0])["status"] != "SUCCEEDED" || first["reason"] != "REQUESTED_BY_CUSTOMER" ||
		first["amount_units"] != 500.0 || first["subscription_id"] != subID || cust["customer_id"] != "cus_1" {
		t.Fatalf("refund events = %v / %v", first, object(updated[0]))
	}
	refunded := eventsOf(t, srv, "order.refunded")
	wantStatus := []struct{ now, before string }{{"PARTIAL_REFUND", "COMPLETE"}, {"PARTIAL_REFUND", "PARTIAL_REFUND"}, {"REFUNDED", "PARTIAL_REFUND"}}
	for i, w := range wantStatus {
		if object(refunded[i])["status"] != w.now || previous(refunded[i])["status"] != w.before {
			t.Errorf("order.refunded %d: status %v previous %v, want %s after %s", i, object(refunded[i])["status"], previous(refunded[i]), w.now, w.before)
		}
	}
	// A one-time purchase's refund has subscription_id null.
	if _, err := s.c.Refunds.Create(ctx, api.RefundCreateRequest{OrderId: orderID, AmountUnits: testkit.Ptr(int64(1))}); err == nil {
		t.Fatal("refunded more than the order")
	}
	charge := testkit.Must(s.c.Charges.Create(ctx, api.CreateChargeRequest{CustomerId: "cus_1", PlanIdentifier: "solo", ChargePeriod: "ONE_TIME"}))(t)
	if charge.EndDate != nil {
		t.Fatalf("a one-time charge has endDate %v", charge.EndDate)
	}
	var oneTime string
	for _, od := range *testkit.Must(s.c.Orders.List(ctx, &api.ListOrdersParams{BillingType: testkit.Ptr(api.ListOrdersParamsBillingType("ONE_TIME"))}))(t).Results {
		oneTime = *od.Id
	}
	testkit.Must(s.c.Refunds.Create(ctx, api.RefundCreateRequest{OrderId: oneTime}))(t)
	created = eventsOf(t, srv, "refund.created")
	if last := object(created[len(created)-1]); last["subscription_id"] != nil {
		t.Fatalf("one-time refund subscription_id = %v", last["subscription_id"])
	}
}

func TestChargesNeedASavedPaymentMethodAndOneTime(t *testing.T) {
	t.Parallel()
	_, s, _, _ := subscribed(t, "charges")
	ctx := context.Background()
	testkit.Must(s.c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus_new"}))(t)
	_, err := s.c.Charges.Create(ctx, api.CreateChargeRequest{CustomerId: "cus_new", PlanIdentifier: "solo", ChargePeriod: "ONE_TIME"})
	apiError(t, err, http.StatusBadRequest)
	_, err = s.c.Charges.Create(ctx, api.CreateChargeRequest{CustomerId: "cus_1", PlanIdentifier: "solo", ChargePeriod: "MONTHLY"})
	if err == nil {
		t.Fatal("a MONTHLY charge was accepted")
	}
	testkit.Must(s.c.Charges.Create(ctx, api.CreateChargeRequest{CustomerId: "cus_1", PlanIdentifier: "solo", ChargePeriod: "ONE_TIME"}))(t)
}

func TestOrdersAsDocumented(t *testing.T) {
	t.Parallel()
	_, s, clk, _ := subscribed(t, "orders")
	ctx := context.Background()
	clk.Advance(32 * 24 * time.Hour) // one renewal
	list := func(p *api.ListOrdersParams) []api.OrderResponse {
		t.Helper()
		return *testkit.Must(s.c.Orders.List(ctx, p))(t).Results
	}
	all := list(nil)
	if len(all) != 2 {
		t.Fatalf("%d orders", len(all))
	}
	renewals := list(&api.ListOrdersParams{IsRenewal: testkit.Ptr(true)})
	firsts := list(&api.ListOrdersParams{IsRenewal: testkit.Ptr(false), BillingType: testkit.Ptr(api.ListOrdersParamsBillingType("SUBSCRIPTION"))})
	if len(renewals) != 1 || len(firsts) != 1 || *renewals[0].Id == *firsts[0].Id {
		t.Fatalf("renewals %d, first orders %d", len(renewals), len(firsts))
	}
	if *all[0].Id != *renewals[0].Id {
		t.Fatal("the list is not newest first: the renewal is not first")
	}
	for _, od := range all {
		if *od.Status == "PENDING" {
			t.Fatalf("a PENDING order is listed: %v", *od.Id)
		}
	}
	// An order's events are those of every order of its subscription.
	one := testkit.Must(s.c.Orders.ListEvents(ctx, *firsts[0].Id, nil))(t)
	both := testkit.Must(s.c.Orders.ListEvents(ctx, *renewals[0].Id, nil))(t)
	if *one.Count != *both.Count || *one.Count < 4 {
		t.Fatalf("order events: %d and %d, want the same, of both orders", *one.Count, *both.Count)
	}
	// Newest first.
	evs := *one.Results
	for i := 1; i < len(evs); i++ {
		if evs[i].Id > evs[i-1].Id || evs[i].Timestamp.After(evs[i-1].Timestamp) {
			t.Fatalf("order events not newest first: %d then %d", evs[i-1].Id, evs[i].Id)
		}
	}
	if evs[0].Order != *renewals[0].Id {
		t.Fatalf("newest order event is of %s, want the renewal %s", evs[0].Order, *renewals[0].Id)
	}
}

func TestDailyAndTwentyEightDayPeriods(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock(time.Date(2026, 7, 20, 12, 0, 0, 0, time.UTC)) // a Monday
	srv := kelviqtest.NewServer(t, kelviqtest.WithClock(clk.Now))
	s := newShop(t, srv, "four-weeks")
	ctx := context.Background()
	testkit.Must(s.c.Catalog.Plans.BulkSetPrices(ctx, "team", api.PlanPriceBulkRequest{Prices: []api.PlanPriceCreateRequest{{
		PriceType: "PAID", Currency: testkit.Ptr("USD"), ChargeCatalogPrice: &[]api.PlanChargeCatalogPrice{{Charges: &[]api.PlanCharge{{
			ChargePeriod: testkit.Ptr(api.PlanChargeChargePeriod("MONTHLY")), PriceData: &map[string]any{"amount": "7.00"},
		}}}},
	}}}))(t)
	testkit.Must(s.c.Catalog.Plans.Publish(ctx, "team", api.PlanPublishRequest{}))(t)
	testkit.Must(s.c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus_4w"}))(t)
	sub := testkit.Must(s.c.Subscriptions.Create(ctx, api.CreateSubscriptionRequest{PlanIdentifier: "team", ChargePeriod: "TWENTY_EIGHT_DAYS", CustomerId: nullable.NewNullableWithValue("cus_4w")}))(t)
	testkit.Must(s.c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus_daily"}))(t)
	daily := testkit.Must(s.c.Subscriptions.Create(ctx, api.CreateSubscriptionRequest{PlanIdentifier: "team", ChargePeriod: "DAILY", CustomerId: nullable.NewNullableWithValue("cus_daily")}))(t)
	if !sub.BillingPeriodEndTime.Equal(clk.Now().AddDate(0, 0, 28)) || sub.BillingPeriodEndTime.Weekday() != time.Monday {
		t.Fatalf("28-day period ends %v", sub.BillingPeriodEndTime)
	}
	clk.Advance(29 * 24 * time.Hour)
	got := testkit.Must(s.c.Subscriptions.Get(ctx, sub.Id.String()))(t)
	if !got.BillingPeriodStartTime.Equal(*sub.BillingPeriodEndTime) || got.BillingPeriodEndTime.Weekday() != time.Monday {
		t.Fatalf("renewed period %v – %v", got.BillingPeriodStartTime, got.BillingPeriodEndTime)
	}
	// DAILY (the sandbox guide's way to test renewals) renews every day.
	d := testkit.Must(s.c.Subscriptions.Get(ctx, daily.Id.String()))(t)
	if want := daily.BillingPeriodStartTime.AddDate(0, 0, 29); !d.BillingPeriodStartTime.Equal(want) {
		t.Fatalf("daily subscription after 29 days starts its period %v, want %v", d.BillingPeriodStartTime, want)
	}
	renewals := *testkit.Must(s.c.Orders.List(ctx, &api.ListOrdersParams{IsRenewal: testkit.Ptr(true), PageSize: testkit.Ptr(100)}))(t).Results
	if len(renewals) != 29+1 { // 29 daily renewals and one 28-day one
		t.Fatalf("%d renewal orders, want 30", len(renewals))
	}
}

func TestPortalSessionNeedsACustomerEmail(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	c := newShop(t, srv, "portal").c
	ctx := context.Background()
	testkit.Must(c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus_no_mail"}))(t)
	_, err := c.Portal.CreateSession(ctx, api.CreatePortalSessionRequest{CustomerId: "cus_no_mail"})
	apiError(t, err, http.StatusBadRequest)
	_, err = c.Portal.CreateSession(ctx, api.CreatePortalSessionRequest{CustomerId: "cus_nobody"})
	apiError(t, err, http.StatusBadRequest)
	testkit.Must(c.Customers.Update(ctx, "cus_no_mail", api.CustomerUpdateRequest{Email: nullable.NewNullableWithValue("late@mail.example")}))(t)
	session := testkit.Must(c.Portal.CreateSession(ctx, api.CreatePortalSessionRequest{CustomerId: "cus_no_mail"}))(t)
	if session.Email == nil || *session.Email != "late@mail.example" || session.Token == nil || *session.Token == "" {
		t.Fatalf("portal session = %+v", session)
	}
	// The portal URL alone does not authenticate; with ?token= it opens.
	if status, _, _ := rawDo(t, "GET", *session.CustomerPortalUrl, nil, nil); status != http.StatusUnauthorized {
		t.Fatalf("portal URL without the token = %d", status)
	}
	if status, _, body := rawDo(t, "GET", *session.CustomerPortalUrl+"?token="+*session.Token, nil, nil); status != http.StatusOK || !strings.Contains(string(body), "cus_no_mail") {
		t.Fatalf("portal URL with the token = %d %s", status, body)
	}
}

func TestCustomersMayShareAnEmailNotAnID(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	c := newShop(t, srv, "shared-email").c
	ctx := context.Background()
	for _, id := range []string{"cus_home", "cus_work"} {
		testkit.Must(c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: id, Email: nullable.NewNullableWithValue("same@mail.example")}))(t)
	}
	_, err := c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus_home"})
	apiError(t, err, http.StatusBadRequest)
	testkit.Must(c.Customers.Update(ctx, "cus_work", api.CustomerUpdateRequest{Name: nullable.NewNullableWithValue("Office Account")}))(t)
	// Search looks at email, name and customerId.
	for search, want := range map[string]int{"SAME@mail": 2, "office": 1, "cus_home": 1} {
		if n := *testkit.Must(c.Customers.List(ctx, &api.ListCustomersParams{Search: testkit.Ptr(search)}))(t).Count; n != want {
			t.Errorf("search %q: %d customers, want %d", search, n, want)
		}
	}
	// Each record keeps its own subscriptions and payment methods.
	testkit.Must(c.Subscriptions.Create(ctx, api.CreateSubscriptionRequest{PlanIdentifier: "team", ChargePeriod: "MONTHLY", CustomerId: nullable.NewNullableWithValue("cus_home")}))(t)
	if n := len(*testkit.Must(c.Subscriptions.List(ctx, &api.ListSubscriptionsParams{CustomerId: testkit.Ptr("cus_work")}))(t).Results); n != 0 {
		t.Fatalf("cus_work has %d subscriptions of cus_home's", n)
	}
	if n := len(*testkit.Must(c.PaymentMethods.List(ctx, &api.ListPaymentMethodsParams{CustomerId: testkit.Ptr("cus_work")}))(t).Results); n != 0 {
		t.Fatalf("cus_work has %d payment methods of cus_home's", n)
	}
}

func TestSubscriptionStatusFilterTakesAList(t *testing.T) {
	t.Parallel()
	_, s, _, subID := subscribed(t, "status-list")
	ctx := context.Background()
	testkit.Must(s.c.Subscriptions.Create(ctx, api.CreateSubscriptionRequest{PlanIdentifier: "solo", ChargePeriod: "MONTHLY", CustomerId: nullable.NewNullableWithValue("cus_1")}))(t)
	testkit.Must(s.c.Subscriptions.Cancel(ctx, subID, api.CancelSubscriptionRequest{CancellationType: "IMMEDIATE"}))(t)
	count := func(status string) int {
		t.Helper()
		p := &api.ListSubscriptionsParams{CustomerId: testkit.Ptr("cus_1")}
		if status != "" {
			p.Status = &status
		}
		return len(*testkit.Must(s.c.Subscriptions.List(ctx, p))(t).Results)
	}
	if a, c, both, none := count("active"), count("canceled"), count("active,canceled"), count(""); a != 1 || c != 1 || both != 2 || none != 2 {
		// Without status the cancelled one is still listed today: its end
		// date (today) is not in the past.
		t.Fatalf("active %d, canceled %d, active,canceled %d, no status %d", a, c, both, none)
	}
}

func TestPaginationLinksFollowTheScheme(t *testing.T) {
	t.Parallel()
	srv, org, c := setup(t, "tls-links")
	ctx := context.Background()
	for _, id := range []string{"cus_a", "cus_b", "cus_c"} {
		testkit.Must(c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: id}))(t)
	}
	tlsSrv := httptest.NewTLSServer(srv.Handler())
	defer tlsSrv.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, tlsSrv.URL+kelviqtest.BasePath+"/customers/?page_size=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+org.ServerKey.Reveal())
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // httptest's own certificate
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct{ Next *string }
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	if page.Next == nil || !strings.HasPrefix(*page.Next, "https://") {
		t.Fatalf("next link over https = %v", page.Next)
	}
	// page_size above 100 is refused.
	_, err = c.Customers.List(ctx, &api.ListCustomersParams{PageSize: testkit.Ptr(101)})
	if err == nil {
		t.Fatal("page_size 101 accepted")
	}
}

func TestCheckoutSessionsExpireAfterADay(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock(time.Date(2026, 8, 10, 9, 0, 0, 0, time.UTC))
	srv := kelviqtest.NewServer(t, kelviqtest.WithClock(clk.Now))
	s := newPricedShop(t, srv, "expiry")
	ctx := context.Background()
	open := func() string {
		t.Helper()
		return *testkit.Must(s.c.Checkout.CreateSession(ctx, api.CreateCheckoutSessionRequest{PlanIdentifier: "team", ChargePeriod: "MONTHLY", SuccessUrl: "https://shop.example/ok"}))(t).CheckoutSessionId
	}
	early, late := open(), ""
	clk.Advance(23 * time.Hour)
	late = open()
	if got := testkit.Must(s.c.CheckoutSessions.Get(ctx, early))(t); *got.Status != "open" || got.Order != nil || got.Subscription != nil {
		t.Fatalf("a 23-hour-old session: status %v, order %v, subscription %v", *got.Status, got.Order, got.Subscription)
	}
	clk.Advance(time.Hour)
	if got := testkit.Must(s.c.CheckoutSessions.Get(ctx, early))(t); *got.Status != "expired" {
		t.Fatalf("a day-old session: status %v", *got.Status)
	}
	if err := srv.CompleteCheckout(early); err == nil {
		t.Fatal("an expired checkout completed")
	}
	if err := srv.CompleteCheckout(late); err != nil {
		t.Fatal(err)
	}
	// A session's events: newest first.
	events := *testkit.Must(s.c.CheckoutSessions.ListEvents(ctx, late, nil))(t).Results
	if len(events) < 3 || events[0].Code != "checkout_completed" || events[len(events)-1].Code != "checkout_created" {
		t.Fatalf("session events, newest first: %+v", events)
	}
	// Search looks at the product's name too.
	if n := len(*testkit.Must(s.c.CheckoutSessions.List(ctx, &api.ListCheckoutSessionsParams{Search: testkit.Ptr("team TOOL")}))(t).Results); n != 2 {
		t.Fatalf("search by product name: %d sessions", n)
	}
	expired := *testkit.Must(s.c.CheckoutSessions.List(ctx, &api.ListCheckoutSessionsParams{Status: testkit.Ptr("expired")}))(t).Results
	success := *testkit.Must(s.c.CheckoutSessions.List(ctx, &api.ListCheckoutSessionsParams{Status: testkit.Ptr("success")}))(t).Results
	if len(expired) != 1 || expired[0].Id == nil || *expired[0].Id != early || len(success) != 1 {
		t.Fatalf("expired %d, success %d", len(expired), len(success))
	}
	// The created-date filters: nothing created after today.
	today := openapi_types.Date{Time: clk.Now()}
	if n := len(*testkit.Must(s.c.CheckoutSessions.List(ctx, &api.ListCheckoutSessionsParams{EndDate: &today}))(t).Results); n != 2 {
		t.Fatalf("%d sessions created on or before today, want 2", n)
	}
	tomorrow := clk.Now().AddDate(0, 0, 1)
	if n := len(*testkit.Must(s.c.CheckoutSessions.List(ctx, &api.ListCheckoutSessionsParams{StartDate: &openapi_types.Date{Time: tomorrow}}))(t).Results); n != 0 {
		t.Fatalf("%d sessions created on or after tomorrow", n)
	}
}

func TestCheckoutRequestRules(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	s := newPricedShop(t, srv, "checkout-rules")
	ctx := context.Background()
	base := api.CreateCheckoutSessionRequest{PlanIdentifier: "team", ChargePeriod: "MONTHLY", SuccessUrl: "https://shop.example/ok"}
	// customAmount needs taxBehavior and currencyCode.
	withAmount := base
	withAmount.CustomAmount = nullable.NewNullableWithValue(12.5)
	_, err := s.c.Checkout.CreateSession(ctx, withAmount)
	if ae := apiError(t, err, http.StatusBadRequest); !strings.Contains(ae.Error(), "taxBehavior") {
		t.Fatalf("customAmount without taxBehavior: %v", ae)
	}
	withAmount.TaxBehavior = nullable.NewNullableWithValue(api.CreateCheckoutSessionRequestTaxBehavior("INCLUSIVE"))
	_, err = s.c.Checkout.CreateSession(ctx, withAmount)
	if ae := apiError(t, err, http.StatusBadRequest); !strings.Contains(ae.Error(), "currencyCode") {
		t.Fatalf("customAmount without currencyCode: %v", ae)
	}
	withAmount.CurrencyCode = nullable.NewNullableWithValue("EUR")
	session := testkit.Must(s.c.Checkout.CreateSession(ctx, withAmount))(t)
	if err := srv.CompleteCheckout(*session.CheckoutSessionId); err != nil {
		t.Fatal(err)
	}
	co := object(eventsOf(t, srv, "checkout.completed")[0])
	data, _ := co["data"].(map[string]any)
	if co["amount_units"] != 1250.0 || co["currency"] != "EUR" || data["tax_behavior"] != "INCLUSIVE" {
		t.Fatalf("custom amount checkout = %v %v %v", co["amount_units"], co["currency"], data)
	}
	if sub := object(eventsOf(t, srv, "subscription.created")[0]); sub["amount_units"] != 1250.0 || sub["currency"] != "EUR" {
		t.Fatalf("custom amount subscription = %v %v", sub["amount_units"], sub["currency"])
	}
	// A created session returns its URL and ID only (no metadata echo).
	org := testkit.Must(srv.ProvisionOrganization("checkout-raw", "raw@checkout.example"))(t)
	status, _, body := rawDo(t, "POST", srv.URL()+"/checkout/", http.Header{"Authorization": {"Bearer " + org.ServerKey.Reveal()}, "Content-Type": {"application/json"}},
		[]byte(`{"planIdentifier":"none","chargePeriod":"MONTHLY"}`))
	var fields map[string]any
	if status != http.StatusBadRequest || json.Unmarshal(body, &fields) != nil || fields["successUrl"] == nil {
		t.Fatalf("checkout without successUrl = %d %s, want 400 naming successUrl", status, body)
	}
	meta := base
	meta.Metadata = nullable.NewNullableWithValue(map[string]any{"k": "v"})
	raw, _ := json.Marshal(meta)
	status, _, body = rawDo(t, "POST", srv.URL()+"/checkout/", http.Header{"Authorization": {"Bearer " + s.org.ServerKey.Reveal()}, "Content-Type": {"application/json"}}, raw)
	fields = nil
	if status != http.StatusCreated || json.Unmarshal(body, &fields) != nil || len(fields) != 2 || fields["checkoutUrl"] == nil || fields["checkoutSessionId"] == nil {
		t.Fatalf("create checkout response = %d %s, want checkoutUrl and checkoutSessionId only", status, body)
	}
}

func TestCustomerUpdatedCarriesWhatChanged(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	c := newShop(t, srv, "customer-updated").c
	ctx := context.Background()
	testkit.Must(c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus_u", Name: nullable.NewNullableWithValue("First Name"),
		Metadata: nullable.NewNullableWithValue(map[string]string{"plan": "a"})}))(t)
	testkit.Must(c.Customers.Update(ctx, "cus_u", api.CustomerUpdateRequest{Name: nullable.NewNullableWithValue("Second Name")}))(t)
	updated := eventsOf(t, srv, "customer.updated")
	if len(updated) != 1 || object(updated[0])["name"] != "Second Name" {
		t.Fatalf("customer.updated = %v", updated)
	}
	if prev := previous(updated[0]); len(prev) != 1 || prev["name"] != "First Name" {
		t.Fatalf("previous_attributes = %v, want {name: First Name}", prev)
	}
	// Metadata given in an update replaces the old.
	got := testkit.Must(c.Customers.Update(ctx, "cus_u", api.CustomerUpdateRequest{Metadata: nullable.NewNullableWithValue(map[string]string{"seats": "4"})}))(t)
	if m := *got.Metadata; len(m) != 1 || m["seats"] != "4" {
		t.Fatalf("metadata after update = %v", m)
	}
}

func TestMoreReferenceRules(t *testing.T) {
	t.Parallel()
	srv, s, _, subID := subscribed(t, "reference-rules")
	ctx := context.Background()
	c := s.c
	// SPECIFIC_DATE needs cancellationDate.
	_, err := c.Subscriptions.Cancel(ctx, subID, api.CancelSubscriptionRequest{CancellationType: "SPECIFIC_DATE"})
	if ae := apiError(t, err, http.StatusBadRequest); !strings.Contains(ae.Error(), "cancellationDate") {
		t.Fatalf("SPECIFIC_DATE without a date: %v", ae)
	}
	// trialEnd is "now" or a time in the future.
	for value, ok := range map[string]bool{"now": true, "2099-01-01T00:00:00Z": true, "2099-01-01 00:00:00": true, "2020-01-01T00:00:00Z": false, "soon": false} {
		_, err := c.Subscriptions.Update(ctx, subID, api.UpdateSubscriptionRequest{PlanIdentifier: "team", ChargePeriod: "MONTHLY", TrialEnd: nullable.NewNullableWithValue(value)})
		if ok && err != nil {
			t.Errorf("trialEnd %q: %v", value, err)
		}
		if !ok {
			if ae := apiError(t, err, http.StatusBadRequest); !strings.Contains(ae.Error(), "trialEnd") {
				t.Errorf("trialEnd %q: %v", value, ae)
			}
		}
	}
	// A one-time purchase (how a free plan is bought) cannot be updated.
	charge := testkit.Must(c.Charges.Create(ctx, api.CreateChargeRequest{CustomerId: "cus_1", PlanIdentifier: "solo", ChargePeriod: "ONE_TIME"}))(t)
	if charge.TrialDaysRemaining == nil || *charge.TrialDaysRemaining != 0 || charge.EndDate != nil {
		t.Fatalf("charge: trialDaysRemaining %v endDate %v", charge.TrialDaysRemaining, charge.EndDate)
	}
	_, err = c.Subscriptions.Update(ctx, charge.Id.String(), api.UpdateSubscriptionRequest{PlanIdentifier: "team", ChargePeriod: "MONTHLY"})
	apiError(t, err, http.StatusBadRequest)
	// An order without a subscription has subscription {}.
	for _, od := range *testkit.Must(c.Orders.List(ctx, &api.ListOrdersParams{BillingType: testkit.Ptr(api.ListOrdersParamsBillingType("ONE_TIME"))}))(t).Results {
		if od.Subscription == nil || od.Subscription.Id != nil {
			t.Fatalf("one-time order subscription = %+v, want {}", od.Subscription)
		}
	}
	// Transactions: a charge's fee itemized (a fixed fee without a
	// percentage), a refund without fee has an empty breakdown.
	orderID := *(*testkit.Must(c.Orders.List(ctx, &api.ListOrdersParams{BillingType: testkit.Ptr(api.ListOrdersParamsBillingType("SUBSCRIPTION"))}))(t).Results)[0].Id
	testkit.Must(c.Refunds.Create(ctx, api.RefundCreateRequest{OrderId: orderID, AmountUnits: testkit.Ptr(int64(300))}))(t)
	names := map[string]bool{"base_fee": true, "fixed_fee": true, "international_fee": true, "subscription_fee": true, "conversion_fee": true, "fee_adjustment": true}
	var charges, refunds int
	txs := *testkit.Must(c.Transactions.List(ctx, nil))(t).Results
	for i := 1; i < len(txs); i++ {
		if txs[i].CreatedOn.After(*txs[i-1].CreatedOn) {
			t.Fatalf("transactions not newest first: %v before %v", *txs[i-1].CreatedOn, *txs[i].CreatedOn)
		}
	}
	if *txs[0].TransactionType != "REFUND" {
		t.Fatalf("newest transaction is %v, want the refund", *txs[0].TransactionType)
	}
	for _, tx := range txs {
		switch *tx.TransactionType {
		case "REFUND":
			refunds++
			if len(*tx.MorFeeBreakdown) != 0 {
				t.Errorf("refund fee breakdown = %+v, want empty", *tx.MorFeeBreakdown)
			}
		default:
			charges++
			for _, part := range *tx.MorFeeBreakdown {
				if !names[string(part.Name)] || (part.Name == "fixed_fee") != (part.Percentage == "") {
					t.Errorf("fee component %+v", part)
				}
			}
		}
	}
	if charges < 2 || refunds != 1 {
		t.Fatalf("%d charges, %d refunds", charges, refunds)
	}
	// A refund's business errors come as {"error": ...}, field errors by
	// field.
	hdr := http.Header{"Authorization": {"Bearer " + s.org.ServerKey.Reveal()}, "Content-Type": {"application/json"}}
	for body, key := range map[string]string{
		`{"orderId":"` + orderID + `","amountUnits":999999}`: "error",
		`{"orderId":"` + orderID + `","reason":"BORED"}`:     "reason",
	} {
		status, _, got := rawDo(t, "POST", srv.URL()+"/refunds/", hdr, []byte(body))
		var e map[string]any
		if status != http.StatusBadRequest || json.Unmarshal(got, &e) != nil || e[key] == nil {
			t.Errorf("refund %s = %d %s, want 400 with %q", body, status, got, key)
		}
	}
	// Transaction search looks at the customer too.
	if n := len(*testkit.Must(c.Transactions.List(ctx, &api.ListTransactionsParams{Search: testkit.Ptr("ONE@shop")}))(t).Results); n != len(txs) {
		t.Fatalf("search by the customer's email: %d of %d transactions", n, len(txs))
	}
	// Refund list filters: status, search by order, created dates.
	if n := len(*testkit.Must(c.Refunds.List(ctx, &api.ListRefundsParams{Status: testkit.Ptr(api.ListRefundsParamsStatus("SUCCEEDED")), Search: &orderID}))(t).Results); n != 1 {
		t.Fatalf("refunds of the order: %d", n)
	}
	if n := len(*testkit.Must(c.Refunds.List(ctx, &api.ListRefundsParams{Status: testkit.Ptr(api.ListRefundsParamsStatus("FAILED"))}))(t).Results); n != 0 {
		t.Fatalf("failed refunds: %d", n)
	}
	today := openapi_types.Date{Time: time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)}
	tomorrow := openapi_types.Date{Time: today.AddDate(0, 0, 1)}
	if on, after := len(*testkit.Must(c.Refunds.List(ctx, &api.ListRefundsParams{StartDate: &today, EndDate: &today}))(t).Results),
		len(*testkit.Must(c.Refunds.List(ctx, &api.ListRefundsParams{StartDate: &tomorrow}))(t).Results); on != 1 || after != 0 {
		t.Fatalf("refunds created today %d, from tomorrow %d", on, after)
	}
	// Payment methods: only succeeded, by customer, newest first; the
	// payment_method webhook names the customer by the merchant's ID.
	pms := *testkit.Must(c.PaymentMethods.List(ctx, &api.ListPaymentMethodsParams{CustomerId: testkit.Ptr("cus_1")}))(t).Results
	if len(pms) != 1 || *pms[0].Status != "succeeded" || !*pms[0].IsDefault {
		t.Fatalf("payment methods = %+v", pms)
	}
	if md := *pms[0].MethodData; md["expMonth"] == nil || md["expYear"] == nil || md["last4"] != "4242" {
		t.Fatalf("methodData = %v, want camelCase card details", md)
	}
	if byMail := *testkit.Must(c.PaymentMethods.List(ctx, &api.ListPaymentMethodsParams{CustomerEmail: testkit.Ptr("one@shop.example")}))(t).Results; len(byMail) != 1 {
		t.Fatalf("payment methods by customer_email: %d", len(byMail))
	}
	if other := *testkit.Must(c.PaymentMethods.List(ctx, &api.ListPaymentMethodsParams{CustomerEmail: testkit.Ptr("nobody@shop.example")}))(t).Results; len(other) != 0 {
		t.Fatalf("payment methods of an unknown email: %d", len(other))
	}
	pm := object(eventsOf(t, srv, "payment_method.created")[0])
	if _, isNumber := pm["id"].(float64); !isNumber || pm["customer_id"] != "cus_1" {
		t.Fatalf("payment_method.created id %v customer_id %v", pm["id"], pm["customer_id"])
	}
	// The product offering: with customer_id, isCustomerExists and the
	// subscription; plans_enabled narrows the plans.
	offer := testkit.Must(c.Monetization.GetProductOffering(ctx, s.product.Id.String(), &api.GetProductOfferingParams{CustomerId: testkit.Ptr("cus_1"), PlansEnabled: testkit.Ptr("solo")}))(t)
	if offer.IsCustomerExists == nil || !*offer.IsCustomerExists || offer.Subscription == nil || offer.Plans == nil || len(*offer.Plans) != 1 {
		t.Fatalf("product offering = exists %v, subscription %v, plans %v", offer.IsCustomerExists, offer.Subscription, offer.Plans)
	}
	if all := testkit.Must(c.Monetization.GetProductOffering(ctx, s.product.Id.String(), nil))(t); all.Plans == nil || len(*all.Plans) != 2 {
		t.Fatalf("offering without plans_enabled has %v plans, want both", all.Plans)
	}
	// A promotion's widget is a BANNER.
	if err := srv.AddPromotion(s.org.Identifier.String(), kelviqtest.Promotion{ID: "autumn", Code: "AUTUMN10", Country: "France", CountryCode: "FR", Percentage: 10, Message: "10 % off"}); err != nil {
		t.Fatal(err)
	}
	promo := testkit.Must(c.Promotions.Get(ctx, api.GetPromotionParams{PromotionId: "autumn"}))(t)
	if promo.Widgets == nil || len(*promo.Widgets) == 0 || string(*(*promo.Widgets)[0].Type) != "BANNER" {
		t.Fatalf("promotion widgets = %+v", promo.Widgets)
	}
	// reportUsage's timestamp is yyyy-MM-dd HH:mm:ss.ffffff.
	res := testkit.Must(c.Usage.Report(ctx, api.ReportUsageRequest{CustomerId: "cus_1", FeatureId: "seats", Value: 3, Behaviour: "SET"}))(t)
	if _, err := time.Parse("2006-01-02 15:04:05.000000", *res.Timestamp); err != nil {
		t.Fatalf("reportUsage timestamp %q: %v", *res.Timestamp, err)
	}
	alert := object(eventsOf(t, srv, "feature.usage_alert")[0])
	if alert["threshold_type"] != "PERCENTAGE" || alert["usage_limit"] != 3.0 || alert["current_usage"] != 3.0 || alert["subscription_id"] != subID {
		t.Fatalf("feature.usage_alert = %v", alert)
	}
}

func TestCustomizableEntitlementsCarryTheirValue(t *testing.T) {
	t.Parallel()
	srv := kelviqtest.NewServer(t)
	s := newShop(t, srv, "customizable")
	ctx := context.Background()
	ident := "projects"
	f := testkit.Must(s.c.Catalog.Features.Create(ctx, api.FeatureCreateRequest{Name: "Projects", Identifier: &ident, FeatureType: "CUSTOMIZABLE"}))(t)
	val := any(7)
	testkit.Must(s.c.Catalog.Plans.AddFeatures(ctx, "team", nil, api.PlanFeaturesCreateRequest{PlanEntitlements: []api.PlanFeatureEntitlementWrite{
		{Feature: *f.Id, Details: api.PlanEntitlementDetails{Value: &val}},
	}}))(t)
	testkit.Must(s.c.Catalog.Plans.Publish(ctx, "team", api.PlanPublishRequest{}))(t)
	testkit.Must(s.c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus_c"}))(t)
	testkit.Must(s.c.Subscriptions.Create(ctx, api.CreateSubscriptionRequest{PlanIdentifier: "team", ChargePeriod: "MONTHLY", CustomerId: nullable.NewNullableWithValue("cus_c")}))(t)
	e := entitlement(t, s.c, "cus_c", "projects")
	if e == nil || !*e.HasAccess || e.UsageLimit == nil || *e.UsageLimit != 7 || e.FeatureType == nil || string(*e.FeatureType) != "CUSTOMIZABLE" {
		t.Fatalf("CUSTOMIZABLE entitlement = %+v", e)
	}
}

// TestFailedRenewalsAsTheGuideSays: a declined card renewal goes past_due
// (invoice.created, invoice.payment_failed with a payment_link,
// subscription.updated), is retried up to 8 times over 14 days, and is
// cancelled after the last failure; a retry that succeeds pays the invoice
// and makes the subscription active again.
func TestFailedRenewalsAsTheGuideSays(t *testing.T) {
	t.Parallel()
	srv, s, clk, subID := subscribed(t, "dunning")
	ctx := context.Background()
	orgID := s.org.Identifier.String()
	testkit.Must(s.c.Customers.Create(ctx, api.CustomerCreateRequest{CustomerId: "cus_2", Email: nullable.NewNullableWithValue("two@shop.example")}))(t)
	sub2 := testkit.Must(s.c.Subscriptions.Create(ctx, api.CreateSubscriptionRequest{PlanIdentifier: "team", ChargePeriod: "MONTHLY", CustomerId: nullable.NewNullableWithValue("cus_2")}))(t).Id.String()
	for _, c := range []string{"cus_1", "cus_2"} {
		if err := srv.DeclinePayments(orgID, c, true); err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.c.Charges.Create(ctx, api.CreateChargeRequest{CustomerId: "cus_1", PlanIdentifier: "solo", ChargePeriod: "ONE_TIME"})
	apiError(t, err, http.StatusBadRequest) // a declined charge

	clk.Advance(31 * 24 * time.Hour) // the period is over: the renewal fails
	for _, id := range []string{subID, sub2} {
		if got := testkit.Must(s.c.Subscriptions.Get(ctx, id))(t); *got.Status != "past_due" {
			t.Fatalf("after a declined renewal: status %v", *got.Status)
		}
	}
	failed := eventsOf(t, srv, "invoice.payment_failed")
	if len(failed) != 2 {
		t.Fatalf("%d invoice.payment_failed, want one per subscription", len(failed))
	}
	inv := object(failed[0])
	link, _ := inv["payment_link"].(string)
	if inv["status"] != "PAYMENT_FAILED" || inv["paid_at"] != nil || !strings.HasPrefix(link, "http://127.0.0.1:") {
		t.Fatalf("invoice.payment_failed = %v", inv)
	}
	if status, _, _ := rawDo(t, "GET", link, nil, nil); status != http.StatusOK {
		t.Fatalf("payment_link responds with %d", status)
	}
	if created := eventsOf(t, srv, "invoice.created"); object(created[len(created)-1])["status"] != "OPEN" {
		t.Fatalf("the failed invoice was created %v", object(created[len(created)-1])["status"])
	}
	var pastDue int
	for _, e := range eventsOf(t, srv, "subscription.updated") {
		if object(e)["status"] == "past_due" && previous(e)["status"] == "active" {
			pastDue++
		}
	}
	if pastDue != 2 {
		t.Fatalf("%d subscription.updated to past_due, want 2", pastDue)
	}
	// Access stays while kelviq retries.
	if e := entitlement(t, s.c, "cus_1", "sso"); e == nil || !*e.HasAccess {
		t.Fatalf("past_due entitlement = %+v", e)
	}

	// cus_2 pays on a retry: the invoice is paid, the subscription active.
	if err := srv.DeclinePayments(orgID, "cus_2", false); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * 24 * time.Hour) // past the first retry (14 days / 8)
	if got := testkit.Must(s.c.Subscriptions.Get(ctx, sub2))(t); *got.Status != "active" {
		t.Fatalf("after a retry that pays: status %v", *got.Status)
	}
	paid := eventsOf(t, srv, "invoice.paid")
	last := paid[len(paid)-1]
	if object(last)["id"] != object(failed[1])["id"] || previous(last)["status"] != "PAYMENT_FAILED" || object(last)["status"] != "PAID" {
		t.Fatalf("the recovered invoice.paid = %v / %v", object(last), previous(last))
	}

	// cus_1 never pays: 8 retries over 14 days, then cancelled.
	clk.Advance(13 * 24 * time.Hour)
	got := testkit.Must(s.c.Subscriptions.Get(ctx, subID))(t)
	if *got.Status != "canceled" {
		t.Fatalf("after 14 days of declines: status %v", *got.Status)
	}
	var retries int
	for _, e := range eventsOf(t, srv, "invoice.payment_failed") {
		if object(e)["subscription_id"] == subID {
			retries++
		}
	}
	if retries != 1+8 { // the first attempt and the 8 retries, each failed
		t.Fatalf("%d invoice.payment_failed for the declined subscription", retries)
	}
	cancelled := eventsOf(t, srv, "subscription.cancelled")
	if len(cancelled) != 1 || object(cancelled[0])["id"] != subID || previous(cancelled[0])["status"] != "past_due" {
		t.Fatalf("subscription.cancelled = %v", cancelled)
	}
	if e := entitlement(t, s.c, "cus_1", "sso"); e != nil {
		t.Fatalf("entitlement after the cancellation = %+v", e)
	}
}
