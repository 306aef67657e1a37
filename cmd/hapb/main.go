// Command hapb runs Ansible-like playbooks that deploy highly-available
// Kubernetes with kubeadm:
//
//	hapb run playbooks/site.yml -i inventories/lab
//	hapb inventory -i inventories/lab --list
//	hapb doc yum
package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/hapb/hapb/engine/run"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	run.TuneGC()
	app := newApp()
	if err := app.Run(interspersed(os.Args, app.Commands)); err != nil {
		code := 1
		if ec, ok := err.(cli.ExitCoder); ok {
			code = ec.ExitCode()
		}
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(os.Stderr, msg)
		}
		os.Exit(code)
	}
}

// newApp is hapb's command line, apart from main so tests can run it.
func newApp() *cli.App {
	return &cli.App{
		Name:  "hapb",
		Usage: "deploy and maintain highly-available Kubernetes with Ansible-like playbooks",
		Commands: []*cli.Command{
			runCommand(),
			inventoryCommand(),
			docCommand(),
			probeCommand(),
			{
				Name:  "version",
				Usage: "print hapb's version",
				Action: func(c *cli.Context) error {
					fmt.Fprintln(c.App.Writer, "hapb", version)
					return nil
				},
			},
		},
		ExitErrHandler: func(c *cli.Context, err error) {},
		// -e '{"a": [1,2]}' must stay whole; --tags a,b is split by hapb.
		DisableSliceFlagSeparator: true,
	}
}
