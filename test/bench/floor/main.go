// Command floor measures the floor under hapb on real hosts (the lab): it
// records the exact remote commands a hapb run sends, through hapb's own
// executor with a recording Conn, then replays them over bare
// x/crypto/ssh connections (see package replay). What a hapb run costs
// above a replay is hapb's own overhead.
//
//	floor record -i INVENTORY [-l LIMIT] -o FILE PLAYBOOK
//	floor replay FILE
//
// Both check host keys strictly against $SSH_KNOWN_HOSTS (test/lab/run sets
// it) or ~/.ssh/known_hosts, as hapb does.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/inventory"
	"github.com/hapb/hapb/engine/playbook"
	"github.com/hapb/hapb/engine/report"
	"github.com/hapb/hapb/engine/run"
	"github.com/hapb/hapb/test/bench/replay"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "record":
		fs := flag.NewFlagSet("record", flag.ExitOnError)
		inv := fs.String("i", "", "inventory")
		limit := fs.String("l", "", "limit pattern")
		out := fs.String("o", "", "file to write the recording to")
		fs.Parse(os.Args[2:])
		if *inv == "" || *out == "" || fs.NArg() != 1 {
			usage()
		}
		err = record(*inv, *limit, fs.Arg(0), *out)
	case "replay":
		if len(os.Args) != 3 {
			usage()
		}
		err = replayFile(os.Args[2])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: floor record -i INVENTORY [-l LIMIT] -o FILE PLAYBOOK\n       floor replay FILE")
	os.Exit(2)
}

// record runs the playbook as `hapb run` would and writes what it sent.
func record(invPath, limit, pbPath, out string) error {
	inv, err := inventory.Load([]string{invPath})
	if err != nil {
		return err
	}
	if err := inv.AddPlaybookVars(filepath.Dir(pbPath)); err != nil {
		return err
	}
	pb, err := playbook.Load(pbPath, playbook.Options{})
	if err != nil {
		return err
	}
	d := conn.NewDialer(conn.DialerOptions{HostKeyChecking: conn.HostKeyStrict})
	defer d.Close()
	rec := replay.NewRecorder()
	abs, _ := filepath.Abs(pbPath)
	res, err := run.Run(context.Background(), pb, run.Options{
		Inventory: inv, Connector: rec.Connector(d),
		Reporter: rec.Reporter(&report.Text{W: io.Discard}),
		Limit:    limit, PlaybookDir: filepath.Dir(abs),
	})
	if err == nil && res.ExitCode(nil) != 0 {
		err = fmt.Errorf("the recorded run failed (exit %d)", res.ExitCode(nil))
	}
	if err != nil {
		return err
	}
	return rec.Recording().Write(out)
}

func replayFile(file string) error {
	r, err := replay.Read(file)
	if err != nil {
		return err
	}
	files := filepath.SplitList(os.Getenv("SSH_KNOWN_HOSTS"))
	if len(files) == 0 {
		home, _ := os.UserHomeDir()
		files = []string{filepath.Join(home, ".ssh", "known_hosts")}
	}
	hk, err := knownhosts.New(files...)
	if err != nil {
		return err
	}
	// The lab records ed25519 (and rsa) host keys; asking for a recorded
	// type avoids false mismatches (golang/go#29286).
	res, err := replay.Replay(r, hk, []string{ssh.KeyAlgoED25519}, 0)
	if err != nil {
		return err
	}
	fmt.Println(res)
	return nil
}
