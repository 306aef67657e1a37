package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/hapb/hapb/engine/probe"
)

// probeCommand is `hapb probe`: the availability probe the failure drills
// run (playbooks/drills.yml, test/e2e/drills), usable against any cluster.
func probeCommand() *cli.Command {
	return &cli.Command{
		Name:  "probe",
		Usage: "measure a Kubernetes API's availability (reads, writes, a watch) until interrupted",
		Description: "Talks to the API of the kubeconfig's current context (or --server) several times\n" +
			"a second: GET /readyz?exclude=shutdown (an apiserver fails that check as soon as\n" +
			"its graceful shutdown begins, while it still serves), ConfigMaps created in\n" +
			"--namespace (one in --keep-every kept to the end, the others deleted at once)\n" +
			"and a watch on them. On SIGINT/SIGTERM or after --duration it checks that every\n" +
			"acknowledged write is still there, removes its ConfigMaps and prints the longest\n" +
			"gaps, the failed requests and what was lost.\n" +
			"Exit status 0 when nothing acknowledged was lost, 2 otherwise.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "kubeconfig", Value: os.ExpandEnv("$HOME/.kube/config"), Usage: "the kubeconfig (its current context)"},
			&cli.StringFlag{Name: "server", Usage: "the API URL, instead of the kubeconfig's"},
			&cli.StringFlag{Name: "namespace", Value: "default", Usage: "where the probe's ConfigMaps go"},
			&cli.DurationFlag{Name: "interval", Value: 200 * time.Millisecond, Usage: "between two requests of a kind"},
			&cli.DurationFlag{Name: "timeout", Value: 2 * time.Second, Usage: "of one request"},
			&cli.DurationFlag{Name: "duration", Usage: "stop after this long (default: at SIGINT/SIGTERM)"},
			&cli.IntFlag{Name: "keep-every", Value: 10, Usage: "keep one ConfigMap in this many"},
			&cli.StringFlag{Name: "output", Value: "text", Usage: "text or json"},
			&cli.BoolFlag{Name: "http1", Usage: "speak HTTP/1.1 with keep-alive (like curl) instead of HTTP/2 (like client-go and kubectl)"},
		},
		Action: probeAction,
	}
}

func probeAction(c *cli.Context) error {
	out := c.String("output")
	if out != "text" && out != "json" {
		return cli.Exit("probe: --output is text or json", 1)
	}
	server, client, err := probe.FromKubeconfig(c.String("kubeconfig"), c.String("server"), c.Duration("timeout"), c.Bool("http1"))
	if err != nil {
		return cli.Exit("probe: "+err.Error(), 1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if d := c.Duration("duration"); d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	r := probe.Run(ctx, probe.Options{Client: client, Server: server, Namespace: c.String("namespace"),
		Interval: c.Duration("interval"), Timeout: c.Duration("timeout"), KeepEvery: c.Int("keep-every")})
	if out == "json" {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		enc.Encode(r)
	} else {
		writeProbeReport(c.App.Writer, server, r)
	}
	if !r.OK() {
		return cli.Exit("", 2)
	}
	return nil
}

func writeProbeReport(w io.Writer, server string, r *probe.Report) {
	fmt.Fprintf(w, "probe of %s, %s to %s (%.1f s)\n", server, r.Start.UTC().Format("15:04:05.000"),
		r.End.UTC().Format("15:04:05.000"), r.End.Sub(r.Start).Seconds())
	for _, o := range []struct {
		name string
		s    probe.OpStats
	}{{"reads", r.Reads}, {"writes", r.Writes}, {"watch", r.Watch}} {
		fmt.Fprintf(w, "  %-7s %5d requests, %4d failed, longest gap %.2f s, unavailable %.2f s\n",
			o.name, o.s.Total, o.s.Failed, o.s.LongestGap, o.s.Unavailable)
	}
	fmt.Fprintf(w, "  downtime (the gaps with failed requests, reads or writes): %.2f s\n", r.Downtime)
	fmt.Fprintf(w, "  kept objects: %d, lost: %d, resurrected: %d, missed by the watch: %d\n",
		r.Kept, len(r.Lost), len(r.Resurrect), len(r.WatchMiss))
	if r.CheckError != "" {
		fmt.Fprintf(w, "  final check failed: %s\n", r.CheckError)
	}
	for _, f := range r.Failures {
		fmt.Fprintf(w, "  %s %-5s %s\n", f.At.UTC().Format("15:04:05.000"), f.Op, strings.TrimSpace(f.Error))
	}
	if r.NFailures > len(r.Failures) {
		fmt.Fprintf(w, "  ... and %d more failures\n", r.NFailures-len(r.Failures))
	}
}
