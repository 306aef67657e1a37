package replay

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/report"
	"github.com/hapb/hapb/engine/run"
)

// Recorder collects the commands of a run. Give the run its Connector and
// Reporter; Recording is complete when run.Run returns.
type Recorder struct {
	mu   sync.Mutex
	r    *Recording
	task int // index of the running task; -1 before the first
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{r: &Recording{Hosts: map[string]*Target{}}, task: -1}
}

// Recording is what was recorded.
func (rc *Recorder) Recording() *Recording { return rc.r }

func (rc *Recorder) add(host string, c *Command) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for len(rc.r.Tasks) <= rc.task {
		rc.r.Tasks = append(rc.r.Tasks, map[string][]*Command{})
	}
	rc.r.Tasks[rc.task][host] = append(rc.r.Tasks[rc.task][host], c)
}

// Reporter wraps rep to move the recorder to the next task on each
// TaskStart. The linear strategy finishes a task on every host before it
// starts the next, so every command in between belongs to that task.
func (rc *Recorder) Reporter(rep report.Reporter) report.Reporter {
	return &taskCounter{Reporter: rep, rec: rc}
}

type taskCounter struct {
	report.Reporter
	rec *Recorder
}

func (t *taskCounter) TaskStart(name string, kind report.TaskKind) {
	t.rec.mu.Lock()
	t.rec.task++
	t.rec.mu.Unlock()
	t.Reporter.TaskStart(name, kind)
}

// Connector wraps d so that every host's Conn records what it sends.
func (rc *Recorder) Connector(d *conn.Dialer) run.Connector {
	return recConnector{d: d, rec: rc}
}

type recConnector struct {
	d   *conn.Dialer
	rec *Recorder
}

func (c recConnector) Connect(ctx context.Context, host string, vars map[string]any) (conn.Conn, error) {
	hc := conn.ConfigFromVars(host, vars)
	inner, err := c.d.Dial(ctx, hc)
	if err != nil {
		return nil, err
	}
	addr, port := hc.Address, hc.Port
	if addr == "" {
		addr = host
	}
	if port == 0 {
		port = 22
	}
	t := &Target{Addr: net.JoinHostPort(addr, strconv.Itoa(port)), User: hc.User}
	if len(hc.KeyFiles) > 0 {
		t.KeyFile = hc.KeyFiles[0]
	}
	c.rec.mu.Lock()
	c.rec.r.Hosts[host] = t
	c.rec.mu.Unlock()
	return &recConn{Conn: inner, host: host, rec: c.rec}, nil
}

// recConn records every command before passing it on.
type recConn struct {
	conn.Conn
	host string
	rec  *Recorder
}

var errBecome = errors.New("replay: become is not recorded; run the workload as the login user")

// wrap is the line hapb's Conn sends for cmd without become, once it
// knows the login shell is POSIX (every host's first command also asks
// which it is): the command's marker, then the command.
func wrap(cmd *conn.Cmd) string {
	return conn.MarkerPrefix(conn.Nonce()) + conn.ShellLine(cmd)
}

func (c *recConn) Run(ctx context.Context, cmd *conn.Cmd) (*conn.Result, error) {
	if cmd.Become.User != "" {
		return nil, errBecome
	}
	rc := &Command{Line: wrap(cmd)}
	if cmd.Stdin != nil {
		b, err := io.ReadAll(cmd.Stdin)
		if err != nil {
			return nil, err
		}
		rc.Stdin, cmd.Stdin = b, bytes.NewReader(b)
	}
	c.rec.add(c.host, rc)
	res, err := c.Conn.Run(ctx, cmd)
	if res != nil {
		rc.Exit = res.ExitCode
	}
	return res, err
}

func (c *recConn) Upload(ctx context.Context, r io.Reader, dst string, opt conn.FileOpts) error {
	if opt.Become.User != "" {
		return errBecome
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	c.rec.add(c.host, uploadCommand(b, dst, opt))
	return c.Conn.Upload(ctx, bytes.NewReader(b), dst, opt)
}

func (c *recConn) ReadFile(ctx context.Context, path string, become conn.Become) ([]byte, error) {
	if become.User != "" {
		return nil, errBecome
	}
	c.rec.add(c.host, &Command{Line: wrap(&conn.Cmd{Script: "test -e " + conn.Quote(path) + " || exit 44; cat -- " + conn.Quote(path)})})
	return c.Conn.ReadFile(ctx, path, become)
}
