package peers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/go-faster/jx"
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
	"github.com/google/uuid"

	"github.com/kelviq/kelviq-go/api"
	"github.com/kelviq/kelviq-go/bench/internal/benchapi"
	"github.com/kelviq/kelviq-go/bench/peers/ogenapi"
)

// BenchmarkDecodeCandidates measures the JSON engines that were candidates
// for decoding responses, on the benchmark's two responses (one page of 100
// customers, one organization) held in memory, into the api package's
// types (ogen into its own):
//
//   - encoding-json: encoding/json's Unmarshal (the wrapper before);
//   - json-v2: github.com/go-json-experiment/json's Unmarshal, as it is
//     and with v1's semantics (DefaultOptionsV1: case-insensitive names,
//     and the rest of what the wrapper promises today);
//   - jsontext: a hand-written decoder for the page on its streaming
//     jsontext.Decoder, what a generator on jsontext would write;
//   - ogen-jx: ogen's generated decoder on go-faster/jx.
//
// The generated decoders the wrapper uses are measured beside
// encoding/json in package wrapper (BenchmarkDecodeResponse); the results
// of both are in BENCH.md.
func BenchmarkDecodeCandidates(b *testing.B) {
	page := benchapi.CustomerPages("http://127.0.0.1:1", 200)[0]
	bodies := []struct {
		name string
		body []byte
		api  func() any
		ogen func(*jx.Decoder) error
	}{
		{"page", page, func() any { return new(api.CustomerListResponse) },
			func(d *jx.Decoder) error { var v ogenapi.CustomerListResponse; return v.Decode(d) }},
		{"org", benchapi.OrgBody, func() any { return new(api.PartnerOrganization) },
			func(d *jx.Decoder) error { var v ogenapi.PartnerOrganization; return v.Decode(d) }},
	}
	v1opts := jsonv1.DefaultOptionsV1()
	for _, c := range bodies {
		b.Run(c.name+"/engine=encoding-json", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := json.Unmarshal(c.body, c.api()); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/engine=json-v2", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := jsonv2.Unmarshal(c.body, c.api()); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/engine=json-v2-v1semantics", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := jsonv2.Unmarshal(c.body, c.api(), v1opts); err != nil {
					b.Fatal(err)
				}
			}
		})
		if c.name == "page" {
			b.Run(c.name+"/engine=jsontext", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := jsontextPage(c.body); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(c.name+"/engine=ogen-jx", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.ogen(jx.DecodeBytes(c.body)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestJSONTextPageDecodes checks the jsontext candidate against
// encoding/json, so that it is measured doing the whole job.
func TestJSONTextPageDecodes(t *testing.T) {
	body := benchapi.CustomerPages("http://127.0.0.1:1", 200)[0]
	got, err := jsontextPage(body)
	if err != nil {
		t.Fatal(err)
	}
	var want api.CustomerListResponse
	if err := json.Unmarshal(body, &want); err != nil {
		t.Fatal(err)
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(&want)
	if !bytes.Equal(g, w) {
		t.Fatalf("jsontext decoder:\n%s\nencoding/json:\n%s", g, w)
	}
}

// jsontextPage decodes a customer page on jsontext's token stream, for
// the fields the benchmark's page holds.
func jsontextPage(body []byte) (*api.CustomerListResponse, error) {
	d := jsontext.NewDecoder(bytes.NewReader(body))
	var out api.CustomerListResponse
	str := func() (*string, error) {
		tok, err := d.ReadToken()
		if err != nil || tok.Kind() == 'n' {
			return nil, err
		}
		s := tok.String()
		return &s, nil
	}
	if tok, err := d.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, fmt.Errorf("want an object: %v", err)
	}
	for d.PeekKind() != '}' {
		name, err := d.ReadToken()
		if err != nil {
			return nil, err
		}
		switch name.String() {
		case "count":
			tok, err := d.ReadToken()
			if err != nil {
				return nil, err
			}
			n64, err := tok.Int()
			if err != nil {
				return nil, err
			}
			n := int(n64)
			out.Count = &n
		case "next":
			if out.Next, err = str(); err != nil {
				return nil, err
			}
		case "previous":
			if out.Previous, err = str(); err != nil {
				return nil, err
			}
		case "results":
			var rs []api.CustomerResponse
			if _, err := d.ReadToken(); err != nil {
				return nil, err
			}
			for d.PeekKind() != ']' {
				var c api.CustomerResponse
				if _, err := d.ReadToken(); err != nil {
					return nil, err
				}
				for d.PeekKind() != '}' {
					field, err := d.ReadToken()
					if err != nil {
						return nil, err
					}
					switch field.String() {
					case "id":
						s, err := str()
						if err != nil {
							return nil, err
						}
						id, err := uuid.Parse(*s)
						if err != nil {
							return nil, err
						}
						c.Id = &id
					case "customerId":
						c.CustomerId, err = str()
					case "email":
						c.Email, err = str()
					case "name":
						c.Name, err = str()
					case "createdOn":
						c.CreatedOn, err = str()
					case "metadata":
						m := map[string]string{}
						if _, err := d.ReadToken(); err != nil {
							return nil, err
						}
						for d.PeekKind() != '}' {
							k, err := d.ReadToken()
							if err != nil {
								return nil, err
							}
							key := k.String() // before the next read voids k
							v, err := d.ReadToken()
							if err != nil {
								return nil, err
							}
							m[key] = v.String()
						}
						_, err = d.ReadToken()
						c.Metadata = &m
					default:
						err = d.SkipValue()
					}
					if err != nil {
						return nil, err
					}
				}
				if _, err := d.ReadToken(); err != nil {
					return nil, err
				}
				rs = append(rs, c)
			}
			if _, err := d.ReadToken(); err != nil {
				return nil, err
			}
			out.Results = &rs
		default:
			if err := d.SkipValue(); err != nil {
				return nil, err
			}
		}
	}
	return &out, nil
}
