package tmpl

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/hapb/hapb/engine/diag"
)

// text/template reports errors only as text: a parse error is a plain
// error ("template: NAME:LINE: MSG"), an execution error an ExecError whose
// fields say no more than its text ("template: NAME:LINE:COL: executing
// "NAME" at <.a.b>: MSG"). readLib is the one place that reads that text;
// execError and parseError work from what it found. TestReadLib lists the
// messages it knows, each made by text/template itself.
var (
	noEntry    = regexp.MustCompile(`at <([^>]*)>: map has no entry for key "([^"]*)"`)
	nilParent  = regexp.MustCompile(`at <([.$][^>]*)>: nil pointer evaluating interface \{\}\.(\w+)$`)
	execAt     = regexp.MustCompile(`at <([^>]*)>: `)
	tmplPrefix = regexp.MustCompile(`^template: [^:]*(:\d+(:\d+)?)?: (executing "[^"]*" )?`)
	parseLine  = regexp.MustCompile(`^template: [^:]*:(\d+): `)
	undefFunc  = regexp.MustCompile(`^function "([^"]*)" not defined`)
	quoted     = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"|<([^>]*)>`)
)

// libError is what a text/template error says.
type libError struct {
	msg        string // the message without text/template's prefix
	line       int    // a parse error's 1-based line; 0 if it has none
	at         string // an execution error's command: index .m "k" for <index .m "k">
	missingKey string // a map has no entry for this key (at is the lookup)
	nilParent  bool   // at is a lookup through a null value (.a.b with a: ~)
	function   string // a parse error's function that is not defined
	token      string // the first token a parse error quotes
	unclosed   bool   // a parse error at the end of the source (unclosed action, EOF)
}

func readLib(err error) libError {
	s := err.Error()
	var e libError
	if m := parseLine.FindStringSubmatch(s); m != nil {
		e.line, _ = strconv.Atoi(m[1])
		e.msg = s[len(m[0]):]
		if q := quoted.FindStringSubmatch(e.msg); q != nil {
			e.token = q[1] + q[2]
		}
		e.unclosed = strings.Contains(e.msg, "unclosed action") || strings.Contains(e.msg, "EOF")
		if f := undefFunc.FindStringSubmatch(e.msg); f != nil {
			e.function = f[1]
		}
		return e
	}
	e.msg = strings.Replace(tmplPrefix.ReplaceAllString(s, ""), "error calling ", "", 1)
	if m := execAt.FindStringSubmatch(s); m != nil {
		e.at = m[1]
	}
	if m := noEntry.FindStringSubmatch(s); m != nil {
		e.at, e.missingKey = m[1], m[2]
	} else if m := nilParent.FindStringSubmatch(s); m != nil {
		e.at, e.nilParent = m[1], true
	}
	return e
}

// execError turns text/template's execution errors into an undefined
// variable naming the variable, or a message without text/template's
// prefix.
func execError(err error) error {
	e := readLib(err)
	switch {
	case e.missingKey != "":
		name := varName(e.at)
		if name == "" || !strings.HasSuffix(name, e.missingKey) {
			name = e.missingKey
		}
		return undefinedVar(name)
	case e.nilParent:
		// A null parent: .a.b with a: ~ (the direct evaluator agrees).
		return undefinedVar(varName(e.at))
	}
	if u, ok := diag.As(err, diag.Undefined); ok {
		if name := indexName(e.at); name != "" {
			return undefinedVar(name)
		}
		return u
	}
	return fmt.Errorf("template: %s", e.msg)
}

func varName(at string) string { return strings.TrimPrefix(strings.TrimPrefix(at, "$"), ".") }

// parseError says what is wrong and where in src: text/template gives only
// the line, so the column is that of the token the message quotes. The
// loader that read src places it in its file.
func parseError(src string, err error) *diag.Diagnostic {
	e := readLib(err)
	d := &diag.Diagnostic{Kind: diag.Syntax, Msg: "template: " + e.msg}
	lines := strings.Split(src, "\n")
	if e.line < 1 || e.line > len(lines) {
		return d
	}
	text := lines[e.line-1]
	col := 0
	if i := strings.Index(text, e.token); e.token != "" && i >= 0 {
		col = i + 1
	}
	if col == 0 && e.unclosed {
		col = strings.LastIndex(text, "{{") + 1
	}
	msg := e.msg
	if e.function != "" {
		d.Kind, d.Name = diag.UnknownFunction, e.function
		msg += jinjaHint(e.function)
	}
	where := fmt.Sprintf("line %d", e.line)
	if col > 0 {
		where += fmt.Sprintf(", col %d", col)
	}
	d.Msg = fmt.Sprintf("template: %s (%s: %q)", msg, where, text)
	return d
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
