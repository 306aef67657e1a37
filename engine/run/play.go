package run

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/hapb/hapb/engine/params"
	"github.com/hapb/hapb/engine/playbook"
	"github.com/hapb/hapb/engine/report"
	"github.com/hapb/hapb/engine/vars"
	"github.com/hapb/hapb/modules"
)

// hostState is a host during one play.
type hostState struct {
	name    string
	vars    *vars.Host
	failed  bool // failed a task: leaves the play (and the run)
	unreach bool
	ended   bool // meta: end_host
	// gone: an earlier play failed the host (or found it unreachable); it
	// only keeps its place in this play's batches.
	gone bool
	// cleared: meta clear_host_errors forgave the host's failure; it stays
	// out of this play but is back for the next, as in Ansible.
	cleared  bool
	notified map[string]bool
	// failedTask and failedResult are the host's last failure, for a
	// rescue's ansible_failed_task and ansible_failed_result.
	failedTask   *playbook.Task
	failedResult map[string]any
	// rescuable counts the blocks with a rescue that the host's running
	// task is in: a failure there is the rescue's to handle, not yet fatal.
	rescuable int
	// header is the task the host runs, announced with its result in a
	// free play (see taskStart).
	header *taskHeader
	// taskBroken holds why the running task's vars that could not be
	// rendered are undefined (see varScope); only the goroutine running
	// the host's task reads or writes it.
	taskBroken map[string]error
}

// noLogResult is what a no_log task's failure shows of itself.
var noLogResult = map[string]any{"failed": true,
	"censored": "the output has been hidden due to the fact that 'no_log: true' was specified for this result"}

// fail records that h failed t with result.
func (h *hostState) fail(t *playbook.Task, result map[string]any) {
	h.failed, h.failedTask, h.failedResult = true, t, result
	if t.NoLog {
		h.failedResult = noLogResult
	}
}

func (h *hostState) active() bool { return !h.failed && !h.unreach && !h.ended }

// playRun is the state of one play.
type playRun struct {
	r          *runner
	play       *playbook.Play
	names      []string // the hosts the play targets, earlier failed ones too
	hosts      []*hostState
	ended      bool // meta: end_play; any_errors_fatal and max_fail_percentage after the batch
	batchEnded bool // meta: end_batch, any_errors_fatal, max_fail_percentage
	// fatal: any_errors_fatal or max_fail_percentage ended the play, and
	// with it the playbook, as in Ansible (a rolling upgrade relies on it).
	fatal bool
	// batch is the current serial batch, for max_fail_percentage.
	batch []*hostState
	// repMu serializes reporting from the hosts' goroutines.
	repMu sync.Mutex
	// free: a free play's batch is running (see free.go; fact gathering
	// before it is linear); mu is then held by the host goroutine doing
	// bookkeeping, lastHeader is the task header shown last.
	free       bool
	mu         sync.Mutex
	lastHeader *taskHeader
	forks      chan struct{} // a free play's slots for modules at work
}

// runPlay runs one play; it reports false when the run must stop (every
// host of the play failed).
func (r *runner) runPlay(ctx context.Context, play *playbook.Play) (bool, error) {
	names, err := r.opts.Inventory.HostNames(play.Hosts)
	if err != nil {
		return false, fmt.Errorf("%s: hosts: %w", play.Pos, err)
	}
	if r.opts.Limit != "" {
		limited, err := r.opts.Inventory.HostNames(r.opts.Limit)
		if err != nil {
			return false, fmt.Errorf("--limit: %w", err)
		}
		names = intersect(names, limited)
	}
	r.opts.Reporter.PlayStart(report.Play{Name: play.Name, Check: r.opts.Check, Free: play.Strategy == "free"})
	groups := r.opts.Inventory.Groups()
	p := &playRun{r: r, play: play, names: names}
	live := 0
	for _, n := range names {
		// A host an earlier play failed keeps its place, doing nothing, as
		// in Ansible: it counts in the serial batches' sizes and in
		// ansible_play_hosts_all, not in failure limits.
		h := &hostState{name: n, vars: r.host(n, groups), notified: map[string]bool{},
			failed: r.gone[n], gone: r.gone[n]}
		p.hosts = append(p.hosts, h)
		if !h.gone {
			live++
		}
	}
	if live == 0 {
		r.opts.Reporter.Warn("no hosts matched, skipping play: " + play.Name)
		return true, nil
	}
	p.setPlayVars()
	allNames := make([]string, len(p.hosts))
	for i, h := range p.hosts {
		allNames[i] = h.name
	}
	for _, h := range p.hosts {
		h.vars.Set("ansible_play_hosts_all", allNames, vars.Magic)
	}
	for _, batch := range p.batches() {
		if p.ended || ctx.Err() != nil {
			break
		}
		p.batch, p.batchEnded = batch, false
		p.setPlayHosts()
		if play.GatherFacts {
			p.gatherFacts(ctx, batch)
			p.setPlayHosts()
		}
		if play.Strategy == "free" {
			p.runFree(ctx, batch)
		}
		for _, section := range [][]*playbook.Task{play.PreTasks, play.Tasks, play.PostTasks} {
			if play.Strategy == "free" || p.stopped() || ctx.Err() != nil {
				break
			}
			p.runTasks(ctx, section, batch, nil)
			p.flushHandlers(ctx, batch)
		}
		switch {
		case allFailed(batch):
			// As in Ansible, a serial batch in which every host failed ends
			// the playbook: a rolling upgrade stops at its first broken batch.
			p.ended, p.fatal = true, true
		case p.fatal && !hasGone(batch):
			// any_errors_fatal or max_fail_percentage took the batch's
			// hosts out: the same. (With a host of an earlier play's
			// failures in the batch, Ansible 2.14 runs the remaining
			// batches first; so does hapb.)
			p.ended = true
		}
	}
	left := 0
	for _, h := range p.hosts {
		switch {
		case h.cleared:
		case h.failed || h.unreach:
			if !h.gone {
				r.gone[h.name] = true
			}
			continue
		}
		left++
	}
	if left == 0 || p.fatal {
		r.opts.Reporter.Warn("NO MORE HOSTS LEFT")
		return false, nil
	}
	return true, nil
}

