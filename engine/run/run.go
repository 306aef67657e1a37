// Package run is hapb's executor: it runs a loaded playbook against an
// inventory with the linear strategy. A task runs on every host of the batch
// in parallel (bounded by forks and throttle) and every host finishes it
// before the next task starts. Host state (variables, failures, handler
// notifications) changes only between tasks, in one goroutine, so tasks read
// it without locks.
package run

import (
	"context"
	"errors"
	"time"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/playbook"
	"github.com/hapb/hapb/engine/report"
)

// Inventory is what the executor needs of an inventory.
type Inventory interface {
	// HostNames returns the names of the hosts matching an Ansible host
	// pattern, in inventory order.
	HostNames(pattern string) ([]string, error)
	// HostVars returns a host's inventory variables, already merged by
	// inventory precedence; the executor does not modify the map.
	HostVars(name string) map[string]any
	// Groups maps each group to its host names (the `groups` variable).
	Groups() map[string][]string
}

// Connector opens the connection to a host; the executor asks once per host
// and run.
type Connector interface {
	Connect(ctx context.Context, host string, vars map[string]any) (conn.Conn, error)
}

// Options are the run's settings, mostly from the command line.
type Options struct {
	Inventory Inventory
	Connector Connector
	Reporter  report.Reporter

	Check, Diff bool
	Tags        []string // --tags; empty means all
	SkipTags    []string
	Limit       string // --limit pattern; "" for none
	ExtraVars   map[string]any
	// CommandLineVars are connection settings from the command line (-c,
	// -k, -K as ansible_connection, ansible_password,
	// ansible_become_password): below every other variable.
	CommandLineVars map[string]any
	Forks           int // default 50
	StartAtTask     string
	Become          bool // -b: become by default
	ForceHandlers   bool // --force-handlers: as every play's force_handlers
	BecomeUser      string
	TaskTimeout     time.Duration // default for tasks without `timeout`
	Verbosity       int           // -v count: the ansible_verbosity variable
	PlaybookDir     string
	PlaybookFiles   []string
}

// Exit codes, as ansible-playbook's.
const (
	ExitOK          = 0
	ExitLoad        = 1
	ExitFailed      = 2
	ExitUnreachable = 4
	ExitInterrupted = 99
)

// Result is the outcome of a whole run.
type Result struct {
	Stats   []*report.HostStats
	Elapsed time.Duration
	// Cleared are the hosts whose failures meta: clear_host_errors cleared
	// (and that did not fail again): as in Ansible, they do not make the
	// run fail, though the recap still counts what happened.
	Cleared map[string]bool
}

// ExitCode is the process exit status for the run: unreachable wins over
// failed.
func (r *Result) ExitCode(err error) int {
	if errors.Is(err, context.Canceled) {
		return ExitInterrupted
	}
	code := ExitOK
	for _, s := range r.Stats {
		if r.Cleared[s.Host] {
			continue
		}
		if s.Unreachable > 0 {
			return ExitUnreachable
		}
		if s.Failed > 0 {
			code = ExitFailed
		}
	}
	return code
}

// Run runs every play of pb. It returns ctx's error when interrupted; the
// recap is reported in every case.
func Run(ctx context.Context, pb *playbook.Playbook, opts Options) (*Result, error) {
	if opts.Forks <= 0 {
		opts.Forks = 50
	}
	r := newRunner(opts)
	start := time.Now()
	var err error
	for _, play := range pb.Plays {
		if err = ctx.Err(); err != nil {
			break
		}
		cont, perr := r.runPlay(ctx, play)
		if perr != nil {
			err = perr
			break
		}
		if !cont {
			break
		}
	}
	r.closeConns()
	res := &Result{Stats: r.stats.list(), Elapsed: time.Since(start), Cleared: r.cleared}
	opts.Reporter.Recap(res.Stats, res.Elapsed)
	if err == nil {
		err = ctx.Err()
	}
	return res, err
}
