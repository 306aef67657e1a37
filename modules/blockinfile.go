package modules

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

func init() { Define("blockinfile", blockinfileDoc, blockinfilePlan) }

type blockinfileParams struct {
	Path         string `yaml:"path" alias:"dest,destfile,name" required:"true" doc:"the file to edit"`
	Block        string `yaml:"block" alias:"content" doc:"the lines between the markers; empty removes the block"`
	Marker       string `yaml:"marker" default:"# {mark} ANSIBLE MANAGED BLOCK" doc:"the marker line; {mark} becomes marker_begin or marker_end"`
	MarkerBegin  string `yaml:"marker_begin" default:"BEGIN" doc:"{mark} of the first marker"`
	MarkerEnd    string `yaml:"marker_end" default:"END" doc:"{mark} of the last marker"`
	State        string `yaml:"state" default:"present" choices:"present,absent" doc:"whether the block should be there"`
	InsertAfter  string `yaml:"insertafter" doc:"EOF (default) or a regexp: a new block goes after its last match"`
	InsertBefore string `yaml:"insertbefore" doc:"BOF or a regexp: a new block goes before its last match"`
	editParams
}

const blockinfileDoc = "Inserts, updates or removes a block of lines between marker lines (e.g. the hosts of the cluster in /etc/hosts)."

func blockinfilePlan(ctx context.Context, t *Task, p *blockinfileParams) (*Plan, error) {
	if p.InsertAfter != "" && p.InsertBefore != "" {
		return nil, errors.New("blockinfile: give insertafter or insertbefore, not both")
	}
	var ins *regexp.Regexp
	if x := p.InsertAfter + p.InsertBefore; x != "" && x != "EOF" && x != "BOF" {
		var err error
		if ins, err = compileRegexp(x); err != nil {
			return nil, fmt.Errorf("blockinfile: insertafter/insertbefore: %v", err)
		}
	}
	data := map[string]any{"path": p.Path}
	info, done, err := probeLineEdit(ctx, t, "blockinfile", p.Path, data)
	if done != nil || err != nil {
		return done, err
	}
	switch {
	case !info.Exists && (p.State == "absent" || p.Block == ""):
		return &Plan{Result: Result{Msg: "File not present", Data: data}}, nil
	case !info.Exists && !p.Create:
		return nil, Fail(Result{Msg: fmt.Sprintf("Path %s does not exist !", p.Path), Data: data})
	}
	out, msg := blockinfileEdit(string(info.Content), p, ins)
	spec := contentSpec{Dest: p.Path, Content: []byte(out), Info: info, Force: true, Msg: msg,
		Attrs: p.attrs(), Backup: p.Backup, Validate: p.Validate}
	if !info.Exists {
		spec.Msg = "File created"
	}
	return withData(planFileContent(ctx, t, spec))(map[string]any{"path": p.Path})
}

// blockinfileEdit follows Ansible's blockinfile: an existing block (both
// markers) is replaced where it is; a new one goes after the last
// insertafter match, before the last insertbefore match, or at the end.
func blockinfileEdit(content string, p *blockinfileParams, ins *regexp.Regexp) (string, string) {
	begin := strings.ReplaceAll(p.Marker, "{mark}", p.MarkerBegin)
	end := strings.ReplaceAll(p.Marker, "{mark}", p.MarkerEnd)
	lines := lineSplitKeepEnds(content)
	var block []string
	if p.State == "present" && p.Block != "" {
		body := p.Block
		if !strings.HasSuffix(body, "\n") {
			body += "\n"
		}
		block = append(append([]string{begin + "\n"}, lineSplitKeepEnds(body)...), end+"\n")
	}
	n0, n1 := -1, -1
	for i, l := range lines {
		switch lineTrimEOL(l) {
		case begin:
			n0 = i
		case end:
			n1 = i
		}
	}
	switch {
	case n0 < 0 || n1 < 0:
		switch {
		case ins != nil:
			n0 = -1
			for i, l := range lines {
				if ins.MatchString(lineTrimEOL(l)) {
					n0 = i
				}
			}
			if n0 < 0 {
				n0 = len(lines)
			} else if p.InsertAfter != "" {
				n0++
			}
		case p.InsertBefore == "BOF":
			n0 = 0
		default:
			n0 = len(lines)
		}
	case n0 < n1:
		lines = append(lines[:n0:n0], lines[n1+1:]...)
	default:
		lines = append(lines[:n1:n1], lines[n0+1:]...)
		n0 = n1
	}
	if n0 > 0 && !strings.HasSuffix(lines[n0-1], "\n") {
		lines[n0-1] += "\n"
	}
	out := append(append(append([]string{}, lines[:n0]...), block...), lines[n0:]...)
	result := strings.Join(out, "")
	switch {
	case result == content:
		return result, ""
	case block == nil:
		return result, "Block removed"
	}
	return result, "Block inserted"
}
