package modules

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

func init() { Define("lineinfile", lineinfileDoc, lineinfilePlan) }

type lineinfileParams struct {
	Path         string  `yaml:"path" alias:"dest,destfile,name" required:"true" doc:"the file to edit"`
	Line         *string `yaml:"line" alias:"value" doc:"the line to ensure (state=present)"`
	Regexp       string  `yaml:"regexp" alias:"regex" doc:"RE2 regexp: the last matching line is replaced (present) or every matching line removed (absent)"`
	SearchString string  `yaml:"search_string" doc:"a literal string, used as regexp is"`
	State        string  `yaml:"state" default:"present" choices:"present,absent" doc:"whether the line should be there"`
	InsertAfter  string  `yaml:"insertafter" doc:"EOF (default) or a regexp: insert after its last match when regexp matches nothing"`
	InsertBefore string  `yaml:"insertbefore" doc:"BOF or a regexp: insert before its last match when regexp matches nothing"`
	FirstMatch   bool    `yaml:"firstmatch" doc:"use the first match of regexp/insertafter/insertbefore instead of the last"`
	Backrefs     bool    `yaml:"backrefs" doc:"line may use \\1 / \\g<name> from regexp; if regexp matches nothing the file is left alone"`
	editParams
}

const lineinfileDoc = "Ensures a line is in a file (replacing the last line that matches regexp) or that no line matches."

// editParams are the parameters of the modules that edit a file in place
// (lineinfile, blockinfile).
type editParams struct {
	Create   bool        `yaml:"create" doc:"create the file if it is missing"`
	Backup   bool        `yaml:"backup" doc:"keep a timestamped copy of the file it replaces"`
	Validate string      `yaml:"validate" doc:"command run on the new file (%s is its path) before it replaces path"`
	Mode     FileMode    `yaml:"mode" doc:"mode of the file"`
	Owner    accountName `yaml:"owner" doc:"owner name or uid"`
	Group    accountName `yaml:"group" doc:"group name or gid"`
}

func (e *editParams) attrs() fileAttrs {
	return fileAttrs{Mode: e.Mode, Owner: string(e.Owner), Group: string(e.Group)}
}

// lineEditMax is the largest file lineinfile and blockinfile edit.
const lineEditMax = 64 << 20

func lineinfilePlan(ctx context.Context, t *Task, p *lineinfileParams) (*Plan, error) {
	var re, ins *regexp.Regexp
	var err error
	switch {
	case p.Regexp != "" && p.SearchString != "":
		return nil, errors.New("lineinfile: give regexp or search_string, not both")
	case p.Regexp != "":
		if re, err = compileRegexp(p.Regexp); err != nil {
			return nil, fmt.Errorf("lineinfile: regexp: %v", err)
		}
	case p.SearchString != "":
		re, _ = compileRegexp(regexp.QuoteMeta(p.SearchString))
	}
	if p.InsertAfter != "" && p.InsertBefore != "" {
		return nil, errors.New("lineinfile: give insertafter or insertbefore, not both")
	}
	if x := p.InsertAfter + p.InsertBefore; x != "" && x != "EOF" && x != "BOF" {
		if ins, err = compileRegexp(x); err != nil {
			return nil, fmt.Errorf("lineinfile: insertafter/insertbefore: %v", err)
		}
	}
	if p.State == "present" && p.Line == nil {
		return nil, errors.New("lineinfile: state=present needs line")
	}
	if p.Backrefs && re == nil {
		return nil, errors.New("lineinfile: backrefs needs regexp")
	}
	data := map[string]any{"path": p.Path}
	info, done, err := probeLineEdit(ctx, t, "lineinfile", p.Path, data)
	if done != nil || err != nil {
		return done, err
	}
	switch {
	case !info.Exists && p.State == "absent":
		return &Plan{Result: Result{Msg: "file not present", Data: data}}, nil
	case !info.Exists && !p.Create:
		return nil, Fail(Result{Msg: fmt.Sprintf("Destination %s does not exist !", p.Path), Data: data})
	}
	lines := lineSplitKeepEnds(string(info.Content))
	var msg string
	if p.State == "absent" {
		var found int
		lines, found = lineinfileAbsent(lines, re, p.Line)
		if found > 0 {
			msg = fmt.Sprintf("%d line(s) removed", found)
		}
		data["found"] = found
	} else {
		lines, msg = lineinfilePresent(lines, *p.Line, re, ins, p)
	}
	spec := contentSpec{Dest: p.Path, Content: []byte(strings.Join(lines, "")), Info: info, Force: true,
		Attrs: p.attrs(), Backup: p.Backup, Validate: p.Validate, Msg: msg}
	if !info.Exists && msg == "" {
		spec.Msg = "file created"
	}
	return withData(planFileContent(ctx, t, spec))(data)
}

