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
		Usage:     "document modules (hapb doc, hapb doc yum) and template functions (hapb doc templates)",
		ArgsUsage: "[MODULE|templates]",
		Action: func(c *cli.Context) error {
			w := c.App.Writer
			switch name := c.Args().First(); name {
			case "":
				return listModules(w)
			case "templates":
				tmpl.WriteDocs(w)
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
