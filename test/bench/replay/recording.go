// Package replay records the remote commands a hapb run sends and replays
// them over bare x/crypto/ssh connections: one persistent connection per
// host, one session per command, every host in parallel, with a barrier
// between tasks as hapb's linear strategy has. A replay is the floor under
// hapb: the same remote work with nothing of hapb's own.
package replay

import (
	"encoding/json"
	"os"
)

// Recording is what a hapb run sent: the hosts and, task by task, each
// host's commands in the order they started.
type Recording struct {
	Hosts map[string]*Target      `json:"hosts"`
	Tasks []map[string][]*Command `json:"tasks"`
}

// Target is how to reach a host.
type Target struct {
	Addr    string `json:"addr"` // host:port
	User    string `json:"user"`
	KeyFile string `json:"key_file"`
}

// Command is one remote command: the shell line as hapb's Conn sends it
// to a POSIX login shell (its marker, then the command) and its stdin.
type Command struct {
	Line  string `json:"line"`
	Stdin []byte `json:"stdin,omitempty"`
	Exit  int    `json:"exit"` // the status it had when recorded
}

// Commands is the number of commands recorded.
func (r *Recording) Commands() int {
	n := 0
	for _, task := range r.Tasks {
		for _, cmds := range task {
			n += len(cmds)
		}
	}
	return n
}

// Write saves r as JSON.
func (r *Recording) Write(file string) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return os.WriteFile(file, b, 0o600)
}

// Read loads a recording saved by Write.
func Read(file string) (*Recording, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var r Recording
	return &r, json.Unmarshal(b, &r)
}
