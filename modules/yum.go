package modules

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/modules/remote"
)

func init() {
	Register("dnf", Define("yum", yumDoc, yumPlan))
}

type yumParams struct {
	Name            []string `yaml:"name" alias:"pkg" required:"true" doc:"packages: NAME, NAME-VERSION or NAME-VERSION-RELEASE"`
	State           string   `yaml:"state" default:"present" choices:"present,installed,latest,absent,removed"`
	EnableRepo      []string `yaml:"enablerepo" doc:"repositories to enable for this task (after disablerepo)"`
	DisableRepo     []string `yaml:"disablerepo" doc:"repositories to disable for this task"`
	DisableExcludes string   `yaml:"disable_excludes" doc:"all, main or a repository id whose exclude= is ignored"`
	Exclude         []string `yaml:"exclude" doc:"packages to leave out of this transaction"`
	UpdateCache     bool     `yaml:"update_cache" alias:"expire-cache" doc:"refresh repository metadata first"`
	AllowDowngrade  bool     `yaml:"allow_downgrade" doc:"install a pinned version lower than the installed one"`
	DisableGPGCheck bool     `yaml:"disable_gpg_check" doc:"do not check package signatures"`
	InstallRoot     string   `yaml:"installroot" doc:"operate on another root (chroots, tests); rpm is queried with --root"`
	ReleaseVer      string   `yaml:"releasever" doc:"$releasever for repositories, needed with an empty installroot"`
}

const yumDoc = `Installs, upgrades and removes RPM packages with dnf (or yum where dnf is
missing). One remote command reads the state: rpm -q for each package and,
for state=latest, check-update for pending updates, so check mode is
truthful. A pinned NAME-VERSION is honoured: another installed version is a
change, and going down needs allow_downgrade (else the task fails). Results:
changes (installed, updated, downgraded, removed) and results (dnf output).`

const yumQueryFormat = `%{NAME}\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}.%{ARCH}\n`

// yumPkg is one requested package and what rpm says about it.
type yumPkg struct {
	spec, name, version string   // version is "" when not pinned
	matched             bool     // rpm -q spec found it
	installed           []string // EVRs of the name, "E:V-R"
}

func yumPlan(ctx context.Context, t *Task, params *yumParams) (*Plan, error) {
	state := map[string]string{"installed": "present", "removed": "absent"}[params.State]
	if state == "" {
		state = params.State
	}
	pkgs, err := yumPackages(params.Name)
	if err != nil {
		return nil, err
	}
	res, err := t.Run(ctx, &conn.Cmd{Script: yumStateScript(params, state, pkgs)})
	if err != nil {
		return nil, err
	}
	sec := remote.Parse(res.Stdout)
	mgr := strings.TrimSpace(sec["mgr"])
	if mgr == "" {
		return nil, fmt.Errorf("yum: neither dnf nor yum is installed")
	}
	for i, pk := range pkgs {
		q := yumParseQ(sec[fmt.Sprintf("q%d", i)])
		pk.matched = len(q) > 0
		pk.installed = q
		if pk.name != pk.spec {
			pk.installed = yumParseQ(sec[fmt.Sprintf("n%d", i)])
		}
	}
	changes, err := yumChanges(params, state, pkgs, sec, mgr)
	if err != nil {
		return nil, err
	}
	plan := &Plan{Result: Result{Data: map[string]any{"changes": changes, "results": []string{}}}}
	if len(changes) == 0 {
		plan.Msg = "nothing to do"
		return plan, nil
	}
	var msgs []string
	for _, k := range []string{"installed", "updated", "downgraded", "removed"} {
		if len(changes[k]) > 0 {
			msgs = append(msgs, k+" "+strings.Join(changes[k], ", "))
		}
	}
	plan.Changed = true
	plan.Msg = strings.Join(msgs, "; ")
	plan.Effects = yumEffects(changes, plan.Msg)
	plan.Apply = func(ctx context.Context, r *Result) error { return yumApply(ctx, t, params, mgr, changes, r) }
	return plan, nil
}

