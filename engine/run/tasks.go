package run

import (
	"context"
	"fmt"
	"path"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hapb/hapb/engine/params"
	"github.com/hapb/hapb/engine/playbook"
	"github.com/hapb/hapb/engine/report"
	"github.com/hapb/hapb/engine/tmpl"
	"github.com/hapb/hapb/engine/vars"
)

// scope holds per-host variables that enclosing includes add (loop items of
// an include_tasks, include_role vars).
type scope map[*hostState]map[string]any

// runTasks runs a task list on hosts and returns the hosts that failed in it.
func (p *playRun) runTasks(ctx context.Context, tasks []*playbook.Task, hosts []*hostState, sc scope) []*hostState {
	var failed []*hostState
	for _, t := range tasks {
		if p.stopped() || ctx.Err() != nil {
			break
		}
		failed = append(failed, p.runTask(ctx, t, hosts, sc)...)
	}
	return failed
}

// runTask runs one task, block or include and returns the hosts that failed.
func (p *playRun) runTask(ctx context.Context, t *playbook.Task, hosts []*hostState, sc scope) []*hostState {
	if t.IsBlock() {
		return p.runBlock(ctx, t, hosts, sc)
	}
	if !TagsAllow(t.Tags, p.r.opts.Tags, p.r.opts.SkipTags) {
		return nil
	}
	if p.r.startAt != "" {
		if !StartsHere(p.r.startAt, t) {
			return nil
		}
		p.r.startAt = ""
	}
	active := activeOf(hosts)
	if len(active) == 0 {
		return nil
	}
	if t.Action == "meta" {
		p.meta(ctx, t, active)
		return nil
	}
	p.taskStart(p.taskName(t, active[0], sc), report.KindTask, active)
	return p.execute(ctx, t, active, sc)
}

func activeOf(hosts []*hostState) []*hostState {
	out := make([]*hostState, 0, len(hosts))
	for _, h := range hosts {
		if h.active() {
			out = append(out, h)
		}
	}
	return out
}

// runBlock runs block, then rescue on the hosts that failed in it, then
// always on every host that entered. An include is a block whose condition
// is evaluated once and whose loop repeats the whole block.
func (p *playRun) runBlock(ctx context.Context, b *playbook.Task, hosts []*hostState, sc scope) []*hostState {
	entered := activeOf(hosts)
	if b.Include {
		// An include's tags select the include itself; its tasks have their
		// own (Ansible's dynamic includes), see playbook's include.
		if !TagsAllow(b.Tags, p.r.opts.Tags, p.r.opts.SkipTags) {
			return nil
		}
		return p.runInclude(ctx, b, entered, sc)
	}
	if len(b.Rescue) > 0 {
		for _, h := range entered {
			h.rescuable++
		}
	}
	failed := p.runTasks(ctx, b.Block, entered, sc)
	if len(b.Rescue) > 0 {
		for _, h := range entered {
			h.rescuable--
		}
		// A failed host is rescued; an unreachable one is not (as in
		// Ansible): it stays out of the play.
		var rescue, unreachable []*hostState
		for _, h := range failed {
			if h.unreach {
				unreachable = append(unreachable, h)
			} else {
				rescue = append(rescue, h)
			}
		}
		if len(rescue) > 0 {
			for _, h := range rescue {
				h.failed = false
				st := p.r.stats.of(h.name)
				st.Failed--
				st.Rescued++
				setFailure(h)
			}
			p.setPlayHosts()
			failed = append(unreachable, p.runTasks(ctx, b.Rescue, rescue, sc)...)
		}
		// What the rescue did not handle counts now.
		p.checkFailLimits(b, failed)
	}
	if len(b.Always) > 0 {
		for _, h := range failed {
			h.failed = false
		}
		failed = append(failed, p.runTasks(ctx, b.Always, entered, sc)...)
		for _, h := range failed {
			h.failed = true
		}
		p.setPlayHosts()
	}
	return failed
}

