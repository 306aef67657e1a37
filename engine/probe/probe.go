// Package probe measures a Kubernetes API's availability as its clients see
// it: reads (/readyz), writes (ConfigMaps created, some kept and the others
// deleted) and a watch, several times a second, for as long as a failure
// drill lasts. It records every failed request and every gap between
// successes, and at the end checks that every write the API acknowledged is
// still there: availability and durability, measured from outside. The read
// leaves out /readyz's shutdown check: an apiserver fails it from the moment
// its graceful shutdown begins, to turn load balancers away, while it still
// serves every request it gets.
package probe

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Options says what to probe and how often.
type Options struct {
	Client    *http.Client // carries the TLS credentials
	Server    string       // https://VIP:6443
	Namespace string       // where the probe's ConfigMaps live
	Interval  time.Duration
	Timeout   time.Duration // of one request
	// KeepEvery: one ConfigMap in KeepEvery is kept to the end (and checked
	// then); the others are deleted right after they were created.
	KeepEvery int
}

// Failure is one failed request.
type Failure struct {
	At    time.Time `json:"at"`
	Op    string    `json:"op"`
	Error string    `json:"error"`
}

// OpStats sums one kind of request.
type OpStats struct {
	Total      int     `json:"total"`
	Failed     int     `json:"failed"`
	LongestGap float64 `json:"longest_gap_s"` // seconds between two successes (or the ends of the run)
	GapStart   string  `json:"gap_start,omitempty"`
	// Unavailable sums the gaps in which a request failed: the time a
	// client of this kind saw the API gone, over all outages (a slow
	// success is not an outage).
	Unavailable float64 `json:"unavailable_s"`
}

// Report is what a probe run found.
type Report struct {
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Reads      OpStats   `json:"reads"`
	Writes     OpStats   `json:"writes"`
	Watch      OpStats   `json:"watch"`        // Total: streams opened, Failed: streams broken; the gap is without a stream
	Downtime   float64   `json:"downtime_s"`   // the larger of reads' and writes' Unavailable
	Kept       int       `json:"kept"`         // ConfigMaps whose creation was acknowledged and that were kept
	Lost       []string  `json:"lost"`         // acknowledged and kept, but missing at the end: must be empty
	Resurrect  []string  `json:"resurrected"`  // deletion acknowledged, but present at the end: must be empty
	WatchMiss  []string  `json:"watch_missed"` // kept objects whose creation the watch never delivered
	Failures   []Failure `json:"failures"`     // the first 100
	NFailures  int       `json:"failures_total"`
	CheckError string    `json:"check_error,omitempty"` // the final check could not run
}

// OK reports whether nothing acknowledged was lost.
func (r *Report) OK() bool {
	return len(r.Lost) == 0 && len(r.Resurrect) == 0 && r.CheckError == ""
}

type tracker struct {
	mu       sync.Mutex
	start    time.Time
	ops      map[string]*opTrack
	failures []Failure
	nfail    int
}

type opTrack struct {
	stats  OpStats
	lastOK time.Time
	failed bool // a request failed since lastOK
}

func (t *tracker) op(name string) *opTrack {
	o := t.ops[name]
	if o == nil {
		o = &opTrack{lastOK: t.start}
		t.ops[name] = o
	}
	return o
}

// done records a request that was sent at sent and ended now.
func (t *tracker) done(name string, sent time.Time, err error) {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	o := t.op(name)
	o.stats.Total++
	if err != nil {
		o.stats.Failed++
		o.failed = true
		t.nfail++
		if len(t.failures) < 100 {
			t.failures = append(t.failures, Failure{At: sent, Op: name, Error: err.Error()})
		}
		return
	}
	o.success(now)
}

func (o *opTrack) success(now time.Time) {
	gap := now.Sub(o.lastOK)
	if gap.Seconds() > o.stats.LongestGap {
		o.stats.LongestGap = gap.Seconds()
		o.stats.GapStart = o.lastOK.UTC().Format(time.RFC3339Nano)
	}
	if o.failed {
		o.stats.Unavailable += gap.Seconds()
		o.failed = false
	}
	o.lastOK = now
}

