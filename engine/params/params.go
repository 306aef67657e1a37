// Package params decodes a module's arguments (a tree of maps, lists and
// scalars from YAML, after templates are rendered) into the module's typed
// params struct. Struct tags declare everything about a parameter, so the
// same declaration drives load-time validation, decoding and `hapb doc`:
//
//	Name  []string `yaml:"name" alias:"pkg" required:"true" doc:"packages to install"`
//	State string   `yaml:"state" default:"present" choices:"present,absent"`
//
// A field whose type implements Decoder decodes itself (file modes,
// expressions). Values that are still templates (Templated reports true) are
// skipped by Validate: they are checked when rendered, per host.
package params

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/hapb/hapb/engine/diag"
	"github.com/hapb/hapb/engine/tmpl"
)

// Decoder is implemented by parameter types that decode themselves.
type Decoder interface {
	DecodeParam(v any) error
}

// fail is a parameter that does not fit, as a diagnostic whose Name is
// the parameter's path ("mode", "ports[1].port"): the loader places it at
// that parameter's file:line:col, choosing the key or the value by Kind.
func fail(k diag.Kind, path, hint, format string, args ...any) *diag.Diagnostic {
	msg := fmt.Sprintf(format, args...)
	if path != "" {
		msg = fmt.Sprintf("parameter %q: %s", path, msg)
	}
	return &diag.Diagnostic{Kind: k, Name: path, Msg: msg, Hint: hint}
}

// Templated reports whether a value is left for rendering at run time: a
// template the loader compiled, or a string that holds one. It is a plain
// function, not a hook the loader sets, so validation means the same in
// every program and test.
func Templated(v any) bool {
	switch v := v.(type) {
	case *tmpl.Template:
		return true
	case string:
		return tmpl.IsTemplate(v)
	}
	return false
}

// Decode decodes args into dst, a pointer to a struct, applying defaults and
// checking required parameters and choices. Every error is a
// *diag.Diagnostic.
func Decode(args map[string]any, dst any) error {
	return decodeStruct(args, reflect.ValueOf(dst).Elem(), "", false)
}

// Validate checks args against the struct type of dst as Decode would, but
// leaves templated values (and parameters that need them) to run time.
func Validate(args map[string]any, dst any) error {
	return decodeStruct(args, reflect.ValueOf(dst).Elem(), "", true)
}

// HasTemplates reports whether any value in the tree is templated.
func HasTemplates(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		for _, e := range v {
			if HasTemplates(e) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if HasTemplates(e) {
				return true
			}
		}
	default:
		return Templated(v)
	}
	return false
}

// Field describes one parameter of a params struct, for docs and decoding.
type Field struct {
	Name     string
	Aliases  []string
	Required bool
	Default  string
	Choices  []string
	Doc      string
	Type     string
	index    []int
}

// Fields lists the parameters of a params struct (pointer or value). The
// list is shared: read it, do not change it.
func Fields(v any) []Field {
	t := reflect.TypeOf(v)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return structOf(t).fields
}

// structParams is what decoding needs of a params struct type, read from
// its tags once: a run decodes every task's params for every host.
type structParams struct {
	fields []Field
	byName map[string]*Field // names and aliases
}

var structCache sync.Map // reflect.Type → *structParams

func structOf(t reflect.Type) *structParams {
	if sp, ok := structCache.Load(t); ok {
		return sp.(*structParams)
	}
	fs := fields(t)
	sp := &structParams{fields: fs, byName: make(map[string]*Field, len(fs))}
	for i := range fs {
		sp.byName[fs[i].Name] = &fs[i]
		for _, a := range fs[i].Aliases {
			sp.byName[a] = &fs[i]
		}
	}
	structCache.Store(t, sp)
	return sp
}