// yumPackages parses the requested package specs.
func yumPackages(specs []string) ([]*yumPkg, error) {
	pkgs := make([]*yumPkg, 0, len(specs))
	for _, spec := range specs {
		spec = strings.TrimSpace(spec)
		if spec == "" {
			continue
		}
		if strings.HasPrefix(spec, "@") || strings.HasPrefix(spec, "/") || strings.Contains(spec, "://") {
			return nil, fmt.Errorf("yum: %q: groups, files and URLs are not supported", spec)
		}
		name, version := yumSplit(spec)
		pkgs = append(pkgs, &yumPkg{spec: spec, name: name, version: version})
	}
	return pkgs, nil
}

// yumStateScript reads everything the plan needs in one round trip: the
// package manager, rpm -q of each package and, as state needs, what the
// repositories have.
func yumStateScript(params *yumParams, state string, pkgs []*yumPkg) string {
	rpm := "rpm"
	if params.InstallRoot != "" {
		rpm += " " + conn.Quote("--root="+params.InstallRoot)
	}
	opts := conn.QuoteArgs(yumOpts(params))
	var b strings.Builder
	b.WriteString("if command -v dnf >/dev/null 2>&1; then m=dnf; elif command -v yum >/dev/null 2>&1; then m=yum; else m=; fi; s mgr; echo \"$m\"\n")
	b.WriteString("r=\n")
	if params.UpdateCache {
		b.WriteString(`if [ "$m" = dnf ]; then r=--refresh; elif [ -n "$m" ]; then yum -q makecache fast >/dev/null 2>&1; fi` + "\n")
	}
	// Packages rpm does not have collect in "$@" to ask the repositories
	// about, so check mode knows a missing package fails.
	b.WriteString("set --\n")
	for i, pk := range pkgs {
		fmt.Fprintf(&b, "s q%d; %s -q --qf %s -- %s || set -- \"$@\" %s\n", i, rpm, conn.Quote(yumQueryFormat), conn.Quote(pk.spec), conn.Quote(pk.spec))
		if pk.name != pk.spec {
			fmt.Fprintf(&b, "s n%d; %s -q --qf %s -- %s\n", i, rpm, conn.Quote(yumQueryFormat), conn.Quote(pk.name))
		}
	}
	if state != "absent" {
		fmt.Fprintf(&b, `if [ -n "$m" ] && [ $# -gt 0 ]; then s avail; "$m" -q ${r:+"$r"} %s list available -- "$@" 2>&1; echo "rc=$?"; fi`+"\n", opts)
	}
	if state == "latest" {
		names := make([]string, len(pkgs))
		for i, pk := range pkgs {
			names[i] = pk.name
		}
		fmt.Fprintf(&b, `if [ -n "$m" ]; then s upd; "$m" -q ${r:+"$r"} %s check-update -- %s 2>&1; echo "rc=$?"; fi`+"\n", opts, conn.QuoteArgs(names))
	}
	return remote.Script(b.String())
}

// yumChanges decides what happens to each package: installed, updated,
// downgraded or removed; a change the repositories cannot satisfy fails
// in the plan, so check mode knows.
func yumChanges(params *yumParams, state string, pkgs []*yumPkg, sec remote.Sections, mgr string) (map[string][]string, error) {
	updates := map[string]bool{}
	if state == "latest" {
		out, rc := sec.Status("upd")
		if rc == "" {
			return nil, fmt.Errorf("yum: %s check-update printed no status: %q", mgr, out)
		}
		if rc != "0" && rc != "100" {
			return nil, fmt.Errorf("yum: %s check-update: %s", mgr, out)
		}
		for name := range yumAvailable(out) {
			updates[name] = true
		}
	}
	changes := map[string][]string{}
	for _, pk := range pkgs {
		switch {
		case state == "absent":
			if pk.matched {
				changes["removed"] = append(changes["removed"], pk.spec)
			}
		case pk.matched && pk.version == "" && state == "latest":
			if updates[pk.name] {
				changes["updated"] = append(changes["updated"], pk.name)
			}
		case pk.matched:
		case len(pk.installed) == 0:
			changes["installed"] = append(changes["installed"], pk.spec)
		case pk.version == "":
			// Name queried directly but not matched: cannot happen.
		case yumNewer(pk.version, pk.installed):
			changes["updated"] = append(changes["updated"], pk.spec)
		case params.AllowDowngrade:
			changes["downgraded"] = append(changes["downgraded"], pk.spec)
		default:
			return nil, fmt.Errorf("yum: %s: installed %s is newer than the requested %s; set allow_downgrade to go down",
				pk.name, strings.Join(pk.installed, ", "), pk.version)
		}
	}
	avail := yumAvailable(sec["avail"])
	for _, k := range []string{"installed", "updated", "downgraded"} {
		for _, spec := range changes[k] {
			if name, v := yumSplit(spec); (v != "" || k == "installed") && !yumIsAvailable(avail, name, v) {
				return nil, fmt.Errorf("yum: no package matches %s in the enabled repositories", spec)
			}
		}
	}
	return changes, nil
}

