// Package fleet is a fleet of simulated hosts for benchmarks: one SSH
// server (golang.org/x/crypto/ssh) per host on its own loopback address,
// answering commands with a stand-in shell over an in-memory file system.
// It lets hapb's real executor and SSH transport run against 1,000 hosts on
// one machine, without sshd or containers.
package fleet

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/ssh"
	"mvdan.cc/sh/v3/expand"
)

// Host is one simulated host.
type Host struct {
	Name  string
	Addr  string // ip:port on loopback
	fs    atomic.Pointer[memFS]
	env   expand.Environ
	fleet *Fleet
}

// Fleet is a set of running simulated hosts.
type Fleet struct {
	Hosts []*Host
	cfg   *ssh.ServerConfig
	lns   []net.Listener
	wg    sync.WaitGroup

	bin     string   // fakebin/, the hosts' PATH
	scripts sync.Map // name → its source, read once
}

// script is the fake command name of fakebin/, if there is one.
func (f *Fleet) script(name string) (string, bool) {
	if s, ok := f.scripts.Load(name); ok {
		return s.(string), s != ""
	}
	b, err := os.ReadFile(filepath.Join(f.bin, name))
	f.scripts.Store(name, string(b))
	return string(b), err == nil
}

// Bin is the directory of the hosts' fake commands (the package manager),
// their only PATH; relative to the working directory of Start.
var Bin = "fakebin"

// Start starts n hosts on 127.77.x.y:port (port 0: any free port, one per
// host), with one host key for all, accepting only clientKey.
func Start(n, port int, hostKey ssh.Signer, clientKey ssh.PublicKey) (*Fleet, error) {
	want := clientKey.Marshal()
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
			if bytes.Equal(k.Marshal(), want) {
				return nil, nil
			}
			return nil, fmt.Errorf("unknown key")
		},
	}
	cfg.AddHostKey(hostKey)
	bin, err := filepath.Abs(Bin)
	if err != nil {
		return nil, err
	}
	f := &Fleet{cfg: cfg, bin: bin}
	for i := 0; i < n; i++ {
		ln, err := net.Listen("tcp", hostIP(i, port))
		if err != nil {
			f.Close()
			return nil, err
		}
		h := &Host{Name: hostName(i), Addr: ln.Addr().String(), fleet: f}
		h.env = hostEnv(h.Name, bin)
		h.fs.Store(newMemFS())
		f.Hosts, f.lns = append(f.Hosts, h), append(f.lns, ln)
		f.wg.Add(1)
		go f.accept(ln, h)
	}
	return f, nil
}

// hostName and hostIP are host i's name and address: its own loopback
// address, 127.77.x.y (up to 62,500 hosts).
func hostName(i int) string     { return fmt.Sprintf("h%04d", i) }
func hostIP(i, port int) string { return fmt.Sprintf("127.77.%d.%d:%d", i/250, i%250+1, port) }

// Reset gives every host an empty file system again (a fresh start for
// another first run). Call it between runs only.
func (f *Fleet) Reset() {
	for _, h := range f.Hosts {
		h.fs.Store(newMemFS())
	}
}

// Close stops the listeners; open connections end with the client's.
func (f *Fleet) Close() {
	for _, ln := range f.lns {
		ln.Close()
	}
	f.wg.Wait()
}

func (f *Fleet) accept(ln net.Listener, h *Host) {
	defer f.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go f.serve(c, h)
	}
}

func (f *Fleet) serve(c net.Conn, h *Host) {
	defer c.Close()
	_, chans, reqs, err := ssh.NewServerConn(c, f.cfg)
	if err != nil {
		return
	}
	// keepalive@openssh.com and the like: any reply proves us alive.
	go func() {
		for r := range reqs {
			if r.WantReply {
				r.Reply(false, nil)
			}
		}
	}()
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "session only")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			continue
		}
		go session(ch, creqs, h)
	}
}

// session serves one channel: env is accepted and ignored, exec runs the
// command, anything else (pty, shell, subsystem) is refused.
func session(ch ssh.Channel, reqs <-chan *ssh.Request, h *Host) {
	defer ch.Close()
	for r := range reqs {
		switch r.Type {
		case "env", "signal":
			if r.WantReply {
				r.Reply(true, nil)
			}
		case "exec":
			var line string
			if n := len(r.Payload); n >= 4 && int(binary.BigEndian.Uint32(r.Payload)) == n-4 {
				line = string(r.Payload[4:])
			}
			r.Reply(true, nil)
			p := &proc{host: h, fs: h.fs.Load(), stdin: ch}
			var out, errb bytes.Buffer
			st := p.run(line, &out, &errb)
			ch.Write(out.Bytes())
			ch.Stderr().Write(errb.Bytes())
			ch.SendRequest("exit-status", false, binary.BigEndian.AppendUint32(nil, uint32(st)))
			return
		default:
			if r.WantReply {
				r.Reply(false, nil)
			}
		}
	}
}
