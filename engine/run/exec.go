package run

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/params"
	"github.com/hapb/hapb/engine/playbook"
	"github.com/hapb/hapb/engine/report"
	"github.com/hapb/hapb/engine/tmpl"
	"github.com/hapb/hapb/engine/vars"
	"github.com/hapb/hapb/modules"
)

// outcome is a task's result on one host, before it is applied.
type outcome struct {
	res      modules.Result
	unreach  bool
	ignored  bool // failed under ignore_errors
	items    []*itemOutcome
	delegate string
	elapsed  time.Duration // the task's time on the host, for the output's slowest hosts
	start    time.Time     // when the host began the task (the JSON events' "start")
	// registered is the value `register` stores.
	registered map[string]any
}

type itemOutcome struct {
	label    string
	res      modules.Result
	value    map[string]any
	delegate string // each item may go to another host (delegate_to: "{{ .item }}")
	// start and end bound the item's own work, its loop_control pause
	// excluded, so a reader of the events sees each item's time.
	start, end time.Time
}

// execHost runs task t on one host: conditions, loop, retries, module. It
// only reads shared state.
func (p *playRun) execHost(ctx context.Context, t *playbook.Task, h *hostState, sc map[string]any) *outcome {
	out := &outcome{start: time.Now()}
	defer func() { out.elapsed = time.Since(out.start) }()
	tv := p.taskVars(t, h, sc)
	if t.Loop == nil {
		// when sees the task's vars; a skipped task renders no other.
		s := tv.scope(h, nil).need(t.When)
		ok, err := allTrue(t.When, s.m)
		switch {
		case err != nil:
			out.res = failure(t, h, err)
		case !ok:
			out.res = modules.Result{Skipped: true, Msg: "Conditional result was False"}
		default:
			out.res, out.unreach = p.attempt(ctx, t, h, s.all(), out)
		}
		out.registered = resultMap(&out.res)
		p.ignore(t, out)
		return out
	}
	items, err := loopItems(t.Loop, tv.scope(h, nil).need(t.Loop).m)
	if err != nil {
		out.res = failure(t, h, err)
		out.registered = resultMap(&out.res)
		p.ignore(t, out)
		return out
	}
	lc := t.LoopControl
	loopVar := lc.LoopVar
	if loopVar == "" {
		loopVar = "item"
	}
	results := make([]any, 0, len(items))
	all := modules.Result{Skipped: true}
	for i, item := range items {
		// Each item has its own task vars: they may read the item.
		extra := map[string]any{loopVar: item, "ansible_loop_var": loopVar}
		if lc.IndexVar != "" {
			extra[lc.IndexVar] = i
		}
		if lc.Extended {
			extra["ansible_loop"] = loopInfo(items, i)
		}
		start := time.Now()
		s := tv.scope(h, extra).need(t.When, lc.Label)
		iv := s.m
		io := &itemOutcome{label: itemLabel(lc.Label, item, iv), start: start}
		ok, err := allTrue(t.When, iv)
		switch {
		case err != nil:
			io.res = failure(t, h, err)
		case !ok:
			io.res = modules.Result{Skipped: true, Msg: "Conditional result was False"}
		default:
			var unreach bool
			io.res, unreach = p.attempt(ctx, t, h, s.all(), out)
			io.delegate = out.delegate
			if unreach {
				out.res, out.unreach = io.res, true
				return out
			}
		}
		io.end = time.Now()
		io.value = resultMap(&io.res)
		io.value[loopVar] = item
		io.value["ansible_loop_var"] = loopVar
		results = append(results, io.value)
		out.items = append(out.items, io)
		all.Changed = all.Changed || io.res.Changed
		all.Failed = all.Failed || io.res.Failed
		all.Skipped = all.Skipped && io.res.Skipped
		all.Secrets = append(all.Secrets, io.res.Secrets...)
		if io.res.Facts != nil || io.res.Gathered != nil {
			if all.Facts == nil {
				all.Facts = map[string]any{}
			}
			for k, fv := range io.res.AllFacts() {
				all.Facts[k] = fv
			}
		}
		if lc.Pause > 0 && i < len(items)-1 {
			p.unlocked(func() { sleep(ctx, lc.Pause) })
		}
	}
	switch {
	case all.Failed:
		all.Msg = "One or more items failed"
	case len(items) == 0:
		all.Msg = "No items in the list"
	default:
		all.Msg = "All items completed"
	}
	out.res = all
	out.registered = resultMap(&all)
	out.registered["results"] = results
	out.registered["skipped"] = all.Skipped // a loop's is always set, as in Ansible
	p.ignore(t, out)
	return out
}

