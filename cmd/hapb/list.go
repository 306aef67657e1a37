package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/hapb/hapb/engine/inventory"
	"github.com/hapb/hapb/engine/playbook"
	"github.com/hapb/hapb/engine/run"
)

// list prints --list-hosts, --list-tasks and --list-tags in
// ansible-playbook's layout.
func list(w io.Writer, c *cli.Context, path string, pb *playbook.Playbook, inv *inventory.Inventory) error {
	fmt.Fprintf(w, "\nplaybook: %s\n", path)
	only, skip := splitTags(c.StringSlice("tags")), splitTags(c.StringSlice("skip-tags"))
	allTags := map[string]bool{}
	for i, play := range pb.Plays {
		fmt.Fprintf(w, "\n  play #%d (%s): %s\tTAGS: []\n", i+1, play.Hosts, play.Name)
		if c.Bool("list-hosts") {
			hosts, err := inv.Select(play.Hosts)
			if err != nil {
				return cli.Exit(err.Error(), 1)
			}
			if l := c.String("limit"); l != "" {
				if hosts, err = inv.Limit(hosts, l); err != nil {
					return cli.Exit(err.Error(), 1)
				}
			}
			fmt.Fprintf(w, "    pattern: [%q]\n    hosts (%d):\n", play.Hosts, len(hosts))
			for _, h := range hosts {
				fmt.Fprintf(w, "      %s\n", h.Name)
			}
		}
		playTags := map[string]bool{}
		var walk func([]*playbook.Task)
		walk = func(ts []*playbook.Task) {
			for _, t := range ts {
				if t.IsBlock() {
					walk(t.Block)
					walk(t.Rescue)
					walk(t.Always)
					continue
				}
				if !run.TagsAllow(t.Tags, only, skip) {
					continue
				}
				for _, tag := range t.Tags {
					playTags[tag] = true
					allTags[tag] = true
				}
				if c.Bool("list-tasks") {
					fmt.Fprintf(w, "      %s\tTAGS: [%s]\n", t.Label(), strings.Join(sorted(t.Tags), ", "))
				}
			}
		}
		if c.Bool("list-tasks") {
			fmt.Fprintf(w, "    tasks:\n")
		}
		for _, section := range [][]*playbook.Task{play.PreTasks, play.Tasks, play.PostTasks} {
			walk(section)
		}
		if c.Bool("list-tags") {
			fmt.Fprintf(w, "      TASK TAGS: [%s]\n", strings.Join(sortedKeys(playTags), ", "))
		}
	}
	return nil
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
