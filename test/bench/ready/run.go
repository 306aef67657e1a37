package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

// event is one line of the stream, the fields this tool reads.
type event struct {
	Event    string         `json:"event"`
	Name     string         `json:"name"`
	Host     string         `json:"host"`
	Delegate string         `json:"delegate"`
	Action   string         `json:"action"`
	Strategy string         `json:"strategy"`
	TS       time.Time      `json:"ts"`
	Start    time.Time      `json:"start"`
	End      time.Time      `json:"end"`
	Result   map[string]any `json:"result"`
}

// run is a stream read: its plays and tasks with their times.
type run struct {
	start, end time.Time
	finished   bool // the stream has its recap
	plays      []*play
	tasks      []*task // every play's, in order: the critical path
}

type play struct {
	name       string
	start, end time.Time
	tasks      int
	// free: strategy free. Its hosts go through it each on its own, so
	// its time is its slowest host's chain of tasks, not a sum over tasks;
	// a task's results, which come in pieces as hosts reach it, are one
	// task here (byName).
	free   bool
	byName map[string]*task
}

// task is one task or handler event and what followed it until the next.
type task struct {
	name       string
	handler    bool
	play       *play
	start, end time.Time
	hosts      map[string]*span
	order      []string // hosts in the order of their first result
	actions    []string
	cmds       []string // the commands run, from the results' cmd
	retries    int
	firstRetry map[string]time.Time // a host's first retrying event
	lastRetry  map[string]time.Time
	interval   time.Duration // the shortest retry interval seen
}

// span is a host's time in a task: its first start to its last end.
type span struct {
	host, delegate string
	start, end     time.Time
}

func (s *span) took() time.Duration { return s.end.Sub(s.start) }

// read parses the stream. A line that is not an event stops it with the
// line's number: a truncated file reads up to its last full line instead.
func read(r io.Reader) (*run, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20) // a result may hold a big registered output
	out := &run{}
	var cur *task
	var curPlay *play
	closeAt := func(ts time.Time) {
		if cur != nil && !(cur.play != nil && cur.play.free) {
			cur.end = ts
		}
		cur = nil
	}
	var bad error // a line that is not an event: only the last may be (cut short)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if bad != nil {
			return nil, bad
		}
		var ev event
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			bad = fmt.Errorf("line %d is not a JSON event (%v): was the file written by hapb run --events?", n, err)
			continue
		}
		if ev.TS.IsZero() {
			return nil, fmt.Errorf("line %d has no \"ts\": the stream is from a hapb without event times; run it again with this one's --events", n)
		}
		if out.start.IsZero() {
			out.start = ev.TS
		}
		out.end = ev.TS
		switch ev.Event {
		case "play":
			closeAt(ev.TS)
			if curPlay != nil {
				curPlay.end = ev.TS
			}
			curPlay = &play{name: ev.Name, start: ev.TS, free: ev.Strategy == "free", byName: map[string]*task{}}
			out.plays = append(out.plays, curPlay)
		case "task", "handler":
			closeAt(ev.TS)
			if curPlay != nil && curPlay.free {
				if t := curPlay.byName[ev.Event+" "+ev.Name]; t != nil {
					cur = t // another host reached it
					continue
				}
			}
			cur = &task{name: ev.Name, handler: ev.Event == "handler", play: curPlay, start: ev.TS, hosts: map[string]*span{},
				firstRetry: map[string]time.Time{}, lastRetry: map[string]time.Time{}}
			out.tasks = append(out.tasks, cur)
			if curPlay != nil {
				curPlay.tasks++
				curPlay.byName[ev.Event+" "+ev.Name] = cur
			}
		case "result":
			if cur != nil {
				cur.result(&ev)
			}
		case "retrying":
			if cur != nil {
				cur.retrying(&ev)
			}
		case "recap":
			closeAt(ev.TS)
			out.finished = true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if out.start.IsZero() {
		return nil, fmt.Errorf("no events")
	}
	closeAt(out.end)
	if curPlay != nil {
		curPlay.end = out.end
	}
	return out, nil
}

func (t *task) result(ev *event) {
	start, end := ev.Start, ev.End
	if end.IsZero() {
		end = ev.TS
	}
	if start.IsZero() {
		start = end
	}
	s := t.hosts[ev.Host]
	if s == nil {
		s = &span{host: ev.Host, start: start, end: end}
		t.hosts[ev.Host] = s
		t.order = append(t.order, ev.Host)
	}
	if ev.Delegate != "" {
		s.delegate = ev.Delegate
	}
	if start.Before(s.start) {
		s.start = start
	}
	if end.After(s.end) {
		s.end = end
	}
	if a := shortAction(ev.Action); a != "" && !contains(t.actions, a) {
		t.actions = append(t.actions, a)
	}
	if c := cmdText(ev.Result["cmd"]); c != "" {
		t.cmds = append(t.cmds, c)
	}
	// The retry interval to the host's end: the delay and the last attempt.
	if last, ok := t.lastRetry[ev.Host]; ok && ev.End.After(last) {
		t.shorter(ev.End.Sub(last))
		delete(t.lastRetry, ev.Host)
	}
}

func (t *task) retrying(ev *event) {
	t.retries++
	if _, ok := t.firstRetry[ev.Host]; !ok {
		t.firstRetry[ev.Host] = ev.TS
	}
	if last, ok := t.lastRetry[ev.Host]; ok {
		t.shorter(ev.TS.Sub(last))
	}
	t.lastRetry[ev.Host] = ev.TS
}

