package conn

import (
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// fakeNewChannel is a channel a server opens; it records its rejection.
type fakeNewChannel struct{ rejected chan ssh.RejectionReason }

func (f *fakeNewChannel) Accept() (ssh.Channel, <-chan *ssh.Request, error) { panic("accepted") }
func (f *fakeNewChannel) Reject(r ssh.RejectionReason, _ string) error {
	f.rejected <- r
	return nil
}
func (f *fakeNewChannel) ChannelType() string { return "forwarded-tcpip" }
func (f *fakeNewChannel) ExtraData() []byte   { return nil }

// TestAnswerGroups: every connection's server is answered whatever group
// it falls in, groups fill up to answerGroupSize and get room again as
// their connections end, and a group's goroutine ends with its last
// connection.
func TestAnswerGroups(t *testing.T) {
	type fakeConn struct {
		chans chan ssh.NewChannel
		reqs  chan *ssh.Request
	}
	var a answers
	rooms := func() int {
		a.mu.Lock()
		defer a.mu.Unlock()
		return len(a.room)
	}
	answered := func(c fakeConn) {
		t.Helper()
		f := &fakeNewChannel{rejected: make(chan ssh.RejectionReason, 1)}
		c.chans <- f
		// A request that wants no reply is answered without a transport.
		c.reqs <- &ssh.Request{Type: "hostkeys-00@openssh.com"}
		select {
		case r := <-f.rejected:
			if r != ssh.UnknownChannelType {
				t.Errorf("rejected as %v, want %v", r, ssh.UnknownChannelType)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a channel the server opened was never rejected")
		}
	}
	var conns []fakeConn
	for range 2*answerGroupSize + 1 {
		c := fakeConn{make(chan ssh.NewChannel), make(chan *ssh.Request)}
		a.answer(c.chans, c.reqs)
		conns = append(conns, c)
	}
	if n := rooms(); n != 1 { // two full groups and one with room
		t.Errorf("%d groups with room, want 1", n)
	}
	for _, c := range conns {
		answered(c)
	}
	// The first group's connections end but one: it has room again, and
	// still answers the one left.
	for _, c := range conns[1:answerGroupSize] {
		close(c.chans)
		close(c.reqs)
	}
	deadline := time.Now().Add(5 * time.Second)
	for rooms() != 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := rooms(); n != 2 {
		t.Errorf("%d groups with room after the first group's connections ended, want 2", n)
	}
	answered(conns[0])
	for _, c := range append(conns[:1], conns[answerGroupSize:]...) {
		close(c.chans)
		close(c.reqs)
	}
	for rooms() != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := rooms(); n != 0 {
		t.Errorf("%d groups left once every connection ended, want none", n)
	}
}
