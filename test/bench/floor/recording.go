package main

import (
	"encoding/json"
	"os"
)

// Recording is what a hapb run sent: the hosts and, task by task, each
// host's commands in the order they started.
type Recording struct {
	Hosts map[string]*Target `json:"hosts"`
	Tasks []map[string][]*Command
}

// Target is how to reach a host.
type Target struct {
	Addr    string `json:"addr"` // host:port
	User    string `json:"user"`
	KeyFile string `json:"key_file"`
}

// Command is one remote command: the shell line as hapb's Conn sends it
// (sh -c LINE MARKER) and its stdin.
type Command struct {
	Line  string `json:"line"`
	Stdin []byte `json:"stdin,omitempty"`
	Exit  int    `json:"exit"` // the status it had when recorded
}

func (r *Recording) write(file string) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return os.WriteFile(file, b, 0o600)
}

func readRecording(file string) (*Recording, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var r Recording
	return &r, json.Unmarshal(b, &r)
}
