package run

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/report"
)

// TestFreeStrategy runs a free play over an in-memory fleet: every host
// runs every task, results registered on one host are read through
// hostvars by others while modules run unlocked (go test -race checks the
// bookkeeping stays serial), and each result is shown under its task.
func TestFreeStrategy(t *testing.T) {
	pb := benchPlaybook(6)
	play := pb.Plays[0]
	play.Strategy = "free"
	play.Serial = []any{7}
	for _, tk := range play.Tasks {
		tk.Register = "last"
	}
	var out bytes.Buffer
	res, err := Run(context.Background(), pb, Options{
		Inventory: newMemInventory(20), Connector: memConnector{},
		Reporter: &report.Text{W: &out}, Forks: 5,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Stats) != 20 {
		t.Fatalf("%d hosts in recap, want 20", len(res.Stats))
	}
	for _, s := range res.Stats {
		if s.OK != 6 || s.Failed != 0 {
			t.Errorf("%s: %+v, want ok=6", s.Host, *s)
		}
	}
	// Every result line follows a header of its own task.
	header := ""
	for _, l := range strings.Split(out.String(), "\n") {
		switch {
		case strings.HasPrefix(l, "TASK ["):
			header = l
		case strings.HasPrefix(l, "ok: [") && header == "":
			t.Fatalf("a result before any task header:\n%s", out.String())
		}
	}
}

// slowConn runs each command in a few milliseconds (host0000's much
// slower) and records how many run at once and the order hosts finish in.
type slowConn struct {
	host string
	s    *slowStats
}

type slowStats struct {
	mu             sync.Mutex
	inflight, most int
	done           []string // host of each command, in completion order
}

func (c slowConn) Run(ctx context.Context, cmd *conn.Cmd) (*conn.Result, error) {
	c.s.mu.Lock()
	c.s.inflight++
	c.s.most = max(c.s.most, c.s.inflight)
	c.s.mu.Unlock()
	d := 3 * time.Millisecond
	if c.host == "host0000" {
		d = 400 * time.Millisecond
	}
	time.Sleep(d)
	c.s.mu.Lock()
	c.s.inflight--
	c.s.done = append(c.s.done, c.host)
	c.s.mu.Unlock()
	return &conn.Result{}, nil
}

func (slowConn) Upload(ctx context.Context, r io.Reader, dst string, opt conn.FileOpts) error {
	return nil
}

func (slowConn) ReadFile(ctx context.Context, path string, b conn.Become) ([]byte, error) {
	return nil, nil
}

func (slowConn) Close() error { return nil }

type slowConnector struct{ s *slowStats }

func (c slowConnector) Connect(ctx context.Context, host string, vars map[string]any) (conn.Conn, error) {
	return slowConn{host: host, s: c.s}, nil
}

// TestFreeDoesNotWait: in a free play the fast hosts finish every task
// while the slow one is still at its first, and no more modules run at once
// than --forks allows.
func TestFreeDoesNotWait(t *testing.T) {
	pb := benchPlaybook(4)
	pb.Plays[0].Strategy = "free"
	s := &slowStats{}
	_, err := Run(context.Background(), pb, Options{
		Inventory: newMemInventory(8), Connector: slowConnector{s},
		Reporter: &report.Text{W: io.Discard}, Forks: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.most > 3 || s.most < 2 {
		t.Errorf("%d modules ran at once, want 2 or 3 (forks 3)", s.most)
	}
	// host0000's first command ends after every other host's last.
	first := -1
	for i, h := range s.done {
		if h == "host0000" {
			first = i
			break
		}
	}
	others := 0
	for _, h := range s.done[:max(first, 0)] {
		if h != "host0000" {
			others++
		}
	}
	if others != 7*4 {
		t.Errorf("%d of the other hosts' 28 commands finished before the slow host's first: %v", others, s.done)
	}
}
