package kelviqtest

import (
	"net/http"
	"slices"
	"strings"

	"github.com/kelviq/kelviq-go/internal/fakeapi"
)

// The Transactions service: charges and refunds as money movements.

// ListTransactions lists charges and refunds, newest first.
func (f *fake) ListTransactions(w http.ResponseWriter, r *http.Request, params fakeapi.ListTransactionsParams) {
	f.withOrg(w, r, nil, func(o *org) {
		search := strings.ToLower(deref(params.Search))
		f.s.settle(o)
		items := []obj{}
		for _, t := range slices.Backward(o.transactions) {
			if (params.Status != nil && string(*params.Status) != "success") ||
				(search != "" && !o.searchOrder(search, o.orders.get(t.orderID), t.id.String(), t.orderID, "card")) ||
				!inDates(t.created, params.StartDate, params.EndDate) {
				continue
			}
			items = append(items, o.transactionObj(t))
		}
		writePage(w, r, f.s.spec, items, params.Page, params.PageSize)
	})
}
