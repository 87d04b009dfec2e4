package kelviqtest

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/kelviq/kelviq-go/internal/fakeapi"
)

// The Promotions service: promotions added with AddPromotion.

// AddPromotion adds a promotion that getPromotion returns for the
// organization with the given identifier.
func (s *Server) AddPromotion(organizationID string, p Promotion) error {
	if strings.TrimSpace(p.ID) == "" {
		return fmt.Errorf("kelviqtest: AddPromotion: Promotion.ID is empty")
	}
	st := s.state
	st.mu.Lock()
	defer st.mu.Unlock()
	o, err := st.orgByID("AddPromotion", organizationID)
	if err != nil {
		return err
	}
	o.promotions[p.ID] = p
	return nil
}

// GetPromotion returns a promotion added with AddPromotion.
func (f *fake) GetPromotion(w http.ResponseWriter, r *http.Request, params fakeapi.GetPromotionParams) {
	f.withOrg(w, r, nil, func(o *org) {
		p, ok := o.promotions[params.PromotionId]
		if !ok {
			writeDetail(w, http.StatusNotFound, "Promotion not found.")
			return
		}
		writeJSON(w, http.StatusOK, obj{
			"country": p.Country, "countryCode": p.CountryCode, "percentage": p.Percentage, "code": p.Code, "message": p.Message,
			"widgets": []obj{{
				"type": "BANNER", "backgroundColor": "#1f2937", "fontColor": "#ffffff", "highlightFontColor": "#facc15",
				"fontSize": "14px", "borderRadius": "4px", "placement": "top", "unStyled": false, "addCloseIcon": true,
				"countryMessage": p.Message,
			}},
			"security": obj{"vpn": false, "tor": false, "proxy": false, "relay": false, "crawler": false},
		})
	})
}