// allFailed reports whether every host of a batch failed or was unreachable
// in it (and was not forgiven by meta: clear_host_errors); a host an earlier
// play failed did not fail in it.
func allFailed(batch []*hostState) bool {
	for _, h := range batch {
		if !h.failed && !h.unreach || h.cleared || h.gone {
			return false
		}
	}
	return len(batch) > 0
}

// hasGone reports whether a batch holds a host an earlier play failed.
func hasGone(batch []*hostState) bool {
	for _, h := range batch {
		if h.gone {
			return true
		}
	}
	return false
}

// setPlayHosts sets the play's host lists as Ansible has them: every host
// of the play not failed or unreachable (ansible_play_hosts), and those of
// the current serial batch (ansible_play_batch, and the old play_hosts).
// Called again whenever a host fails or is rescued.
func (p *playRun) setPlayHosts() {
	var play, batch []string
	for _, h := range p.hosts {
		if !h.failed && !h.unreach {
			play = append(play, h.name)
		}
	}
	for _, h := range p.batch {
		if !h.failed && !h.unreach {
			batch = append(batch, h.name)
		}
	}
	for _, h := range p.hosts {
		h.vars.Set("ansible_play_hosts", play, vars.Magic)
		h.vars.Set("ansible_play_batch", batch, vars.Magic)
		h.vars.Set("play_hosts", batch, vars.Magic)
		h.vars.ShareLevels()
	}
}

// stopped reports whether the play, or its current batch, has ended.
func (p *playRun) stopped() bool { return p.ended || p.batchEnded }

// loopInfo is ansible_loop for item i (loop_control extended).
func loopInfo(items []any, i int) map[string]any {
	n := len(items)
	m := map[string]any{
		"allitems": items, "length": n,
		"index": i + 1, "index0": i, "revindex": n - i, "revindex0": n - i - 1,
		"first": i == 0, "last": i == n-1,
	}
	if i > 0 {
		m["previtem"] = items[i-1]
	}
	if i < n-1 {
		m["nextitem"] = items[i+1]
	}
	return m
}

// setPlayVars layers the play's variables over the inventory's.
func (p *playRun) setPlayVars() {
	for _, h := range p.hosts {
		for _, role := range p.play.Roles {
			h.vars.SetAll(role.Defaults, vars.RoleDefaults)
		}
		h.vars.SetAll(p.play.Vars, vars.PlayVars)
		h.vars.SetAll(p.play.VarsFiles, vars.VarsFiles)
		for _, role := range p.play.Roles {
			h.vars.SetAll(role.Vars, vars.RoleVars)
		}
		h.vars.Resolve()
	}
}

// batches splits the play's hosts by `serial`.
func (p *playRun) batches() [][]*hostState {
	if len(p.play.Serial) == 0 {
		return [][]*hostState{p.hosts}
	}
	var out [][]*hostState
	rest := p.hosts
	for i := 0; len(rest) > 0; i++ {
		spec := p.play.Serial[min(i, len(p.play.Serial)-1)]
		n := serialSize(spec, len(p.hosts))
		n = min(n, len(rest))
		out = append(out, rest[:n])
		rest = rest[n:]
	}
	return out
}

func serialSize(spec any, total int) int {
	if s, ok := spec.(string); ok && strings.HasSuffix(s, "%") {
		pct, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
		if err == nil {
			return max(1, int(math.Floor(float64(total)*pct/100)))
		}
	}
	if n, ok := params.ToInt(spec); ok && n > 0 {
		return int(n)
	}
	return total
}

// gatherFacts runs the setup module on the batch, as Ansible's implicit
// "Gathering Facts" task.
func (p *playRun) gatherFacts(ctx context.Context, batch []*hostState) {
	name, setup, ok := modules.Gatherer()
	if !ok {
		p.r.opts.Reporter.Warn("no module gathers facts: facts not gathered")
		return
	}
	pr := setup.NewParams()
	if err := params.Decode(map[string]any{}, pr); err != nil {
		p.r.opts.Reporter.Warn("setup: " + err.Error())
		return
	}
	t := &playbook.Task{Pos: p.play.Pos, Name: "Gathering Facts", Action: name,
		Module: setup, Params: pr, Tags: []string{"always"}}
	p.runTask(ctx, t, batch, nil)
}

func intersect(a, b []string) []string {
	in := make(map[string]bool, len(b))
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if in[x] {
			out = append(out, x)
		}
	}
	return out
}
