package report

import (
	"encoding/json"
	"io"
	"time"
)

// JSON writes one JSON object per event and line (--output json), for
// machines: {"event": "result", "host": …, "status": …, …}. Every event
// has "ts", when it was reported, so a run's stream tells where its time
// went (test/bench/ready reads it).
type JSON struct {
	W io.Writer
	// Now is the clock of the events' "ts" (nil: time.Now); tests fix it.
	Now func() time.Time
	enc *json.Encoder
}

// timeFormat is RFC 3339 with nanoseconds, as a sortable string.
const timeFormat = "2006-01-02T15:04:05.000000000Z07:00"

func stamp(t time.Time) string { return t.UTC().Format(timeFormat) }

func (j *JSON) emit(v map[string]any) {
	if j.enc == nil {
		j.enc = json.NewEncoder(j.W)
		j.enc.SetEscapeHTML(false)
	}
	now := time.Now
	if j.Now != nil {
		now = j.Now
	}
	v["ts"] = stamp(now())
	j.enc.Encode(v)
}

// PlayStart implements Reporter.
func (j *JSON) PlayStart(p Play) {
	ev := map[string]any{"event": "play", "name": p.Name, "check": p.Check}
	if p.Free {
		ev["strategy"] = "free"
	}
	j.emit(ev)
}

// TaskStart implements Reporter.
func (j *JSON) TaskStart(name string, kind TaskKind) {
	ev := "task"
	if kind == KindHandler {
		ev = "handler"
	}
	j.emit(map[string]any{"event": ev, "name": name})
}

// Result implements Reporter.
func (j *JSON) Result(r *HostResult) {
	ev := map[string]any{"event": "result", "host": r.Host, "status": r.Status}
	if r.Delegate != "" {
		ev["delegate"] = r.Delegate
	}
	if r.Item != "" {
		ev["item"] = r.Item
	}
	if r.Ignored {
		ev["ignored"] = true
	}
	if !r.Start.IsZero() {
		ev["start"] = stamp(r.Start)
	}
	if !r.End.IsZero() {
		ev["end"] = stamp(r.End)
	}
	if r.Action != "" {
		ev["action"] = r.Action
	}
	if r.NoLog {
		ev["censored"] = true
	} else {
		if r.Msg != "" {
			ev["msg"] = r.Msg
		}
		if r.Data != nil {
			ev["result"] = r.Data
		}
		if len(r.Diffs) > 0 {
			ev["diff"] = r.Diffs
		}
	}
	j.emit(ev)
}

// Warn implements Reporter.
func (j *JSON) Warn(msg string) { j.emit(map[string]any{"event": "warning", "msg": msg}) }

// Retrying implements Reporter.
func (j *JSON) Retrying(host, task string, left int) {
	j.emit(map[string]any{"event": "retrying", "host": host, "task": task, "retries_left": left})
}

// Recap implements Reporter.
func (j *JSON) Recap(stats []*HostStats, elapsed time.Duration) {
	hosts := make(map[string]any, len(stats))
	for _, s := range stats {
		hosts[s.Host] = map[string]int{"ok": s.OK, "changed": s.Changed, "unreachable": s.Unreachable,
			"failed": s.Failed, "skipped": s.Skipped, "rescued": s.Rescued, "ignored": s.Ignored}
	}
	j.emit(map[string]any{"event": "recap", "hosts": hosts, "elapsed_ms": elapsed.Milliseconds()})
}
