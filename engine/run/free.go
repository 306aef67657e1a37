package run

import (
	"context"
	"sync"

	"github.com/hapb/hapb/engine/playbook"
	"github.com/hapb/hapb/engine/report"
)

// strategy: free. Every host of a batch goes through the play on its own
// goroutine and never waits for another, as in Ansible's free strategy.
//
// The executor's bookkeeping stays serial: a host's goroutine holds the
// play's lock (playRun.mu) for everything but the slow part, its module's
// work on the host (and retry delays), so variables, results, counters and
// output are touched by one goroutine at a time, as in a linear play. A
// module that runs unlocked reads a copy of the variables (snapshot), since
// other hosts' tasks write theirs meanwhile.

// runFree runs one serial batch of a free play.
func (p *playRun) runFree(ctx context.Context, batch []*hostState) {
	play := p.play
	p.free = true
	p.forks = make(chan struct{}, p.r.opts.Forks)
	defer func() { p.free = false }()
	var wg sync.WaitGroup
	for _, h := range batch {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.mu.Lock()
			defer p.mu.Unlock()
			one := []*hostState{h}
			for _, section := range [][]*playbook.Task{play.PreTasks, play.Tasks, play.PostTasks} {
				if p.stopped() || ctx.Err() != nil {
					break
				}
				p.runTasks(ctx, section, one, nil)
				p.flushHandlers(ctx, one)
			}
		}()
	}
	wg.Wait()
}

// unlocked runs f without the free play's lock, so that other hosts go on
// while f waits on a host, and within --forks (at most that many hosts'
// modules at once, as in a linear play); in a linear play it just runs f.
func (p *playRun) unlocked(f func()) {
	if !p.free {
		f()
		return
	}
	p.mu.Unlock()
	defer p.mu.Lock()
	p.forks <- struct{}{}
	defer func() { <-p.forks }()
	f()
}

// taskHeader is a task's announcement, kept per host in a free play.
type taskHeader struct {
	name string
	kind report.TaskKind
}

// taskStart announces a task on hosts. In a free play hosts reach a task
// at different times and their results interleave, so each result is
// preceded by its task's header whenever the last one shown was another's
// (see announce), as Ansible's output does.
func (p *playRun) taskStart(name string, kind report.TaskKind, hosts []*hostState) {
	if !p.free {
		p.r.opts.Reporter.TaskStart(name, kind)
		return
	}
	hd := &taskHeader{name: name, kind: kind}
	for _, h := range hosts {
		h.header = hd
	}
}

// announce shows h's task header before its result, in a free play.
func (p *playRun) announce(h *hostState) {
	if !p.free || h.header == nil {
		return
	}
	if p.lastHeader == nil || *p.lastHeader != *h.header {
		p.r.opts.Reporter.TaskStart(h.header.name, h.header.kind)
		p.lastHeader = h.header
	}
}

// snapshot is what a module of a free play reads of the variables v while
// it runs unlocked: v's own map copied, and hostvars a copy of every host's
// variables, each copied again only when that host's have changed. Values
// themselves are never modified in place, so a shallow copy is enough.
func (p *playRun) snapshot(v map[string]any) map[string]any {
	if !p.free {
		return v
	}
	r := p.r
	if r.frozen == nil {
		r.frozen = map[string]frozenVars{}
	}
	stale := r.frozenHostvars == nil
	for name, h := range r.hosts {
		f, ok := r.frozen[name]
		if ok && f.version == h.Version() {
			continue
		}
		fv := copyVars(h.Vars())
		delete(fv, "hostvars") // the live one; hostvars.h1.hostvars is nobody's need
		r.frozen[name] = frozenVars{version: h.Version(), vars: fv}
		stale = true
	}
	if stale {
		hv := make(hostVars, len(r.frozen))
		for name, f := range r.frozen {
			hv[name] = f.vars
		}
		r.frozenHostvars = hv
	}
	out := copyVars(v)
	if _, ok := out["hostvars"]; ok {
		out["hostvars"] = r.frozenHostvars
	}
	return out
}

// frozenVars is a copy of a host's variables at one version.
type frozenVars struct {
	version uint64
	vars    map[string]any
}

func copyVars(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