// yumApply runs the transaction, one package manager command a verb.
func yumApply(ctx context.Context, t *Task, params *yumParams, mgr string, changes map[string][]string, r *Result) error {
	base := append([]string{mgr, "-y"}, yumOpts(params)...)
	if params.UpdateCache && mgr == "dnf" {
		base = append(base, "--refresh")
	}
	var steps []string
	add := func(verb string, pkgs []string) {
		if len(pkgs) > 0 {
			args := append(append(append([]string{}, base...), verb, "--"), pkgs...)
			steps = append(steps, conn.QuoteArgs(args))
		}
	}
	if params.UpdateCache && mgr == "yum" {
		steps = append(steps, "yum -q makecache fast")
	}
	// Pinned versions above the installed one install as upgrades.
	add("install", append(changes["installed"], yumPinned(changes["updated"], true)...))
	add("upgrade", yumPinned(changes["updated"], false))
	add("downgrade", changes["downgraded"])
	add("remove", changes["removed"])
	res, err := t.Run(ctx, &conn.Cmd{Script: strings.Join(steps, " && ")})
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSpace(string(res.Stdout)), "\n")
	r.Data["results"] = lines
	if res.ExitCode != 0 {
		return fmt.Errorf("yum: %s failed (exit %d): %s", mgr, res.ExitCode, bytes.TrimSpace(append(res.Stderr, res.Stdout...)))
	}
	return nil
}

// yumOpts are the options every dnf/yum call of the task gets. Repositories
// are disabled before others are enabled, so disablerepo: "*" works.
func yumOpts(p *yumParams) []string {
	var o []string
	if p.InstallRoot != "" {
		o = append(o, "--installroot="+p.InstallRoot)
	}
	if p.ReleaseVer != "" {
		o = append(o, "--releasever="+p.ReleaseVer)
	}
	for _, r := range p.DisableRepo {
		o = append(o, "--disablerepo="+r)
	}
	for _, r := range p.EnableRepo {
		o = append(o, "--enablerepo="+r)
	}
	for _, x := range p.Exclude {
		o = append(o, "--exclude="+x)
	}
	if p.DisableExcludes != "" {
		o = append(o, "--disableexcludes="+p.DisableExcludes)
	}
	if p.DisableGPGCheck {
		o = append(o, "--nogpgcheck")
	}
	return o
}

// yumAvailable parses the "NAME.ARCH E:V-R REPO" triples of `list
// available` and `check-update` into the versions each name has. dnf wraps
// a long NAME.ARCH onto its own line, so triples are read across lines.
func yumAvailable(out string) map[string][]string {
	var tokens []string
	for _, l := range strings.Split(out, "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasSuffix(t, "Packages") || strings.HasPrefix(t, "Last metadata") || strings.HasPrefix(t, "Error") || strings.HasPrefix(t, "rc=") {
			continue
		}
		tokens = append(tokens, strings.Fields(t)...)
	}
	m := map[string][]string{}
	for i := 0; i+2 < len(tokens); i += 3 {
		if dot := strings.LastIndexByte(tokens[i], '.'); dot > 0 {
			m[tokens[i][:dot]] = append(m[tokens[i][:dot]], tokens[i+1])
		}
	}
	return m
}

func yumIsAvailable(avail map[string][]string, name, version string) bool {
	for _, evr := range avail[name] {
		if _, vr, ok := strings.Cut(evr, ":"); ok {
			evr = vr
		}
		if version == "" || evr == version || strings.HasPrefix(evr, version+"-") {
			return true
		}
	}
	return false
}

// yumPinned returns the specs that name a version (pinned) or not.
func yumPinned(specs []string, pinned bool) (out []string) {
	for _, s := range specs {
		if _, v := yumSplit(s); (v != "") == pinned {
			out = append(out, s)
		}
	}
	return out
}

