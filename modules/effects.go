package modules

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"sync"
)

// Effect is one thing a planned change will do to a host (or, for modules
// that run on the controller, to the controller). In check mode nothing is
// applied, so later tasks plan against the host's state plus the effects of
// the earlier tasks' plans: a `file state=directory` makes the directory a
// later `copy` writes into, a `lineinfile create: true` the file a later
// `blockinfile` edits.
type Effect struct {
	Kind EffectKind
	// Name is the path, package, unit or kubeadm action.
	Name string
	// State is a path's planned type ("file", "directory", "link",
	// "absent"), a package's "present" or "absent", a unit's state.
	State string
	// Mode is a path's planned permission bits, when ModeKnown.
	Mode      uint32
	ModeKnown bool
	// Content is a planned file's content, when ContentKnown; SHA256 its
	// checksum when only that is known (a copy on the host).
	Content      []byte
	ContentKnown bool
	SHA256       string
	// KeepsContent: only attributes change, the content stays the host's.
	KeepsContent bool
	// Target is a planned link's target.
	Target string
	// Owner and Group are a path's planned owner and group as a task
	// gives them (a name or an id); "" when the task leaves them.
	Owner, Group string
}

// EffectKind says what an Effect changes.
type EffectKind uint8

const (
	// PathEffect: a path is created, changed or removed.
	PathEffect EffectKind = iota
	// PackageEffect: a package is installed or removed.
	PackageEffect
	// UnitEffect: a systemd unit is started, stopped, enabled...
	UnitEffect
	// KubeadmEffect: kubeadm init, join or reset runs.
	KubeadmEffect
	// OpaqueEffect: a change whose footprint on paths is not known until
	// it is applied (a package brings directories, a command does
	// anything): a path missing now may exist by then. Name says what.
	OpaqueEffect
)

// Effects is what earlier tasks of this run plan to do to one host. Its
// methods are safe on a nil *Effects, which is what a task outside check
// mode gets: then the host's own state is the whole truth.
type Effects struct {
	mu     sync.Mutex
	byKind [OpaqueEffect]map[string]Effect
	opaque []string
}

// add records effects in order: a later effect on a name replaces an
// earlier one.
func (e *Effects) add(effs ...Effect) {
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, f := range effs {
		if f.Kind == OpaqueEffect {
			e.opaque = append(e.opaque, f.Name)
			continue
		}
		if e.byKind[f.Kind] == nil {
			e.byKind[f.Kind] = map[string]Effect{}
		}
		if f.Kind == PathEffect {
			f.Name = path.Clean(f.Name)
			if prev, ok := e.byKind[f.Kind][f.Name]; ok && prev.State == f.State {
				f = f.after(prev)
			}
		}
		e.byKind[f.Kind][f.Name] = f
	}
}

// Planned returns the planned effect of kind on name.
func (e *Effects) Planned(kind EffectKind, name string) (Effect, bool) {
	if e == nil || kind == OpaqueEffect {
		return Effect{}, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if kind == PathEffect {
		name = path.Clean(name)
	}
	f, ok := e.byKind[kind][name]
	return f, ok
}

// Opaque lists the planned changes whose footprint is unknown, in order.
func (e *Effects) Opaque() []string {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.opaque...)
}

// plannedDir reports whether dir is a planned directory, or the planned
// parent of a planned path (file state=directory makes the parents too).
func (e *Effects) plannedDir(dir string) bool {
	if e == nil {
		return false
	}
	dir = path.Clean(dir)
	e.mu.Lock()
	defer e.mu.Unlock()
	for name, f := range e.byKind[PathEffect] {
		if f.State == "absent" {
			continue
		}
		if (name == dir && f.State == "directory") || strings.HasPrefix(name, dir+"/") {
			return true
		}
	}
	return false
}

// Planned is every host's Effects in one run, and the controller's under
// the name "". The executor keeps one for a check-mode run.
type Planned struct {
	mu    sync.Mutex
	hosts map[string]*Effects
}

// Of is host's Effects ("" the controller's), made on first use.
func (p *Planned) Of(host string) *Effects {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hosts == nil {
		p.hosts = map[string]*Effects{}
	}
	e := p.hosts[host]
	if e == nil {
		e = &Effects{}
		p.hosts[host] = e
	}
	return e
}

