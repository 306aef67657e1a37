// Command floor measures the floor under hapb: the least time the remote
// work of a hapb run can take. It records the exact remote commands (and
// their stdin) a hapb run sends, through hapb's own executor with a
// recording Conn, then replays them over one persistent x/crypto/ssh
// connection per host, one session per command, every host in parallel,
// with a barrier between tasks as the linear strategy has. What a hapb run
// costs above a replay is hapb's own overhead.
//
//	floor record -i INVENTORY [-l LIMIT] -o FILE PLAYBOOK
//	floor replay FILE
package main

import (
	"flag"
	"fmt"
	"os"
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
		err = replay(os.Args[2])
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
