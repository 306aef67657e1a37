package playbook

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/go-multierror"

	"github.com/hapb/hapb/engine/diag"
)

// errorList collects load errors; loading goes on after an error so that
// one run reports every mistake.
type errorList []*diag.Diagnostic

// add records a mistake of kind k at pos, and returns it for the caller to
// add a name or a hint.
func (l *errorList) add(pos Pos, k diag.Kind, format string, args ...any) *diag.Diagnostic {
	d := &diag.Diagnostic{File: pos.File, Line: pos.Line, Col: pos.Col, Kind: k, Msg: fmt.Sprintf(format, args...)}
	*l = append(*l, d)
	return d
}

// err records an error from elsewhere (a template, a parameter, a file) at
// pos: a diagnostic keeps its kind, any other error is of kind k.
func (l *errorList) err(pos Pos, k diag.Kind, err error) *diag.Diagnostic {
	d := diag.From(err, k, pos.File, pos.Line, pos.Col)
	*l = append(*l, d)
	return d
}

// joined returns the errors sorted by position, without duplicates (a
// file imported twice reports its mistakes once), as a *multierror.Error.
func (l errorList) joined() error {
	if len(l) == 0 {
		return nil
	}
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return a.Msg < b.Msg
	})
	m := &multierror.Error{ErrorFormat: formatErrors}
	var prev *diag.Diagnostic
	for _, e := range l {
		if prev != nil && *prev == *e {
			continue
		}
		m.Errors = append(m.Errors, e)
		prev = e
	}
	return m
}

// formatErrors prints one error a line, as compilers do, so editors can
// jump to each place.
func formatErrors(es []error) string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// didYouMean returns the hint `did you mean "x"?` for the nearest
// candidate within a small edit distance, or "".
func didYouMean(word string, candidates []string) string {
	if c := nearest(word, candidates); c != "" {
		return fmt.Sprintf("did you mean %q?", c)
	}
	return ""
}

// nearest returns the candidate closest to word if it is close enough to be
// a typo: at most 2 edits, and fewer than half of word's letters.
func nearest(word string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		d := editDistance(word, c)
		if d < bestD && d*2 < len(word)+1 {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Damerau-Levenshtein (optimal string alignment)
// distance, so a swap of two letters ("wehn") counts as one edit.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
