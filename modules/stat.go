package modules

import (
	"context"
	"fmt"
)

func init() { Define("stat", statDoc, statPlan, ChangesNoHost) }

type statParams struct {
	Path        string `yaml:"path" alias:"dest,name" required:"true" doc:"the path to look at"`
	Follow      bool   `yaml:"follow" doc:"describe the target of a link"`
	GetChecksum bool   `yaml:"get_checksum" default:"true" doc:"compute the checksum of a regular file"`
	Algorithm   string `yaml:"checksum_algorithm" alias:"checksum,checksum_algo" default:"sha256" choices:"sha256" doc:"only sha256: a playbook expecting Ansible's default sha1 fails to load rather than compare wrong values"`
	GetMime     bool   `yaml:"get_mime" doc:"accepted for compatibility; ignored"`
	GetAttrs    bool   `yaml:"get_attributes" doc:"accepted for compatibility; ignored"`
	GetMD5      bool   `yaml:"get_md5" doc:"accepted for compatibility; ignored"`
}

const statDoc = "Describes a path (result: stat.exists, isdir, isreg, islnk, mode, uid, gid, pw_name, gr_name, size, mtime, lnk_target, checksum). checksum is sha256, not Ansible's sha1."

func statPlan(ctx context.Context, t *Task, p *statParams) (*Plan, error) {
	info, err := probePath(ctx, t, p.Path, probeOpts{Follow: p.Follow, Checksum: p.GetChecksum})
	if err != nil {
		return nil, err
	}
	st := map[string]any{"exists": info.Exists}
	if info.Exists {
		st["path"] = p.Path
		st["isdir"] = info.Type == "directory"
		st["isreg"] = info.Type == "file"
		st["islnk"] = info.Type == "link"
		st["mode"] = fmt.Sprintf("%04o", info.Mode)
		st["uid"], st["gid"] = info.UID, info.GID
		st["pw_name"], st["gr_name"] = info.Owner, info.Group
		st["size"], st["mtime"] = info.Size, info.MTime
		st["readable"], st["writeable"], st["executable"] = info.Readable, info.Writable, info.Executable
		if info.Type == "link" {
			st["lnk_target"], st["lnk_source"] = info.LinkTarget, info.LinkTarget
		}
		if info.SHA256 != "" {
			st["checksum"] = info.SHA256
		}
	}
	return &Plan{Result: Result{Data: map[string]any{"stat": st}}}, nil
}