// withPlanned lays e's planned effects over what a probe with o saw, so a
// plan in check mode sees what earlier tasks would have left. A path that
// does not exist while an opaque change is pending is Unknown.
func withPlanned(e *Effects, info *pathInfo, o probeOpts) {
	if e == nil {
		return
	}
	if f, ok := e.Planned(PathEffect, info.Path); ok && f.State == "directory" && o.IntoDir != "" && !info.IntoDir {
		info.Path, info.IntoDir = strings.TrimSuffix(info.Path, "/")+"/"+o.IntoDir, true
		info.Exists, info.ParentDir = false, true
	}
	if o.Other != "" {
		if other, ok := e.Planned(PathEffect, o.Other); ok {
			info.OtherExists = other.State != "absent"
		}
	}
	f, ok := e.Planned(PathEffect, info.Path)
	if !ok {
		if !info.ParentDir && e.plannedDir(path.Dir(info.Path)) {
			info.ParentDir = true
		}
		if !info.Exists {
			info.Unknown = mayMake(e, info.Path)
		}
		return
	}
	planned := pathInfo{Path: info.Path, ParentDir: true, IntoDir: info.IntoDir, Followed: info.Followed,
		OtherExists: info.OtherExists, LinkTarget: f.Target}
	if f.State == "absent" {
		planned.ParentDir = info.ParentDir || e.plannedDir(path.Dir(info.Path))
		*info = planned
		return
	}
	planned.Exists, planned.Type = true, f.State
	planned.Readable, planned.Writable = true, true
	planned.Owner, planned.Group, planned.UID, planned.GID = info.Owner, info.Group, info.UID, info.GID
	if f.Owner != "" {
		planned.Owner, planned.UID = plannedOwner(f.Owner)
	}
	if f.Group != "" {
		planned.Group, planned.GID = plannedOwner(f.Group)
	}
	switch {
	case f.ModeKnown:
		planned.Mode = f.Mode
	case info.Exists:
		planned.Mode = info.Mode
	case f.State == "directory":
		planned.Mode, planned.Executable = 0o755, true // what umask 022 gives
	default:
		planned.Mode = 0o644
	}
	if f.State == "file" {
		if f.KeepsContent && info.Exists {
			planned.Size, planned.SHA256, planned.Content, planned.HasContent = info.Size, info.SHA256, info.Content, info.HasContent
		} else if f.ContentKnown {
			planned.Size, planned.SHA256 = int64(len(f.Content)), sha256Hex(f.Content)
			if o.Content > 0 && planned.Size <= o.Content {
				planned.Content, planned.HasContent = f.Content, true
			}
		} else if planned.SHA256 = f.SHA256; o.Content > 0 || (o.Checksum && f.SHA256 == "") {
			// The caller needs what is not known before the earlier
			// task has run.
			planned.Unknown = "the content of " + info.Path + " is known once an earlier task has written it"
		}
	}
	*info = planned
}

// mayMake says why a path missing on the host is unknown until applied: an
// opaque change is pending, and may make it ("" when none is).
func mayMake(e *Effects, name string) string {
	opaque := e.Opaque()
	if len(opaque) == 0 {
		return ""
	}
	return fmt.Sprintf("%s does not exist yet, and an earlier change may make it (%s)", name, opaque[len(opaque)-1])
}

// unknownPlan is a check-mode plan whose outcome depends on what earlier
// planned changes leave on the host: it counts as a change, says why (as
// Output too, so the result line shows it at every verbosity), and still
// passes on what it would do.
func unknownPlan(why string, data map[string]any, effs ...Effect) *Plan {
	msg := "unknown until applied: " + why
	return &Plan{Result: Result{Changed: true, Unknown: true, Msg: msg, Output: msg, Data: data}, Effects: effs}
}

// opaqueEffect is a change with an unknown footprint, named by what it does.
func opaqueEffect(format string, a ...any) Effect {
	return Effect{Kind: OpaqueEffect, Name: fmt.Sprintf(format, a...)}
}

// attrsEffect is a change of an existing path's attributes only.
func attrsEffect(info *pathInfo, a fileAttrs) Effect {
	f := Effect{Kind: PathEffect, Name: info.Path, State: info.Type, KeepsContent: true, Owner: a.Owner, Group: a.Group}
	if a.Mode.IsSet() && !a.Mode.Preserve() {
		f.Mode, f.ModeKnown = a.Mode.Apply(info.Mode, info.Type == "directory"), true
	}
	return f
}

// after is f following an earlier effect on the same path of the same
// type: what f leaves as it was stays as prev planned it.
func (f Effect) after(prev Effect) Effect {
	if f.KeepsContent {
		// Attributes of a planned file: its planned content stays.
		f.Content, f.ContentKnown, f.SHA256, f.KeepsContent, f.Target = prev.Content, prev.ContentKnown, prev.SHA256, prev.KeepsContent, prev.Target
	}
	if !f.ModeKnown {
		f.Mode, f.ModeKnown = prev.Mode, prev.ModeKnown
	}
	if f.Owner == "" {
		f.Owner = prev.Owner
	}
	if f.Group == "" {
		f.Group = prev.Group
	}
	return f
}

// plannedOwner is an owner as a task gives it: a number is an id, anything
// else a name (whose id is not known here).
func plannedOwner(s string) (string, int) {
	if n, err := strconv.Atoi(s); err == nil {
		return "", n
	}
	return s, -1
}
