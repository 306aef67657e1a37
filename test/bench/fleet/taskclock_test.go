package fleet

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hapb/hapb/engine/report"
)

// taskClock is a Reporter that notes how long each task took on all hosts
// (-fleet.tasks), to see where a run's time goes.
type taskClock struct {
	report.Text
	name  string
	start time.Time
	lines []string
	// onTask, if set, is called as each task starts (-fleet.heapprofile
	// writes the heap there, every connection open).
	onTask func()
}

// newTaskClock writes the run's text output to w: a summary line per task,
// failures in full.
func newTaskClock(w io.Writer) *taskClock { return &taskClock{Text: report.Text{W: w, Summary: 10}} }

func (c *taskClock) TaskStart(name string, kind report.TaskKind) {
	c.lap()
	if c.onTask != nil {
		c.onTask()
	}
	c.name, c.start = name, time.Now()
	c.Text.TaskStart(name, kind)
}

func (c *taskClock) Recap(stats []*report.HostStats, elapsed time.Duration) {
	c.lap()
	c.Text.Recap(stats, elapsed)
}

func (c *taskClock) lap() {
	if c.name != "" {
		c.lines = append(c.lines, fmt.Sprintf("%8s  %s", time.Since(c.start).Round(time.Millisecond), c.name))
		c.name = ""
	}
}

func (c *taskClock) String() string { return strings.Join(c.lines, "\n") }
