// Package diag is the one error type for a mistake in something the user
// wrote: a playbook, an inventory, a module's parameters, a template or an
// expression. A Diagnostic says where (file:line:col, as precisely as the
// source allows), what kind of mistake it is, and what to do about it, so
// callers ask errors.As and the Kind and never read the message (terraform's
// tfdiags, go/scanner's Error).
package diag

import (
	"errors"
	"strconv"
	"strings"
)

// Kind says what is wrong.
type Kind uint8

const (
	Invalid          Kind = iota // a value not allowed there (the default)
	Syntax                       // source that does not parse: YAML, a template, an expression
	Type                         // a value of the wrong type: a mapping where a list belongs
	UnknownKeyword               // no play, task, block or loop_control keyword of that name
	UnknownModule                // no module of that name
	UnknownParameter             // no parameter of that name
	UnknownFunction              // no template function of that name
	Undefined                    // a variable that is not defined
	Duplicate                    // a key or parameter given twice
	Missing                      // something required is not given: hosts, a module, a parameter
	NotFound                     // a file or role that is not there or cannot be read
	Cycle                        // an import, include or role dependency of itself
	Unsupported                  // an Ansible feature hapb does not have
	Limit                        // a source past a size limit
)

var kindNames = [...]string{
	Invalid: "invalid", Syntax: "syntax", Type: "type", UnknownKeyword: "unknown keyword",
	UnknownModule: "unknown module", UnknownParameter: "unknown parameter",
	UnknownFunction: "unknown function", Undefined: "undefined variable", Duplicate: "duplicate",
	Missing: "missing", NotFound: "not found", Cycle: "cycle", Unsupported: "unsupported",
	Limit: "limit",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind " + strconv.Itoa(int(k))
}

// Diagnostic is one mistake at one place. It prints as compilers do,
// file:line:col: msg (hint), leaving out what is not known, so editors can
// jump to it.
type Diagnostic struct {
	File string
	Line int // 1-based; 0 when unknown
	Col  int // 1-based; 0 when unknown
	Kind Kind
	// Name is what the diagnostic is about, where it has one: the
	// undefined variable, the unknown keyword or module, the parameter's
	// path ("ports[1].port"). Msg already names it for the reader.
	Name string
	Msg  string
	Hint string // a suggestion, printed in parentheses after Msg
}

func (d *Diagnostic) Error() string {
	var b strings.Builder
	if pos := d.Pos(); pos != "" {
		b.WriteString(pos)
		b.WriteString(": ")
	}
	b.WriteString(d.Msg)
	if d.Hint != "" {
		b.WriteString(" (")
		b.WriteString(d.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// Pos is the diagnostic's place as file[:line[:col]], or "".
func (d *Diagnostic) Pos() string {
	pos := d.File
	if d.Line > 0 {
		pos += ":" + strconv.Itoa(d.Line)
		if d.Col > 0 {
			pos += ":" + strconv.Itoa(d.Col)
		}
	}
	return pos
}

// At returns a copy of d placed at file:line:col, for a diagnostic made
// where the place was not known (a parameter, a template) and reported by
// the loader that knows it. A diagnostic that has a file keeps it.
func (d *Diagnostic) At(file string, line, col int) *Diagnostic {
	c := *d
	if c.File == "" {
		c.File, c.Line, c.Col = file, line, col
	}
	return &c
}

// As returns the first Diagnostic in err's chain if it is of kind k.
func As(err error, k Kind) (*Diagnostic, bool) {
	var d *Diagnostic
	if errors.As(err, &d) && d.Kind == k {
		return d, true
	}
	return nil, false
}

// From returns err as a Diagnostic placed at file:line:col: a Diagnostic
// keeps its kind, name and hint; any other error (a Diagnostic wrapped with
// more words too, so none are lost) becomes one of kind k with err's text
// as its message.
func From(err error, k Kind, file string, line, col int) *Diagnostic {
	if d, ok := err.(*Diagnostic); ok {
		return d.At(file, line, col)
	}
	return &Diagnostic{File: file, Line: line, Col: col, Kind: k, Msg: err.Error()}
}
