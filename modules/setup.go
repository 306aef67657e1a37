package modules

import (
	"context"
	"fmt"
	"net"
	"path"
	"strconv"
	"strings"
	"unique"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/modules/remote"
)

func init() { Define("setup", setupDoc, setupPlan, GathersFacts, ChangesNoHost) }

type setupParams struct {
	GatherSubset []string `yaml:"gather_subset" default:"all" doc:"accepted for Ansible compatibility; hapb always gathers its small fact set"`
	Filter       []string `yaml:"filter" doc:"shell-style patterns on fact names (ansible_*); only matching facts are returned"`
}

const setupDoc = `Gathers facts about the host with one POSIX sh script (no Python on
the target): OS family and distribution, kernel, architecture, host names,
default IPv4 route and addresses, memory, CPUs, service manager, SELinux and
time. Facts are set both as top-level ansible_* variables and, without the
prefix, in the ansible_facts map. gather_facts runs this module.`

// setupScript prints each probe in its own section (see package remote), so
// one round trip gathers everything and all parsing happens in Go.
var setupScript = remote.Script(`s os_release; cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null
s debian_version; cat /etc/debian_version 2>/dev/null
s uname; uname -r; uname -m; uname -n
s hostname; hostname 2>/dev/null || uname -n
s fqdn; hostname -f 2>/dev/null
if command -v ip >/dev/null 2>&1; then
s route; ip -4 route show default 2>/dev/null
s addrs; ip -4 -o addr show 2>/dev/null
else
s proc_route; cat /proc/net/route 2>/dev/null
s hostname_i; hostname -I 2>/dev/null
fi
s meminfo; grep -E '^(MemTotal|MemFree|SwapTotal|SwapFree):' /proc/meminfo 2>/dev/null
s vcpus; grep -c '^processor' /proc/cpuinfo 2>/dev/null || nproc 2>/dev/null
s init; cat /proc/1/comm 2>/dev/null
s systemd; test -d /run/systemd/system && echo yes
s selinux; if command -v getenforce >/dev/null 2>&1; then getenforce; elif test -d /sys/fs/selinux; then echo Unknown; fi
s pkg; for m in apt-get dnf yum zypper apk; do command -v $m >/dev/null 2>&1 && { echo $m; break; }; done
s user; id -un 2>/dev/null
s date; date -u '+%s %Y-%m-%d %H:%M:%S %Y-%m-%dT%H:%M:%SZ'; date +%Z`)

func setupPlan(ctx context.Context, t *Task, params *setupParams) (*Plan, error) {
	res, err := t.Run(ctx, &conn.Cmd{Script: setupScript})
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("setup: gathering facts failed (exit %d): %s", res.ExitCode, strings.TrimSpace(string(res.Stderr)))
	}
	facts := setupParse(remote.Parse(res.Stdout))
	for k, v := range facts {
		facts[k] = setupIntern(v)
	}
	facts["gather_subset"] = params.GatherSubset
	short := make(map[string]any, len(facts))
	for k, v := range facts {
		if setupMatch(params.Filter, FactName(k)) {
			short[k] = v
		}
	}
	return &Plan{Result: Result{Gathered: short, Facts: map[string]any{"module_setup": true},
		Data: map[string]any{"ansible_facts": short}}}, nil
}

// FactName is the top-level variable of the gathered fact name:
// ansible_NAME.
func FactName(name string) string {
	if n, ok := setupNamesOf[name]; ok {
		return n
	}
	return "ansible_" + name
}

// setupNamesOf is each fact's top-level name, made once: every host's
// variables hold these keys, and 5,000 hosts need not hold 5,000 copies
// of them.
var setupNamesOf = func() map[string]string {
	m := map[string]string{}
	for k := range setupParse(remote.Sections{}) {
		m[k] = "ansible_" + k
	}
	m["gather_subset"] = "ansible_gather_subset"
	return m
}()

// setupIntern returns v with its strings interned: most facts are the same
// on every host (distribution, kernel, service manager), and the rest are
// then copies that no longer hold on to the whole script's output they were
// cut from.
func setupIntern(v any) any {
	switch v := v.(type) {
	case string:
		return unique.Make(v).Value()
	case []string:
		for i, s := range v {
			v[i] = unique.Make(s).Value()
		}
	case map[string]any:
		for k, e := range v {
			v[k] = setupIntern(e)
		}
	}
	return v
}