// setFailure gives a rescue what failed: ansible_failed_task (its name and
// action) and ansible_failed_result, the failed result, which is data.
func setFailure(h *hostState) {
	if h.failedTask == nil {
		return
	}
	t := h.failedTask
	h.vars.SetData("ansible_failed_task", map[string]any{"name": t.Label(), "action": t.Action}, vars.Runtime)
	h.vars.SetData("ansible_failed_result", h.failedResult, vars.Runtime)
	h.vars.Resolve()
}

// runInclude runs an include_tasks/include_role block: when is evaluated
// once per host, and a loop runs the block once per item.
func (p *playRun) runInclude(ctx context.Context, b *playbook.Task, hosts []*hostState, sc scope) []*hostState {
	type run struct {
		items []any
	}
	runs := map[*hostState]*run{}
	var in, failed []*hostState
	maxItems := 0
	for _, h := range hosts {
		// when and loop see the include's vars; a skipped include renders
		// none of them.
		v := p.taskVars(b, h, sc[h]).scope(h, nil).need(b.When, b.Loop).m
		ok, err := allTrue(b.When, v)
		if err != nil {
			p.failHost(h, b, err)
			failed = append(failed, h)
			continue
		}
		st := p.r.stats.of(h.name)
		if !ok {
			st.Skipped++ // the recap counts an include as Ansible does
			continue
		}
		items := []any{nil}
		if b.Loop != nil {
			items, err = loopItems(b.Loop, v)
			if err != nil {
				p.failHost(h, b, err)
				failed = append(failed, h)
				continue
			}
		}
		runs[h] = &run{items: items}
		in = append(in, h)
		maxItems = max(maxItems, len(items))
	}
	loopVar := b.LoopControl.LoopVar
	if loopVar == "" {
		loopVar = "item"
	}
	for i := 0; i < maxItems; i++ {
		inner := scope{}
		var these []*hostState
		for _, h := range in {
			r := runs[h]
			if i >= len(r.items) {
				continue
			}
			m := map[string]any{}
			for k, v := range sc[h] {
				m[k] = v
			}
			if b.Loop != nil {
				m[loopVar] = r.items[i]
				if b.LoopControl.IndexVar != "" {
					m[b.LoopControl.IndexVar] = i
				}
				if b.LoopControl.Extended {
					m["ansible_loop"] = loopInfo(r.items, i)
				}
			}
			if err := p.renderVarsInto(m, b.Vars, h); err != nil {
				p.failHost(h, b, err)
				failed = append(failed, h)
				continue
			}
			if !b.IncludeRole {
				p.r.stats.of(h.name).OK++ // once per file included, as in Ansible
			}
			inner[h] = m
			these = append(these, h)
		}
		failed = append(failed, p.runTasks(ctx, b.Block, these, inner)...)
	}
	return failed
}

// renderVarsInto renders an include's vars for a host into m.
func (p *playRun) renderVarsInto(m, vs map[string]any, h *hostState) error {
	for k, v := range vs {
		rv, err := tmpl.Render(v, h.vars.With(m))
		if err != nil {
			return fmt.Errorf("vars: %s: %w", k, err)
		}
		m[k] = rv
		p.r.redactor.learn(k, rv)
	}
	return nil
}

// failHost reports a failure that happened outside a module (a condition or
// loop that could not be evaluated) and takes the host out of the play.
// Under no_log the error is not shown: it may quote a value.
func (p *playRun) failHost(h *hostState, t *playbook.Task, err error) {
	p.taskStart(t.Label(), report.KindTask, []*hostState{h})
	p.announce(h)
	now := time.Now() // the failure is found as the task starts: it took no time
	hr := &report.HostResult{Host: h.name, Status: report.Failed, NoLog: t.NoLog, Action: t.Action, Start: now, End: now}
	if !t.NoLog {
		hr.Msg = p.r.redactor.str(fmt.Sprintf("%s: %v", t.Pos, h.undefined(err)))
	}
	p.r.opts.Reporter.Result(hr)
	p.r.stats.of(h.name).Failed++
	delete(p.r.cleared, h.name)
	h.fail(t, map[string]any{"failed": true, "msg": hr.Msg})
	p.setPlayHosts()
}

