package catalog

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"

	"go.yaml.in/yaml/v3"
)

// SchemaURL is where the published JSON Schema of the file format lives;
// YAML and Starter name it in a yaml-language-server comment so that
// editors complete and check the file.
const SchemaURL = "https://raw.githubusercontent.com/kelviq/kelviq-go/main/catalog/kelviq.schema.json"

const header = "# yaml-language-server: $schema=" + SchemaURL + "\n"

// YAML writes c as a catalog file: keys in the format's order, absent
// optional fields left out (a plan's empty price set is written as
// "prices: []", which is not the same as no prices key). Load of the result
// gives back a Catalog equal to c, apart from the fields that are not part
// of the file (Warnings, Managed, Draft).
func (c *Catalog) YAML() ([]byte, error) {
	n, err := structNode(reflect.ValueOf(c).Elem())
	if err != nil {
		return nil, fmt.Errorf("catalog: writing YAML: %w", err)
	}
	var buf bytes.Buffer
	buf.WriteString(header)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, fmt.Errorf("catalog: writing YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("catalog: writing YAML: %w", err)
	}
	return buf.Bytes(), nil
}

// structNode builds the mapping of a format struct, by its fields.
func structNode(v reflect.Value) (*yaml.Node, error) {
	m := &yaml.Node{Kind: yaml.MappingNode}
	keys, extra := named(v.Type())
	put := func(key string, val *yaml.Node) {
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, val)
	}
	for _, f := range keys {
		fv := v.Field(f.index)
		if skip(fv) {
			continue
		}
		var (
			val *yaml.Node
			err error
		)
		if f.typ.Kind() == reflect.Slice && f.typ.Elem().Kind() == reflect.Struct {
			val = &yaml.Node{Kind: yaml.SequenceNode}
			if fv.Len() == 0 {
				val.Style = yaml.FlowStyle
			}
			for i := range fv.Len() {
				en, err := structNode(fv.Index(i))
				if err != nil {
					return nil, err
				}
				val.Content = append(val.Content, en)
			}
		} else {
			val, err = leafNode(fv.Interface())
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f.key, err)
			}
		}
		put(f.key, val)
	}
	if extra != nil {
		ev := v.Field(extra.index)
		mk := ev.MapKeys()
		names := make([]string, len(mk))
		for i, k := range mk {
			names[i] = k.String()
		}
		slices.Sort(names)
		for _, k := range names {
			val, err := leafNode(ev.MapIndex(reflect.ValueOf(k)).Interface())
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			put(k, val)
		}
	}
	return m, nil
}

// skip reports whether a field is absent: a zero value. An empty list or
// mapping that is not nil is written ([] or {}): "prices: []" is a statement.
func skip(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Slice, reflect.Map, reflect.Pointer, reflect.Interface:
		return v.IsNil()
	}
	return v.IsZero()
}

func leafNode(v any) (*yaml.Node, error) {
	if p, ok := v.(*bool); ok {
		v = *p
	}
	if p, ok := v.(*int); ok {
		v = *p
	}
	n := &yaml.Node{}
	if err := n.Encode(v); err != nil {
		return nil, err
	}
	return n, nil
}

// WriteFile writes data (a catalog file: YAML or Starter) to path with
// mode 0644. Without overwrite, an existing path is an error matching
// fs.ErrExist and is left alone. With overwrite, data goes to a temporary
// file in the same directory renamed into place, so that a failure leaves
// path as it was.
func WriteFile(path string, data []byte, overwrite bool) error {
	if !overwrite {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("catalog: %s: %w (overwrite it to replace it)", path, fs.ErrExist)
		}
		if err != nil {
			return fmt.Errorf("catalog: %w", err)
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path) // ours: created above
			return fmt.Errorf("catalog: writing %s: %w", path, err)
		}
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	defer os.Remove(tmp.Name()) // once renamed, there is nothing to remove
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("catalog: writing %s: %w", path, err)
	}
	return nil
}

//go:embed starter.yaml
var starter []byte

// Starter returns a small valid catalog file to start from: one product,
// three features (one of each type) and two plans with entitlements and
// prices. It is what `kelviq catalog init` writes.
func Starter() []byte { return bytes.Clone(starter) }
