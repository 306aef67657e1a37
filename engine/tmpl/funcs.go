package tmpl

import (
	"encoding/json"
	"text/template"
)

// funcs is the template function library. Every function is documented in
// FuncDocs, which `hapb doc templates` prints.
var funcs = template.FuncMap{
	"__native": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
}
