package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Task is one task (or handler) run on one host: the unit a failure,
// ignore_errors and rescue apply to. Names repeat (a role's "restart
// kubelet", a playbook imported twice), so each name carries its
// occurrence: Play's among the run's plays, Name's among what Host ran in
// that play.
type Task struct {
	Play    string
	PlayN   int // 1: the first play of that name in the run
	Handler bool
	Name    string
	// N is 1 for the first task of that name (and kind) that Host ran in
	// the play. Counted per host, not per banner: with serial batches the
	// banner repeats for each batch, and a batch whose tasks differ
	// between the runs (a conditional include) would shift the count of
	// every later batch.
	N    int
	Host string
}

// Key names one result: a task on a host, and the loop item. ItemN tells
// apart results with the same item label: a no_log loop labels every item
// "(censored due to no_log)".
type Key struct {
	Task
	Item  string
	ItemN int
}

// Result is one result event, keyed.
type Result struct {
	Key
	Status string // ok, changed, failed, skipped, unreachable
	// Changed: the task changed the host. A failed result may have too
	// (a command that ran and exited non-zero, as its result's "changed"
	// says, and the recap counts for an ignored failure): --check that
	// said it would run it told the truth.
	Changed  bool
	Delegate string
	Msg      string
	// Unknown: --check said changed because what the task does depends on
	// what an earlier planned change leaves (the executor's "unknown until
	// applied", see modules/effects.go): not a claim that it will change.
	Unknown bool
	// Excused: a failure that did not fail the host, ignore_errors or a
	// rescue took it over. Set on every result of the task on the host.
	Excused bool
}

// Stream is one run's results in the order the run reported them.
type Stream struct {
	File    string
	Check   bool
	Results []*Result
	byKey   map[Key]*Result
}

// unknownPrefix marks a check-mode result whose change is unknown until
// applied. The JSON events carry no flag for it, only the message every
// such result starts with (modules.unknownPlan, kubeadm, slurp).
const unknownPrefix = "unknown until applied"

var validStatus = map[string]bool{"ok": true, "changed": true, "failed": true, "skipped": true, "unreachable": true}

// event is what the comparison reads of a JSON event (engine/report/json.go);
// every other field (result data, diffs, timestamps) is ignored.
type event struct {
	Event    string `json:"event"`
	Name     string `json:"name"`
	Check    *bool  `json:"check"`
	Host     string `json:"host"`
	Status   string `json:"status"`
	Item     string `json:"item"`
	Delegate string `json:"delegate"`
	Msg      string `json:"msg"`
	Ignored  bool   `json:"ignored"`
	Result   struct {
		Msg     any  `json:"msg"`
		Changed bool `json:"changed"`
	} `json:"result"`
	Hosts map[string]struct {
		Failed int `json:"failed"`
	} `json:"hosts"`
}

// hostPos is where a host is in the current play: the banner its last
// result came under, and how many results of each item label that task
// has had on it.
type hostPos struct {
	banner int
	n      int
	items  map[string]int
}