// reported drops what only the report read (items, the module's data,
// diffs, output), so the outcomes of a task on thousands of hosts, kept
// until the last host is done, keep only what apply needs: the result's
// verdict, its facts and the registered value (register, or the failed
// result a rescue reads).
func (out *outcome) reported(t *playbook.Task) {
	out.items = nil
	out.res.Data, out.res.Diffs, out.res.Output, out.res.Secrets = nil, nil, "", nil
	if t.Register == "" && !out.res.Failed {
		out.registered = nil
	}
}

func (p *playRun) ignore(t *playbook.Task, out *outcome) {
	if out.res.Failed && t.IgnoreErrors && !out.unreach {
		out.ignored = true
	}
}

// attempt runs the module, repeating it while `until` does not hold, then
// applies changed_when and failed_when.
func (p *playRun) attempt(ctx context.Context, t *playbook.Task, h *hostState, v map[string]any, out *outcome) (modules.Result, bool) {
	retries, delay := 0, t.Delay
	if t.Until != nil {
		var err error
		if retries, delay, err = retryPolicy(t, v); err != nil {
			return failure(t, h, err), false
		}
	}
	for try := 0; ; try++ {
		res, unreach := p.runModule(ctx, t, h, v, out)
		if unreach {
			return res, true
		}
		withRes := v
		if t.Register != "" && (t.Until != nil || len(t.ChangedWhen) > 0 || len(t.FailedWhen) > 0) {
			withRes = withVars(v, map[string]any{t.Register: resultMap(&res)})
		}
		if t.Until != nil {
			ok, err := t.Until.Bool(withRes)
			if err != nil {
				return failure(t, h, err), false
			}
			if !ok && try < retries && ctx.Err() == nil {
				p.repMu.Lock()
				p.r.opts.Reporter.Retrying(h.name, t.Label(), retries-try)
				p.repMu.Unlock()
				p.unlocked(func() { sleep(ctx, delay) })
				continue
			}
			if !ok {
				res.Failed = true
				if res.Msg == "" {
					res.Msg = fmt.Sprintf("retries exhausted (%d) waiting for: %s", retries, t.Until)
				}
			}
			if res.Data == nil {
				res.Data = map[string]any{}
			}
			res.Data["attempts"] = try + 1
		}
		// --check planned the change without making it: the result that
		// changed_when and failed_when would judge does not exist yet
		// (a command's rc and output), so they are not asked over a guess.
		if res.Planned && reads(t.ChangedWhen, t.Register) {
			res.Changed, res.Unknown = true, true
			res.Msg = fmt.Sprintf("unknown until applied: changed_when reads %s, which the task sets when it runs (%s)", t.Register, res.Msg)
			return res, false
		}
		if len(t.ChangedWhen) > 0 && !res.Skipped {
			ok, err := allTrue(t.ChangedWhen, withRes)
			if err != nil {
				return failure(t, h, err), false
			}
			res.Changed = ok
		}
		if len(t.FailedWhen) > 0 && !res.Skipped && !(res.Planned && reads(t.FailedWhen, t.Register)) {
			ok, err := allTrue(t.FailedWhen, withRes)
			if err != nil {
				return failure(t, h, err), false
			}
			res.Failed = ok
			if ok && res.Msg == "" {
				res.Msg = "failed_when condition holds: " + exprList(t.FailedWhen)
			}
		}
		return res, false
	}
}

// reads says whether a condition reads the variable name (a registered
// result).
func reads(conds []*tmpl.Expr, name string) bool {
	for _, e := range conds {
		if name != "" && slices.Contains(e.Vars(), name) {
			return true
		}
	}
	return false
}