func fields(t reflect.Type) []Field {
	var out []Field
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		// An embedded struct shares its parameters (copy and template
		// both embed the destination's): they count as the outer's own.
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct && sf.Tag.Get("yaml") == "" {
			for _, f := range fields(sf.Type) {
				f.index = append([]int{i}, f.index...)
				out = append(out, f)
			}
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !sf.IsExported() {
			continue
		}
		f := Field{Name: name, Required: sf.Tag.Get("required") == "true",
			Default: sf.Tag.Get("default"), Doc: sf.Tag.Get("doc"), Type: typeName(sf.Type), index: []int{i}}
		if a := sf.Tag.Get("alias"); a != "" {
			f.Aliases = strings.Split(a, ",")
		}
		if c := sf.Tag.Get("choices"); c != "" {
			f.Choices = strings.Split(c, ",")
		}
		out = append(out, f)
	}
	return out
}

var decoderType = reflect.TypeOf((*Decoder)(nil)).Elem()

func typeName(t reflect.Type) string {
	if reflect.PointerTo(t).Implements(decoderType) || t.Implements(decoderType) {
		if n, ok := reflect.New(t).Interface().(interface{ ParamType() string }); ok {
			return n.ParamType()
		}
		return strings.ToLower(t.Name())
	}
	switch t.Kind() {
	case reflect.Pointer:
		return typeName(t.Elem())
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint32, reflect.Uint64:
		return "int"
	case reflect.Float64:
		return "float"
	case reflect.Slice:
		return "list of " + typeName(t.Elem())
	case reflect.Map:
		return "map"
	case reflect.Struct:
		return "object"
	case reflect.Interface:
		return "any"
	}
	return t.String()
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func decodeStruct(args map[string]any, v reflect.Value, path string, validate bool) error {
	sp := structOf(v.Type())
	fs, byName := sp.fields, sp.byName
	set := make(map[string]string, len(args))
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f, ok := byName[k]
		if !ok {
			return fail(diag.UnknownParameter, join(path, k), suggest(fs), "unknown parameter")
		}
		if prev, dup := set[f.Name]; dup {
			return fail(diag.Duplicate, join(path, k), "", "given twice (as %q and %q)", prev, k)
		}
		set[f.Name] = k
		val := args[k]
		if validate && HasTemplates(val) {
			continue
		}
		if err := decodeValue(val, v.FieldByIndex(f.index), join(path, k), validate); err != nil {
			return err
		}
		if len(f.Choices) > 0 {
			if err := checkChoice(f, v.FieldByIndex(f.index), join(path, k)); err != nil {
				return err
			}
		}
	}
	for i := range fs {
		f := &fs[i]
		if _, ok := set[f.Name]; ok {
			continue
		}
		if f.Required {
			return fail(diag.Missing, join(path, f.Name), "", "required parameter is missing")
		}
		if f.Default != "" {
			if err := decodeValue(f.Default, v.FieldByIndex(f.index), join(path, f.Name), false); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkChoice(f *Field, v reflect.Value, path string) error {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	s := fmt.Sprint(v.Interface())
	for _, c := range f.Choices {
		if s == c {
			return nil
		}
	}
	return fail(diag.Invalid, path, "", "%q is not one of %s", s, strings.Join(f.Choices, ", "))
}

func suggest(fs []Field) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.Name
	}
	return "expected one of: " + strings.Join(names, ", ")
}

func decodeValue(src any, v reflect.Value, path string, validate bool) error {
	if v.CanAddr() {
		if d, ok := v.Addr().Interface().(Decoder); ok {
			if err := d.DecodeParam(src); err != nil {
				// A decoder's own diagnostic (an expression that
				// does not parse) keeps its kind.
				k := diag.Invalid
				if de, ok := err.(*diag.Diagnostic); ok {
					k = de.Kind
				}
				return fail(k, path, "", "%v", err)
			}
			return nil
		}
	}
	bad := func(want string) error {
		return fail(diag.Type, path, "", "expected %s, got %s", want, describe(src))
	}
	switch v.Kind() {
	case reflect.Pointer:
		if src == nil {
			return nil
		}
		p := reflect.New(v.Type().Elem())
		if err := decodeValue(src, p.Elem(), path, validate); err != nil {
			return err
		}
		v.Set(p)
	case reflect.Interface:
		if src != nil {
			v.Set(reflect.ValueOf(src))
		}
	case reflect.String:
		switch s := src.(type) {
		case string:
			v.SetString(s)
		case int, int64, uint64, float64, bool:
			v.SetString(fmt.Sprint(s))
		case nil:
			v.SetString("")
		default:
			return bad("a string")
		}
	case reflect.Bool:
		b, ok := ToBool(src)
		if !ok {
			return bad("a boolean")
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint32, reflect.Uint64:
		n, ok := ToInt(src)
		if !ok {
			return bad("an integer")
		}
		if v.CanInt() {
			v.SetInt(n)
		} else {
			v.SetUint(uint64(n))
		}
	case reflect.Float64:
		switch n := src.(type) {
		case int:
			v.SetFloat(float64(n))
		case float64:
			v.SetFloat(n)
		case string:
			f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
			if err != nil {
				return bad("a number")
			}
			v.SetFloat(f)
		default:
			return bad("a number")
		}
	case reflect.Slice:
		var items []any
		switch s := src.(type) {
		case []any:
			items = s
		case []string: // what a template gives for groups.NAME
			for _, e := range s {
				items = append(items, e)
			}
		case nil:
			return nil
		case string:
			if v.Type().Elem().Kind() != reflect.String {
				return bad("a list")
			}
			for _, part := range strings.Split(s, ",") {
				if part = strings.TrimSpace(part); part != "" {
					items = append(items, part)
				}
			}
		default:
			if v.Type().Elem().Kind() == reflect.Interface {
				items = []any{s}
			} else if _, isMap := s.(map[string]any); isMap && v.Type().Elem().Kind() == reflect.Struct {
				items = []any{s}
			} else {
				return bad("a list")
			}
		}
		out := reflect.MakeSlice(v.Type(), len(items), len(items))
		for i, it := range items {
			if validate && HasTemplates(it) {
				continue
			}
			if err := decodeValue(it, out.Index(i), fmt.Sprintf("%s[%d]", path, i), validate); err != nil {
				return err
			}
		}
		v.Set(out)
	case reflect.Map:
		m, ok := src.(map[string]any)
		if !ok {
			if src == nil {
				return nil
			}
			return bad("a mapping")
		}
		out := reflect.MakeMapWithSize(v.Type(), len(m))
		for k, e := range m {
			ev := reflect.New(v.Type().Elem()).Elem()
			if !(validate && HasTemplates(e)) {
				if err := decodeValue(e, ev, join(path, k), validate); err != nil {
					return err
				}
			}
			out.SetMapIndex(reflect.ValueOf(k), ev)
		}
		v.Set(out)
	case reflect.Struct:
		m, ok := src.(map[string]any)
		if !ok {
			return bad("a mapping")
		}
		return decodeStruct(m, v, path, validate)
	default:
		return fail(diag.Invalid, path, "", "unsupported parameter type %s", v.Type())
	}
	return nil
}

// ToBool converts YAML-ish truth values as Ansible does.
func ToBool(v any) (bool, bool) {
	switch b := v.(type) {
	case bool:
		return b, true
	case int:
		return b != 0, b == 0 || b == 1
	case string:
		switch strings.ToLower(strings.TrimSpace(b)) {
		case "true", "yes", "on", "1", "y":
			return true, true
		case "false", "no", "off", "0", "n", "":
			return false, true
		}
	}
	return false, false
}

// ToInt converts integers, integral floats and numeric strings.
func ToInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case uint64:
		return int64(n), n <= math.MaxInt64
	case float64:
		return int64(n), n == math.Trunc(n)
	case string:
		i, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64)
		return i, err == nil
	}
	return 0, false
}

func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "nothing"
	case string:
		return fmt.Sprintf("string %q", v)
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	default:
		return fmt.Sprintf("%T %v", v, v)
	}
}
