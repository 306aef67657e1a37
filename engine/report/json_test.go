package report

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestJSONTimes: every event has "ts" from the reporter's clock; a
// result has its host's "start" and "end" and the task's "action", and
// omits what is unknown.
func TestJSONTimes(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 23, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		emit func(j *JSON)
		want string
	}{
		{"play", func(j *JSON) { j.PlayStart(Play{Name: "site"}) },
			`{"check":false,"event":"play","name":"site","ts":"2026-12-05T23:00:01.000000000Z"}`},
		{"free play", func(j *JSON) { j.PlayStart(Play{Name: "prepare", Check: true, Free: true}) },
			`{"check":true,"event":"play","name":"prepare","strategy":"free","ts":"2026-12-05T23:00:01.000000000Z"}`},
		{"handler", func(j *JSON) { j.TaskStart("restart kubelet", KindHandler) },
			`{"event":"handler","name":"restart kubelet","ts":"2026-12-05T23:00:01.000000000Z"}`},
		{"result", func(j *JSON) {
			j.Result(&HostResult{Host: "m1", Status: Changed, Action: "yum", Delegate: "lb1",
				Start: t0.Add(-1500 * time.Millisecond), End: t0.Add(250 * time.Microsecond).In(time.FixedZone("CET", 3600))})
		}, `{"action":"yum","delegate":"lb1","end":"2026-12-05T23:00:00.000250000Z","event":"result","host":"m1","start":"2026-12-05T22:59:58.500000000Z","status":"changed","ts":"2026-12-05T23:00:01.000000000Z"}`},
		{"result without times", func(j *JSON) { j.Result(&HostResult{Host: "m1", Status: OK}) },
			`{"event":"result","host":"m1","status":"ok","ts":"2026-12-05T23:00:01.000000000Z"}`},
		{"retrying", func(j *JSON) { j.Retrying("m1", "wait", 3) },
			`{"event":"retrying","host":"m1","retries_left":3,"task":"wait","ts":"2026-12-05T23:00:01.000000000Z"}`},
		{"recap", func(j *JSON) { j.Recap(nil, 2*time.Second) },
			`{"elapsed_ms":2000,"event":"recap","hosts":{},"ts":"2026-12-05T23:00:01.000000000Z"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			j := &JSON{W: &b, Now: func() time.Time { return t0.Add(time.Second) }}
			tt.emit(j)
			if got := strings.TrimSuffix(b.String(), "\n"); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// recorder notes the events it is given, and that it was sized and told
// of finished hosts.
type recorder struct{ got []string }

func (r *recorder) PlayStart(p Play)                      { r.got = append(r.got, "play "+p.Name) }
func (r *recorder) TaskStart(name string, _ TaskKind)     { r.got = append(r.got, "task "+name) }
func (r *recorder) Result(hr *HostResult)                 { r.got = append(r.got, "result "+hr.Host) }
func (r *recorder) Warn(msg string)                       { r.got = append(r.got, "warn "+msg) }
func (r *recorder) Retrying(host, _ string, _ int)        { r.got = append(r.got, "retrying "+host) }
func (r *recorder) Recap(_ []*HostStats, _ time.Duration) { r.got = append(r.got, "recap") }
func (r *recorder) TaskHosts(int)                         { r.got = append(r.got, "sized") }
func (r *recorder) HostDone()                             { r.got = append(r.got, "done") }

// TestTee: every reporter sees every event in order; only those that ask
// for TaskHosts and HostDone get them.
func TestTee(t *testing.T) {
	a, b := &recorder{}, &recorder{}
	tee := Tee{a, onlyReporter{b}}
	tee.PlayStart(Play{Name: "p"})
	tee.TaskStart("t", KindTask)
	tee.TaskHosts(2)
	tee.Retrying("h1", "t", 1)
	tee.HostDone()
	tee.Result(&HostResult{Host: "h1"})
	tee.Warn("w")
	tee.Recap(nil, 0)
	if got, want := strings.Join(a.got, ","), "play p,task t,sized,retrying h1,done,result h1,warn w,recap"; got != want {
		t.Errorf("sizer and progress: %s, want %s", got, want)
	}
	if got, want := strings.Join(b.got, ","), "play p,task t,retrying h1,result h1,warn w,recap"; got != want {
		t.Errorf("plain reporter: %s, want %s", got, want)
	}
}

// onlyReporter hides every method but the Reporter interface's.
type onlyReporter struct{ Reporter }
