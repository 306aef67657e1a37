package modules

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func init() { Define("fetch", fetchDoc, fetchPlan, ChangesNoHost) }

type fetchParams struct {
	Src           string `yaml:"src" required:"true" doc:"the file on the host"`
	Dest          string `yaml:"dest" required:"true" doc:"a directory on the controller: the file goes to dest/HOST/SRC (or dest itself with flat)"`
	Flat          bool   `yaml:"flat" doc:"write to dest (dest/basename(src) when dest ends with /) rather than dest/HOST/SRC"`
	FailOnMissing bool   `yaml:"fail_on_missing" default:"true" doc:"fail when src does not exist"`
}

const fetchDoc = "Copies a file from the host to the controller; idempotent by sha256."

func fetchPlan(ctx context.Context, t *Task, p *fetchParams) (*Plan, error) {
	dest, err := fetchDest(p, t.Host)
	if err != nil {
		return nil, err
	}
	noteFetched(dest)
	info, err := probePath(ctx, t, p.Src, probeOpts{Follow: true, Checksum: true})
	if err != nil {
		return nil, err
	}
	data := map[string]any{"dest": dest, "file": p.Src}
	switch {
	case info.Unknown != "":
		// An earlier task (a snapshot taken by a script) may make it.
		plan := unknownPlan(info.Unknown, data)
		plan.ControllerEffects = []Effect{{Kind: PathEffect, Name: dest, State: "file"}}
		return plan, nil
	case !info.Exists && p.FailOnMissing:
		msg := "the remote file does not exist: " + p.Src
		return nil, Fail(Result{Msg: msg, Data: data})
	case !info.Exists:
		return &Plan{Result: Result{Msg: "the remote file does not exist, not transferring, ignored", Data: data}}, nil
	case info.Type != "file":
		msg := fmt.Sprintf("remote %s is a %s, not a file", p.Src, info.Type)
		return nil, Fail(Result{Msg: msg, Data: data})
	}
	data["checksum"] = info.SHA256
	if local, err := os.ReadFile(dest); err == nil && sha256Hex(local) == info.SHA256 {
		return &Plan{Result: Result{Data: data}}, nil
	}
	// A later copy from the controller finds it there, in check mode too.
	fetched := Effect{Kind: PathEffect, Name: dest, State: "file", SHA256: info.SHA256}
	return &Plan{Result: Result{Changed: true, Msg: "fetched to " + dest, Data: data}, ControllerEffects: []Effect{fetched}, Apply: func(ctx context.Context, r *Result) error {
		b, err := t.Conn.ReadFile(ctx, p.Src, t.Become)
		if err != nil {
			return err
		}
		if got := sha256Hex(b); got != info.SHA256 {
			r.Data["checksum"] = got // changed between plan and apply: keep what was read
		}
		// The remote mode, readable by us: a 0600 key stays private here.
		return fetchWriteAtomic(dest, b, os.FileMode(info.Mode&0o666|0o600))
	}}, nil
}

// fetchDest is where the file goes on the controller. The host name is one
// path component, never a way out of dest: an inventory may name a host
// "../../etc".
func fetchDest(p *fetchParams, host string) (string, error) {
	if p.Flat {
		if strings.HasSuffix(p.Dest, "/") {
			return filepath.Join(p.Dest, filepath.Base(p.Src)), nil
		}
		return p.Dest, nil
	}
	if host == "" || host == "." || host == ".." || strings.ContainsAny(host, "/\x00") {
		return "", fmt.Errorf("fetch: host name %q cannot be a directory name under dest; use flat with a dest of your own", host)
	}
	return filepath.Join(p.Dest, host, filepath.Clean("/"+p.Src)), nil
}

// fetchWriteAtomic writes a controller file, its directory made first.
func fetchWriteAtomic(name string, b []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	return writeFileAtomic(name, b, mode)
}
