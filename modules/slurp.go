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
