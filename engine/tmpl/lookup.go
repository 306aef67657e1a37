package tmpl

import (
	"fmt"

	"reflect"
	"strconv"
	"strings"

	"github.com/hapb/hapb/engine/diag"
)

// undefinedVar is the error of a template or expression that used a
// variable that is not defined: a diagnostic of kind diag.Undefined whose
// Name is the variable (a.b[0] for a missing key or item).
func undefinedVar(name string) error {
	return &diag.Diagnostic{Kind: diag.Undefined, Name: name, Msg: fmt.Sprintf("undefined variable %q", name)}
}

// undefined is what the lenient lookups behind default and defined return
// for a missing value; it never reaches the user.
type undefined struct{}

var missing any = undefined{}

func isMissing(v any) bool { _, ok := v.(undefined); return ok }

// get returns v[key] for a map or a list, reporting whether it exists. The
// common YAML shapes are handled without reflection.
func get(v, key any) (any, bool, error) {
	switch v := v.(type) {
	case map[string]any:
		k, ok := key.(string)
		if !ok {
			return nil, false, fmt.Errorf("map key %v is a %T, not a string", key, key)
		}
		e, ok := v[k]
		return e, ok, nil
	case []any:
		i, err := toInt(key)
		if err != nil {
			return nil, false, fmt.Errorf("list index: %v", err)
		}
		if i < 0 || i >= len(v) {
			return nil, false, nil
		}
		return v[i], true, nil
	case nil, undefined:
		return nil, false, nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map:
		kv := reflect.ValueOf(key)
		if !kv.IsValid() || !kv.Type().ConvertibleTo(rv.Type().Key()) {
			return nil, false, fmt.Errorf("map key %v is a %T", key, key)
		}
		e := rv.MapIndex(kv.Convert(rv.Type().Key()))
		if !e.IsValid() {
			return nil, false, nil
		}
		return e.Interface(), true, nil
	case reflect.Slice, reflect.Array, reflect.String:
		i, err := toInt(key)
		if err != nil {
			return nil, false, fmt.Errorf("list index: %v", err)
		}
		if i < 0 || i >= rv.Len() {
			return nil, false, nil
		}
		return rv.Index(i).Interface(), true, nil
	}
	return nil, false, fmt.Errorf("cannot index %T with %v", v, key)
}

// getPath looks keys up one after the other; a missing step is an
// undefined variable naming the path so far (base.k1.k2). The name is only
// built on failure: this is the hot path of {{ .a.b }}.
func getPath(base string, v any, keys ...any) (any, error) {
	for i, k := range keys {
		e, ok, err := get(v, k)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", pathName(base, keys[:i+1]), err)
		}
		if !ok {
			return nil, undefinedVar(pathName(base, keys[:i+1]))
		}
		v = e
	}
	return v, nil
}

func pathName(base string, keys []any) string {
	for _, k := range keys {
		base = joinPath(base, k)
	}
	return base
}

// lookup is getPath's lenient twin: a missing step yields missing.
func lookup(v any, keys ...any) any {
	for _, k := range keys {
		e, ok, err := get(v, k)
		if err != nil || !ok {
			return missing
		}
		v = e
	}
	return v
}

func joinPath(base string, k any) string {
	switch k := k.(type) {
	case string:
		if base == "" {
			return k
		}
		return base + "." + k
	}
	return base + "[" + fmt.Sprint(k) + "]"
}

// hasKey reports whether a map has a key.
func hasKey(m, key any) (bool, error) {
	if _, ok := m.(map[string]any); !ok && reflect.ValueOf(m).Kind() != reflect.Map {
		return false, fmt.Errorf("hasKey: %T is not a map", m)
	}
	_, ok, err := get(m, key)
	return ok, err
}

func toInt(v any) (int, error) {
	switch v := v.(type) {
	case int:
		return v, nil
	case int64:
		return int(v), nil
	case int32:
		return int(v), nil
	case uint64:
		return int(v), nil
	case uint:
		return int(v), nil
	case float64:
		if v != float64(int(v)) {
			return 0, fmt.Errorf("%v is not an integer", v)
		}
		return int(v), nil
	case string:
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return 0, fmt.Errorf("%q is not an integer", v)
		}
		return i, nil
	case bool:
		if v {
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("%T is not an integer", v)
}