// meta runs a meta task.
func (p *playRun) meta(ctx context.Context, t *playbook.Task, hosts []*hostState) {
	action, _ := t.Args["_raw"].(string)
	switch action {
	case "flush_handlers":
		p.flushHandlers(ctx, hosts)
	case "end_play":
		p.ended = true
	case "end_batch":
		p.batchEnded = true
	case "end_host":
		for _, h := range hosts {
			v := h.vars.With(nil)
			if ok, err := allTrue(t.When, v); err == nil && ok {
				h.ended = true
			}
		}
	case "clear_host_errors":
		// As in Ansible 2.14: the play's failed and unreachable hosts,
		// also those of earlier plays, are back for the next play and do
		// not fail the run; in this play they stay out.
		for _, n := range p.names {
			if p.r.gone[n] {
				delete(p.r.gone, n)
				p.r.cleared[n] = true
			}
		}
		for _, h := range p.hosts {
			if h.failed || h.unreach {
				h.cleared = true
				p.r.cleared[h.name] = true
			}
		}
	case "noop", "":
	default:
		p.r.opts.Reporter.Warn(fmt.Sprintf("%s: meta %q is not supported", t.Pos, action))
	}
}

// flushHandlers runs the notified handlers, in the order they are defined,
// each on the hosts that notified it. A handler may notify later ones.
func (p *playRun) flushHandlers(ctx context.Context, hosts []*hostState) {
	for _, hd := range p.play.Handlers {
		if ctx.Err() != nil || p.stopped() {
			return
		}
		var on []*hostState
		for _, h := range p.handlerHosts(hosts) {
			if h.notified[hd.Name] || anyNotified(h, hd.Listen) {
				on = append(on, h)
			}
		}
		if len(on) == 0 {
			continue
		}
		for _, h := range on {
			delete(h.notified, hd.Name)
			for _, l := range hd.Listen {
				delete(h.notified, l)
			}
		}
		p.taskStart(p.taskName(hd, on[0], nil), report.KindHandler, on)
		p.execute(ctx, hd, on, nil)
	}
}

// handlerHosts are the hosts whose notified handlers run: the active ones,
// and with force_handlers (or --force-handlers) those that failed a task
// too, so a change made before the failure is still acted on.
func (p *playRun) handlerHosts(hosts []*hostState) []*hostState {
	if !p.play.ForceHandlers && !p.r.opts.ForceHandlers {
		return activeOf(hosts)
	}
	var out []*hostState
	for _, h := range hosts {
		if !h.unreach && !h.ended {
			out = append(out, h)
		}
	}
	return out
}

func anyNotified(h *hostState, topics []string) bool {
	for _, t := range topics {
		if h.notified[t] {
			return true
		}
	}
	return false
}

// execute runs a module task on hosts in parallel, then applies the results
// in host order: report, stats, register, facts, notifications.
func (p *playRun) execute(ctx context.Context, t *playbook.Task, hosts []*hostState, sc scope) []*hostState {
	runOn := hosts
	if t.RunOnce {
		runOn = hosts[:1]
	}
	outs := make([]*outcome, len(runOn))
	limit := p.r.opts.Forks
	if throttle := p.throttle(t, hosts[0], sc); throttle > 0 && throttle < limit {
		limit = throttle
	}
	pr := newPrinter(p, t, runOn, outs)
	if len(runOn) == 1 {
		outs[0] = p.execHost(ctx, t, runOn[0], sc[runOn[0]])
		pr.done(0)
	} else {
		// A pool of workers rather than a goroutine per host: their stacks
		// have grown once, which halves the executor's cost per task-host.
		var next atomic.Int64
		var wg sync.WaitGroup
		for w := 0; w < min(limit, len(runOn)); w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1) - 1)
					if i >= len(runOn) {
						return
					}
					outs[i] = p.execHost(ctx, t, runOn[i], sc[runOn[i]])
					pr.done(i)
				}
			}()
		}
		wg.Wait()
	}
	var failed []*hostState
	for i, h := range runOn {
		if p.apply(t, h, outs[i]) {
			failed = append(failed, h)
		}
	}
	if t.RunOnce {
		for _, h := range hosts[1:] {
			p.share(t, h, outs[0])
		}
	}
	if len(failed) > 0 {
		p.setPlayHosts()
	}
	p.checkFailLimits(t, failed)
	return failed
}