// Read reads the JSON event stream of `hapb run --output json` from r.
// file names it in errors. A stream with no play or no recap is an error:
// hapb that failed before its first play prints nothing to compare, and a
// run cut short ends without its recap; either would otherwise compare as
// a run that changed nothing.
func Read(file string, r io.Reader) (*Stream, error) {
	s := &Stream{File: file, byKey: map[Key]*Result{}}
	br := bufio.NewReader(r)
	var (
		plays     = map[string]int{}
		play      *Task // the current play and task
		inTask    bool  // a task or handler banner came since the play's
		banner    int   // banners so far
		pos       map[string]*hostPos
		taskCount map[Task]int // per play: tasks of a name and kind a host ran (N 0)
		recap     map[string]int
		line      int
	)
	for {
		b, err := br.ReadBytes('\n')
		if len(b) > 0 {
			line++
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if b = bytes.TrimSpace(b); len(b) > 0 {
			var ev event
			if jerr := json.Unmarshal(b, &ev); jerr != nil {
				return nil, fmt.Errorf("%s:%d: not a JSON event of hapb run --output json: %v", file, line, jerr)
			}
			at := func(format string, a ...any) error {
				return fmt.Errorf("%s:%d: %s", file, line, fmt.Sprintf(format, a...))
			}
			if recap != nil && ev.Event == "play" {
				return nil, at("play after the recap: more than one run in the file")
			}
			switch ev.Event {
			case "":
				return nil, at("no \"event\" field: not an event of hapb run --output json")
			case "play":
				if ev.Check == nil {
					return nil, at("play event without \"check\"")
				}
				if len(plays) > 0 && *ev.Check != s.Check {
					return nil, at("play %q has check %v, an earlier one %v", ev.Name, *ev.Check, s.Check)
				}
				s.Check = *ev.Check
				plays[ev.Name]++
				play = &Task{Play: ev.Name, PlayN: plays[ev.Name]}
				pos, taskCount, inTask = map[string]*hostPos{}, map[Task]int{}, false
			case "task", "handler":
				if play == nil {
					return nil, at("%s event before any play", ev.Event)
				}
				banner, inTask = banner+1, true
				play.Handler, play.Name = ev.Event == "handler", ev.Name
			case "result":
				if !inTask {
					return nil, at("result event outside a task")
				}
				if ev.Host == "" || !validStatus[ev.Status] {
					return nil, at("result event with host %q and status %q", ev.Host, ev.Status)
				}
				t := *play
				t.Host = ev.Host
				p := pos[ev.Host]
				if p == nil || p.banner != banner {
					// The host's first result under this banner: the
					// next task of this name it runs.
					taskCount[t]++
					p = &hostPos{banner: banner, n: taskCount[t], items: map[string]int{}}
					pos[ev.Host] = p
				}
				t.N = p.n
				p.items[ev.Item]++
				res := &Result{Key: Key{Task: t, Item: ev.Item, ItemN: p.items[ev.Item]},
					Status: ev.Status, Delegate: ev.Delegate, Msg: ev.Msg, Excused: ev.Ignored}
				if res.Msg == "" {
					res.Msg, _ = ev.Result.Msg.(string)
				}
				res.Changed = res.Status == "changed" || res.Status == "failed" && ev.Result.Changed
				res.Unknown = res.Status == "changed" && strings.HasPrefix(res.Msg, unknownPrefix)
				s.Results = append(s.Results, res)
				s.byKey[res.Key] = res
			case "recap":
				recap = map[string]int{}
				for h, st := range ev.Hosts {
					recap[h] = st.Failed
				}
			}
			// Other events (warning, retrying, any added later) say
			// nothing about what a task did.
		}
		if err == io.EOF {
			break
		}
	}
	if len(plays) == 0 {
		return nil, fmt.Errorf("%s: no play: not the output of hapb run --output json, or hapb failed before its first play", file)
	}
	if recap == nil {
		return nil, fmt.Errorf("%s: no recap: the run did not finish", file)
	}
	s.foldLoops()
	s.excuse(recap)
	return s, nil
}

// foldLoops drops a loop's summary result (no item, after the items, shown
// only when the loop failed) into its items: the items already say which
// failed, and the summary's ignore_errors applies to all of them. A task
// whose loop failed before any item keeps its one result.
func (s *Stream) foldLoops() {
	looped := map[Task]bool{}
	for _, r := range s.Results {
		if r.Item != "" {
			looped[r.Task] = true
		}
	}
	ignored := map[Task]bool{}
	kept := s.Results[:0]
	for _, r := range s.Results {
		if r.Item == "" && looped[r.Task] {
			ignored[r.Task] = ignored[r.Task] || r.Excused
			delete(s.byKey, r.Key)
			continue
		}
		kept = append(kept, r)
	}
	s.Results = kept
	for _, r := range s.Results {
		r.Excused = r.Excused || ignored[r.Task]
	}
}

// excuse marks the failures a rescue took over. The events do not say
// which failures were rescued, but the recap counts, per host, the
// failures that were not (a rescued one is counted "rescued" instead), and
// those come last: a failure nobody rescues takes the host out of the
// run, so all it may still run is an always: section or a handler (whose
// failures are unrescued too). So of a host's failed tasks, all but the
// last `failed` of the recap were rescued.
func (s *Stream) excuse(unrescued map[string]int) {
	failed := map[string][]Task{}
	seen := map[Task]bool{}
	ignored := map[Task]bool{}
	for _, r := range s.Results {
		ignored[r.Task] = ignored[r.Task] || r.Excused
	}
	for _, r := range s.Results {
		if r.Status == "failed" && !ignored[r.Task] && !seen[r.Task] {
			seen[r.Task] = true
			failed[r.Host] = append(failed[r.Host], r.Task)
		}
	}
	rescued := map[Task]bool{}
	for h, ts := range failed {
		n := len(ts) - unrescued[h]
		for i := 0; i < n; i++ {
			rescued[ts[i]] = true
		}
	}
	for _, r := range s.Results {
		r.Excused = r.Excused || ignored[r.Task] || rescued[r.Task]
	}
}

// Get is the result under k, or nil.
func (s *Stream) Get(k Key) *Result { return s.byKey[k] }
