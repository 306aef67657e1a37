package report

import "time"

// Tee is a Reporter that passes every event to each of its reporters in
// turn: the text on the terminal and the JSON events in a file (hapb run
// --events) from one run.
type Tee []Reporter

var (
	_ TaskSizer = Tee(nil)
	_ Progress  = Tee(nil)
)

// PlayStart implements Reporter.
func (t Tee) PlayStart(p Play) {
	for _, r := range t {
		r.PlayStart(p)
	}
}

// TaskStart implements Reporter.
func (t Tee) TaskStart(name string, kind TaskKind) {
	for _, r := range t {
		r.TaskStart(name, kind)
	}
}

// Result implements Reporter.
func (t Tee) Result(hr *HostResult) {
	for _, r := range t {
		r.Result(hr)
	}
}

// Warn implements Reporter.
func (t Tee) Warn(msg string) {
	for _, r := range t {
		r.Warn(msg)
	}
}

// Retrying implements Reporter.
func (t Tee) Retrying(host, task string, left int) {
	for _, r := range t {
		r.Retrying(host, task, left)
	}
}

// Recap implements Reporter.
func (t Tee) Recap(stats []*HostStats, elapsed time.Duration) {
	for _, r := range t {
		r.Recap(stats, elapsed)
	}
}

// TaskHosts implements TaskSizer for the reporters that want it: the
// executor asks the Tee, not what is in it.
func (t Tee) TaskHosts(n int) {
	for _, r := range t {
		if s, ok := r.(TaskSizer); ok {
			s.TaskHosts(n)
		}
	}
}

// HostDone implements Progress for the reporters that want it.
func (t Tee) HostDone() {
	for _, r := range t {
		if p, ok := r.(Progress); ok {
			p.HostDone()
		}
	}
}
