// Package report turns the executor's events into output: Ansible-like text
// with a PLAY RECAP, or one JSON object per line. Every value shown passes
// through redaction first, so secrets and no_log results never reach it.
package report

import (
	"sort"
	"time"
)

// Status is the outcome of a task on a host.
type Status string

const (
	OK          Status = "ok"
	Changed     Status = "changed"
	Failed      Status = "failed"
	Skipped     Status = "skipped"
	Unreachable Status = "unreachable"
)

// Reporter receives the run's events in order. The executor calls it from
// one goroutine at a time.
type Reporter interface {
	PlayStart(p Play)
	TaskStart(name string, kind TaskKind)
	Result(r *HostResult)
	Warn(msg string)
	// Retrying says a task's `until` did not hold yet on a host.
	Retrying(host, task string, left int)
	Recap(stats []*HostStats, elapsed time.Duration)
}

// Play is a play as it starts.
type Play struct {
	Name  string
	Check bool // --check
	// Free: strategy free, each host through the play on its own; task
	// events then come as hosts reach them, again when another host does.
	Free bool
}

// TaskKind tells a task banner apart from a handler's.
type TaskKind int

const (
	KindTask TaskKind = iota
	KindHandler
)

// HostResult is one task's outcome on one host (or one loop item).
type HostResult struct {
	Host     string
	Delegate string // delegate_to host, if any
	Status   Status
	Item     string // loop item label; "" outside loops
	Loop     bool   // this is the summary line of a loop: items were shown
	Ignored  bool   // failed but ignore_errors
	Msg      string
	Diffs    []Diff
	// Data is what -v shows (and --output json always): the registered
	// result. Nil under no_log.
	Data   map[string]any
	NoLog  bool
	Output string // debug's message or a module's report, shown at every verbosity
	// Duration is how long the task took on the host (0: unknown), for
	// the slowest hosts of a summarised task; not part of the JSON events.
	Duration time.Duration
	// Start and End are when the host began and finished this task, or
	// this loop item (zero: unknown). The JSON events carry them: results
	// are reported in host order, so a result's own time can be later than
	// its host's end, by as long as an earlier host took.
	Start, End time.Time
	// Action is the task's module as written ("yum", "ansible.builtin.yum"),
	// in the JSON events so a reader can tell the kinds of waits apart.
	Action string
}

// Diff is a file change shown with --diff.
type Diff struct {
	Path          string
	Before, After string
}

// HostStats are one host's counters for the PLAY RECAP.
type HostStats struct {
	Host        string
	OK          int
	Changed     int
	Unreachable int
	Failed      int
	Skipped     int
	Rescued     int
	Ignored     int
}

// add sums o's counters into s (the recap's totals of many hosts).
func (s *HostStats) add(o *HostStats) {
	s.OK += o.OK
	s.Changed += o.Changed
	s.Unreachable += o.Unreachable
	s.Failed += o.Failed
	s.Skipped += o.Skipped
	s.Rescued += o.Rescued
	s.Ignored += o.Ignored
}

// SortStats orders stats by host name, as the recap shows them.
func SortStats(s []*HostStats) {
	sort.Slice(s, func(i, j int) bool { return s[i].Host < s[j].Host })
}
