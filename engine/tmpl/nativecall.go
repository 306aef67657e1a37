package tmpl

import (
	"fmt"
	"reflect"

	"github.com/hapb/hapb/engine/diag"
)

// compileCall compiles a call of a library function for the direct
// evaluator, converting arguments as text/template does for the parameter
// types the library uses. It returns nil for any other signature, or a
// wrong number of arguments, leaving those to text/template.
func compileCall(name string, fn any, ops []nativeFunc) nativeFunc {
	if name == "default" && len(ops) == 2 { // common enough to skip reflection
		return func(vars map[string]any) (any, error) {
			d, err := ops[0](vars) // evaluated even if unused, as text/template does
			if err != nil {
				return nil, err
			}
			v, err := ops[1](vars)
			if err != nil || v != nil && !isMissing(v) {
				return v, err
			}
			return d, nil
		}
	}
	fv := reflect.ValueOf(fn)
	ft := fv.Type()
	nIn := ft.NumIn()
	if ft.IsVariadic() && len(ops) < nIn-1 || !ft.IsVariadic() && len(ops) != nIn {
		return nil
	}
	types := make([]reflect.Type, len(ops))
	for i := range ops {
		if ft.IsVariadic() && i >= nIn-1 {
			types[i] = ft.In(nIn - 1).Elem()
		} else {
			types[i] = ft.In(i)
		}
		switch types[i].Kind() {
		case reflect.Interface, reflect.String, reflect.Int, reflect.Bool:
		default:
			return nil
		}
	}
	if ft.NumOut() == 2 && ft.Out(1) != errorType || ft.NumOut() < 1 || ft.NumOut() > 2 {
		return nil
	}
	return func(vars map[string]any) (any, error) {
		in := make([]reflect.Value, len(ops))
		for i, op := range ops {
			v, err := op(vars)
			if err != nil {
				return nil, err
			}
			if in[i], err = convertArg(v, types[i]); err != nil {
				return nil, fmt.Errorf("%s: argument %d: %v", name, i+1, err)
			}
		}
		out := fv.Call(in)
		if len(out) == 2 && !out[1].IsNil() {
			err := out[1].Interface().(error)
			if u, ok := diag.As(err, diag.Undefined); ok {
				return nil, u
			}
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		return out[0].Interface(), nil
	}
}

var errorType = reflect.TypeOf((*error)(nil)).Elem()

func convertArg(v any, t reflect.Type) (reflect.Value, error) {
	if v == nil {
		if t.Kind() == reflect.Interface {
			return reflect.Zero(t), nil
		}
		return reflect.Value{}, fmt.Errorf("null is not a %s", t)
	}
	if isMissing(v) && t.Kind() != reflect.Interface {
		return reflect.Value{}, fmt.Errorf("value is undefined")
	}
	rv := reflect.ValueOf(v)
	if rv.Type().AssignableTo(t) {
		return rv, nil
	}
	if t.Kind() == reflect.Int {
		switch rv.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			return rv.Convert(t), nil
		}
	}
	return reflect.Value{}, fmt.Errorf("%T is not a %s", v, t)
}
