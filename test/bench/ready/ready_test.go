package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/site.golden")

// TestReportGolden prints the report of testdata/site.jsonl, a synthetic
// site.yml on three hosts: packages, a service, kubeadm init, a polled
// apiserver, a serial play joining one host per batch with a handler each,
// a task delegated to the first master, a polled wait for Ready, a sleep.
func TestReportGolden(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "site.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := read(f)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	r.print(&b, "testdata/site.jsonl")
	file := filepath.Join("testdata", "site.golden")
	if *update {
		if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (go test -update to create it)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("report differs from %s (go test -update to accept):\n%s", file, b.Bytes())
	}
}

// at is a time n tenths of a second into a run, as the events write it.
func at(n int) string {
	return time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC).Add(time.Duration(n) * 100 * time.Millisecond).Format(time.RFC3339Nano)
}

// stream turns lines with {N} (N tenths of a second) into events.
func stream(lines ...string) string {
	s := strings.Join(lines, "\n") + "\n"
	for n := 600; n >= 0; n-- { // longest numbers first: {12} before {1}
		s = strings.ReplaceAll(s, "{"+strconv.Itoa(n)+"}", at(n))
	}
	return s
}

// TestTasks checks the figures of one task, each case a small stream.
func TestTasks(t *testing.T) {
	tests := []struct {
		name    string
		events  string
		task    int // which task of the stream
		wall    time.Duration
		slowest string // host, →delegate
		busy    time.Duration
		hosts   int
		kind    string
		retries int
		slack   time.Duration
	}{
		{name: "slowest host by its own times, not the results' order",
			events: stream(`{"event":"play","name":"p","ts":"{0}"}`,
				`{"event":"task","name":"install kubelet","ts":"{1}"}`,
				// a reported after b finished: b was the slow one
				`{"event":"result","host":"a","action":"ansible.builtin.dnf","start":"{2}","end":"{10}","ts":"{50}"}`,
				`{"event":"result","host":"b","action":"ansible.builtin.dnf","start":"{2}","end":"{50}","ts":"{50}"}`,
				`{"event":"recap","ts":"{51}"}`),
			wall: 5 * time.Second, slowest: "b", busy: 4800 * time.Millisecond, hosts: 2, kind: "package"},
		{name: "loop items: first start to last end",
			events: stream(`{"event":"task","name":"packages","ts":"{0}"}`,
				`{"event":"result","host":"a","item":"x","action":"yum","start":"{1}","end":"{5}","ts":"{5}"}`,
				`{"event":"result","host":"a","item":"y","action":"yum","start":"{5}","end":"{30}","ts":"{30}"}`,
				`{"event":"recap","ts":"{31}"}`),
			wall: 3100 * time.Millisecond, slowest: "a", busy: 2900 * time.Millisecond, hosts: 1, kind: "package"},
		{name: "polled: retries, slack of one interval",
			events: stream(`{"event":"task","name":"wait for the apiserver","ts":"{0}"}`,
				`{"event":"retrying","host":"a","task":"wait for the apiserver","retries_left":3,"ts":"{2}"}`,
				`{"event":"retrying","host":"a","task":"wait for the apiserver","retries_left":2,"ts":"{53}"}`,
				`{"event":"retrying","host":"b","task":"wait for the apiserver","retries_left":3,"ts":"{3}"}`,
				`{"event":"result","host":"a","action":"command","start":"{1}","end":"{104}","ts":"{104}"}`,
				`{"event":"result","host":"b","action":"command","start":"{1}","end":"{55}","ts":"{104}"}`,
				`{"event":"recap","ts":"{105}"}`),
			wall: 10500 * time.Millisecond, slowest: "a", busy: 10300 * time.Millisecond, hosts: 2, kind: "poll",
			retries: 3, slack: 5100 * time.Millisecond},
		{name: "kubeadm by its command, in a serial play's second batch",
			events: stream(`{"event":"play","name":"join","ts":"{0}"}`,
				`{"event":"task","name":"join","ts":"{1}"}`,
				`{"event":"result","host":"a","action":"command","result":{"cmd":"kubeadm join x:6443"},"start":"{2}","end":"{10}","ts":"{10}"}`,
				`{"event":"task","name":"join","ts":"{11}"}`,
				`{"event":"result","host":"b","action":"command","result":{"cmd":["kubeadm","join","x:6443"]},"start":"{12}","end":"{40}","ts":"{40}"}`,
				`{"event":"recap","ts":"{41}"}`),
			task: 1, wall: 3 * time.Second, slowest: "b", busy: 2800 * time.Millisecond, hosts: 1, kind: "kubeadm"},
		{name: "delegated: counted for its host, shown with the delegate",
			events: stream(`{"event":"task","name":"label","ts":"{0}"}`,
				`{"event":"result","host":"w1","delegate":"m1","action":"command","result":{"cmd":"kubectl label node w1 x=y"},"start":"{1}","end":"{9}","ts":"{9}"}`,
				`{"event":"recap","ts":"{10}"}`),
			wall: time.Second, slowest: "w1→m1", busy: 800 * time.Millisecond, hosts: 1, kind: "other"},
		{name: "a service restarted by a command, in a handler",
			events: stream(`{"event":"handler","name":"kubelet","ts":"{0}"}`,
				`{"event":"result","host":"a","action":"shell","result":{"cmd":"systemctl daemon-reload && systemctl restart kubelet"},"start":"{1}","end":"{9}","ts":"{9}"}`,
				`{"event":"recap","ts":"{10}"}`),
			wall: time.Second, slowest: "a", busy: 800 * time.Millisecond, hosts: 1, kind: "service"},
		{name: "image: imported by ctr",
			events: stream(`{"event":"task","name":"Import the missing images","ts":"{0}"}`,
				`{"event":"result","host":"a","item":"p","action":"command","result":{"cmd":["ctr","-n","k8s.io","images","import","/tmp/p.tar"]},"start":"{1}","end":"{21}","ts":"{21}"}`,
				`{"event":"recap","ts":"{22}"}`),
			wall: 2200 * time.Millisecond, slowest: "a", busy: 2 * time.Second, hosts: 1, kind: "image"},
		{name: "image: archives shipped by a copy named for them",
			events: stream(`{"event":"task","name":"Ship the missing images","ts":"{0}"}`,
				`{"event":"result","host":"a","item":"p","action":"copy","start":"{1}","end":"{11}","ts":"{11}"}`,
				`{"event":"recap","ts":"{12}"}`),
			wall: 1200 * time.Millisecond, slowest: "a", busy: time.Second, hosts: 1, kind: "image"},
		{name: "a copy not named for images is other",
			events: stream(`{"event":"task","name":"Ship the CA","ts":"{0}"}`,
				`{"event":"result","host":"a","action":"copy","start":"{1}","end":"{11}","ts":"{11}"}`,
				`{"event":"recap","ts":"{12}"}`),
			wall: 1200 * time.Millisecond, slowest: "a", busy: time.Second, hosts: 1, kind: "other"},
		{name: "sleep",
			events: stream(`{"event":"task","name":"settle","ts":"{0}"}`,
				`{"event":"result","host":"a","action":"command","result":{"cmd":"sleep 5"},"start":"{1}","end":"{51}","ts":"{51}"}`,
				`{"event":"recap","ts":"{52}"}`),
			wall: 5200 * time.Millisecond, slowest: "a", busy: 5 * time.Second, hosts: 1, kind: "sleep"},
		{name: "no result: no slowest host, the stream cut in a line",
			events: stream(`{"event":"task","name":"include","ts":"{0}"}`, `{"event":"task","name":"next","ts":"{7}"}`, `{"event":"res`),
			wall:   700 * time.Millisecond, hosts: 0, kind: "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := read(strings.NewReader(tt.events))
			if err != nil {
				t.Fatal(err)
			}
			tk := r.tasks[tt.task]
			slowest := ""
			if s := tk.slowest(); s != nil {
				slowest = s.host
				if s.delegate != "" {
					slowest += "→" + s.delegate
				}
			}
			got := []any{tk.wall(), slowest, tk.busy(), len(tk.hosts), tk.kind(), tk.retries, tk.slack()}
			want := []any{tt.wall, tt.slowest, tt.busy, tt.hosts, tt.kind, tt.retries, tt.slack}
			names := []string{"wall", "slowest", "its time", "hosts", "kind", "retries", "slack"}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("%s = %v, want %v", names[i], got[i], want[i])
				}
			}
		})
	}
}

