package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/hapb/hapb/engine/params"
	"github.com/hapb/hapb/engine/tmpl"
	"github.com/hapb/hapb/modules"
)

func docCommand() *cli.Command {
	return &cli.Command{
		Name:      "doc",
		Usage:     "document modules (hapb doc, hapb doc yum), template functions (hapb doc templates) and the environment keyword (hapb doc environment)",
		ArgsUsage: "[MODULE|templates|environment]",
		Action: func(c *cli.Context) error {
			w := c.App.Writer
			switch name := c.Args().First(); name {
			case "":
				return listModules(w)
			case "templates":
				tmpl.WriteDocs(w)
				return nil
			case "environment":
				fmt.Fprint(w, environmentDoc)
				return nil
			default:
				m, ok := modules.Lookup(name)
				if !ok {
					return cli.Exit(fmt.Sprintf("hapb doc: no module %q (hapb doc lists them)", name), 1)
				}
				writeModuleDoc(w, name, m)
				return nil
			}
		},
	}
}

// environmentDoc documents the environment keyword (play, block, role or
// task), which no module owns.
const environmentDoc = `ENVIRONMENT (keyword of plays, blocks, roles and tasks)

  environment:
    HTTPS_PROXY: "{{ .proxy }}"

Sets environment variables for the commands the task's module runs on the
host (env NAME=VALUE ... before each command). Names must be identifiers
(letters, digits and _, not starting with a digit): anything else is
refused when the playbook is loaded. Values may be templates.

The values are in the command line of the remote command, so any user of
the host can read them with ps while it runs. Do not pass secrets this way:
give a command its secret on stdin (the stdin parameter of command and
shell) or in a file written with copy or template (mode 0600).
`

func listModules(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for _, n := range modules.Names() {
		m, _ := modules.Lookup(n)
		summary, _, _ := strings.Cut(m.Doc(), "\n")
		fmt.Fprintf(tw, "%s\t%s\n", n, summary)
	}
	return tw.Flush()
}

func writeModuleDoc(w io.Writer, name string, m modules.Module) {
	fmt.Fprintf(w, "%s\n\n%s\n\nParameters:\n", strings.ToUpper(name), strings.TrimSpace(m.Doc()))
	if ff, ok := m.(modules.FreeForm); ok {
		fmt.Fprintf(w, "  (free form: `%s: VALUE` sets %s)\n", name, ff.FreeFormParam())
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for _, f := range params.Fields(m.NewParams()) {
		var notes []string
		if f.Required {
			notes = append(notes, "required")
		}
		if f.Default != "" {
			notes = append(notes, "default "+f.Default)
		}
		if len(f.Choices) > 0 {
			notes = append(notes, "one of "+strings.Join(f.Choices, "|"))
		}
		if len(f.Aliases) > 0 {
			notes = append(notes, "aliases "+strings.Join(f.Aliases, ", "))
		}
		extra := ""
		if len(notes) > 0 {
			extra = " (" + strings.Join(notes, "; ") + ")"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s%s\n", f.Name, f.Type, f.Doc, extra)
	}
	tw.Flush()
}
