package wrapper

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kelviq/kelviq-go/api"
)

// orgWire must decode every field the generated type declares, under the
// same JSON names: if the spec changes PartnerOrganization, this fails.
func TestOrgWireMatchesGeneratedType(t *testing.T) {
	t.Parallel()
	names := func(typ reflect.Type) []string {
		var out []string
		for f := range typ.Fields() {
			out = append(out, strings.Split(f.Tag.Get("json"), ",")[0])
		}
		slices.Sort(out)
		return out
	}
	want := names(reflect.TypeFor[api.PartnerOrganization]())
	got := names(reflect.TypeFor[orgWire]())
	if !slices.Equal(got, want) {
		t.Fatalf("orgWire JSON names %v, api.PartnerOrganization %v", got, want)
	}
}
