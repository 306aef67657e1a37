package playbook

import (
	"errors"

	"gopkg.in/yaml.v3"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/diag"
	"github.com/hapb/hapb/engine/yamllimit"
)

// checkAliases refuses a document whose aliases expand past
// yamllimit.MaxAliasNodes, before anything walks it: play vars, vars_files,
// tasks and roles all come through parseFile.
func (l *loader) checkAliases(path string, doc *yaml.Node) bool {
	var e *yamllimit.Error
	if err := yamllimit.Check(doc); errors.As(err, &e) {
		l.errs.err(Pos{File: path, Line: e.Line, Col: e.Col}, diag.Limit, err)
		return false
	}
	return true
}

// checkEnvNames refuses environment names that are not identifiers: env
// would take "--split-string=..." for an option and run another program.
func (l *loader) checkEnvNames(n *yaml.Node) {
	for _, p := range l.mapping(n, "environment") {
		if !conn.ValidEnvName(p.Key) {
			l.errs.err(l.pos(p.K), diag.Invalid, &conn.EnvNameError{Name: p.Key}).Name = p.Key
		}
	}
}