// Run probes until ctx ends, then checks the kept objects and cleans up.
func Run(ctx context.Context, o Options) *Report {
	if o.Interval <= 0 {
		o.Interval = 200 * time.Millisecond
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if o.KeepEvery <= 0 {
		o.KeepEvery = 10
	}
	if o.Namespace == "" {
		o.Namespace = "default"
	}
	id := make([]byte, 4)
	rand.Read(id)
	p := &prober{Options: o, run: hex.EncodeToString(id),
		t:    &tracker{start: time.Now(), ops: map[string]*opTrack{}},
		seen: map[string]bool{}}
	var wg sync.WaitGroup
	for _, loop := range []func(context.Context){p.reads, p.writes, p.watch} {
		wg.Add(1)
		go func() { defer wg.Done(); loop(ctx) }()
	}
	wg.Wait()
	return p.finish()
}

type prober struct {
	Options
	run string
	t   *tracker

	mu      sync.Mutex
	kept    []string        // acknowledged creations that are kept
	deleted []string        // acknowledged deletions
	seen    map[string]bool // names the watch delivered as ADDED
	rv      string          // the watch's resourceVersion
}

func (p *prober) every(ctx context.Context, f func(context.Context)) {
	tick := time.NewTicker(p.Interval)
	defer tick.Stop()
	for {
		f(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// readPath is the read: /readyz without the shutdown check (see the
// package comment).
const readPath = "/readyz?exclude=shutdown"

func (p *prober) reads(ctx context.Context) {
	p.every(ctx, func(ctx context.Context) {
		sent := time.Now()
		body, err := p.do(ctx, "GET", readPath, nil, http.StatusOK)
		if err == nil && strings.TrimSpace(string(body)) != "ok" {
			err = fmt.Errorf("/readyz: %q", body)
		}
		p.record(ctx, "read", sent, err)
	})
}

func (p *prober) writes(ctx context.Context) {
	seq := 0
	p.every(ctx, func(ctx context.Context) {
		seq++
		name := fmt.Sprintf("hapb-probe-%s-%06d", p.run, seq)
		cm := map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": name, "labels": map[string]string{"hapb-probe": p.run}},
			"data":     map[string]string{"seq": fmt.Sprint(seq)}}
		b, _ := json.Marshal(cm)
		sent := time.Now()
		_, err := p.do(ctx, "POST", p.cmPath(""), b, http.StatusCreated)
		p.record(ctx, "write", sent, err)
		if err != nil {
			return
		}
		if seq%p.KeepEvery == 0 {
			p.mu.Lock()
			p.kept = append(p.kept, name)
			p.mu.Unlock()
			return
		}
		sent = time.Now()
		_, err = p.do(ctx, "DELETE", p.cmPath(name), nil, http.StatusOK)
		p.record(ctx, "write", sent, err)
		if err == nil {
			p.mu.Lock()
			p.deleted = append(p.deleted, name)
			p.mu.Unlock()
		}
	})
}

// record counts a request, unless it failed only because the run ended.
func (p *prober) record(ctx context.Context, op string, sent time.Time, err error) {
	if err != nil && ctx.Err() != nil {
		return
	}
	p.t.done(op, sent, err)
}

func (p *prober) cmPath(name string) string {
	path := "/api/v1/namespaces/" + p.Namespace + "/configmaps"
	if name != "" {
		path += "/" + name
	}
	return path
}

// watch keeps a watch on the probe's ConfigMaps open, resuming from the
// last resourceVersion it saw; the time without an open stream is its gap.
func (p *prober) watch(ctx context.Context) {
	w := func() *opTrack { p.t.mu.Lock(); defer p.t.mu.Unlock(); return p.t.op("watch") }()
	for ctx.Err() == nil {
		err := p.watchOnce(ctx, w)
		if ctx.Err() != nil {
			return
		}
		p.t.mu.Lock()
		w.stats.Failed++
		w.failed = true
		p.t.nfail++
		if len(p.t.failures) < 100 {
			p.t.failures = append(p.t.failures, Failure{At: time.Now(), Op: "watch", Error: fmt.Sprint(err)})
		}
		p.t.mu.Unlock()
		select {
		case <-ctx.Done():
		case <-time.After(p.Interval):
		}
	}
}

func (p *prober) watchOnce(ctx context.Context, w *opTrack) error {
	q := "?watch=1&allowWatchBookmarks=true&labelSelector=hapb-probe%3D" + p.run
	p.mu.Lock()
	if p.rv != "" {
		q += "&resourceVersion=" + p.rv
	}
	p.mu.Unlock()
	// The stream is long-lived: only its connection and response headers
	// are bounded by Timeout (the client's transport).
	req, err := http.NewRequestWithContext(ctx, "GET", p.Server+p.cmPath("")+q, nil)
	if err != nil {
		return err
	}
	resp, err := p.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		if resp.StatusCode == http.StatusGone {
			p.mu.Lock()
			p.rv = "" // too old: start again from now
			p.mu.Unlock()
		}
		return fmt.Errorf("watch: %s: %s", resp.Status, bytes.TrimSpace(b))
	}
	p.t.mu.Lock()
	w.stats.Total++
	w.success(time.Now())
	p.t.mu.Unlock()
	// A stream that stays silent longer than this is taken as broken (the
	// API sends a bookmark at least every minute; the probe writes several
	// objects a second, so a live stream is never this quiet).
	idle := time.AfterFunc(5*p.Timeout, func() { resp.Body.Close() })
	defer idle.Stop()
	dec := json.NewDecoder(resp.Body)
	for {
		var ev struct {
			Type   string `json:"type"`
			Object struct {
				Metadata struct {
					Name            string `json:"name"`
					ResourceVersion string `json:"resourceVersion"`
				} `json:"metadata"`
			} `json:"object"`
		}
		if err := dec.Decode(&ev); err != nil {
			return fmt.Errorf("watch stream: %v", err)
		}
		idle.Reset(5 * p.Timeout)
		p.t.mu.Lock()
		w.lastOK = time.Now() // the stream is alive: no gap grows
		p.t.mu.Unlock()
		if ev.Type == "ERROR" {
			p.mu.Lock()
			p.rv = ""
			p.mu.Unlock()
			return fmt.Errorf("watch: ERROR event")
		}
		p.mu.Lock()
		if rv := ev.Object.Metadata.ResourceVersion; rv != "" {
			p.rv = rv
		}
		if ev.Type == "ADDED" {
			p.seen[ev.Object.Metadata.Name] = true
		}
		p.mu.Unlock()
	}
}

func (p *prober) do(ctx context.Context, method, path string, body []byte, want int) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, p.Server+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return b, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, why(b))
	}
	return b, nil
}

