package fleet

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// newKey makes an ed25519 key, written in OpenSSH format to file if not "".
func newKey(t *testing.T, file string) (ssh.Signer, ssh.PublicKey) {
	t.Helper()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	if file != "" {
		block, err := ssh.MarshalPrivateKey(priv, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return s, s.PublicKey()
}

// keys are the fleet's host key and the controller's key, both written
// to dir (host_key, id_ed25519) for a server process to read.
type keys struct {
	host   ssh.Signer
	client ssh.PublicKey
}

func newKeys(t *testing.T, dir string) keys {
	host, _ := newKey(t, filepath.Join(dir, "host_key"))
	_, client := newKey(t, filepath.Join(dir, "id_ed25519"))
	return keys{host: host, client: client}
}

// hostAddr is a simulated host's name and address, the same in the
// servers' process and the controller's.
type hostAddr struct{ name, addr string }

func hostAddrs(n, port int) []hostAddr {
	out := make([]hostAddr, n)
	for i := range out {
		out[i] = hostAddr{hostName(i), hostIP(i, port)}
	}
	return out
}

// writeKnownHosts records the fleet key for every host, one line each, as
// ssh-keyscan would write them.
func writeKnownHosts(t *testing.T, file string, hosts []hostAddr, key ssh.PublicKey) string {
	t.Helper()
	var b strings.Builder
	switch *knownFlag {
	case "wildcard":
		b.WriteString(knownhosts.Line([]string{fmt.Sprintf("[127.77.*]:%d", *portFlag)}, key) + "\n")
	case "lines":
		for _, h := range hosts {
			b.WriteString(knownhosts.Line([]string{knownhosts.Normalize(h.addr)}, key) + "\n")
		}
	default:
		t.Fatalf("-fleet.known %q: want lines or wildcard", *knownFlag)
	}
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// floorHostKeys is the floor's host key check: the lines naming one
// address, looked up in a map, else x/crypto's knownhosts over the other
// lines (the wildcard). knownhosts alone scans every line for each
// connection, N² at N hosts: not what the floor should pay.
func floorHostKeys(file string) (ssh.HostKeyCallback, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	exact := map[string][]ssh.PublicKey{}
	var rest strings.Builder
	for line := range strings.Lines(string(data)) {
		f := strings.Fields(line)
		if len(f) == 3 && !strings.ContainsAny(f[0], "*?!,|@") {
			k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(f[1] + " " + f[2]))
			if err != nil {
				return nil, err
			}
			exact[f[0]] = append(exact[f[0]], k)
			continue
		}
		rest.WriteString(line)
	}
	restFile := file + ".rest"
	if err := os.WriteFile(restFile, []byte(rest.String()), 0o600); err != nil {
		return nil, err
	}
	scan, err := knownhosts.New(restFile)
	if err != nil {
		return nil, err
	}
	return func(addr string, remote net.Addr, key ssh.PublicKey) error {
		for _, k := range exact[knownhosts.Normalize(addr)] {
			if bytes.Equal(k.Marshal(), key.Marshal()) {
				return nil
			}
		}
		return scan(addr, remote, key)
	}, nil
}

func writeInventory(t *testing.T, dir string, hosts []hostAddr) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("[fleet]\n")
	for _, h := range hosts {
		host, port, _ := net.SplitHostPort(h.addr)
		fmt.Fprintf(&b, "%s ansible_host=%s ansible_port=%s\n", h.name, host, port)
	}
	fmt.Fprintf(&b, "[all:vars]\nansible_user=bench\nansible_ssh_private_key_file=%s\n", filepath.Join(dir, "id_ed25519"))
	file := filepath.Join(dir, "hosts")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// raiseNoFile lifts the soft file descriptor limit to the hard one: every
// host costs three descriptors (listener, client and server end).
func raiseNoFile(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if need := uint64(3**hostsFlag + 100); lim.Cur < need {
		t.Fatalf("file descriptor limit %d, need %d: raise ulimit -Hn", lim.Cur, need)
	}
}

// peakRSS is the process's resident set high-water mark (VmHWM), in bytes.
func peakRSS(t *testing.T) int64 {
	t.Helper()
	fh, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// flagSet reports whether the command line set flag name.
func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// freePort is a port free on the fleet's first address now; the others,
// 127.77.0.2 and on, are as good as free there too.
func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.77.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