// retryPolicy is a task's retries and delay, rendered when templated.
func retryPolicy(t *playbook.Task, v map[string]any) (int, time.Duration, error) {
	retries, delay := t.Retries, t.Delay
	if t.RetriesTemplate != nil {
		r, err := t.RetriesTemplate.Render(v)
		if err != nil {
			return 0, 0, fmt.Errorf("retries: %w", err)
		}
		n, ok := params.ToInt(r)
		if !ok || n < 0 {
			return 0, 0, fmt.Errorf("retries: %v is not a number of retries", r)
		}
		retries = int(n)
	}
	if t.DelayTemplate != nil {
		d, err := t.DelayTemplate.Render(v)
		if err != nil {
			return 0, 0, fmt.Errorf("delay: %w", err)
		}
		secs, err := strconv.ParseFloat(tmpl.ToString(d), 64)
		if err != nil || secs < 0 {
			return 0, 0, fmt.Errorf("delay: %v is not a number of seconds", d)
		}
		delay = time.Duration(secs * float64(time.Second))
	}
	return retries, delay, nil
}

// runModule decodes the task's parameters for this host, connects, plans
// and, unless in check mode, applies.
func (p *playRun) runModule(ctx context.Context, t *playbook.Task, h *hostState, v map[string]any, out *outcome) (modules.Result, bool) {
	pr := t.Params
	if pr == nil {
		rendered, err := tmpl.Render(t.Args, v)
		if err != nil {
			return failure(t, h, err), false
		}
		args, _ := rendered.(map[string]any)
		if pr, err = playbook.DecodeParams(t.Module, args); err != nil {
			return failure(t, h, err), false
		}
	}
	mt := &modules.Task{Host: h.name, Vars: v, Diff: p.r.opts.Diff, NoLog: t.NoLog,
		SearchDirs: t.SearchDirs, Timeout: t.Timeout}
	if mt.Timeout == 0 {
		mt.Timeout = p.r.opts.TaskTimeout
	}
	mt.Check = p.r.opts.Check
	if t.CheckMode != nil {
		mt.Check = *t.CheckMode
	}
	if t.Diff != nil {
		mt.Diff = *t.Diff
	}
	if len(t.Environment) > 0 {
		env, err := renderEnv(t.Environment, v)
		if err != nil {
			return failure(t, h, err), false
		}
		for k, e := range env { // VAULT_TOKEN: a secret shown in no output
			p.r.redactor.learn(k, e)
		}
		mt.Env = env
	}
	target, targetVars, err := p.delegate(t, h, v)
	if err != nil {
		return failure(t, h, err), false
	}
	out.delegate = target
	if local, ok := t.Module.(modules.Local); !ok || !local.RunsLocally() {
		var c conn.Conn
		if p.free {
			targetVars = copyVars(targetVars) // read unlocked (see free.go)
		}
		p.unlocked(func() { c, err = p.r.conn(ctx, target, targetVars) })
		if err != nil {
			return modules.Result{Failed: true, Msg: p.r.redactor.str(err.Error())}, true
		}
		mt.Conn = c
		if mt.Become, err = p.become(t, v, targetVars); err != nil {
			return failure(t, h, err), false
		}
	}
	if mt.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, mt.Timeout)
		defer cancel()
	}
	return p.execModule(ctx, t, h, mt, pr, target)
}

// delegate returns the host a task's module runs on, and its variables.
func (p *playRun) delegate(t *playbook.Task, h *hostState, v map[string]any) (string, map[string]any, error) {
	if t.DelegateTo == nil || t.DelegateTo == "" {
		return h.name, v, nil
	}
	target, err := tmpl.Render(t.DelegateTo, v)
	if err != nil {
		return "", nil, fmt.Errorf("delegate_to: %w", err)
	}
	name := tmpl.ToString(target)
	if other, ok := p.r.hosts[name]; ok {
		return name, other.Vars(), nil
	}
	if implicitLocal(name) {
		return name, map[string]any{"ansible_connection": "local", "inventory_hostname": name}, nil
	}
	return name, map[string]any{"ansible_host": name, "inventory_hostname": name}, nil
}

// implicitLocal says whether a delegate the inventory does not name is the
// controller itself, reached with a local connection (as Ansible does).
func implicitLocal(name string) bool { return name == "localhost" || name == "127.0.0.1" }

