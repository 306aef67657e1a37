package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-multierror"
	"github.com/urfave/cli/v2"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/inventory"
	"github.com/hapb/hapb/engine/playbook"
	"github.com/hapb/hapb/engine/report"
	"github.com/hapb/hapb/engine/run"
)

func runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run a playbook against an inventory",
		ArgsUsage: "PLAYBOOK",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "inventory", Aliases: []string{"i"}, Usage: "inventory file, directory or host list (repeatable)"},
			&cli.BoolFlag{Name: "check", Aliases: []string{"C"}, Usage: "report what would change; change nothing"},
			&cli.BoolFlag{Name: "diff", Aliases: []string{"D"}, Usage: "show the differences in files that change"},
			&cli.StringSliceFlag{Name: "tags", Aliases: []string{"t"}, Usage: "run only tasks with these tags"},
			&cli.StringSliceFlag{Name: "skip-tags", Usage: "skip tasks with these tags"},
			&cli.StringFlag{Name: "limit", Aliases: []string{"l"}, Usage: "restrict hosts to a pattern (group, host, glob, !x, &x, @file)"},
			&cli.StringSliceFlag{Name: "extra-vars", Aliases: []string{"e"}, Usage: "variables: k=v, JSON/YAML, or @file (repeatable, last wins)"},
			&cli.IntFlag{Name: "forks", Aliases: []string{"f"}, Value: 50, Usage: "hosts worked on in parallel"},
			&cli.StringFlag{Name: "start-at-task", Usage: "start at the task with this name (glob)"},
			&cli.BoolFlag{Name: "list-hosts", Usage: "list the hosts each play would run on"},
			&cli.BoolFlag{Name: "list-tasks", Usage: "list the tasks, with their tags"},
			&cli.BoolFlag{Name: "list-tags", Usage: "list the tags"},
			&cli.BoolFlag{Name: "syntax-check", Usage: "load and validate the playbook only"},
			&cli.BoolFlag{Name: "become", Aliases: []string{"b"}, Usage: "become root (sudo) by default"},
			&cli.StringFlag{Name: "become-user", Usage: "user to become"},
			&cli.BoolFlag{Name: "force-handlers", Usage: "run notified handlers on a host even after it failed a task"},
			&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "connect as this user"},
			&cli.StringFlag{Name: "connection", Aliases: []string{"c"}, Usage: "ssh (also smart, paramiko) or local, where the inventory says nothing"},
			&cli.BoolFlag{Name: "ask-pass", Aliases: []string{"k"}, Usage: "ask for the SSH password on the terminal"},
			&cli.BoolFlag{Name: "ask-become-pass", Aliases: []string{"K"}, Usage: "ask for the sudo password on the terminal"},
			&cli.BoolFlag{Name: "flush-cache", Usage: "accepted for Ansible's sake: hapb keeps facts for one run only (as Ansible's default memory cache), so there is nothing to flush"},
			&cli.StringFlag{Name: "private-key", Usage: "SSH private key file"},
			&cli.DurationFlag{Name: "timeout", Aliases: []string{"T"}, Value: 10 * time.Second, Usage: "SSH connect timeout"},
			&cli.StringFlag{Name: "host-key-checking", Value: "accept-new", Usage: "strict, accept-new or off"},
			&cli.StringFlag{Name: "output", Value: "text", Usage: "text or json (one event per line)"},
			&cli.StringFlag{Name: "events", Usage: "also write the JSON events (with times) to this file, created or truncated, mode 0600; test/bench/ready reads it", TakesFile: true},
			&cli.IntFlag{Name: "summary-hosts", Value: 50, Usage: "a task on more hosts prints one summary line (0: never; -v: every host)"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Count: new(int), Usage: "more output (-v, -vv, -vvv)"},
			&cli.BoolFlag{Name: "no-color", Usage: "never colour the output"},
		},
		Action:                 runAction,
		UseShortOptionHandling: true,
	}
}

func runAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return cli.Exit("hapb run: expected one PLAYBOOK argument", run.ExitLoad)
	}
	pbPath := c.Args().First()
	inv, pb, err := load(c, pbPath)
	if err != nil {
		return cli.Exit(err.Error(), run.ExitLoad)
	}
	out := c.App.Writer
	switch {
	case c.Bool("syntax-check"):
		fmt.Fprintf(out, "\nplaybook: %s\n", pbPath)
		return nil
	case c.Bool("list-hosts"), c.Bool("list-tasks"), c.Bool("list-tags"):
		return list(out, c, pbPath, pb, inv)
	}
	extra, err := parseExtraVars(c.StringSlice("extra-vars"))
	if err != nil {
		return cli.Exit(err.Error(), run.ExitLoad)
	}
	cliVars, err := commandLineVars(c)
	if err != nil {
		return cli.Exit(err.Error(), run.ExitLoad)
	}
	rep := reporter(c, out)
	if path := c.String("events"); path != "" {
		f, err := openEvents(path)
		if err != nil {
			return cli.Exit(err.Error(), run.ExitLoad)
		}
		defer f.Close()
		rep = report.Tee{rep, &report.JSON{W: f}}
	}
	for _, w := range inv.Warnings() {
		rep.Warn(w)
	}
	dialer := conn.NewDialer(conn.DialerOptions{
		User:            c.String("user"),
		KeyFiles:        nonEmpty(c.String("private-key")),
		Timeout:         c.Duration("timeout"),
		HostKeyChecking: c.String("host-key-checking"),
	})
	defer dialer.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	absPb, _ := filepath.Abs(pbPath)
	res, err := run.Run(ctx, pb, run.Options{
		Inventory:       inv,
		Connector:       dialer,
		Reporter:        rep,
		Check:           c.Bool("check"),
		Diff:            c.Bool("diff"),
		Tags:            splitTags(c.StringSlice("tags")),
		SkipTags:        splitTags(c.StringSlice("skip-tags")),
		Limit:           c.String("limit"),
		ExtraVars:       extra,
		CommandLineVars: cliVars,
		Forks:           c.Int("forks"),
		StartAtTask:     c.String("start-at-task"),
		Become:          c.Bool("become"),
		BecomeUser:      c.String("become-user"),
		ForceHandlers:   c.Bool("force-handlers"),
		PlaybookDir:     filepath.Dir(absPb),
		Verbosity:       c.Count("verbose"),
	})
	code := res.ExitCode(err)
	if err != nil && !errors.Is(err, context.Canceled) {
		return cli.Exit(err.Error(), max(code, run.ExitFailed))
	}
	if code != 0 {
		return cli.Exit("", code)
	}
	return nil
}

