package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeAPI is a test double of the few kube-apiserver endpoints the probe
// uses: /readyz, ConfigMaps (create, delete, list by label, delete by label)
// and a watch. down makes every request fail with 503; forget makes it
// acknowledge creations without storing them (a lying API); shuttingDown
// makes /readyz fail its shutdown check, unless excluded, while every
// request is still served (an apiserver's graceful shutdown).
type fakeAPI struct {
	mu           sync.Mutex
	objs         map[string]bool
	rv           int
	watchers     []chan string
	down         atomic.Bool
	forget       atomic.Bool
	shuttingDown atomic.Bool
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.down.Load() {
		http.Error(w, "etcdserver: request timed out", http.StatusServiceUnavailable)
		return
	}
	const base = "/api/v1/namespaces/default/configmaps"
	switch {
	case r.URL.Path == "/readyz":
		if f.shuttingDown.Load() && !slices.Contains(r.URL.Query()["exclude"], "shutdown") {
			http.Error(w, "[+]ping ok\n[-]shutdown failed: reason withheld\nreadyz check failed", http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, "ok")
	case r.URL.Path == base && r.Method == "POST":
		var cm struct {
			Metadata struct{ Name string } `json:"metadata"`
		}
		json.NewDecoder(r.Body).Decode(&cm)
		f.mu.Lock()
		if !f.forget.Load() {
			f.objs[cm.Metadata.Name] = true
		}
		f.rv++
		ev := fmt.Sprintf(`{"type":"ADDED","object":{"metadata":{"name":%q,"resourceVersion":"%d"}}}`, cm.Metadata.Name, f.rv)
		for _, c := range f.watchers {
			select {
			case c <- ev:
			default:
			}
		}
		f.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	case r.URL.Path == base && r.URL.Query().Get("watch") == "1":
		c := make(chan string, 1000)
		f.mu.Lock()
		f.watchers = append(f.watchers, c)
		f.mu.Unlock()
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		for {
			select {
			case ev := <-c:
				fmt.Fprintln(w, ev)
				w.(http.Flusher).Flush()
			case <-r.Context().Done():
				return
			}
		}
	case r.URL.Path == base && r.Method == "GET":
		f.mu.Lock()
		var items []string
		for n := range f.objs {
			items = append(items, fmt.Sprintf(`{"metadata":{"name":%q}}`, n))
		}
		f.mu.Unlock()
		fmt.Fprintf(w, `{"items":[%s]}`, strings.Join(items, ","))
	case r.URL.Path == base && r.Method == "DELETE":
		f.mu.Lock()
		f.objs = map[string]bool{}
		f.mu.Unlock()
	case strings.HasPrefix(r.URL.Path, base+"/") && r.Method == "DELETE":
		f.mu.Lock()
		delete(f.objs, strings.TrimPrefix(r.URL.Path, base+"/"))
		f.mu.Unlock()
	default:
		http.NotFound(w, r)
	}
}

func TestProbe(t *testing.T) {
	tests := []struct {
		name       string
		outage     time.Duration // the API answers 503 for this long, from 300 ms on
		forget     bool
		shutdown   bool // the API shuts down gracefully (still serving)
		wantFailed bool
		wantLost   bool
	}{
		{name: "healthy"},
		{name: "an outage of 600 ms", outage: 600 * time.Millisecond, wantFailed: true},
		{name: "a lying API", forget: true, wantLost: true},
		{name: "an apiserver shutting down", shutdown: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeAPI{objs: map[string]bool{}}
			srv := httptest.NewServer(api)
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
			defer cancel()
			if tt.outage > 0 {
				time.AfterFunc(300*time.Millisecond, func() { api.down.Store(true) })
				time.AfterFunc(300*time.Millisecond+tt.outage, func() { api.down.Store(false) })
			}
			api.forget.Store(tt.forget)
			api.shuttingDown.Store(tt.shutdown)
			r := Run(ctx, Options{Client: srv.Client(), Server: srv.URL, Interval: 20 * time.Millisecond,
				Timeout: time.Second, KeepEvery: 3})
			if r.Reads.Total < 20 || r.Writes.Total < 20 || r.Kept < 5 {
				t.Fatalf("too few requests: %+v", r)
			}
			if failed := r.Reads.Failed+r.Writes.Failed > 0; failed != tt.wantFailed {
				t.Errorf("failed requests: %d reads, %d writes; want failures: %v", r.Reads.Failed, r.Writes.Failed, tt.wantFailed)
			}
			if tt.outage > 0 {
				// A gap is measured between the ends of two successful
				// requests, the outage between two timers: either can be
				// late by a little, hence the slack below the outage.
				for _, o := range []OpStats{r.Reads, r.Writes} {
					if o.LongestGap < tt.outage.Seconds()-0.05 || o.LongestGap > tt.outage.Seconds()+0.3 {
						t.Errorf("longest gap %.3f s for an outage of %v", o.LongestGap, tt.outage)
					}
				}
				if r.Downtime < tt.outage.Seconds()-0.05 || r.Downtime > tt.outage.Seconds()+0.3 {
					t.Errorf("downtime %.3f s for an outage of %v", r.Downtime, tt.outage)
				}
			} else if r.Reads.LongestGap > 0.3 || r.Downtime != 0 {
				t.Errorf("longest read gap %.3f s, downtime %.3f s with no outage", r.Reads.LongestGap, r.Downtime)
			}
			if lost := len(r.Lost) > 0; lost != tt.wantLost || r.OK() == tt.wantLost {
				t.Errorf("lost %v (want lost: %v), ok %v", r.Lost, tt.wantLost, r.OK())
			}
			if len(r.WatchMiss) > 0 || r.Watch.Total == 0 {
				t.Errorf("watch: %d streams, missed %v", r.Watch.Total, r.WatchMiss)
			}
			api.mu.Lock()
			defer api.mu.Unlock()
			if len(api.objs) != 0 {
				t.Errorf("the probe left %d ConfigMaps", len(api.objs))
			}
		})
	}
}

// TestWhy: an error body in one line, naming the failed checks of a health
// report (what a shutting-down apiserver's /readyz says).
func TestWhy(t *testing.T) {
	tests := []struct{ body, want string }{
		{"[+]ping ok\n[+]log ok\n[-]shutdown failed: reason withheld\n[+]etcd ok\nreadyz check failed\n", "[-]shutdown failed: reason withheld"},
		{"[+]ping ok\n[-]etcd failed: reason withheld\n[-]etcd-readiness failed: reason withheld\nreadyz check failed", "[-]etcd failed: reason withheld; [-]etcd-readiness failed: reason withheld"},
		{"etcdserver: request timed out\nmore", "etcdserver: request timed out"},
		{"", ""},
		{strings.Repeat("x", 300), strings.Repeat("x", 200)},
	}
	for _, tt := range tests {
		if got := why([]byte(tt.body)); got != tt.want {
			t.Errorf("why(%q) = %q, want %q", tt.body, got, tt.want)
		}
	}
}
