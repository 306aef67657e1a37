// Package conntest provides Fake, a recording conn.Conn for module unit
// tests: commands are answered by rules, files live in a map.
package conntest

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"

	"github.com/hapb/hapb/engine/conn"
)

// Fake is a scripted, recording Conn.
type Fake struct {
	mu    sync.Mutex
	rules []rule
	// Files are the host's files by path; Upload writes here and ReadFile
	// reads here. Modes hold uploaded modes.
	Files map[string][]byte
	Modes map[string]fs.FileMode
	// Log records every call: the shell line of Run (with become as
	// "[as USER] "), "upload PATH" and "read PATH".
	Log []string
}

type rule struct {
	substr string
	res    conn.Result
	err    error
	fn     func(cmd *conn.Cmd) (*conn.Result, error)
}

var _ conn.Conn = (*Fake)(nil)

// New returns an empty Fake.
func New() *Fake {
	return &Fake{Files: map[string][]byte{}, Modes: map[string]fs.FileMode{}}
}

// On answers every command whose shell line contains substr with an exit
// code and stdout. Later rules win over earlier ones.
func (f *Fake) On(substr string, exit int, stdout string) *Fake {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, rule{substr: substr, res: conn.Result{ExitCode: exit, Stdout: []byte(stdout)}})
	return f
}

// OnFunc answers commands containing substr with fn.
func (f *Fake) OnFunc(substr string, fn func(cmd *conn.Cmd) (*conn.Result, error)) *Fake {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, rule{substr: substr, fn: fn})
	return f
}

// Run implements conn.Conn. Unmatched commands succeed with no output.
func (f *Fake) Run(ctx context.Context, cmd *conn.Cmd) (*conn.Result, error) {
	line := conn.ShellLine(cmd)
	f.mu.Lock()
	entry := line
	if cmd.Become.User != "" {
		entry = "[as " + cmd.Become.User + "] " + line
	}
	f.Log = append(f.Log, entry)
	var match *rule
	for i := len(f.rules) - 1; i >= 0; i-- {
		if strings.Contains(line, f.rules[i].substr) {
			match = &f.rules[i]
			break
		}
	}
	f.mu.Unlock()
	if cmd.Stdin != nil {
		io.Copy(io.Discard, cmd.Stdin)
	}
	if match == nil {
		return &conn.Result{}, nil
	}
	if match.fn != nil {
		return match.fn(cmd)
	}
	res := match.res
	return &res, match.err
}

// Upload implements conn.Conn.
func (f *Fake) Upload(ctx context.Context, r io.Reader, dst string, opt conn.FileOpts) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Log = append(f.Log, "upload "+dst)
	f.Files[dst] = b
	mode := opt.Mode
	if mode == 0 {
		mode = 0o644
	}
	f.Modes[dst] = mode
	return nil
}

// ReadFile implements conn.Conn.
func (f *Fake) ReadFile(ctx context.Context, path string, become conn.Become) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Log = append(f.Log, "read "+path)
	b, ok := f.Files[path]
	if !ok {
		return nil, &os.PathError{Op: "read", Path: path, Err: os.ErrNotExist}
	}
	return b, nil
}

// Close implements conn.Conn.
func (f *Fake) Close() error { return nil }

// Ran reports whether a command containing substr was run.
func (f *Fake) Ran(substr string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, l := range f.Log {
		if strings.Contains(l, substr) {
			return true
		}
	}
	return false
}

// String lists the log, one call a line, for test failure messages.
func (f *Fake) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fmt.Sprint(strings.Join(f.Log, "\n"))
}
