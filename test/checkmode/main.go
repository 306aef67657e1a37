// Command checkmode proves `hapb run --check` truthful on a playbook: it
// compares the JSON events of a --check run with those of the real run
// that follows it, on the same hosts, and reports every result where
// --check said something the real run did not do: a change that did not
// happen, a change it did not foresee, a failure the real run does not
// have, a change in a task only one run ran. See README.md.
//
//	go run ./test/checkmode [-allow FILE] CHECK.jsonl REAL.jsonl
//
// It exits 0 when the runs agree, 1 on a mismatch, 2 when it cannot read
// its input.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run is the command with its arguments and outputs, for the tests.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("checkmode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	allowFile := fs.String("allow", "", "`FILE` of known differences, PLAY<TAB>TASK<TAB>REASON a line")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: checkmode [-allow FILE] CHECK.jsonl REAL.jsonl")
		fs.PrintDefaults()
	}
	// Flags may follow the files too, as scripts tend to add them.
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		files, args = append(files, fs.Arg(0)), fs.Args()[1:]
	}
	if len(files) != 2 {
		fs.Usage()
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "checkmode:", err)
		return 2
	}
	check, err := readStream(files[0])
	if err != nil {
		return fail(err)
	}
	real, err := readStream(files[1])
	if err != nil {
		return fail(err)
	}
	// Swapped arguments would turn every false change into a missed one.
	if !check.Check {
		return fail(fmt.Errorf("%s: not a --check run (its plays say \"check\": false)", check.File))
	}
	if real.Check {
		return fail(fmt.Errorf("%s: a --check run, not the real one", real.File))
	}
	var allow []*Allowed
	if *allowFile != "" {
		f, err := os.Open(*allowFile)
		if err != nil {
			return fail(err)
		}
		allow, err = ReadAllow(*allowFile, f)
		f.Close()
		if err != nil {
			return fail(err)
		}
	}
	c := Compare(check, real, allow)
	c.Write(stdout)
	if len(c.Mismatches) > 0 {
		return 1
	}
	return 0
}

func readStream(file string) (*Stream, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(file, f)
}
