package tmpl

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var (
	noEntry    = regexp.MustCompile(`at <([^>]*)>: map has no entry for key "([^"]*)"`)
	nilParent  = regexp.MustCompile(`at <([.$][^>]*)>: nil pointer evaluating interface \{\}\.(\w+)$`)
	execAt     = regexp.MustCompile(`at <([^>]*)>: `)
	tmplPrefix = regexp.MustCompile(`^template: [^:]*(:\d+(:\d+)?)?: (executing "[^"]*" )?`)
	parseLine  = regexp.MustCompile(`^template: [^:]*:(\d+): `)
	undefFunc  = regexp.MustCompile(`^function "([^"]*)" not defined`)
	quoted     = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"|<([^>]*)>`)
)

// execError turns text/template's execution errors into an UndefinedError
// naming the variable, or a message without text/template's prefix.
func execError(err error) error {
	msg := err.Error()
	if m := noEntry.FindStringSubmatch(msg); m != nil {
		name := strings.TrimPrefix(strings.TrimPrefix(m[1], "$"), ".")
		if name == "" || !strings.HasSuffix(name, m[2]) {
			name = m[2]
		}
		return &UndefinedError{Name: name}
	}
	if m := nilParent.FindStringSubmatch(msg); m != nil {
		// A null parent: .a.b with a: ~ (the direct evaluator agrees).
		return &UndefinedError{Name: strings.TrimPrefix(strings.TrimPrefix(m[1], "$"), ".")}
	}
	var u *UndefinedError
	if errors.As(err, &u) {
		if m := execAt.FindStringSubmatch(msg); m != nil {
			if name := indexName(m[1]); name != "" {
				return &UndefinedError{Name: name}
			}
		}
		return u
	}
	msg = tmplPrefix.ReplaceAllString(msg, "")
	msg = strings.Replace(msg, "error calling ", "", 1)
	return fmt.Errorf("template: %s", msg)
}

// parseError says what is wrong and where in src: text/template gives only
// the line, so the column is that of the token the message quotes.
func parseError(src string, err error) error {
	msg := err.Error()
	m := parseLine.FindStringSubmatch(msg)
	if m == nil {
		return fmt.Errorf("template: %s", tmplPrefix.ReplaceAllString(msg, ""))
	}
	msg = msg[len(m[0]):]
	line, _ := strconv.Atoi(m[1])
	lines := strings.Split(src, "\n")
	if line < 1 || line > len(lines) {
		return fmt.Errorf("template: %s", msg)
	}
	text := lines[line-1]
	col := 0
	if q := quoted.FindStringSubmatch(msg); q != nil {
		tok := q[1] + q[2]
		if i := strings.Index(text, tok); tok != "" && i >= 0 {
			col = i + 1
		}
	}
	if col == 0 && (strings.Contains(msg, "unclosed action") || strings.Contains(msg, "EOF")) {
		col = strings.LastIndex(text, "{{") + 1
	}
	if f := undefFunc.FindStringSubmatch(msg); f != nil {
		msg += jinjaHint(f[1])
	}
	where := fmt.Sprintf("line %d", line)
	if col > 0 {
		where += fmt.Sprintf(", col %d", col)
	}
	return fmt.Errorf("template: %s (%s: %q)", msg, where, text)
}

// indexName names the value index looked up: `index .m "k" 0` → m.k[0].
func indexName(call string) string {
	f := strings.Fields(call)
	if len(f) < 3 || f[0] != "index" || !strings.HasPrefix(f[1], ".") && !strings.HasPrefix(f[1], "$") {
		return ""
	}
	name := strings.TrimPrefix(strings.TrimPrefix(f[1], "$"), ".")
	for _, k := range f[2:] {
		if s, err := strconv.Unquote(k); err == nil {
			name = joinPath(name, s)
		} else if i, err := strconv.Atoi(k); err == nil {
			name = joinPath(name, i)
		} else {
			name = joinPath(name, k)
		}
	}
	return name
}

// jinjaFilters are Jinja names with a different name here.
var jinjaFilters = map[string]string{
	"to_json": "toJson", "to_nice_json": "toJson", "from_json": "fromJson",
	"to_yaml": "toYaml", "to_nice_yaml": "toYaml", "from_yaml": "fromYaml",
	"b64encode": "b64enc", "b64decode": "b64dec", "d": "default",
	"regex_replace": "regexReplace", "regex_search": "regexMatch",
	"ipaddr": "isIP", "map": "pluck", "hash": "sha256", "count": "len",
}

// jinjaHint explains a function that is not defined: a Jinja filter name,
// or, most often, a variable written without its dot.
func jinjaHint(name string) string {
	if g, ok := jinjaFilters[name]; ok {
		return fmt.Sprintf(" (the Jinja filter %s is %s here)", name, g)
	}
	return fmt.Sprintf(" (variables are written .%s; `hapb doc templates` lists the functions)", name)
}
