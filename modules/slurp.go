package modules

import (
	"context"
	"encoding/base64"
	"errors"
	"io/fs"
)

func init() { Define("slurp", slurpDoc, slurpPlan, ChangesNoHost) }

type slurpParams struct {
	Src string `yaml:"src" alias:"path" required:"true" doc:"the file to read"`
}

const slurpDoc = "Reads a file from the host (result: content, base64-encoded; decode with b64decode)."

func slurpPlan(ctx context.Context, t *Task, p *slurpParams) (*Plan, error) {
	b, err := t.Conn.ReadFile(ctx, p.Src, t.Become)
	if f, ok := t.Effects.Planned(PathEffect, p.Src); ok && f.State == "absent" {
		b, err = nil, fs.ErrNotExist // an earlier task removes it
	}
	if b, known, why := slurpPlanned(t.Effects, p.Src, b, err); why != "" {
		// Check mode: an earlier task plans the file; it reads what that
		// task would leave, or says it cannot know yet.
		if !known {
			return &Plan{Result: Result{Unknown: true, Msg: "unknown until applied: " + why, Output: "unknown until applied: " + why,
				Data: map[string]any{"source": p.Src}}}, nil
		}
		return &Plan{Result: Result{Data: map[string]any{
			"content": base64.StdEncoding.EncodeToString(b), "encoding": "base64", "source": p.Src,
		}}}, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		msg := "file not found: " + p.Src
		return nil, Fail(Result{Msg: msg, Data: map[string]any{"msg": msg}})
	}
	if err != nil {
		return nil, err
	}
	return &Plan{Result: Result{Data: map[string]any{
		"content": base64.StdEncoding.EncodeToString(b), "encoding": "base64", "source": p.Src,
	}}}, nil
}

// slurpPlanned is what earlier planned changes say of src, read as b (or
// err): why is "" when they say nothing and the host is the truth;
// otherwise known tells whether b is the planned content.
func slurpPlanned(e *Effects, src string, b []byte, err error) ([]byte, bool, string) {
	f, ok := e.Planned(PathEffect, src)
	switch {
	case ok && f.State == "file" && f.ContentKnown:
		return f.Content, true, "planned"
	case ok && f.State == "file" && f.KeepsContent && err == nil:
		return b, true, "planned"
	case ok && f.State == "file":
		return nil, false, "the content of " + src + " is known once an earlier task has written it"
	case !ok && errors.Is(err, fs.ErrNotExist) && len(e.Opaque()) > 0:
		return nil, false, src + " does not exist yet, and an earlier change may make it (" + e.Opaque()[len(e.Opaque())-1] + ")"
	}
	return nil, false, ""
}