func setupMatch(patterns []string, name string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// setupDistros maps os-release IDs to Ansible's distribution and family.
var setupDistros = map[string][2]string{
	"debian": {"Debian", "Debian"}, "ubuntu": {"Ubuntu", "Debian"}, "linuxmint": {"Linux Mint", "Debian"},
	"rhel": {"RedHat", "RedHat"}, "centos": {"CentOS", "RedHat"}, "rocky": {"Rocky", "RedHat"},
	"almalinux": {"AlmaLinux", "RedHat"}, "fedora": {"Fedora", "RedHat"}, "ol": {"OracleLinux", "RedHat"},
	"amzn": {"Amazon", "RedHat"}, "opensuse-leap": {"openSUSE Leap", "Suse"}, "sles": {"SLES", "Suse"},
	"alpine": {"Alpine", "Alpine"}, "arch": {"Archlinux", "Archlinux"},
}

func setupParse(sec map[string]string) map[string]any {
	f := map[string]any{}
	for _, part := range []func(map[string]any, map[string]string){setupOS, setupNames, setupNetwork, setupHardware, setupServices, setupDate} {
		part(f, sec)
	}
	return f
}

// setupOS is the distribution, its family and version.
func setupOS(f map[string]any, sec map[string]string) {
	osr := setupKV(sec["os_release"])
	id := osr["ID"]
	dist, family := id, ""
	if d, ok := setupDistros[id]; ok {
		dist, family = d[0], d[1]
	}
	if family == "" {
		for _, like := range strings.Fields(osr["ID_LIKE"]) {
			if d, ok := setupDistros[like]; ok {
				family = d[1]
				break
			}
		}
	}
	version := osr["VERSION_ID"]
	if dv := strings.TrimSpace(sec["debian_version"]); id == "debian" && dv != "" && dv[0] >= '0' && dv[0] <= '9' {
		version = dv // os-release says "12", Ansible reports "12.7"
	}
	major, _, _ := strings.Cut(version, ".")
	f["distribution"] = dist
	f["os_family"] = family
	f["distribution_version"] = version
	f["distribution_major_version"] = major
	f["distribution_release"] = osr["VERSION_CODENAME"]
	f["system"] = "Linux"
}

// setupNames is the kernel, the architecture and the host's names.
func setupNames(f map[string]any, sec map[string]string) {
	un := setupLines(sec["uname"])
	for len(un) < 3 {
		un = append(un, "")
	}
	f["kernel"], f["architecture"], f["nodename"] = un[0], un[1], un[2]
	host := strings.TrimSpace(sec["hostname"])
	short, _, _ := strings.Cut(host, ".")
	f["hostname"] = short
	fqdn := strings.TrimSpace(sec["fqdn"])
	if fqdn == "" {
		fqdn = host
	}
	f["fqdn"] = fqdn
	f["domain"] = strings.TrimPrefix(strings.TrimPrefix(fqdn, short), ".")
}

// setupNetwork is the IPv4 addresses and the default route.
func setupNetwork(f map[string]any, sec map[string]string) {
	var all []string
	ifAddr := map[string]*net.IPNet{}
	for _, l := range setupLines(sec["addrs"]) {
		// "2: eth0    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0\ ..."
		fs := strings.Fields(l)
		for i := 0; i+1 < len(fs); i++ {
			if fs[i] != "inet" {
				continue
			}
			ip, n, err := net.ParseCIDR(fs[i+1])
			if err != nil || ip.IsLoopback() {
				break
			}
			all = append(all, ip.String())
			dev := strings.TrimSuffix(fs[1], ":")
			if _, ok := ifAddr[dev]; !ok {
				ifAddr[dev] = &net.IPNet{IP: ip, Mask: n.Mask}
			}
			break
		}
	}
	if all == nil {
		all = []string{}
	}
	f["all_ipv4_addresses"] = all
	def := map[string]any{}
	if fs := strings.Fields(strings.TrimSpace(sec["route"])); len(fs) > 0 {
		for i := 0; i+1 < len(fs); i++ {
			switch fs[i] {
			case "via":
				def["gateway"] = fs[i+1]
			case "dev":
				def["interface"] = fs[i+1]
			}
		}
		if dev, _ := def["interface"].(string); ifAddr[dev] != nil {
			a := ifAddr[dev]
			ones, _ := a.Mask.Size()
			def["address"] = a.IP.String()
			def["netmask"] = net.IP(a.Mask).String()
			def["prefix"] = strconv.Itoa(ones)
			def["network"] = a.IP.Mask(a.Mask).String()
		}
	}
	if _, ok := sec["proc_route"]; ok {
		setupProcRoute(sec, def, &all)
		f["all_ipv4_addresses"] = all
	}
	f["default_ipv4"] = def
}

// setupHardware is memory and CPUs.
func setupHardware(f map[string]any, sec map[string]string) {
	mem := map[string]int{}
	for _, l := range setupLines(sec["meminfo"]) {
		k, v, _ := strings.Cut(l, ":")
		kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		mem[k] = kb / 1024
	}
	f["memtotal_mb"], f["memfree_mb"] = mem["MemTotal"], mem["MemFree"]
	f["swaptotal_mb"], f["swapfree_mb"] = mem["SwapTotal"], mem["SwapFree"]
	vcpus, _ := strconv.Atoi(strings.TrimSpace(sec["vcpus"]))
	f["processor_vcpus"] = vcpus
	f["processor_count"] = vcpus
}

// setupServices is the service and package managers, the user and SELinux.
func setupServices(f map[string]any, sec map[string]string) {
	svc := strings.TrimSpace(sec["init"])
	if strings.TrimSpace(sec["systemd"]) == "yes" || svc == "systemd" {
		svc = "systemd"
	} else if svc == "init" || svc == "" {
		svc = "sysvinit"
	}
	f["service_mgr"] = svc
	f["pkg_mgr"] = strings.TrimSpace(sec["pkg"])
	f["user_id"] = strings.TrimSpace(sec["user"])

	se := map[string]any{"status": "disabled"}
	switch m := strings.ToLower(strings.TrimSpace(sec["selinux"])); m {
	case "", "disabled":
	default:
		se["status"], se["mode"] = "enabled", m
	}
	f["selinux"] = se
}

// setupDate is the host's clock.
func setupDate(f map[string]any, sec map[string]string) {
	dt := map[string]any{}
	if d := setupLines(sec["date"]); len(d) > 0 {
		if fs := strings.Fields(d[0]); len(fs) == 4 {
			dt["epoch"], dt["date"], dt["time"], dt["iso8601"] = fs[0], fs[1], fs[2], fs[3]
		}
		if len(d) > 1 {
			dt["tz"] = strings.TrimSpace(d[1])
		}
	}
	f["date_time"] = dt
}

// setupProcRoute fills the default route from /proc/net/route and the
// addresses from hostname -I, for hosts without iproute2. The netmask is
// then unknown.
func setupProcRoute(sec map[string]string, def map[string]any, all *[]string) {
	for _, l := range setupLines(sec["proc_route"]) {
		f := strings.Fields(l) // Iface Destination Gateway ...
		if len(f) < 3 || f[1] != "00000000" {
			continue
		}
		if gw, err := strconv.ParseUint(f[2], 16, 32); err == nil {
			def["interface"] = f[0]
			def["gateway"] = net.IPv4(byte(gw), byte(gw>>8), byte(gw>>16), byte(gw>>24)).String()
		}
		break
	}
	for _, a := range strings.Fields(sec["hostname_i"]) {
		if ip := net.ParseIP(a); ip != nil && ip.To4() != nil && !ip.IsLoopback() {
			*all = append(*all, a)
		}
	}
	if len(*all) > 0 && def["interface"] != nil {
		def["address"] = (*all)[0]
	}
}

// setupKV parses os-release style KEY="value" lines.
func setupKV(s string) map[string]string {
	m := map[string]string{}
	for _, l := range setupLines(s) {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		if uq, err := strconv.Unquote(v); err == nil {
			v = uq
		} else {
			v = strings.Trim(v, `'"`)
		}
		m[strings.TrimSpace(k)] = v
	}
	return m
}

func setupLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