// become is the privilege escalation of a task: the task's (inherited from
// block and play), else the host's ansible_become, else -b. A templated
// become_user is rendered over the task's variables v; hv are those of the
// host the module runs on.
func (p *playRun) become(t *playbook.Task, v, hv map[string]any) (conn.Become, error) {
	on := t.Become
	if !on {
		if b, ok := params.ToBool(hv["ansible_become"]); ok && b {
			on = true
		}
		on = on || p.r.opts.Become
	}
	if !on {
		return conn.Become{}, nil
	}
	user := t.BecomeUser
	if tmpl.IsTemplate(user) {
		tp, err := tmpl.Parse("become_user", user)
		if err == nil {
			user, err = tp.RenderString(v)
		}
		if err != nil {
			return conn.Become{}, fmt.Errorf("become_user: %w", err)
		}
		if user == "" {
			return conn.Become{}, fmt.Errorf("become_user: %q renders to nothing", t.BecomeUser)
		}
	}
	if user == "" {
		user, _ = hv["ansible_become_user"].(string)
	}
	if user == "" {
		user = p.r.opts.BecomeUser
	}
	if user == "" {
		user = "root"
	}
	return conn.Become{User: user}, nil
}

// apply applies a host's outcome: report-independent state changes. It
// returns whether the host failed (and so leaves the play).
func (p *playRun) apply(t *playbook.Task, h *hostState, out *outcome) bool {
	st := p.r.stats.of(h.name)
	res := &out.res
	switch {
	case out.unreach:
		if t.IgnoreUnreachable {
			// As Ansible 2.14 counts it: ok and ignored (the host stays).
			st.OK++
			st.Ignored++
			return false
		}
		st.Unreachable++
		delete(p.r.cleared, h.name)
		h.unreach = true
		return true
	case res.Failed && !out.ignored:
		st.Failed++
		delete(p.r.cleared, h.name)
		h.fail(t, out.registered)
		p.share(t, h, out) // rescue and always may read it
		return true
	case res.Failed:
		// As Ansible counts it: ignored, and ok (changed if it changed).
		st.Ignored++
		st.OK++
		if res.Changed {
			st.Changed++
		}
	case res.Skipped:
		st.Skipped++
	default:
		st.OK++
		if res.Changed {
			st.Changed++
		}
	}
	p.share(t, h, out)
	if res.Changed && !res.Failed {
		for _, n := range t.Notify {
			h.notified[n] = true
		}
	}
	return false
}

// share stores what a task leaves in a host's variables: the registered
// result and facts. run_once shares the one result with every host.
func (p *playRun) share(t *playbook.Task, h *hostState, out *outcome) {
	// What a task returns is data: a host's output, its facts, and values
	// set_fact and include_vars have rendered once already.
	if t.Register != "" {
		h.vars.SetData(t.Register, out.registered, vars.Runtime)
	}
	if (len(out.res.Facts) > 0 || out.res.Gathered != nil) && !out.res.Failed {
		lvl := factsLevel(t)
		to := h.vars
		if other, ok := p.r.hosts[out.delegate]; ok && t.DelegateFacts {
			to = other // delegate_facts: the facts are the delegate's
		}
		to.SetAllData(out.res.Facts, lvl)
		out.res.EachGathered(func(k string, v any) { to.SetData(k, v, lvl) })
		to.Resolve()
	}
	h.vars.Resolve()
}

// report shows a host's outcome. It runs before apply for every outcome, so
// it is where the outcome's secrets join the redactor.
func (p *playRun) report(t *playbook.Task, h *hostState, out *outcome) {
	p.announce(h)
	rd := p.r.redactor
	rd.add(out.res.Secrets...)
	if t.Register != "" {
		// Before it is shown: a result registered under a secret name
		// is hidden in its own task's output too.
		rd.learn(t.Register, out.registered)
	}
	noLog := t.NoLog
	for _, it := range out.items {
		hr := p.hostResult(t, h, out, &it.res, it.value, noLog)
		if hr.Delegate = it.delegate; hr.Delegate == h.name {
			hr.Delegate = ""
		}
		hr.Item = rd.str(it.label)
		hr.Start, hr.End = it.start, it.end
		if noLog {
			hr.Item = "(censored due to no_log)"
		}
		p.r.opts.Reporter.Result(hr)
	}
	hr := p.hostResult(t, h, out, &out.res, out.registered, noLog)
	hr.Loop = len(out.items) > 0
	if hr.Loop && !out.res.Failed && !out.unreach {
		return // items were shown; Ansible prints no summary line then
	}
	if out.unreach {
		hr.Status = report.Unreachable
	}
	hr.Ignored = out.ignored
	p.r.opts.Reporter.Result(hr)
}