// TestReadErrors: a stream this tool cannot read says why and what to do.
func TestReadErrors(t *testing.T) {
	tests := []struct{ name, events, want string }{
		{"empty", "", "no events"},
		{"not events", "PLAY [x] ***\n{\"event\":\"task\"}\n", "line 1 is not a JSON event"},
		{"no times", `{"event":"play","name":"p"}` + "\n", `line 1 has no "ts"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := read(strings.NewReader(tt.events))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one with %q", err, tt.want)
			}
		})
	}
}

// TestFreePlay: in a strategy free play a task's results come in pieces
// as hosts reach it (one task here), and the play's time is its slowest
// host's chain: a slow host's sysctl does not add to a fast host's
// packages, as it would in a linear play.
func TestFreePlay(t *testing.T) {
	r, err := read(strings.NewReader(stream(
		`{"event":"play","name":"prepare","strategy":"free","ts":"{0}"}`,
		`{"event":"task","name":"sysctl","ts":"{1}"}`,
		`{"event":"result","host":"fast","action":"sysctl","start":"{1}","end":"{2}","ts":"{2}"}`,
		`{"event":"task","name":"packages","ts":"{2}"}`,
		`{"event":"result","host":"fast","action":"yum","start":"{2}","end":"{52}","ts":"{52}"}`,
		`{"event":"task","name":"sysctl","ts":"{3}"}`,
		`{"event":"result","host":"vm","action":"sysctl","start":"{1}","end":"{41}","ts":"{41}"}`,
		`{"event":"task","name":"packages","ts":"{41}"}`,
		`{"event":"result","host":"vm","action":"yum","start":"{41}","end":"{51}","ts":"{51}"}`,
		`{"event":"play","name":"join","ts":"{53}"}`,
		`{"event":"task","name":"join","ts":"{53}"}`,
		`{"event":"result","host":"fast","action":"kubeadm","start":"{53}","end":"{63}","ts":"{63}"}`,
		`{"event":"recap","ts":"{64}"}`)))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.tasks) != 3 {
		t.Fatalf("%d tasks, want sysctl, packages (each once) and join", len(r.tasks))
	}
	if host, took := r.chain(r.plays[0]); host != "fast" || took != 5100*time.Millisecond {
		t.Errorf("chain %s %v, want fast 5.1s", host, took)
	}
	if w := r.tasks[0].wall(); w != 4*time.Second {
		t.Errorf("sysctl's wall %v, want its slowest host's 4s", w)
	}
	busy, byKind, _ := r.waits()
	if busy != 6100*time.Millisecond || byKind["package"] != 5*time.Second || byKind["kubeadm"] != time.Second || byKind["other"] != 100*time.Millisecond {
		t.Errorf("busy %v, by kind %v; want 6.1s: package 5s, kubeadm 1s, other 0.1s", busy, byKind)
	}
}
