package report

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// TaskSizer is a Reporter that wants to know, after TaskStart and before
// the first result, how many hosts the task runs on. The executor asks for
// it by type assertion; Text uses it to summarise a task on many hosts.
type TaskSizer interface {
	TaskHosts(n int)
}

// Progress is a Reporter told each time a host finishes the running task.
// Results come in host order, so one slow host holds back every later
// one's: a progress line counts finished hosts from here instead.
type Progress interface {
	HostDone()
}

var (
	_ TaskSizer = (*Text)(nil)
	_ Progress  = (*Text)(nil)
)

// slowest is how many of the slowest hosts a summary line names.
const slowest = 3

// redraw is the least time between two redraws of the live progress line:
// results of 5,000 hosts arrive faster than a terminal is worth updating.
const redraw = 100 * time.Millisecond

// rank orders a host's outcomes in a task, the worst last: the host's
// status in a loop is the worst of its items'.
var rank = map[Status]int{Skipped: 0, OK: 1, Changed: 2, Failed: 3, Unreachable: 4}

// byRank names the counters of a summary line, in the recap's order.
var byRank = []struct {
	status Status
	name   string
	color  string
}{{OK, "ok", green}, {Changed, "changed", yellow}, {Unreachable, "unreachable", red}, {Failed, "failed", red}, {Skipped, "skipped", cyan}}

// hostTime is a host and how long the task took there.
type hostTime struct {
	host string
	d    time.Duration
}

// summary counts one task's outcomes per host while it runs. Results
// arrive in host order and a host's results (its loop items, then maybe
// the loop's failure) come together, so a host is done when the next
// host's first result arrives, or at the end of the task.
type summary struct {
	hosts    int // the task's hosts, from TaskHosts
	finished int // hosts done, from HostDone: ahead of the results
	done     int // hosts whose results are in
	count    map[Status]int
	ignored  int
	retried  int
	slow     []hostTime // the slowest hosts, slowest first

	cur      string // the host whose results are arriving
	curState Status
	curTime  time.Duration
	curIgn   bool
}

func (s *summary) add(r *HostResult) {
	st := r.Status
	if r.Ignored && st == Failed {
		st = OK // as the recap counts it: ok, and ignored
	}
	if r.Host != s.cur {
		s.commit()
		s.cur, s.curState, s.curTime, s.curIgn = r.Host, st, r.Duration, r.Ignored
		return
	}
	if rank[st] > rank[s.curState] {
		s.curState = st
	}
	s.curTime = max(s.curTime, r.Duration)
	s.curIgn = s.curIgn || r.Ignored
}

// commit counts the host whose results were arriving.
func (s *summary) commit() {
	if s.cur == "" {
		return
	}
	s.done++
	s.count[s.curState]++
	if s.curIgn {
		s.ignored++
	}
	if s.curTime > 0 && s.curState != Skipped { // a skipped host ran nothing
		i := sort.Search(len(s.slow), func(i int) bool { return s.slow[i].d < s.curTime })
		if i < slowest {
			s.slow = append(s.slow, hostTime{})
			copy(s.slow[i+1:], s.slow[i:])
			s.slow[i] = hostTime{s.cur, s.curTime}
			s.slow = s.slow[:min(len(s.slow), slowest)]
		}
	}
	s.cur = ""
}

// counters is "ok=N changed=N unreachable=N failed=N skipped=N", with
// ignored and retried when there were any.
func (t *Text) counters(s *summary) string {
	var b strings.Builder
	for i, c := range byRank {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.count(c.name, s.count[c.status], c.color))
	}
	if s.ignored > 0 {
		b.WriteString(" " + t.count("ignored", s.ignored, purple))
	}
	if s.retried > 0 {
		fmt.Fprintf(&b, " retried=%d", s.retried)
	}
	return strings.TrimRight(b.String(), " ")
}

// TaskHosts implements TaskSizer: a task on more than Summary hosts is
// summarised, unless -v asked for every host's line.
func (t *Text) TaskHosts(n int) {
	t.flush()
	if t.Summary > 0 && n > t.Summary && t.Verbosity == 0 {
		t.sum = &summary{hosts: n, count: map[Status]int{}}
	}
}

// summarised takes a result into the running task's summary, if there is
// one, and tells whether that is all there is to do. Failures and
// unreachable hosts are still shown in full, and a change's diff under
// --diff with its line, so it says which host it is.
func (t *Text) summarised(r *HostResult) bool {
	s := t.sum
	if s == nil {
		return false
	}
	s.add(r)
	if r.Item == "" {
		s.commit() // a host's last result: the only one outside loops
	}
	if r.Status == Failed || r.Status == Unreachable || (t.ShowDiff && len(r.Diffs) > 0 && !r.NoLog) {
		t.clearLive()
		return false
	}
	t.progress()
	return true
}

// HostDone implements Progress.
func (t *Text) HostDone() {
	if s := t.sum; s != nil {
		s.finished++
		t.progress()
	}
}

// progress redraws the live progress line on a terminal, at most every
// redraw interval, and once more when the last result is in.
func (t *Text) progress() {
	s := t.sum
	if !t.Live || s == nil {
		return
	}
	now := t.clock()
	finished := max(s.finished, s.done)
	if t.live && now.Sub(t.drawn) < redraw && s.done < s.hosts {
		return
	}
	t.drawn = now
	fmt.Fprintf(t.W, "\r\x1b[K[%d/%d] %s", finished, s.hosts, t.counters(s))
	t.live = true
}

// clearLive erases the progress line before anything else is written.
func (t *Text) clearLive() {
	if t.live {
		fmt.Fprint(t.W, "\r\x1b[K")
		t.live = false
	}
}

// flush ends the running task's summary with its line: the counts per
// host and, with timing, the slowest hosts (timing is off for golden
// files, which must not depend on the clock).
func (t *Text) flush() {
	s := t.sum
	if s == nil {
		return
	}
	t.sum = nil
	s.commit()
	t.clearLive()
	color := green
	switch {
	case s.count[Failed] > 0 || s.count[Unreachable] > 0:
		color = red
	case s.count[Changed] > 0:
		color = yellow
	}
	line := fmt.Sprintf("%s: %s", t.paint(color, plural(s.done, "host")), t.counters(s))
	if t.Timing && len(s.slow) > 0 {
		parts := make([]string, len(s.slow))
		for i, h := range s.slow {
			d := h.d.Round(time.Millisecond)
			if d == 0 {
				d = h.d.Round(time.Microsecond)
			}
			parts[i] = h.host + " " + d.String()
		}
		line += "; slowest: " + strings.Join(parts, ", ")
	}
	fmt.Fprintln(t.W, line)
}

func (t *Text) clock() time.Time {
	if t.now != nil {
		return t.now()
	}
	return time.Now()
}

// plural is "1 host", "2 hosts".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
