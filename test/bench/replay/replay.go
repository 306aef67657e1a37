package replay

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// Result is what a replay did.
type Result struct {
	Hosts, Tasks, Commands int
	// Differ counts commands whose exit status is not the recorded one:
	// the hosts were not in the state they were in when recorded.
	Differ  int
	Elapsed time.Duration
	// Connect is the time to connect to every host; Task each task's.
	Connect time.Duration
	Task    []time.Duration
}

func (r *Result) String() string {
	s := fmt.Sprintf("floor: %d hosts, %d tasks, %d commands in %s", r.Hosts, r.Tasks, r.Commands, r.Elapsed.Round(time.Millisecond))
	if r.Differ > 0 {
		s += fmt.Sprintf(" (%d exit statuses differ from the recording)", r.Differ)
	}
	return s
}

// Replay connects to every host in parallel and runs the recorded tasks:
// within a task each host runs its commands one after the other, one
// session each; the next task starts when every host is done. forks > 0
// bounds the hosts at work at once, connecting included, as hapb's
// --forks does; 0 is every host at once.
func Replay(r *Recording, hostKey ssh.HostKeyCallback, hostKeyAlgos []string, forks int) (*Result, error) {
	start := time.Now()
	res := &Result{Hosts: len(r.Hosts), Tasks: len(r.Tasks)}
	var mu sync.Mutex
	clients := map[string]*ssh.Client{}
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	signers := map[string]ssh.Signer{}
	for _, t := range r.Hosts {
		if signers[t.KeyFile] == nil {
			s, err := loadKey(t.KeyFile)
			if err != nil {
				return nil, err
			}
			signers[t.KeyFile] = s
		}
	}
	err := forEach(sortedHosts(r.Hosts), forks, func(h string) error {
		t := r.Hosts[h]
		c, err := ssh.Dial("tcp", t.Addr, &ssh.ClientConfig{
			User: t.User, Auth: []ssh.AuthMethod{ssh.PublicKeys(signers[t.KeyFile])},
			HostKeyCallback: hostKey, HostKeyAlgorithms: hostKeyAlgos, Timeout: 10 * time.Second,
		})
		if err != nil {
			return fmt.Errorf("%s: %w", h, err)
		}
		mu.Lock()
		clients[h] = c
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.Connect = time.Since(start)
	for _, task := range r.Tasks {
		taskStart := time.Now()
		var hosts []string
		for h := range task {
			hosts = append(hosts, h)
		}
		err := forEach(hosts, forks, func(h string) error {
			for _, c := range task[h] {
				code, err := runOne(clients[h], c)
				if err != nil {
					return fmt.Errorf("%s: %w", h, err)
				}
				mu.Lock()
				res.Commands++
				if code != c.Exit {
					res.Differ++
				}
				mu.Unlock()
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		res.Task = append(res.Task, time.Since(taskStart))
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// runOne runs a command the cheapest way x/crypto allows, so that the
// floor is one: the output is not kept (x/crypto discards a nil Stdout
// through io.Discard's pooled buffers), and stdin is written through
// StdinPipe from this goroutine (a Stdin reader costs a goroutine, an
// io.Pipe and a 32 KB copy buffer a command).
func runOne(c *ssh.Client, cmd *Command) (int, error) {
	s, err := c.NewSession()
	if err != nil {
		return 0, err
	}
	defer s.Close()
	var stdin io.WriteCloser
	if cmd.Stdin != nil {
		if stdin, err = s.StdinPipe(); err != nil {
			return 0, err
		}
	}
	if err := s.Start(cmd.Line); err != nil {
		return 0, err
	}
	if stdin != nil {
		// A command may exit without reading all of it: its status says
		// whether that was right.
		stdin.Write(cmd.Stdin)
		stdin.Close()
	}
	err = s.Wait()
	var exit *ssh.ExitError
	if errors.As(err, &exit) {
		return exit.ExitStatus(), nil
	}
	return 0, err
}

// forEach runs fn for every host, at most forks at once (0: no bound).
func forEach(hosts []string, forks int, fn func(string) error) error {
	if forks <= 0 {
		forks = len(hosts)
	}
	errs := make(chan error, len(hosts))
	slots := make(chan struct{}, forks)
	for _, h := range hosts {
		slots <- struct{}{}
		go func() { errs <- fn(h); <-slots }()
	}
	var first error
	for range hosts {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

func sortedHosts(m map[string]*Target) []string {
	var hs []string
	for h := range m {
		hs = append(hs, h)
	}
	sort.Strings(hs)
	return hs
}

func loadKey(file string) (ssh.Signer, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return ssh.ParsePrivateKey(b)
}