// StartsHere reports whether --start-at-task names t: its name, or its
// label with the role's prefix ("role : name"), exactly or as a glob.
func StartsHere(pattern string, t *playbook.Task) bool {
	for _, name := range []string{t.Name, t.Label()} {
		if name == "" {
			continue
		}
		if ok, _ := path.Match(pattern, name); ok || name == pattern {
			return true
		}
	}
	return false
}

// taskName renders a task's name, which may hold templates, with the first
// host's variables, as Ansible does; the name as written if that fails.
func (p *playRun) taskName(t *playbook.Task, h *hostState, sc scope) string {
	name := t.Label()
	if !tmpl.IsTemplate(name) {
		return name
	}
	tp, err := tmpl.Parse("name", name)
	if err != nil {
		return name
	}
	out, err := tp.RenderString(h.vars.With(sc[h]))
	if err != nil {
		return name
	}
	return p.r.redactor.str(out)
}

// throttle is the task's throttle; a templated one (quorum-keeping etcd
// restarts: half the group) is rendered with the first host's variables.
func (p *playRun) throttle(t *playbook.Task, h *hostState, sc scope) int {
	if t.ThrottleTemplate == nil {
		return t.Throttle
	}
	v, err := t.ThrottleTemplate.Render(h.vars.With(sc[h]))
	if err != nil {
		return 1
	}
	n, ok := params.ToInt(v)
	if !ok || n < 1 {
		return 1
	}
	return int(n)
}

// checkFailLimits ends the batch, and the playbook, on any_errors_fatal or
// when the batch's failures exceed max_fail_percentage; inside a block with
// a rescue it waits for what the rescue leaves failed.
func (p *playRun) checkFailLimits(t *playbook.Task, failed []*hostState) {
	unrescued := false
	for _, h := range failed {
		unrescued = unrescued || h.rescuable == 0
	}
	if !unrescued {
		return
	}
	// Either ends the batch here, and the playbook after it (see runPlay).
	if p.play.AnyErrorsFatal || t.AnyErrorsFatal {
		p.batchEnded, p.fatal = true, true
		return
	}
	if p.play.MaxFailPercentage != nil && len(p.batch) > 0 {
		// Of the whole batch, as in Ansible: the hosts that failed in it,
		// over all its hosts, an earlier play's failures included.
		n := 0
		for _, h := range p.batch {
			if (h.failed || h.unreach) && !h.gone {
				n++
			}
		}
		if float64(n)*100/float64(len(p.batch)) > *p.play.MaxFailPercentage {
			p.batchEnded, p.fatal = true, true
		}
	}
}

// printer reports results in host order as soon as every earlier host is
// done, so output is deterministic yet streams.
type printer struct {
	p    *playRun
	t    *playbook.Task
	on   []*hostState
	outs []*outcome
	fin  []bool
	next int
}

func newPrinter(p *playRun, t *playbook.Task, on []*hostState, outs []*outcome) *printer {
	if s, ok := p.r.opts.Reporter.(report.TaskSizer); ok {
		s.TaskHosts(len(on)) // the text output summarises a task on many hosts
	}
	return &printer{p: p, t: t, on: on, outs: outs, fin: make([]bool, len(on))}
}

func (pr *printer) done(i int) {
	pr.p.repMu.Lock()
	defer pr.p.repMu.Unlock()
	pr.doneAt(i)
}

func (pr *printer) doneAt(i int) {
	pr.fin[i] = true
	if pg, ok := pr.p.r.opts.Reporter.(report.Progress); ok {
		pg.HostDone() // before its result, which waits for earlier hosts
	}
	for pr.next < len(pr.on) && pr.fin[pr.next] {
		pr.p.report(pr.t, pr.on[pr.next], pr.outs[pr.next])
		pr.outs[pr.next].reported(pr.t)
		pr.next++
	}
}