func (p *playRun) hostResult(t *playbook.Task, h *hostState, out *outcome, res *modules.Result, data map[string]any, noLog bool) *report.HostResult {
	rd := p.r.redactor
	hr := &report.HostResult{Host: h.name, NoLog: noLog, Duration: out.elapsed, Action: t.Action,
		Start: out.start, End: out.start.Add(out.elapsed)}
	if out.delegate != h.name {
		hr.Delegate = out.delegate
	}
	switch {
	case res.Failed:
		hr.Status = report.Failed
	case res.Skipped:
		hr.Status = report.Skipped
	case res.Changed:
		hr.Status = report.Changed
	default:
		hr.Status = report.OK
	}
	if noLog {
		return hr
	}
	hr.Msg = rd.str(res.Msg)
	hr.Data, _ = rd.value(data).(map[string]any)
	if showsData(t) && len(res.Data) == 1 && res.Data["msg"] == nil {
		// debug var= says "name: value": a secret-named field's value is
		// masked there as it is in the data, whatever its length.
		for k, v := range res.Data {
			shown, _ := rd.value(map[string]any{k: v}).(map[string]any)
			hr.Msg = k + ": " + tmpl.ToString(shown[k])
			if _, ok := hr.Data["msg"]; ok {
				hr.Data["msg"] = hr.Msg
			}
		}
	}
	for _, d := range res.Diffs {
		hr.Diffs = append(hr.Diffs, report.Diff{Path: d.Path, Before: rd.str(d.Before), After: rd.str(d.After)})
	}
	if res.Output != "" {
		hr.Output = rd.str(res.Output)
	}
	if showsData(t) && !res.Skipped && !res.Failed {
		shown, _ := rd.value(res.Data).(map[string]any)
		b, _ := json.MarshalIndent(shown, "", "    ")
		hr.Output = string(b)
	}
	return hr
}

// resultMap is a result as `register` stores it.
func resultMap(res *modules.Result) map[string]any {
	m := make(map[string]any, len(res.Data)+4)
	for k, v := range res.Data {
		m[k] = v
	}
	m["changed"] = res.Changed
	m["failed"] = res.Failed
	if res.Skipped {
		m["skipped"] = true
	}
	if res.Msg != "" {
		m["msg"] = res.Msg
	}
	return m
}

// allTrue reports whether every condition holds (when, changed_when,
// failed_when are lists); no condition holds trivially.
func allTrue(conds []*tmpl.Expr, v map[string]any) (bool, error) {
	for _, c := range conds {
		ok, err := c.Bool(v)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func exprList(conds []*tmpl.Expr) string {
	s := make([]string, len(conds))
	for i, c := range conds {
		s[i] = c.String()
	}
	return strings.Join(s, " and ")
}

func loopItems(loop any, v map[string]any) ([]any, error) {
	if lt, ok := loop.(*playbook.LoopTemplate); ok {
		r, err := lt.T.Render(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", lt.Kind, err)
		}
		return lt.Items(r)
	}
	r, err := tmpl.Render(loop, v)
	if err != nil {
		return nil, fmt.Errorf("loop: %w", err)
	}
	switch items := r.(type) {
	case []any:
		return items, nil
	case []string:
		out := make([]any, len(items))
		for i, s := range items {
			out[i] = s
		}
		return out, nil
	case nil:
		return nil, nil
	}
	return nil, fmt.Errorf("loop: expected a list, got %T", r)
}

func itemLabel(label *tmpl.Template, item any, v map[string]any) string {
	if label != nil {
		if s, err := label.RenderString(v); err == nil {
			return s
		}
	}
	return tmpl.ToString(item)
}

func withVars(base map[string]any, extra map[string]any) map[string]any {
	m := make(map[string]any, len(base)+len(extra))
	for k, v := range base {
		m[k] = v
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func renderEnv(env map[string]any, v map[string]any) (map[string]string, error) {
	out := make(map[string]string, len(env))
	for k, e := range env {
		r, err := tmpl.Render(e, v)
		if err != nil {
			return nil, fmt.Errorf("environment %s: %w", k, err)
		}
		out[k] = tmpl.ToString(r)
	}
	return out, nil
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
