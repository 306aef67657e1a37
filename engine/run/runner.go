package run

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/vars"
	"github.com/hapb/hapb/modules"
)

// runner is the state of one run across plays.
type runner struct {
	opts  Options
	stats stats
	// hosts are the variables of every inventory host, made on first use
	// and kept across plays (facts and set_fact survive, as in Ansible).
	hosts map[string]*vars.Host
	// hostvars is the `hostvars` variable: every host's variables.
	hostvars hostVars
	// frozen and frozenHostvars are the copies of every host's variables
	// that modules of a free play read (see snapshot).
	frozen         map[string]frozenVars
	frozenHostvars hostVars
	// gone are hosts that failed or were unreachable: they leave the run.
	gone map[string]bool
	// cleared are the hosts meta: clear_host_errors forgave (see Result).
	cleared map[string]bool
	// startAt is the --start-at-task name still being looked for.
	startAt string

	connMu sync.Mutex
	conns  map[string]*connEntry

	redactor *redactor
	// planned is what check-mode tasks would have done, per host, across
	// plays: later tasks plan against it (see execModule).
	planned modules.Planned
}

type connEntry struct {
	once sync.Once
	c    conn.Conn
	err  error
}

// hostVars is the `hostvars` variable. It marshals without the magic
// variables that refer back to it, so `{{ toJson .hostvars }}` terminates.
type hostVars map[string]map[string]any

var magicRefs = map[string]bool{"hostvars": true, "groups": true, "play_hosts": true,
	"ansible_play_hosts": true, "ansible_play_batch": true, "ansible_play_hosts_all": true}

func (h hostVars) MarshalJSON() ([]byte, error) {
	out := make(map[string]map[string]any, len(h))
	for name, vs := range h {
		m := make(map[string]any, len(vs))
		for k, v := range vs {
			if !magicRefs[k] {
				m[k] = v
			}
		}
		out[name] = m
	}
	return json.Marshal(out)
}

func newRunner(opts Options) *runner {
	r := &runner{opts: opts, stats: stats{}, hosts: map[string]*vars.Host{},
		hostvars: hostVars{}, gone: map[string]bool{}, cleared: map[string]bool{}, startAt: opts.StartAtTask,
		conns: map[string]*connEntry{}, redactor: newRedactor()}
	groups := opts.Inventory.Groups()
	all, _ := opts.Inventory.HostNames("all")
	for _, name := range all {
		r.host(name, groups)
	}
	return r
}

// host returns a host's variables, making them from the inventory.
func (r *runner) host(name string, groups map[string][]string) *vars.Host {
	if h, ok := r.hosts[name]; ok {
		return h
	}
	h := vars.NewHost(name)
	h.Observe(r.redactor.learn)
	inv := r.opts.Inventory.HostVars(name)
	h.SetAll(r.opts.CommandLineVars, vars.CommandLine)
	h.SetAll(inv, vars.Inventory)
	h.SetAll(r.opts.ExtraVars, vars.Extra)
	h.Set("hostvars", r.hostvars, vars.Magic)
	h.Set("groups", groups, vars.Magic)
	h.Set("playbook_dir", r.opts.PlaybookDir, vars.Magic)
	h.Set("ansible_check_mode", r.opts.Check, vars.Magic)
	h.Set("ansible_diff_mode", r.opts.Diff, vars.Magic)
	h.Set("ansible_verbosity", r.opts.Verbosity, vars.Magic)
	if _, ok := inv["inventory_hostname"]; !ok {
		h.Set("inventory_hostname", name, vars.Magic)
	}
	r.hosts[name] = h
	r.hostvars[name] = h.Vars()
	return h
}

// conn returns the connection to host, dialling it on first use.
func (r *runner) conn(ctx context.Context, host string, hostVars map[string]any) (conn.Conn, error) {
	r.connMu.Lock()
	e, ok := r.conns[host]
	if !ok {
		e = &connEntry{}
		r.conns[host] = e
	}
	r.connMu.Unlock()
	e.once.Do(func() { e.c, e.err = r.opts.Connector.Connect(ctx, host, hostVars) })
	return e.c, e.err
}

func (r *runner) closeConns() {
	r.connMu.Lock()
	defer r.connMu.Unlock()
	for _, e := range r.conns {
		if e.c != nil {
			e.c.Close()
		}
	}
}
