package tmpl

import (
	"fmt"
	"math"
	"reflect"
	"sort"
)

func toList(v any) ([]any, error) {
	switch v := v.(type) {
	case []any:
		return v, nil
	case []string:
		return toAnyList(v), nil
	case nil:
		return nil, nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, fmt.Errorf("%T is not a list", v)
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, nil
}

func toAnyList(s []string) []any {
	out := make([]any, len(s))
	for i, e := range s {
		out[i] = e
	}
	return out
}

// toMap returns a map with string keys, sorted key list included.
func toMap(v any) (map[string]any, []string, error) {
	m, ok := v.(map[string]any)
	if !ok {
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Map {
			return nil, nil, fmt.Errorf("%T is not a map", v)
		}
		m = make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			m[fmt.Sprint(it.Key().Interface())] = it.Value().Interface()
		}
	}
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return m, ks, nil
}

func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		m[ToString(kv[i])] = kv[i+1]
	}
	return m, nil
}

func keys(v any) ([]any, error) {
	_, ks, err := toMap(v)
	if err != nil {
		return nil, fmt.Errorf("keys: %v", err)
	}
	return toAnyList(ks), nil
}

func values(v any) ([]any, error) {
	m, ks, err := toMap(v)
	if err != nil {
		return nil, fmt.Errorf("values: %v", err)
	}
	out := make([]any, len(ks))
	for i, k := range ks {
		out[i] = m[k]
	}
	return out, nil
}

func first(v any) (any, error) {
	l, err := toList(v)
	if err != nil || len(l) == 0 {
		return nil, fmt.Errorf("first: empty or not a list: %v", v)
	}
	return l[0], nil
}

func last(v any) (any, error) {
	l, err := toList(v)
	if err != nil || len(l) == 0 {
		return nil, fmt.Errorf("last: empty or not a list: %v", v)
	}
	return l[len(l)-1], nil
}

func length(v any) (int, error) {
	switch v := v.(type) {
	case string:
		return len(v), nil
	case []any:
		return len(v), nil
	case map[string]any:
		return len(v), nil
	case nil:
		return 0, nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.String:
		return rv.Len(), nil
	}
	return 0, fmt.Errorf("length: %T has no length", v)
}

// concat is the elements of every list, in order (Jinja's list + list).
func concat(lists ...any) ([]any, error) {
	out := []any{}
	for _, v := range lists {
		l, err := toList(v)
		if err != nil {
			return nil, fmt.Errorf("concat: %v", err)
		}
		out = append(out, l...)
	}
	return out, nil
}

// unique keeps the first of equal elements, in order.
func unique(v any) ([]any, error) {
	l, err := toList(v)
	if err != nil {
		return nil, fmt.Errorf("unique: %v", err)
	}
	out := make([]any, 0, len(l))
	for _, e := range l {
		dup := false
		for _, o := range out {
			if equal(e, o) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, e)
		}
	}
	return out, nil
}

// sortList sorts numbers numerically and everything else as text.
func sortList(v any) ([]any, error) {
	l, err := toList(v)
	if err != nil {
		return nil, fmt.Errorf("sort: %v", err)
	}
	out := append([]any(nil), l...)
	sort.SliceStable(out, func(i, j int) bool {
		a, aok := toFloat(out[i])
		b, bok := toFloat(out[j])
		if aok && bok {
			return a < b
		}
		return ToString(out[i]) < ToString(out[j])
	})
	return out, nil
}

// pluck takes one key from each map of a list; a map without it is an error.
func pluck(key string, list any) ([]any, error) {
	l, err := toList(list)
	if err != nil {
		return nil, fmt.Errorf("pluck: %v", err)
	}
	out := make([]any, len(l))
	for i, e := range l {
		if out[i], err = getPath(fmt.Sprintf("[%d]", i), e, key); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// hostvarsOf returns the variables of each named host, in order:
// hostvarsOf .hostvars .groups.etcd | pluck "ansible_host".
func hostvarsOf(hostvars, hosts any) ([]any, error) {
	l, err := toList(hosts)
	if err != nil {
		return nil, fmt.Errorf("hostvarsOf: %v", err)
	}
	out := make([]any, len(l))
	for i, h := range l {
		if out[i], err = getPath("hostvars", hostvars, ToString(h)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// seq returns 1..n for one argument, from..to for two, inclusive.
func seq(bounds ...int) ([]any, error) {
	from, to := 1, 0
	switch len(bounds) {
	case 1:
		to = bounds[0]
	case 2:
		from, to = bounds[0], bounds[1]
	default:
		return nil, fmt.Errorf("seq: want 1 or 2 arguments, got %d", len(bounds))
	}
	if to-from > 1<<20 {
		return nil, fmt.Errorf("seq: %d..%d is too long", from, to)
	}
	var out []any
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out, nil
}

func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	case float64:
		return v, true
	case uint64:
		return float64(v), true
	case int32:
		return float64(v), true
	case float32:
		return float64(v), true
	}
	return 0, false
}

func equal(a, b any) bool {
	if fa, ok := toFloat(a); ok {
		fb, ok := toFloat(b)
		return ok && fa == fb
	}
	return reflect.DeepEqual(a, b)
}

// arith does integer arithmetic, or float arithmetic if either side is a
// float. Strings holding numbers are accepted: inventory values often are.
func arith(op byte) func(a, b any) (any, error) {
	return func(a, b any) (any, error) {
		ia, errA := toInt(a)
		ib, errB := toInt(b)
		_, fa := a.(float64)
		_, fb := b.(float64)
		if errA == nil && errB == nil && !fa && !fb {
			switch op {
			case '+':
				return ia + ib, nil
			case '-':
				return ia - ib, nil
			case '*':
				return ia * ib, nil
			}
			if ib == 0 {
				return nil, fmt.Errorf("division by zero")
			}
			if op == '/' {
				return ia / ib, nil
			}
			return ia % ib, nil
		}
		x, ok1 := toFloat(a)
		y, ok2 := toFloat(b)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("%c: %v and %v are not numbers", op, a, b)
		}
		switch op {
		case '+':
			return x + y, nil
		case '-':
			return x - y, nil
		case '*':
			return x * y, nil
		case '/':
			return x / y, nil
		}
		return math.Mod(x, y), nil
	}
}
