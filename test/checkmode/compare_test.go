package main

import (
	"strings"
	"testing"
)

// Each case is a --check stream and the real run's, and the report the
// comparison prints: its summary line and one line per difference.
func TestCompare(t *testing.T) {
	const unknownMsg = "unknown until applied: /etc/containerd/config.toml does not exist yet, and an earlier change may make it (package containerd)"
	cases := []struct {
		name        string
		check, real []ev
		allow       []*Allowed
		want        string
	}{{
		name:  "the runs agree",
		check: []ev{play("p"), task("a"), res("h1", "changed"), res("h2", "ok"), task("b"), res("h1", "skipped"), res("h2", "ok")},
		real:  []ev{play("p"), task("a"), res("h1", "changed"), res("h2", "ok"), task("b"), res("h1", "skipped"), res("h2", "ok")},
		want:  "4 results compared, 1 changed in both, 0 mismatches\n",
	}, {
		name:  "a false change",
		check: []ev{play("p"), task("a"), res("h1", "changed"), res("h2", "changed")},
		real:  []ev{play("p"), task("a"), res("h1", "ok"), res("h2", "changed")},
		want: `2 results compared, 1 changed in both, 1 mismatch
false change: play "p", task "a", host h1: --check changed, real ok
`,
	}, {
		name:  "a missed change",
		check: []ev{play("p"), task("a"), res("h1", "ok")},
		real:  []ev{play("p"), task("a"), res("h1", "changed")},
		want: `1 result compared, 0 changed in both, 1 mismatch
missed change: play "p", task "a", host h1: --check ok, real changed
`,
	}, {
		name:  "a failure under --check the real run does not have",
		check: []ev{play("p"), task("a"), res("h1", "failed", "msg", "Destination directory /etc/x does not exist\nmore"), recap(map[string]int{"h1": 1})},
		real:  []ev{play("p"), task("a"), res("h1", "changed"), task("b"), res("h1", "ok")},
		want: `2 results compared, 0 changed in both, 1 mismatch
fails only under --check: play "p", task "a", host h1: --check failed (Destination directory /etc/x does not exist …), real changed
`,
	}, {
		name:  "an ignored failure under --check is none",
		check: []ev{play("p"), task("a"), res("h1", "failed", "ignored", true)},
		real:  []ev{play("p"), task("a"), res("h1", "ok")},
		want:  "1 result compared, 0 changed in both, 0 mismatches\n",
	}, {
		// The recap counts no unrescued failure: the rescue took it over,
		// and its task the real run does not run changes nothing.
		name:  "a rescued failure under --check is none",
		check: []ev{play("p"), task("a"), res("h1", "failed"), task("fall back"), res("h1", "ok"), recap(map[string]int{"h1": 0})},
		real:  []ev{play("p"), task("a"), res("h1", "ok")},
		want:  "2 results compared, 0 changed in both, 0 mismatches\n",
	}, {
		// Of two failures the recap counts one unrescued: the last.
		name:  "a failure after a rescued one",
		check: []ev{play("p"), task("a"), res("h1", "failed"), task("fall back"), res("h1", "ok"), task("b"), res("h1", "failed", "msg", "no"), recap(map[string]int{"h1": 1})},
		real:  []ev{play("p"), task("a"), res("h1", "ok"), task("b"), res("h1", "ok")},
		want: `3 results compared, 0 changed in both, 1 mismatch
fails only under --check: play "p", task "b", host h1: --check failed (no), real ok
`,
	}, {
		name:  "failed in both runs is no mismatch of --check",
		check: []ev{play("p"), task("a"), res("h1", "failed"), recap(map[string]int{"h1": 1})},
		real:  []ev{play("p"), task("a"), res("h1", "failed"), recap(map[string]int{"h1": 1})},
		want:  "1 result compared, 0 changed in both, 0 mismatches\n",
	}, {
		name:  "unreachable under --check only",
		check: []ev{play("p"), task("a"), res("h1", "unreachable", "msg", "ssh: connect: no route to host")},
		real:  []ev{play("p"), task("a"), res("h1", "ok")},
		want: `1 result compared, 0 changed in both, 1 mismatch
fails only under --check: play "p", task "a", host h1: --check unreachable (ssh: connect: no route to host), real ok
`,
	}, {
		// A command that ran and failed (ignored) changed: --check, that
		// said it would run it, was right.
		name:  "a real failure that changed",
		check: []ev{play("p"), task("a"), res("h1", "changed", "msg", "would run: false")},
		real:  []ev{play("p"), task("a"), res("h1", "failed", "ignored", true, "result", map[string]any{"changed": true, "failed": true})},
		want:  "1 result compared, 1 changed in both, 0 mismatches\n",
	}, {
		name:  "a real failure that did not change",
		check: []ev{play("p"), task("a"), res("h1", "changed")},
		real:  []ev{play("p"), task("a"), res("h1", "failed", "msg", "exit 1", "result", map[string]any{"changed": false}), recap(map[string]int{"h1": 1})},
		want: `1 result compared, 0 changed in both, 1 mismatch
false change: play "p", task "a", host h1: --check changed, real failed (exit 1)
`,
	}, {
		name:  "changed in one run, absent from the other",
		check: []ev{play("p"), task("a"), res("h1", "changed"), task("b"), res("h1", "ok"), task("c"), res("h1", "skipped")},
		real:  []ev{play("p"), task("d"), res("h1", "changed"), task("e"), res("h1", "ok")},
		want: `5 results compared, 0 changed in both, 2 mismatches
changed in one run only: play "p", task "d", host h1: --check absent, real changed
changed in one run only: play "p", task "a", host h1: --check changed, real absent
`,
	}, {
		// What only the real run has reads where it happened: after the
		// last result both have.
		name:  "the report follows the runs' order",
		check: []ev{play("p"), task("a"), res("h1", "ok"), task("c"), res("h1", "changed")},
		real:  []ev{play("p"), task("a"), res("h1", "ok"), task("b"), res("h1", "changed"), task("c"), res("h1", "ok")},
		want: `3 results compared, 0 changed in both, 2 mismatches
changed in one run only: play "p", task "b", host h1: --check absent, real changed
false change: play "p", task "c", host h1: --check changed, real ok
`,
	}, {
		// Keyed by name alone, these would agree.
		name: "repeated task and play names stay apart",
		check: []ev{play("p"), task("restart"), res("h1", "changed"), task("restart"), res("h1", "ok"),
			play("p"), task("restart"), res("h1", "ok")},
		real: []ev{play("p"), task("restart"), res("h1", "ok"), task("restart"), res("h1", "changed"),
			play("p"), task("restart"), res("h1", "ok")},
		want: `3 results compared, 0 changed in both, 2 mismatches
false change: play "p", task "restart", host h1: --check changed, real ok
missed change: play "p", task "restart" #2, host h1: --check ok, real changed
`,
	}, {
		name:  "a second play of the same name",
		check: []ev{play("p"), task("a"), res("h1", "ok"), play("p"), task("a"), res("h1", "changed")},
		real:  []ev{play("p"), task("a"), res("h1", "ok"), play("p"), task("a"), res("h1", "ok")},
		want: `2 results compared, 0 changed in both, 1 mismatch
false change: play "p" #2, task "a", host h1: --check changed, real ok
`,
	}, {
		// serial: 1 repeats the banners per batch; the real run's first
		// batch ran an extra "a" (an include). Counted per host, h2's
		// "a" is its first in both runs.
		name: "serial batches that differ",
		check: []ev{play("p"), task("a"), res("h1", "changed"), task("b"), res("h1", "ok"),
			task("a"), res("h2", "changed"), task("b"), res("h2", "ok")},
		real: []ev{play("p"), task("a"), res("h1", "changed"), task("a"), res("h1", "ok"), task("b"), res("h1", "ok"),
			task("a"), res("h2", "changed"), task("b"), res("h2", "ok")},
		want: "5 results compared, 2 changed in both, 0 mismatches\n",
	}, {
		name:  "loop items",
		check: []ev{play("p"), task("a"), res("h1", "changed", "item", "x"), res("h1", "ok", "item", "y"), res("h2", "ok", "item", "x")},
		real:  []ev{play("p"), task("a"), res("h1", "changed", "item", "x"), res("h1", "changed", "item", "y"), res("h2", "ok", "item", "x")},
		want: `3 results compared, 1 changed in both, 1 mismatch
missed change: play "p", task "a", host h1, item "y": --check ok, real changed
`,
	}, {
		// The loop's summary line (failed, ignored) is no result of its
		// own; its ignore_errors covers the item that failed.
		name:  "a failed loop's summary",
		check: []ev{play("p"), task("a"), res("h1", "failed", "item", "x"), res("h1", "ok", "item", "y"), res("h1", "failed", "ignored", true)},
		real:  []ev{play("p"), task("a"), res("h1", "ok", "item", "x"), res("h1", "ok", "item", "y")},
		want:  "2 results compared, 0 changed in both, 0 mismatches\n",
	}, {
		name:  "a failed loop's summary, not ignored",
		check: []ev{play("p"), task("a"), res("h1", "failed", "item", "x", "msg", "no"), res("h1", "ok", "item", "y"), res("h1", "failed", "msg", "one or more items failed"), recap(map[string]int{"h1": 1})},
		real:  []ev{play("p"), task("a"), res("h1", "ok", "item", "x"), res("h1", "ok", "item", "y")},
		want: `2 results compared, 0 changed in both, 1 mismatch
fails only under --check: play "p", task "a", host h1, item "x": --check failed (no), real ok
`,
	}, {
		name: "a no_log loop labels every item the same",
		check: []ev{play("p"), task("a"), res("h1", "changed", "item", "(censored due to no_log)", "censored", true),
			res("h1", "ok", "item", "(censored due to no_log)", "censored", true)},
		real: []ev{play("p"), task("a"), res("h1", "changed", "item", "(censored due to no_log)", "censored", true),
			res("h1", "changed", "item", "(censored due to no_log)", "censored", true)},
		want: `2 results compared, 1 changed in both, 1 mismatch
missed change: play "p", task "a", host h1, item "(censored due to no_log)" #2: --check ok, real changed
`,
	}, {
		name: "delegated results",
		check: []ev{play("p"), task("issue"), res("m1", "changed", "delegate", "localhost"),
			task("join"), res("w1", "changed", "delegate", "m1", "item", "w1"), res("w2", "changed", "delegate", "m1")},
		real: []ev{play("p"), task("issue"), res("m1", "ok", "delegate", "localhost"),
			task("join"), res("w1", "changed", "delegate", "m1", "item", "w1"), res("w2", "ok", "delegate", "m2")},
		want: `3 results compared, 1 changed in both, 2 mismatches
false change: play "p", task "issue", host m1, delegated to localhost: --check changed, real ok
false change: play "p", task "join", host w2, delegated to m1 under --check, to m2 for real: --check changed, real ok
`,
	}, {
		name: "unknown until applied",
		check: []ev{play("p"), task("a"), res("h1", "changed", "msg", unknownMsg), res("h2", "changed", "msg", unknownMsg), res("h3", "changed", "msg", unknownMsg),
			task("b"), res("h1", "changed", "result", map[string]any{"changed": true, "msg": "unknown until applied: the content of /etc/x is known once an earlier task has written it"})},
		real: []ev{play("p"), task("a"), res("h1", "ok"), res("h2", "changed"), task("b"), res("h1", "skipped")},
		want: `4 results compared, 1 changed in both, 0 mismatches
unknown, then ok: play "p", task "a", host h1: unknown until applied: /etc/containerd/config.toml does not exist yet, and an earlier change may make it (package containerd)
unknown, then absent: play "p", task "a", host h3: unknown until applied: /etc/containerd/config.toml does not exist yet, and an earlier change may make it (package containerd)
unknown, then skipped: play "p", task "b", host h1: unknown until applied: the content of /etc/x is known once an earlier task has written it
`,
	}, {
		// Only a change is excused as unknown: a failure says so
		// otherwise.
		name:  "unknown until applied is a changed result's mark",
		check: []ev{play("p"), task("a"), res("h1", "ok", "msg", unknownMsg)},
		real:  []ev{play("p"), task("a"), res("h1", "changed")},
		want: `1 result compared, 0 changed in both, 1 mismatch
missed change: play "p", task "a", host h1: --check ok, real changed
`,
	}, {
		name: "handlers",
		check: []ev{play("p"), task("restart kubelet"), res("h1", "changed"), handler("restart kubelet"), res("h1", "changed"),
			task("b"), res("h1", "ok"), handler("reload"), res("h1", "changed")},
		real: []ev{play("p"), task("restart kubelet"), res("h1", "changed"), handler("restart kubelet"), res("h1", "ok"),
			task("b"), res("h1", "ok")},
		want: `4 results compared, 1 changed in both, 2 mismatches
false change: play "p", handler "restart kubelet", host h1: --check changed, real ok
changed in one run only: play "p", handler "reload", host h1: --check changed, real absent
`,
	}, {
		name: "the allow list",
		check: []ev{play("p"), task("read the version"), res("h1", "changed"), res("h2", "changed"),
			task("a"), res("h1", "changed"), handler("h"), res("h1", "ok")},
		real: []ev{play("p"), task("read the version"), res("h1", "ok"), res("h2", "ok"),
			task("a"), res("h1", "ok"), handler("h"), res("h1", "changed")},
		allow: []*Allowed{
			{Play: "p", Task: "read the version", Reason: "changed_when reads stdout, empty under --check"},
			{Play: "p", Task: "h", Reason: "notified by a check_mode: false task"},
			{Play: "other", Task: "a", Reason: "a play of another name"},
		},
		want: `4 results compared, 0 changed in both, 1 mismatch
false change: play "p", task "a", host h1: --check changed, real ok
allowed, false change: play "p", task "read the version", host h1: --check changed, real ok: changed_when reads stdout, empty under --check
allowed, false change: play "p", task "read the version", host h2: --check changed, real ok: changed_when reads stdout, empty under --check
allowed, missed change: play "p", handler "h", host h1: --check ok, real changed: notified by a check_mode: false task
allowed but no mismatch: play "other", task "a": a play of another name
`,
	}, {
		// Fields added later (timestamps) and other events are ignored.
		name: "what the comparison does not read",
		check: []ev{{"event": "play", "name": "p", "ts": "2026-12-05T23:37:10Z"}, {"event": "task", "name": "a", "ts": "x"},
			{"event": "retrying", "host": "h1", "task": "a", "retries_left": 2},
			res("h1", "changed", "ts", "x", "start", "y", "action", "command", "diff", []any{map[string]any{"path": "/x"}}),
			{"event": "warning", "msg": "w"}},
		real: []ev{play("p"), task("a"), res("h1", "changed")},
		want: "1 result compared, 1 changed in both, 0 mismatches\n",
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			check := mustRead(t, "check.jsonl", true, c.check)
			real := mustRead(t, "real.jsonl", false, c.real)
			var out strings.Builder
			Compare(check, real, c.allow).Write(&out)
			if out.String() != c.want {
				t.Errorf("got:\n%s\nwant:\n%s", out.String(), c.want)
			}
		})
	}
}