// lineSplitKeepEnds splits s into lines that keep their "\n".
func lineSplitKeepEnds(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func lineTrimEOL(l string) string { return strings.TrimRight(l, "\r\n") }

func lineinfileAbsent(lines []string, re *regexp.Regexp, line *string) ([]string, int) {
	var out []string
	found := 0
	for _, l := range lines {
		if (re != nil && re.MatchString(lineTrimEOL(l))) || (re == nil && line != nil && lineTrimEOL(l) == *line) {
			found++
			continue
		}
		out = append(out, l)
	}
	return out, found
}

// lineinfilePresent follows Ansible's lineinfile present() for the common
// cases: the last regexp match is replaced; else an exact line is kept;
// else the line goes after/before the last insertafter/insertbefore match,
// or at the end.
func lineinfilePresent(lines []string, line string, re, ins *regexp.Regexp, p *lineinfileParams) ([]string, string) {
	matchAt, insAt := -1, -1
	var match []int
	if re != nil {
		for i, l := range lines {
			if m := re.FindStringSubmatchIndex(lineTrimEOL(l)); m != nil {
				matchAt, match = i, m
				if p.FirstMatch {
					break
				}
			}
		}
	}
	if match == nil {
		for i, l := range lines {
			switch {
			case lineTrimEOL(l) == line:
				matchAt = i
			case ins != nil && ins.MatchString(lineTrimEOL(l)):
				if p.FirstMatch && insAt >= 0 {
					continue
				}
				insAt = i
				if p.InsertAfter != "" {
					insAt = i + 1
				}
			}
		}
	}
	insert := func(at int) ([]string, string) {
		out := append([]string{}, lines[:at]...)
		out = append(out, line+"\n")
		return append(out, lines[at:]...), "line added"
	}
	ensureEOL := func() {
		if n := len(lines); n > 0 && !strings.HasSuffix(lines[n-1], "\n") {
			lines[n-1] += "\n"
		}
	}
	switch {
	case matchAt >= 0:
		newLine := line
		if p.Backrefs && match != nil {
			newLine = string(re.ExpandString(nil, pythonToGoTemplate(line), lineTrimEOL(lines[matchAt]), match))
		}
		if lineTrimEOL(lines[matchAt]) == newLine {
			return lines, ""
		}
		lines[matchAt] = newLine + "\n"
		return lines, "line replaced"
	case p.Backrefs:
		return lines, "" // nothing to fill the backrefs with: leave the file alone
	case p.InsertBefore == "BOF" || p.InsertAfter == "BOF":
		return insert(0)
	case p.InsertAfter == "EOF" || insAt < 0:
		ensureEOL()
		return insert(len(lines))
	case p.InsertAfter != "":
		ensureEOL()
		if insAt == len(lines) && lineTrimEOL(lines[insAt-1]) == line {
			return lines, ""
		}
		if insAt < len(lines) && lineTrimEOL(lines[insAt]) == line {
			return lines, ""
		}
		return insert(insAt)
	}
	if insAt > 0 && lineTrimEOL(lines[insAt-1]) == line {
		return lines, ""
	}
	return insert(insAt)
}

var pyBackref = regexp.MustCompile(`\\(\d+)|\\g<(\w+)>|\$`)

// pythonToGoTemplate turns Python's \1 and \g<name> into Go's ${1} and
// ${name}, escaping literal dollars.
func pythonToGoTemplate(s string) string {
	return pyBackref.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$" {
			return "$$"
		}
		sub := pyBackref.FindStringSubmatch(m)
		return "${" + sub[1] + sub[2] + "}"
	})
}

// probeLineEdit reads the file lineinfile and blockinfile edit. A non-nil
// plan is the outcome already: unknown until applied, or not a file.
func probeLineEdit(ctx context.Context, t *Task, module, p string, data map[string]any) (*pathInfo, *Plan, error) {
	info, err := probePath(ctx, t, p, probeOpts{Follow: true, Content: lineEditMax})
	switch {
	case err != nil:
		return nil, nil, err
	case info.Unknown != "":
		return nil, unknownPlan(info.Unknown, data, Effect{Kind: PathEffect, Name: info.Path, State: "file"}), nil
	case info.Exists && info.Type != "file":
		return nil, nil, Fail(Result{Msg: fmt.Sprintf("%s is a %s, not a file", p, info.Type), Data: data})
	case info.Exists && !info.HasContent:
		return nil, nil, fmt.Errorf("%s: %s is larger than %d bytes", module, p, lineEditMax)
	}
	return info, nil, nil
}