func (t *task) shorter(d time.Duration) {
	if d > 0 && (t.interval == 0 || d < t.interval) {
		t.interval = d
	}
}

// wall is the task's wall time: in a free play, where it has none of its
// own, its slowest host's time.
func (t *task) wall() time.Duration {
	if t.free() {
		return t.busy()
	}
	return t.end.Sub(t.start)
}

func (t *task) free() bool { return t.play != nil && t.play.free }

// slowest is the host that took longest in the task (the first of equals,
// in result order); nil when no host reported.
func (t *task) slowest() *span {
	var best *span
	for _, h := range t.order {
		if s := t.hosts[h]; best == nil || s.took() > best.took() {
			best = s
		}
	}
	return best
}

// busy is the slowest host's time in the task: the least the task took.
func (t *task) busy() time.Duration {
	if s := t.slowest(); s != nil {
		return s.took()
	}
	return 0
}

// retryTime is the longest a host spent from its first retry to its end.
func (t *task) retryTime() time.Duration {
	var d time.Duration
	for h, first := range t.firstRetry {
		if s := t.hosts[h]; s != nil {
			d = max(d, s.end.Sub(first))
		}
	}
	return d
}

// slack is the avoidable part of a polled task's time: at most one retry
// interval, and never more than the task's least time.
func (t *task) slack() time.Duration {
	if t.retries == 0 {
		return 0
	}
	return min(t.interval, t.busy())
}

// The kinds of waits, in the order the report sums them.
const (
	kindPackage = "package"
	kindImage   = "image"
	kindKubeadm = "kubeadm"
	kindPoll    = "poll"
	kindService = "service"
	kindSleep   = "sleep"
	kindOther   = "other"
)

// unavoidable are the kinds whose time a faster engine would still wait.
var unavoidable = []string{kindPackage, kindImage, kindKubeadm, kindService, kindPoll}

var (
	kubeadmCmd = regexp.MustCompile(`\bkubeadm\s+(init|join|upgrade)\b`)
	imageCmd   = regexp.MustCompile(`\b(ctr\s.*\bimages?\s+(import|pull)|crictl\s+pull|(docker|nerdctl|podman)\s+(load|pull))\b`)
	serviceCmd = regexp.MustCompile(`\bsystemctl\s+(\S+\s+)*(start|restart)\b`)
	sleepCmd   = regexp.MustCompile(`(^|[;&|]\s*)sleep\s`)
)

// kind classifies what a task waited for. A polled task is poll whatever
// its module: its retries are what its time is made of.
func (t *task) kind() string {
	name := strings.ToLower(t.name)
	cmds := strings.Join(t.cmds, "\n")
	has := func(actions ...string) bool {
		for _, a := range actions {
			if contains(t.actions, a) {
				return true
			}
		}
		return false
	}
	switch {
	case t.retries > 0 || has("wait_for"):
		return kindPoll
	case has("kubeadm") || kubeadmCmd.MatchString(cmds) || kubeadmCmd.MatchString(name):
		return kindKubeadm
	case has("yum", "dnf", "package", "apt") || strings.Contains(name, "install"):
		return kindPackage
	case imageCmd.MatchString(cmds) || has("copy") && strings.Contains(name, "image"):
		return kindImage
	case has("systemd", "service", "systemd_service") || serviceCmd.MatchString(cmds):
		return kindService
	case has("pause") || sleepCmd.MatchString(cmds):
		return kindSleep
	}
	return kindOther
}

// shortAction is a module's name without its collection.
func shortAction(a string) string {
	if i := strings.LastIndexByte(a, '.'); i >= 0 {
		return a[i+1:]
	}
	return a
}

// cmdText is a result's cmd, a string (shell) or a list (command).
func cmdText(v any) string {
	switch c := v.(type) {
	case string:
		return c
	case []any:
		parts := make([]string, len(c))
		for i, p := range c {
			parts[i] = fmt.Sprint(p)
		}
		return strings.Join(parts, " ")
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// chain is, for a free play, the host with the most time in it and that
// time: the play's least time, as its slowest host must go through every
// task of its own.
func (r *run) chain(p *play) (string, time.Duration) {
	per := map[string]time.Duration{}
	for _, t := range r.tasks {
		if t.play == p {
			for h, s := range t.hosts {
				per[h] += s.took()
			}
		}
	}
	host, most := "", time.Duration(0)
	for h, d := range per {
		if d > most || (d == most && h < host) {
			host, most = h, d
		}
	}
	return host, most
}

// waits is where the run's time went, by kind of wait, and the poll slack:
// in a linear play the slowest host's time of each task; in a free play
// the tasks of its chain's host (see chain).
func (r *run) waits() (busy time.Duration, byKind map[string]time.Duration, slack time.Duration) {
	byKind = map[string]time.Duration{}
	chainHost := map[*play]string{}
	for _, p := range r.plays {
		if p.free {
			chainHost[p], _ = r.chain(p)
		}
	}
	for _, t := range r.tasks {
		took := t.busy()
		if t.free() {
			s := t.hosts[chainHost[t.play]]
			if s == nil {
				continue
			}
			took = s.took()
		}
		busy += took
		byKind[t.kind()] += took
		if t.retries > 0 {
			slack += min(t.interval, took)
		}
	}
	return busy, byKind, slack
}
