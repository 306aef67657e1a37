package inventory

import (
	"fmt"

	"github.com/hapb/hapb/engine/diag"
)

// errorf is a problem of kind k in an inventory source, located as
// precisely as the source format allows (an INI line has no column).
func errorf(file string, line, col int, k diag.Kind, format string, args ...any) *diag.Diagnostic {
	return &diag.Diagnostic{File: file, Line: line, Col: col, Kind: k, Msg: fmt.Sprintf(format, args...)}
}
