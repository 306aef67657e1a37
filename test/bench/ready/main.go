// Command ready tells where the time of one hapb run went, from the JSON
// events `hapb run --events FILE` wrote (issue 17, time to a Ready cluster):
//
//	test/lab/run bin/hapb run -i inventories/lab playbooks/site.yml --events /tmp/site.jsonl
//	go run ./test/bench/ready /tmp/site.jsonl
//
// It prints, in plain text:
//
//   - the wall time, from the first event to the recap, and each play's;
//   - the critical path: every task in order with its wall time (from its
//     task or handler event to the next task, handler, play or recap event),
//     its slowest host and that host's time in it (the host's first start to
//     its last end over the task's results, loop items included; a
//     delegated result counts for the host it ran for, shown "host→delegate"),
//     the number of hosts and the kind of wait;
//   - the 15 tasks with the longest wall time, with what they waited for:
//     package (yum, dnf, package, or a task named for an install), image
//     (a command importing or pulling container images: ctr images
//     import|pull, crictl pull, docker|nerdctl|podman load|pull; or a copy
//     task named for images, shipping their archives), kubeadm
//     (the kubeadm module, or a command running kubeadm init, join or
//     upgrade), poll (a task that emitted retrying events: their number and
//     the time from a host's first retry to its end; wait_for, which polls
//     inside the module, too), service (systemd or service, or a command
//     running systemctl start or restart), sleep (pause, or a command
//     running sleep) and other;
//   - per host: its time working (the sum of its times in the tasks), and
//     how often and for how long it was a task's slowest host;
//   - the engine overhead: the wall time minus the sum over tasks of the
//     slowest host's time, that is the time when no host was working
//     (connecting, the controller between tasks, results waiting for their
//     turn in host order);
//   - the unavoidable estimate: the sum over the package, image, kubeadm,
//     service and poll tasks of the slowest host's time, minus the poll slack, and
//     wall ÷ unavoidable. The slack of a polled task is one retry interval:
//     the condition may have held just after an attempt, and the host still
//     slept the delay before the next. The events do not carry the delay, so
//     it is the shortest interval seen between a host's retries (or from its
//     last retry to its end), which is the delay plus one attempt: an upper
//     bound. What is left is the waits a faster engine could not shorten:
//     packages downloaded and installed, images shipped and imported (an
//     offline install's image pull), kubeadm's own work, services
//     starting, the cluster becoming Ready. A ratio near 1 says the run is
//     at its waits; the rest is hapb's, the playbooks' order, or hosts
//     idle while one host works.
//
// Results are reported in host order, so a result's "ts" can be later than
// its host's end; the times here are the results' own "start" and "end"
// (ts when an old stream has no end). In a strategy: free play (the play
// event says "strategy":"free") task events come as hosts reach them: a
// task's pieces are one task, its wall time is its slowest host's time, and
// the play counts as the chain of its busiest host (the most time in its
// tasks), not as a sum over tasks, in the engine overhead and the
// unavoidable estimate alike.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./test/bench/ready EVENTS.jsonl   (from hapb run … --events EVENTS.jsonl)")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "ready:", err)
		os.Exit(1)
	}
	defer f.Close()
	r, err := read(f)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ready: %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	r.print(os.Stdout, os.Args[1])
}