// yumSplit splits NAME-VERSION[-RELEASE]. Names may contain dashes
// (kubernetes-cni), so the version starts at the first "-digit" after which
// at most one more dash follows.
func yumSplit(spec string) (name, version string) {
	for i := 1; i+1 < len(spec); i++ {
		if spec[i] == '-' && spec[i+1] >= '0' && spec[i+1] <= '9' && strings.Count(spec[i+1:], "-") <= 1 {
			return spec[:i], spec[i+1:]
		}
	}
	return spec, ""
}

// yumParseQ returns the "E:V-R" of each installed package rpm printed.
func yumParseQ(out string) []string {
	var evrs []string
	for _, l := range strings.Split(out, "\n") {
		if _, evra, ok := strings.Cut(l, "\t"); ok {
			if dot := strings.LastIndexByte(evra, '.'); dot > 0 {
				evra = evra[:dot]
			}
			evrs = append(evrs, evra)
		}
	}
	return evrs
}

// yumNewer reports whether the wanted VERSION[-RELEASE] is newer than every
// installed E:V-R. A wanted version without a release ignores releases.
func yumNewer(want string, installed []string) bool {
	wv, wr, _ := strings.Cut(want, "-")
	for _, evr := range installed {
		epoch, vr, ok := strings.Cut(evr, ":")
		if !ok {
			vr, epoch = evr, "0"
		}
		if e, _ := strconv.Atoi(epoch); e > 0 {
			return false // an epoch outranks any version without one
		}
		iv, ir, _ := strings.Cut(vr, "-")
		c := yumVerCmp(wv, iv)
		if c == 0 && wr != "" {
			c = yumVerCmp(wr, ir)
		}
		if c <= 0 {
			return false
		}
	}
	return true
}

// yumVerCmp is rpm's rpmvercmp: it compares alternating runs of digits and
// letters; ~ sorts before anything, ^ after the end.
func yumVerCmp(a, b string) int {
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	isAlpha := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	skip := func(s string) string {
		for s != "" && !isDigit(s[0]) && !isAlpha(s[0]) && s[0] != '~' && s[0] != '^' {
			s = s[1:]
		}
		return s
	}
	for a != "" || b != "" {
		a, b = skip(a), skip(b)
		if strings.HasPrefix(a, "~") || strings.HasPrefix(b, "~") {
			if !strings.HasPrefix(a, "~") {
				return 1
			}
			if !strings.HasPrefix(b, "~") {
				return -1
			}
			a, b = a[1:], b[1:]
			continue
		}
		if strings.HasPrefix(a, "^") || strings.HasPrefix(b, "^") {
			switch {
			case a == "":
				return -1
			case b == "":
				return 1
			case !strings.HasPrefix(a, "^"):
				return 1
			case !strings.HasPrefix(b, "^"):
				return -1
			}
			a, b = a[1:], b[1:]
			continue
		}
		if a == "" || b == "" {
			break
		}
		num := isDigit(a[0])
		seg := func(s string) (string, string) {
			i := 0
			for i < len(s) && (num && isDigit(s[i]) || !num && isAlpha(s[i])) {
				i++
			}
			return s[:i], s[i:]
		}
		sa, ra := seg(a)
		sb, rb := seg(b)
		if sb == "" {
			if num {
				return 1
			}
			return -1
		}
		if num {
			sa, sb = strings.TrimLeft(sa, "0"), strings.TrimLeft(sb, "0")
			if len(sa) != len(sb) {
				if len(sa) > len(sb) {
					return 1
				}
				return -1
			}
		}
		if c := strings.Compare(sa, sb); c != 0 {
			return c
		}
		a, b = ra, rb
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	}
	return 1
}

// yumEffects is what the transaction does: packages present or absent, and
// an opaque change, since packages bring directories, units and binaries
// later tasks may need.
func yumEffects(changes map[string][]string, msg string) []Effect {
	var effs []Effect
	for _, k := range []string{"installed", "updated", "downgraded", "removed"} {
		state := "present"
		if k == "removed" {
			state = "absent"
		}
		for _, spec := range changes[k] {
			name, _ := yumSplit(spec)
			effs = append(effs, Effect{Kind: PackageEffect, Name: name, State: state})
		}
	}
	return append(effs, opaqueEffect("yum: %s", msg))
}
