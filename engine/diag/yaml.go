package diag

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// yaml.v3 gives a syntax error only as text ("yaml: line 3: did not find
// expected key"): it exports no error type with the line. YAML is the one
// place that reads that text; the playbook and inventory loaders both call
// it. TestYAML lists the messages it recognises, made by yaml.v3 itself.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlParserErrors are yaml.v3's parser errors (as opposed to its scanner
// errors): it reports their line 0-based (decode.go, parser.fail), the line
// where the construct that is not closed starts, or of the problem when
// that starts on the first line.
var yamlParserErrors = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found undefined tag handle":             true,
}

// YAML turns an error of yaml.v3's Unmarshal or Decoder into a Diagnostic
// in file: a syntax error at its 1-based line (yaml.v3 knows no column),
// a *yaml.TypeError as its messages.
func YAML(file string, err error) *Diagnostic {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return &Diagnostic{File: file, Kind: Type, Msg: strings.Join(te.Errors, "; ")}
	}
	d := &Diagnostic{File: file, Kind: Syntax}
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		msg = msg[len(m[0]):]
		d.Line, _ = strconv.Atoi(m[1])
		if yamlParserErrors[msg] {
			d.Line++
		}
	}
	d.Msg = "YAML: " + strings.TrimPrefix(msg, "yaml: ")
	return d
}
