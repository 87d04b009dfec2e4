package wrapper

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/kelviq/kelviq-go/api"
	"github.com/oapi-codegen/nullable"
	openapi_types "github.com/oapi-codegen/runtime/types"
)

// The generated decoders (decode.gen.go) are held to encoding/json: on
// every response type, for inputs made from the type itself and for what the
// fuzzer makes of them, a decoder that succeeds gives exactly what
// json.Unmarshal gives, and where json.Unmarshal fails, so does it.

var (
	numberType   = reflect.TypeFor[json.Number]()
	uuidType     = reflect.TypeFor[uuid.UUID]()
	timeType     = reflect.TypeFor[time.Time]()
	dateType     = reflect.TypeFor[openapi_types.Date]()
	rawType      = reflect.TypeFor[json.RawMessage]()
	unmarshaler  = reflect.TypeFor[json.Unmarshaler]()
	nullableKind = reflect.TypeFor[nullable.Nullable[string]]().Kind()
)

// sampleStyle says how sample writes a value.
type sampleStyle int

const (
	styleFull   sampleStyle = iota // every field, plain values
	styleNull                      // every field null
	styleTricky                    // escapes, non-ASCII, money as strings, unknown members and enum values
	styleEmpty                     // empty objects and arrays
)

// sample writes a JSON value for t.
func sample(b *strings.Builder, t reflect.Type, style sampleStyle, depth int) {
	if style == styleNull && depth > 0 {
		b.WriteString("null")
		return
	}
	if depth > 6 {
		b.WriteString("null")
		return
	}
	switch t {
	case numberType:
		if style == styleTricky {
			b.WriteString(`"12.50"`)
		} else {
			b.WriteString("1234567890.123456789")
		}
		return
	case uuidType:
		b.WriteString(`"3f0c2a8e-5b7d-4c1e-9a2f-6d8e0b4c7a19"`)
		return
	case timeType:
		b.WriteString(`"2026-01-02T03:04:05.123+01:00"`)
		return
	case dateType:
		b.WriteString(`"2026-01-02"`)
		return
	case rawType:
		b.WriteString(`{"any":[1,"two"]}`)
		return
	}
	if t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(unmarshaler) && t.Kind() != nullableKind {
		// A union or a type with its own decoding: a number is what most
		// of the spec's unions hold.
		b.WriteString("7")
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		sample(b, t.Elem(), style, depth)
	case reflect.String:
		switch style {
		case styleTricky:
			b.WriteString(`"Zoë \"quoted\" \u00e9\n\ud83d\ude00 ⌘ / \/ unknown_enum_value"`)
		default:
			fmt.Fprintf(b, `"v%d-%s"`, depth, strings.ToLower(t.Name()))
		}
	case reflect.Bool:
		b.WriteString("true")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if style == styleTricky {
			b.WriteString("-0")
		} else {
			b.WriteString("42")
		}
	case reflect.Float32, reflect.Float64:
		if style == styleTricky {
			b.WriteString("-1.5e-3")
		} else {
			b.WriteString("2.25")
		}
	case reflect.Slice:
		if style == styleEmpty {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		sample(b, t.Elem(), style, depth+1)
		b.WriteByte(',')
		sample(b, t.Elem(), style, depth+1)
		b.WriteByte(']')
	case reflect.Map:
		if t.Key().Kind() == reflect.Bool { // nullable.Nullable
			sample(b, t.Elem(), style, depth)
			return
		}
		if style == styleEmpty {
			b.WriteString("{}")
			return
		}
		b.WriteString(`{"k1":`)
		sample(b, t.Elem(), style, depth+1)
		b.WriteString(`,"k\u00e9":`)
		sample(b, t.Elem(), style, depth+1)
		b.WriteByte('}')
	case reflect.Interface:
		b.WriteString(`{"a":[1,2.5,"x",true,null]}`)
	case reflect.Struct:
		b.WriteByte('{')
		first := true
		if style == styleTricky {
			b.WriteString(`"unknownMember":{"deep":[1,{"x":null}]}`)
			first = false
		}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			fmt.Fprintf(b, "%q:", name)
			if style == styleEmpty {
				b.WriteString(emptyOf(f.Type))
				continue
			}
			sample(b, f.Type, style, depth+1)
		}
		b.WriteByte('}')
	default:
		b.WriteString("null")
	}
}

