package modules

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/params"
)

// planApply runs a module as the executor does: decode, then Execute. A
// module's verdict (a failed result) comes back as the result, other
// failures as the error.
func planApply(t *testing.T, name string, task *Task, args map[string]any) (*Result, error) {
	t.Helper()
	m, ok := Lookup(name)
	if !ok {
		t.Fatalf("module %s not registered", name)
	}
	p := m.NewParams()
	if mp, ok := p.(*map[string]any); ok {
		*mp = args
	} else if err := params.Decode(args, p); err != nil {
		t.Fatalf("%s: decode %v: %v", name, args, err)
	}
	res, err := Execute(context.Background(), guarded{m, t, name}, task, p)
	var e *Error
	if errors.As(err, &e) && e.Verdict {
		return &res, nil
	}
	return &res, err
}

// guarded checks a module's plans: an Apply is only for a change.
type guarded struct {
	Module
	t    *testing.T
	name string
}

func (g guarded) Plan(ctx context.Context, task *Task, p any) (*Plan, error) {
	plan, err := g.Module.Plan(ctx, task, p)
	if plan != nil && plan.Apply != nil && !plan.Changed {
		g.t.Fatalf("%s: plan has Apply but says unchanged", g.name)
	}
	return plan, err
}

// mustPlanApply is planApply that fails the test on an error.
func mustPlanApply(t *testing.T, name string, task *Task, args map[string]any) *Result {
	t.Helper()
	r, err := planApply(t, name, task, args)
	if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return r
}

// localTask is a task on the controller itself, as ansible_connection=local.
func localTask(check, diff bool, dirs ...string) *Task {
	return &Task{Conn: &conn.Local{}, Host: "localhost", Vars: map[string]any{},
		Check: check, Diff: diff, SearchDirs: dirs}
}

// treeSum digests a directory tree: names, types, modes, contents and link
// targets, to show that check mode changed nothing.
func treeSum(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%s %v", strings.TrimPrefix(p, dir), fi.Mode())
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			line += " -> " + target
		case fi.Mode().IsRegular():
			b, _ := os.ReadFile(p)
			line += fmt.Sprintf(" %x", sha256.Sum256(b))
		}
		lines = append(lines, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// checkIdempotent runs args in check mode (nothing may change on disk and
// the plan must say changed), then for real, then again (unchanged).
func checkIdempotent(t *testing.T, name, dir string, args map[string]any) *Result {
	t.Helper()
	before := treeSum(t, dir)
	r := mustPlanApply(t, name, localTask(true, true, dir), args)
	if r.Failed || !r.Changed {
		t.Fatalf("%s check mode: changed=%v failed=%v msg=%q", name, r.Changed, r.Failed, r.Msg)
	}
	if after := treeSum(t, dir); after != before {
		t.Fatalf("%s check mode changed the tree:\nbefore:\n%s\nafter:\n%s", name, before, after)
	}
	r = mustPlanApply(t, name, localTask(false, false, dir), args)
	if r.Failed || !r.Changed {
		t.Fatalf("%s apply: changed=%v failed=%v msg=%q", name, r.Changed, r.Failed, r.Msg)
	}
	again := mustPlanApply(t, name, localTask(false, false, dir), args)
	if again.Changed || again.Failed {
		t.Fatalf("%s second run: changed=%v failed=%v msg=%q", name, again.Changed, again.Failed, again.Msg)
	}
	return r
}

// asResult turns a module's verdict (Fail) back into the failed plan it
// stands for, for tests that call a plan function directly.
func asResult(plan *Plan, err error) (*Plan, error) {
	var e *Error
	if errors.As(err, &e) && e.Verdict {
		return &Plan{Result: e.Result}, nil
	}
	return plan, err
}

// planErr checks a plan's error against want ("" for none, else a part of
// the message) and reports whether there is a plan to check further.
func planErr(t *testing.T, err error, want string) bool {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatal(err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Fatalf("err = %v, want %q", err, want)
	}
	return want == ""
}
