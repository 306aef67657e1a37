package tmpl

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/builtin"
)

// exprFuncs are the functions expressions have beyond expr's builtins
// (len, filter, map, any, all, keys, upper, split, ...). Each is in exprDocs.
var exprFuncs = []*builtin.Function{
	fn("__get", func(a ...any) (any, error) {
		v, ok, err := get(a[0], a[1])
		if err != nil {
			return nil, fmt.Errorf("%s: %v", a[2], err)
		}
		if !ok {
			return nil, undefinedVar(a[2].(string))
		}
		return v, nil
	}),
	fn("__var", func(a ...any) (any, error) {
		v, ok, _ := get(a[0], a[1])
		if !ok {
			return nil, undefinedVar(a[1].(string))
		}
		return v, nil
	}),
	fn("__lookup", func(a ...any) (any, error) {
		v := lookup(a[0], a[1])
		if isMissing(v) {
			return nil, nil
		}
		return v, nil
	}),
	fn("__defined", func(a ...any) (any, error) { return !isMissing(lookup(a[0], a[1:]...)), nil }),
	fn("version", func(a ...any) (any, error) {
		if len(a) != 3 {
			return nil, fmt.Errorf("version(a, op, b) takes 3 arguments")
		}
		return compareVersions(ToString(a[0]), ToString(a[1]), ToString(a[2]))
	}),
	fn("regex_search", func(a ...any) (any, error) {
		if len(a) != 2 {
			return nil, fmt.Errorf("regex_search(s, re) takes 2 arguments")
		}
		r, err := cachedRegexp(ToString(a[1]))
		if err != nil {
			return nil, err
		}
		if m := r.FindStringSubmatch(ToString(a[0])); m != nil {
			return m[0], nil
		}
		return nil, nil
	}),
	fn("regex_replace", func(a ...any) (any, error) {
		if len(a) != 3 {
			return nil, fmt.Errorf("regex_replace(s, re, repl) takes 3 arguments")
		}
		r, err := cachedRegexp(ToString(a[1]))
		if err != nil {
			return nil, err
		}
		return r.ReplaceAllString(ToString(a[0]), ToString(a[2])), nil
	}),
	fn("bool", func(a ...any) (any, error) { return toBool(arg1(a)) }),
	fn("length", func(a ...any) (any, error) { return length(arg1(a)) }),
	fn("quote", func(a ...any) (any, error) { return shellQuote(ToString(arg1(a))), nil }),
	fn("ipaddr", func(a ...any) (any, error) {
		_, err := parsePrefix(arg1(a))
		return isIP(arg1(a)) || err == nil, nil
	}),
	fn("isIP", func(a ...any) (any, error) { return isIP(arg1(a)), nil }),
	fn("ipFamily", func(a ...any) (any, error) { return ipFamily(arg1(a)) }),
	fn("ipInCIDR", func(a ...any) (any, error) { return ipInCIDR(a[0], a[1]) }),
	fn("cidrHost", func(a ...any) (any, error) {
		n, err := toInt(a[1])
		if err != nil {
			return nil, err
		}
		return cidrHost(a[0], n)
	}),
	fn("cidrNetmask", func(a ...any) (any, error) { return cidrNetmask(arg1(a)) }),
	fn("cidrPrefix", func(a ...any) (any, error) { return cidrPrefix(arg1(a)) }),
}

// argc is the number of arguments of functions that take a fixed number.
var argc = map[string]int{"__get": 3, "__var": 2, "__lookup": 2, "ipInCIDR": 2, "cidrHost": 2}

func fn(name string, f func(...any) (any, error)) *builtin.Function {
	if n, ok := argc[name]; ok {
		inner := f
		f = func(a ...any) (any, error) {
			if len(a) != n {
				return nil, fmt.Errorf("%s takes %d arguments, got %d", name, n, len(a))
			}
			return inner(a...)
		}
	}
	return &builtin.Function{Name: name, Func: f}
}

func arg1(a []any) any {
	if len(a) == 0 {
		return nil
	}
	return a[0]
}

// compareVersions compares dotted versions numerically ("1.31.4" > "1.9"),
// ignoring a leading v; a pre-release ("1.31.0-rc.1") sorts before its
// release. op is <, <=, ==, !=, >=, > or Ansible's lt, le, eq, ne, ge, gt.
func compareVersions(a, op, b string) (bool, error) {
	c := cmpVersion(a, b)
	switch op {
	case "<", "lt":
		return c < 0, nil
	case "<=", "le":
		return c <= 0, nil
	case "==", "=", "eq":
		return c == 0, nil
	case "!=", "ne":
		return c != 0, nil
	case ">=", "ge":
		return c >= 0, nil
	case ">", "gt":
		return c > 0, nil
	}
	return false, fmt.Errorf("version: unknown operator %q", op)
}

func cmpVersion(a, b string) int {
	a, b = strings.TrimPrefix(a, "v"), strings.TrimPrefix(b, "v")
	a, preA, _ := strings.Cut(a, "-")
	b, preB, _ := strings.Cut(b, "-")
	if c := cmpDotted(a, b); c != 0 {
		return c
	}
	switch {
	case preA == preB:
		return 0
	case preA == "":
		return 1
	case preB == "":
		return -1
	}
	return cmpDotted(preA, preB)
}

// cmpDotted compares dot-separated parts, numerically when both are numbers;
// missing parts count as 0 ("1.31" == "1.31.0").
func cmpDotted(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		x, y := "0", "0"
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		nx, ex := strconv.Atoi(x)
		ny, ey := strconv.Atoi(y)
		switch {
		case ex == nil && ey == nil:
			if nx != ny {
				if nx < ny {
					return -1
				}
				return 1
			}
		case x != y:
			return strings.Compare(x, y)
		}
	}
	return 0
}