// why sums up an error body in one line: the checks that failed ("[-]name
// failed: ...") when it is a health report such as /readyz's, else its
// first line.
func why(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	failed := slices.DeleteFunc(slices.Clone(lines), func(l string) bool { return !strings.HasPrefix(l, "[-]") })
	s := lines[0]
	if len(failed) > 0 {
		s = strings.Join(failed, "; ")
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// finish checks what must still exist, removes the probe's objects and sums
// up. The check retries for a while: it may run while the API recovers.
func (p *prober) finish() *Report {
	end := time.Now()
	r := &Report{Start: p.t.start, End: end}
	t := p.t
	t.mu.Lock()
	for name, dst := range map[string]*OpStats{"read": &r.Reads, "write": &r.Writes, "watch": &r.Watch} {
		o := t.op(name)
		o.success(end) // the gap still open at the end counts
		*dst = o.stats
	}
	r.Failures, r.NFailures = t.failures, t.nfail
	r.Downtime = max(r.Reads.Unavailable, r.Writes.Unavailable)
	t.mu.Unlock()
	sort.Slice(r.Failures, func(i, j int) bool { return r.Failures[i].At.Before(r.Failures[j].At) })

	p.mu.Lock()
	kept, deleted := append([]string(nil), p.kept...), append([]string(nil), p.deleted...)
	for _, k := range kept {
		if !p.seen[k] {
			r.WatchMiss = append(r.WatchMiss, k)
		}
	}
	p.mu.Unlock()
	r.Kept = len(kept)
	names, err := p.list()
	if err != nil {
		r.CheckError = err.Error()
		return r
	}
	for _, k := range kept {
		if !names[k] {
			r.Lost = append(r.Lost, k)
		}
	}
	for _, d := range deleted {
		if names[d] {
			r.Resurrect = append(r.Resurrect, d)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p.do(ctx, "DELETE", p.cmPath("")+"?labelSelector=hapb-probe%3D"+p.run, nil, http.StatusOK)
	return r
}

// list returns the names of the probe's ConfigMaps, retrying for up to a
// minute while the API answers errors.
func (p *prober) list() (map[string]bool, error) {
	deadline := time.Now().Add(time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), p.Timeout)
		b, err := p.do(ctx, "GET", p.cmPath("")+"?labelSelector=hapb-probe%3D"+p.run, nil, http.StatusOK)
		cancel()
		if err == nil {
			var l struct {
				Items []struct {
					Metadata struct {
						Name string `json:"name"`
					} `json:"metadata"`
				} `json:"items"`
			}
			if err = json.Unmarshal(b, &l); err == nil {
				names := map[string]bool{}
				for _, it := range l.Items {
					names[it.Metadata.Name] = true
				}
				return names, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("listing the probe's ConfigMaps: %v", err)
		}
		time.Sleep(time.Second)
	}
}