// load reads the inventory and the playbook; every error of both is
// reported at once, before any host is contacted.
func load(c *cli.Context, pbPath string) (*inventory.Inventory, *playbook.Playbook, error) {
	var errs *multierror.Error
	// Without -i there is only the implicit localhost, on the local
	// connection, as in Ansible.
	inv, err := inventory.Load(c.StringSlice("inventory"))
	if err != nil {
		errs = multierror.Append(errs, err)
	} else if err := inv.AddPlaybookVars(filepath.Dir(pbPath)); err != nil {
		errs = multierror.Append(errs, err)
	} else if err := checkLimit(inv, c.String("limit")); err != nil {
		errs = multierror.Append(errs, err)
	} else {
		errs = multierror.Append(errs, inv.TemplateErrors()...)
	}
	pb, err := playbook.Load(pbPath, playbook.Options{})
	if err != nil {
		errs = multierror.Append(errs, err)
	} else if err := checkStartAt(pb, c.String("start-at-task")); err != nil {
		errs = multierror.Append(errs, err)
	}
	if err := errs.ErrorOrNil(); err != nil {
		return nil, nil, loadError(err)
	}
	return inv, pb, nil
}

// checkLimit refuses a --limit that leaves no host, as Ansible does ("no
// hosts to match", exit 1): a mistyped limit must not pass as a clean run.
func checkLimit(inv *inventory.Inventory, limit string) error {
	if limit == "" {
		return nil
	}
	names, err := inv.HostNames(limit)
	if err != nil {
		return fmt.Errorf("--limit: %w", err)
	}
	if len(names) == 0 {
		return fmt.Errorf("--limit %q matches no host of the inventory: nothing to run", limit)
	}
	return nil
}

// checkStartAt refuses a --start-at-task that names no task of the
// playbook (Ansible says so only after running nothing): every include is
// loaded by now, so the whole list is known.
func checkStartAt(pb *playbook.Playbook, name string) error {
	if name == "" {
		return nil
	}
	var found func([]*playbook.Task) bool
	found = func(ts []*playbook.Task) bool {
		for _, t := range ts {
			if t.IsBlock() {
				if found(t.Block) || found(t.Rescue) || found(t.Always) {
					return true
				}
			} else if run.StartsHere(name, t) {
				return true
			}
		}
		return false
	}
	for _, p := range pb.Plays {
		if found(p.PreTasks) || found(p.Tasks) || found(p.PostTasks) {
			return nil
		}
	}
	return fmt.Errorf("--start-at-task %q names no task of the playbook (a role's task is \"ROLE : NAME\"; globs work; hapb --list-tasks lists them)", name)
}

// loadError prints every load error on a line of its own.
func loadError(err error) error {
	var lines []string
	var walk func(error)
	walk = func(e error) {
		var me *multierror.Error
		if errors.As(e, &me) {
			for _, x := range me.Errors {
				walk(x)
			}
			return
		}
		lines = append(lines, "ERROR: "+e.Error())
	}
	walk(err)
	return errors.New(strings.Join(lines, "\n"))
}

func reporter(c *cli.Context, out io.Writer) report.Reporter {
	if c.String("output") == "json" {
		return &report.JSON{W: out}
	}
	f, ok := out.(*os.File)
	tty := ok && isTerminal(f)
	color := tty && !c.Bool("no-color") && os.Getenv("NO_COLOR") == ""
	return &report.Text{W: out, Color: color, Verbosity: c.Count("verbose"), ShowDiff: c.Bool("diff"), Timing: true,
		Summary: c.Int("summary-hosts"), Live: tty}
}

// openEvents creates or truncates the --events file, readable by its
// owner only: the events hold registered results, redacted as on the
// terminal but still a host's data.
func openEvents(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("--events: %w (give a file in a directory you can write)", err)
	}
	if err := f.Chmod(0o600); err != nil { // an existing file keeps its mode otherwise
		f.Close()
		return nil, fmt.Errorf("--events: %w", err)
	}
	return f, nil
}

func splitTags(in []string) []string {
	var out []string
	for _, s := range in {
		for _, t := range strings.Split(s, ",") {
			if t = strings.TrimSpace(t); t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
