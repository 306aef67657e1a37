package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/inventory"
	"github.com/hapb/hapb/engine/playbook"
	"github.com/hapb/hapb/engine/report"
	"github.com/hapb/hapb/engine/run"
)

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
	rec := &recorder{r: &Recording{Hosts: map[string]*Target{}}}
	abs, _ := filepath.Abs(pbPath)
	res, err := run.Run(context.Background(), pb, run.Options{
		Inventory: inventoryAdapter{inv}, Connector: rec.connector(d),
		Reporter: &taskCounter{Reporter: &report.Text{W: io.Discard}, rec: rec},
		Limit:    limit, PlaybookDir: filepath.Dir(abs),
	})
	if err == nil && res.ExitCode(nil) != 0 {
		err = fmt.Errorf("the recorded run failed (exit %d)", res.ExitCode(nil))
	}
	if err != nil {
		return err
	}
	return rec.r.write(out)
}

// recorder collects the commands of every host, by task.
type recorder struct {
	mu   sync.Mutex
	r    *Recording
	task int // index of the running task; -1 before the first
}

func (rc *recorder) add(host string, c *Command) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for len(rc.r.Tasks) <= rc.task {
		rc.r.Tasks = append(rc.r.Tasks, map[string][]*Command{})
	}
	rc.r.Tasks[rc.task][host] = append(rc.r.Tasks[rc.task][host], c)
}

// taskCounter moves the recorder to the next task. The linear strategy
// finishes a task on every host before it starts the next, so every
// command between two TaskStarts belongs to the first.
type taskCounter struct {
	report.Reporter
	rec *recorder
}

func (t *taskCounter) TaskStart(name string, kind report.TaskKind) {
	t.rec.mu.Lock()
	t.rec.task++
	t.rec.mu.Unlock()
	t.Reporter.TaskStart(name, kind)
}

type recConnector struct {
	d   *conn.Dialer
	rec *recorder
}

func (rc *recorder) connector(d *conn.Dialer) recConnector {
	rc.task = -1
	return recConnector{d: d, rec: rc}
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
	rec  *recorder
}

var errBecome = errors.New("floor: become is not recorded; run the workload as the login user")

// wrap is the line hapb's Conn sends for cmd without become.
func wrap(cmd *conn.Cmd) string {
	return "sh -c " + conn.Quote(conn.ShellLine(cmd)) + " hapb-floor"
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