// emptyOf is an empty value of t's kind where there is one, else null.
func emptyOf(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice:
		return "[]"
	case reflect.Struct:
		if t == timeType || t == dateType {
			return "null"
		}
		return "{}"
	case reflect.Map:
		if t.Key().Kind() == reflect.Bool {
			return "null"
		}
		return "{}"
	case reflect.String:
		return `""`
	}
	return "null"
}

// samples returns the inputs made from each response type.
func samples() (types []func() any, bodies [][]byte) {
	for _, mk := range responseTypes {
		t := reflect.TypeOf(mk()).Elem()
		for _, st := range []sampleStyle{styleFull, styleNull, styleTricky, styleEmpty} {
			var b strings.Builder
			sample(&b, t, st, 0)
			types, bodies = append(types, mk), append(bodies, []byte(b.String()))
		}
	}
	return types, bodies
}

// agree decodes body into a new value of mk's type both ways and fails t
// when they differ. It reports whether the generated decoder took it.
func agree(t *testing.T, mk func() any, body []byte, own bool) bool {
	t.Helper()
	want := mk()
	jerr := decodeJSON(body, want)
	got := mk()
	fast := decodeFast(string(body), got, own)
	if fast && jerr != nil {
		t.Fatalf("%T: the generated decoder took %s, encoding/json refused it: %v", got, body, jerr)
	}
	if fast && !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Fatalf("%T: %s\ngenerated: %s\nencoding/json: %s", got, body, g, w)
	}
	return fast
}

// TestDecodeAgreesOnEveryResponseType checks every response type on inputs
// made from the type (every field set, every field null, escapes and
// non-ASCII text with unknown members and enum values, empty objects and
// arrays): each decodes exactly as encoding/json decodes it, and every
// input encoding/json takes is taken by the generated decoder itself, not
// left to encoding/json.
func TestDecodeAgreesOnEveryResponseType(t *testing.T) {
	types, bodies := samples()
	if len(responseTypes) < 30 {
		t.Fatalf("only %d response types have a generated decoder", len(responseTypes))
	}
	taken := 0
	for i, body := range bodies {
		for _, own := range []bool{false, true} {
			fast := agree(t, types[i], body, own)
			if !fast && json.Unmarshal(body, types[i]()) == nil {
				t.Errorf("%T: the generated decoder gave up on %s", types[i](), body)
			}
			if fast && !own {
				taken++
			}
		}
	}
	// The inputs must be ones encoding/json takes, or this checks little.
	if taken < len(bodies)*3/4 {
		t.Errorf("the generated decoders took only %d of %d inputs", taken, len(bodies))
	}
	t.Logf("%d response types, %d inputs, %d decoded by the generated decoders", len(responseTypes), len(bodies), taken)
}

