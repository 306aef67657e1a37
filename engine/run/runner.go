package run

import (
	"context"
	"encoding/json"
	"strings"
	"sync"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/vars"
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
	// gone are hosts that failed or were unreachable: they leave the run.
	gone map[string]bool
	// startAt is the --start-at-task name still being looked for.
	startAt string

	connMu sync.Mutex
	conns  map[string]*connEntry

	redactor *redactor
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
		hostvars: hostVars{}, gone: map[string]bool{}, startAt: opts.StartAtTask,
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
	inv := r.opts.Inventory.HostVars(name)
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
	r.redactor.addFromVars(inv)
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

// redactor hides secret values in everything reported: connection and
// become passwords from the inventory, and values modules mark as secrets
// (kubeadm tokens and certificate keys).
type redactor struct {
	mu      sync.RWMutex
	secrets map[string]bool
	rep     *strings.Replacer
}

func newRedactor() *redactor { return &redactor{secrets: map[string]bool{}} }

var secretVarWords = []string{"password", "passwd", "pass", "secret", "token", "passphrase", "certificate_key"}

func (rd *redactor) addFromVars(m map[string]any) {
	for k, v := range m {
		s, ok := v.(string)
		if !ok || strings.Contains(s, "{{") {
			continue
		}
		lk := strings.ToLower(k)
		for _, w := range secretVarWords {
			if strings.Contains(lk, w) {
				rd.add(s)
				break
			}
		}
	}
}

func (rd *redactor) add(secrets ...string) {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	changed := false
	for _, s := range secrets {
		if len(s) >= 4 && !rd.secrets[s] {
			rd.secrets[s] = true
			changed = true
		}
	}
	if changed {
		var pairs []string
		for s := range rd.secrets {
			pairs = append(pairs, s, "********")
		}
		rd.rep = strings.NewReplacer(pairs...)
	}
}

func (rd *redactor) str(s string) string {
	rd.mu.RLock()
	rep := rd.rep
	rd.mu.RUnlock()
	if rep == nil {
		return s
	}
	return rep.Replace(s)
}

// value returns v with every secret replaced; v itself is not modified.
func (rd *redactor) value(v any) any {
	rd.mu.RLock()
	none := rd.rep == nil
	rd.mu.RUnlock()
	if none {
		return v
	}
	switch v := v.(type) {
	case string:
		return rd.str(v)
	case []string:
		out := make([]string, len(v))
		for i, e := range v {
			out[i] = rd.str(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = rd.value(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = rd.value(e)
		}
		return out
	}
	return v
}
