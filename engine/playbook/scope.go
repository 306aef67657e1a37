package playbook

import (
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hapb/hapb/engine/diag"
	"github.com/hapb/hapb/engine/tmpl"
)

// scope holds the keywords that flow from a play, role, block or import
// down to the tasks inside it. Pointers and nil maps mean "not set here".
type scope struct {
	when              []*tmpl.Expr
	tags              []string
	become            *bool
	becomeUser        *string
	env               map[string]any
	vars              map[string]any
	delegateTo        any
	delegateFacts     *bool
	runOnce           *bool
	ignoreErrors      *bool
	ignoreUnreachable *bool
	noLog             *bool
	anyErrorsFatal    *bool
	checkMode         *bool
	diff              *bool
	notify            []string
	throttle          any // int or *tmpl.Template
	timeout           *time.Duration

	// Not keywords, but context for the tasks inside.
	role       *Role
	searchDirs []string
	dir        string // directory of the file being read, for relative includes
	handlers   bool   // reading handlers: listen is allowed
}

// inheritedKeywords are the keywords a scope carries, accepted on plays,
// blocks, role entries, imports and tasks.
var inheritedKeywords = []string{
	"when", "tags", "become", "become_user", "environment", "vars",
	"delegate_to", "delegate_facts", "run_once", "ignore_errors",
	"ignore_unreachable", "no_log", "any_errors_fatal", "check_mode", "diff",
	"notify", "throttle", "timeout",
}

// keyword reads one inherited keyword into s; it reports false for any
// other key.
func (l *loader) keyword(p pair, s *scope, pc *playCtx) bool {
	b := func() *bool { v := l.boolean(p.V, p.Key); return &v }
	switch p.Key {
	case "when":
		s.when = append(s.when, l.conditions(p.V, p.Key)...)
	case "tags":
		s.tags = union(s.tags, l.strList(p.V, p.Key))
	case "become":
		s.become = b()
	case "become_user":
		u := l.str(p.V, p.Key)
		if isTemplate(u) { // rendered per host; checked now like every template
			if _, err := tmpl.Parse(l.pos(p.V).File, u); err != nil {
				d := l.errs.err(l.pos(p.V), diag.Syntax, err)
				d.Msg = "become_user: " + d.Msg
			}
		}
		s.becomeUser = &u
	case "environment":
		l.checkEnvNames(p.V)
		s.env = l.compiledMap(p.V, p.Key)
		if s.env == nil {
			s.env = map[string]any{}
		}
	case "vars":
		s.vars = l.compiledMap(p.V, p.Key)
		if s.vars == nil {
			s.vars = map[string]any{}
		}
	case "delegate_to":
		s.delegateTo = l.compiled(p.V)
		if _, ok := s.delegateTo.(*tmpl.Template); !ok {
			s.delegateTo = l.str(p.V, p.Key)
		}
	case "delegate_facts":
		s.delegateFacts = b()
	case "run_once":
		s.runOnce = b()
	case "ignore_errors":
		s.ignoreErrors = b()
	case "ignore_unreachable":
		s.ignoreUnreachable = b()
	case "no_log":
		s.noLog = b()
	case "any_errors_fatal":
		s.anyErrorsFatal = b()
	case "check_mode":
		s.checkMode = b()
	case "diff":
		s.diff = b()
	case "notify":
		for _, c := range l.notifyList(p.V) {
			s.notify = union(s.notify, []string{c.name})
			if pc != nil {
				pc.notified = append(pc.notified, c)
			}
		}
	case "throttle":
		// A template is allowed: throttle keeps etcd quorum with
		// something like {{ div (len .groups.etcd) 2 }}.
		if t, ok := l.compiled(p.V).(*tmpl.Template); ok {
			s.throttle = t
		} else {
			s.throttle = l.integer(p.V, p.Key)
		}
	case "timeout":
		d := l.seconds(p.V, p.Key)
		s.timeout = &d
	default:
		return false
	}
	return true
}

type notifyRef struct {
	name string
	pos  Pos
}

func (l *loader) notifyList(n *yaml.Node) []notifyRef {
	items := oneOrMany(n)
	var out []notifyRef
	for _, c := range items {
		if s := l.staticStr(c, "notify"); s != "" {
			out = append(out, notifyRef{s, l.pos(c)})
		}
	}
	return out
}

// child returns the scope for what is inside own, which is written within
// s: conditions are prepended, tags united, environment and vars merged
// (inner wins), and other keywords set inside win.
func (s *scope) child(own *scope) *scope {
	c := *s
	c.when = append(append([]*tmpl.Expr(nil), s.when...), own.when...)
	c.tags = union(s.tags, own.tags)
	c.notify = union(s.notify, own.notify)
	c.env = mergeMaps(s.env, own.env)
	c.vars = mergeMaps(s.vars, own.vars)
	set := func(dst **bool, v *bool) {
		if v != nil {
			*dst = v
		}
	}
	set(&c.become, own.become)
	set(&c.delegateFacts, own.delegateFacts)
	set(&c.runOnce, own.runOnce)
	set(&c.ignoreErrors, own.ignoreErrors)
	set(&c.ignoreUnreachable, own.ignoreUnreachable)
	set(&c.noLog, own.noLog)
	set(&c.anyErrorsFatal, own.anyErrorsFatal)
	set(&c.checkMode, own.checkMode)
	set(&c.diff, own.diff)
	if own.becomeUser != nil {
		c.becomeUser = own.becomeUser
	}
	if own.delegateTo != nil {
		c.delegateTo = own.delegateTo
	}
	if own.throttle != nil {
		c.throttle = own.throttle
	}
	if own.timeout != nil {
		c.timeout = own.timeout
	}
	return &c
}

// apply sets t's keyword fields from the scope it ends up in.
func (s *scope) apply(t *Task) {
	t.When = s.when
	t.Tags = s.tags
	t.Environment = s.env
	t.Vars = s.vars
	t.Notify = s.notify
	t.Become = deref(s.become)
	if s.becomeUser != nil {
		t.BecomeUser = *s.becomeUser
	}
	if t.Become && t.BecomeUser == "" {
		t.BecomeUser = "root"
	}
	t.DelegateTo = s.delegateTo
	if t.DelegateTo == nil {
		t.DelegateTo = ""
	}
	t.DelegateFacts = deref(s.delegateFacts)
	t.RunOnce = deref(s.runOnce)
	t.IgnoreErrors = deref(s.ignoreErrors)
	t.IgnoreUnreachable = deref(s.ignoreUnreachable)
	t.NoLog = deref(s.noLog)
	t.AnyErrorsFatal = deref(s.anyErrorsFatal)
	t.CheckMode = s.checkMode
	t.Diff = s.diff
	switch th := s.throttle.(type) {
	case int:
		t.Throttle = th
	case *tmpl.Template:
		t.ThrottleTemplate = th
	}
	if s.timeout != nil {
		t.Timeout = *s.timeout
	}
	t.Role = s.role
	t.SearchDirs = s.searchDirs
}

func deref(b *bool) bool { return b != nil && *b }

func union(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	out := append([]string(nil), a...)
	for _, s := range b {
		if !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// mergeMaps returns a merged copy where b wins; nil when both are empty.
func mergeMaps(a, b map[string]any) map[string]any {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	m := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}