// TestDecodeLeavesTheUnusualToEncodingJSON checks inputs the generated
// decoders do not take themselves, and that decode (through the fallback)
// still gives encoding/json's value or error.
func TestDecodeLeavesTheUnusualToEncodingJSON(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		ok         bool // encoding/json takes it
	}{
		{"repeated member", `{"results":[{"name":"a"}],"results":[{"email":"b"}]}`, true},
		{"member name in other case", `{"RESULTS":[{"Name":"a"}]}`, true},
		{"escaped member name", `{"res\u0075lts":[{"name":"a"}]}`, true},
		{"trailing text", `{"count":1} x`, false},
		{"wrong type", `{"count":"1"}`, false},
		{"fraction into an integer", `{"count":1.5}`, false},
		{"invalid escape in an unknown member", `{"zzz":"\x"}`, false},
		{"null body", `null`, false},
		{"array body", `[]`, false},
		{"truncated", `{"results":[{"name":"a"}`, false},
		{"deep unknown member", `{"zzz":` + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + `,"count":3}`, true},
		{"too deep for encoding/json", `{"zzz":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(tc.body)), ContentLength: int64(len(tc.body)),
				Request: httptest.NewRequest(http.MethodGet, "/api/v1/customers/", nil)}
			got, err := decode[api.CustomerListResponse](resp, nil)
			want := new(api.CustomerListResponse)
			jerr := decodeJSON([]byte(tc.body), want)
			if (jerr == nil) != tc.ok {
				t.Fatalf("encoding/json: %v, want ok=%v", jerr, tc.ok)
			}
			if tc.ok {
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Fatalf("decode = %+v, %v; want %+v", got, err, want)
				}
				return
			}
			var de *DecodeError
			if !errors.As(err, &de) || de.StatusCode != 200 || de.Err.Error() != jerr.Error() {
				t.Fatalf("decode error = %v, want a *DecodeError with status 200 and encoding/json's error %q", err, jerr)
			}
		})
	}
}

// FuzzDecodeAgrees holds the generated decoders to encoding/json on what
// the fuzzer makes of the samples of every response type.
//
//	go test ./wrapper/ -run '^$' -fuzz '^FuzzDecodeAgrees$' -fuzztime 60s
func FuzzDecodeAgrees(f *testing.F) {
	types, bodies := samples()
	index := map[uintptr]uint8{}
	for i, mk := range responseTypes {
		index[reflect.ValueOf(mk).Pointer()] = uint8(i)
	}
	for i, body := range bodies {
		f.Add(index[reflect.ValueOf(types[i]).Pointer()], body, i%2 == 0)
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte, own bool) {
		agree(t, responseTypes[int(which)%len(responseTypes)], body, own)
	})
}

// A response that holds a credential decodes into strings of their own: the
// read buffer is cleared after decoding (so the plain key does not linger
// in it), and the result, which shares nothing with it, is intact.
func TestDecodeOwnedSharesNothingWithTheBody(t *testing.T) {
	body := `{"userId":7,"organizationIdentifier":"3f0c2a8e-5b7d-4c1e-9a2f-6d8e0b4c7a19","organizationSlug":"northwind","clientKey":"ck_x","serverKey":"sk_live_plain_key","partnerExternalId":"nw-1"}`
	want := new(api.PartnerOrganization)
	if err := json.Unmarshal([]byte(body), want); err != nil {
		t.Fatal(err)
	}
	var buf []byte
	resp := &http.Response{StatusCode: 200, Body: io.NopCloser(&recordingReader{r: strings.NewReader(body), seen: &buf}),
		ContentLength: -1, Request: httptest.NewRequest(http.MethodGet, "/api/v1/partner/organizations/x/", nil)}
	got, err := decodeOwned[api.PartnerOrganization](resp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeOwned = %+v, want %+v", got, want)
	}
	if strings.Contains(string(buf), "sk_live_plain_key") {
		t.Error("the read buffer still holds the server key after decoding")
	}
}

// recordingReader remembers the buffer its reader filled last, so that a
// test can look at it after the body was read.
type recordingReader struct {
	r    io.Reader
	seen *[]byte
}

func (r *recordingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		*r.seen = p[:n:n]
	}
	return n, err
}

// okResponse is a 200 response with body, as the engine hands it to decode.
func okResponse(body string) *http.Response {
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)),
		Request: httptest.NewRequest(http.MethodGet, "/api/v1/x/", nil)}
}

// The guarantees the responses had with encoding/json hold on the generated
// path, which these inputs take (decodeFast accepts each): unknown members
// and unknown enum values are kept out of the way and as they came, and
// money keeps its exact decimal text, written as a number or a string.
func TestDecodeKeepsTheGuarantees(t *testing.T) {
	events := `{"count":1,"next":null,"results":[{"code":"c1","id":9,"metadata":{"k":[1]},"order":"o1",` +
		`"status":"a_status_added_later","timestamp":"2026-01-02T03:04:05Z","title":"t","addedLater":{"x":[true]}}],"alsoNew":1}`
	if !decodeFast(events, new(api.OrderEventListResponse), false) {
		t.Fatal("the generated decoder gave up on a response with unknown members")
	}
	list, err := decode[api.OrderEventListResponse](okResponse(events), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := (*list.Results)[0].Status; got != "a_status_added_later" {
		t.Errorf("unknown enum value decoded as %q", got)
	}
	money := `{"results":[{"amountTotal":1234567890.123456789,"collectedTax":"0.10"}]}`
	if !decodeFast(money, new(api.TransactionListResponse), false) {
		t.Fatal("the generated decoder gave up on money")
	}
	tx, err := decode[api.TransactionListResponse](okResponse(money), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := (*tx.Results)[0]
	if *r.AmountTotal != "1234567890.123456789" || *r.CollectedTax != "0.10" {
		t.Errorf("money decoded as %q and %q, want the exact text", *r.AmountTotal, *r.CollectedTax)
	}
}
