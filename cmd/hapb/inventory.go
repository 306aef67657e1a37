package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/hapb/hapb/engine/inventory"
)

// inventoryCommand is `hapb inventory`, ansible-inventory's counterpart:
// it shows the inventory as hapb reads it, in ansible-inventory's formats,
// so both tools' views can be compared.
func inventoryCommand() *cli.Command {
	return &cli.Command{
		Name:      "inventory",
		Usage:     "show the inventory as hapb reads it (like ansible-inventory)",
		ArgsUsage: "[GROUP]",
		Description: "Exactly one of --list, --graph [GROUP] or --host NAME.\n" +
			"The output matches ansible-inventory's: --list is its JSON, --graph its tree,\n" +
			"except that variables named as secrets (*password*, *passwd*, *passphrase*,\n" +
			"*secret*, *token*, certificate_key, a word \"pass\" such as ansible_ssh_pass),\n" +
			"also nested ones, are shown as ******** (as ansible-inventory hides vaulted values).",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "inventory", Aliases: []string{"i"}, Usage: "inventory file, directory or host list \"a,b,\" (repeatable)"},
			&cli.BoolFlag{Name: "list", Usage: "print the whole inventory as JSON"},
			&cli.BoolFlag{Name: "graph", Usage: "print the group tree, from GROUP (default all)"},
			&cli.StringFlag{Name: "host", Usage: "print one host's variables as JSON", Value: ""},
			&cli.BoolFlag{Name: "vars", Usage: "with --graph, show variables"},
			&cli.StringFlag{Name: "playbook-dir", Usage: "also read group_vars/ and host_vars/ beside this directory"},
			&cli.StringFlag{Name: "output", Usage: "write to this file instead of standard output"},
		},
		Action: inventoryAction,
	}
}

func inventoryAction(c *cli.Context) error {
	actions := 0
	for _, set := range []bool{c.Bool("list"), c.Bool("graph"), c.IsSet("host")} {
		if set {
			actions++
		}
	}
	if actions != 1 {
		return cli.Exit("hapb inventory: give exactly one of --list, --graph or --host", 1)
	}
	sources := c.StringSlice("inventory")
	if len(sources) == 0 {
		fmt.Fprintln(c.App.ErrWriter, "[WARNING]: no inventory given (-i), only the implicit localhost is available")
	}
	inv, err := inventory.Load(sources)
	if err != nil {
		return cli.Exit(err.Error(), 1)
	}
	if dir := c.String("playbook-dir"); dir != "" {
		if err := inv.AddPlaybookVars(dir); err != nil {
			return cli.Exit(err.Error(), 1)
		}
	}
	for _, w := range inv.Warnings() {
		fmt.Fprintln(c.App.ErrWriter, "[WARNING]: "+w)
	}

	var out []byte
	switch {
	case c.Bool("list"):
		out, err = inv.ListJSON()
	case c.IsSet("host"):
		out, err = inv.HostJSON(c.String("host"))
	default:
		group := c.Args().First()
		if group == "" {
			group = "all"
		}
		if !inv.HasGroup(group) {
			return cli.Exit(fmt.Sprintf("hapb inventory: --graph needs a group name, and %q is none", group), 1)
		}
		if c.Bool("vars") {
			out = []byte(inv.GraphVars(group))
		} else {
			out = []byte(inv.Graph(group))
		}
	}
	if err != nil {
		return cli.Exit(err.Error(), 1)
	}
	out = append(out, '\n')
	if path := c.String("output"); path != "" {
		if err := os.WriteFile(path, out, 0o644); err != nil {
			return cli.Exit(fmt.Sprintf("hapb inventory: unable to write %s: %v", path, err), 1)
		}
		return nil
	}
	_, err = c.App.Writer.Write(out)
	return err
}
