package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// ev is one event of a synthetic stream.
type ev map[string]any

func play(name string) ev    { return ev{"event": "play", "name": name} }
func task(name string) ev    { return ev{"event": "task", "name": name} }
func handler(name string) ev { return ev{"event": "handler", "name": name} }

// res is a result event; kv adds fields, as pairs: "item", "a".
func res(host, status string, kv ...any) ev {
	e := ev{"event": "result", "host": host, "status": status}
	for i := 0; i+1 < len(kv); i += 2 {
		e[kv[i].(string)] = kv[i+1]
	}
	return e
}

// recap counts, per host, the failures no rescue took over.
func recap(failed map[string]int) ev {
	hosts := map[string]any{}
	for h, n := range failed {
		hosts[h] = map[string]int{"ok": 1, "failed": n}
	}
	return ev{"event": "recap", "hosts": hosts, "elapsed_ms": 1}
}

// jsonl is evs as hapb run --output json writes them, the plays marked
// check or not, ending with an empty recap unless evs have one.
func jsonl(check bool, evs []ev) string {
	var b strings.Builder
	hasRecap := false
	for _, e := range evs {
		if e["event"] == "play" {
			e = ev{"event": "play", "name": e["name"], "check": check}
		}
		hasRecap = hasRecap || e["event"] == "recap"
		j, _ := json.Marshal(e)
		b.Write(j)
		b.WriteByte('\n')
	}
	if !hasRecap {
		j, _ := json.Marshal(recap(nil))
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}

func mustRead(t *testing.T, file string, check bool, evs []ev) *Stream {
	t.Helper()
	s, err := Read(file, strings.NewReader(jsonl(check, evs)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
