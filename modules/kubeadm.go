package modules

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"regexp"
	"strings"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/modules/remote"
)

func init() { Define("kubeadm", kubeadmDoc, kubeadmPlan) }

type kubeadmParams struct {
	Action                   string   `yaml:"action" required:"true" choices:"init,join,reset,token_create,upload_certs,certs_renew,certificate_key,config_validate"`
	Config                   string   `yaml:"config" doc:"kubeadm config file on the host (render it with template)"`
	APIServerEndpoint        hostPort `yaml:"api_server_endpoint" doc:"join: the control plane endpoint, VIP:6443"`
	Token                    string   `yaml:"token" doc:"join: bootstrap token (secret)"`
	DiscoveryTokenCACertHash string   `yaml:"discovery_token_ca_cert_hash" doc:"join: sha256:... of the cluster CA's public key"`
	CertificateKey           string   `yaml:"certificate_key" doc:"join --control-plane, upload_certs, token_create: the key of the uploaded certificates (secret)"`
	ControlPlane             bool     `yaml:"control_plane" doc:"join as a control-plane node"`
	UploadCerts              bool     `yaml:"upload_certs" doc:"init: upload the control-plane certificates (--upload-certs)"`
	IgnorePreflightErrors    []string `yaml:"ignore_preflight_errors" doc:"preflight checks to ignore"`
	ExtraArgs                []string `yaml:"extra_args" doc:"more arguments, one per item"`
	KubeadmBin               string   `yaml:"kubeadm_bin" default:"kubeadm"`
}

const kubeadmDoc = `Runs kubeadm: init, join (worker, or control plane with
certificate_key), reset, token_create, upload_certs, certs_renew (kubeadm
certs renew all: every certificate and kubeconfig kubeadm made, reissued
with its key kept; ask when it is due first), certificate_key and
config_validate.

init is skipped when /etc/kubernetes/admin.conf exists, join when
/etc/kubernetes/kubelet.conf exists, reset when nothing of a cluster is
left. init and token_create register the join data other hosts read
through hostvars: token, ca_cert_hash (sha256 of the cluster CA's public
key, computed from /etc/kubernetes/pki/ca.crt, also on a skipped init),
certificate_key, api_server_endpoint, join_command and
control_plane_join_command. Tokens and certificate keys are listed in the
result's Secrets, so hapb never shows them. In check mode a given config
is validated with kubeadm config validate and the command that would run
is reported.`

const (
	kubeadmAdminConf   = "/etc/kubernetes/admin.conf"
	kubeadmKubeletConf = "/etc/kubernetes/kubelet.conf"
	kubeadmCACert      = "/etc/kubernetes/pki/ca.crt"
)

// kubeadmScript reports what exists of a cluster; with $2 = validate it also
// validates the config $1 (read-only, so fine in Plan). In check mode the
// config may not exist yet: template did not write it.
var kubeadmScript = remote.Script(`[ -e /etc/kubernetes/admin.conf ] && { s admin; echo yes; }
[ -e /etc/kubernetes/kubelet.conf ] && { s kubelet; echo yes; }
[ -e /var/lib/kubelet/config.yaml ] && { s kubeletconfig; echo yes; }
[ -n "$(ls -A /etc/kubernetes/manifests 2>/dev/null)" ] && { s manifests; echo yes; }
[ -r /etc/kubernetes/pki/ca.crt ] && { s ca; cat /etc/kubernetes/pki/ca.crt; }
if [ "$2" = validate ]; then
	if [ -e "$1" ] && command -v "$3" >/dev/null; then s validate; "$3" config validate --config "$1" 2>&1; echo "rc=$?"; else s noconfig; fi
fi`)

func kubeadmPlan(ctx context.Context, t *Task, params *kubeadmParams) (*Plan, error) {
	var secrets []string
	for _, s := range []string{params.Token, params.CertificateKey} {
		if s != "" {
			secrets = append(secrets, s)
		}
	}
	plan := &Plan{Result: Result{Data: map[string]any{"action": params.Action}, Secrets: secrets}}
	switch params.Action {
	case "certificate_key":
		return kubeadmCertificateKey(ctx, t, params, plan)
	case "config_validate":
		return kubeadmConfigValidate(ctx, t, params, plan)
	case "join":
		if params.Config == "" && (params.APIServerEndpoint == "" || params.Token == "" || params.DiscoveryTokenCACertHash == "") {
			return nil, fmt.Errorf("kubeadm: join needs config, or api_server_endpoint, token and discovery_token_ca_cert_hash")
		}
		if params.ControlPlane && params.Config == "" && params.CertificateKey == "" {
			return nil, fmt.Errorf("kubeadm: a control-plane join needs certificate_key (or a config with certificateKey)")
		}
	}
	sec, err := kubeadmReadState(ctx, t, params, plan)
	if err != nil {
		return nil, err
	}
	cmd := &conn.Cmd{Secrets: secrets}
	done, err := kubeadmCommand(t, params, sec, cmd)
	if err != nil {
		return nil, err
	}
	if done != "" {
		plan.Msg = done
		return plan, nil
	}
	plan.Changed = true
	plan.Msg = "would run: " + conn.Explain(cmd)
	if _, ok := sec["noconfig"]; ok {
		plan.Msg += " (" + params.Config + " not on the host yet, not validated)"
	}
	plan.Data["cmd"] = conn.Explain(cmd)
	plan.Effects = kubeadmEffects(params.Action, plan.Msg)
	plan.Apply = func(ctx context.Context, r *Result) error { return kubeadmApply(ctx, t, params, cmd, r) }
	return plan, nil
}

// kubeadmCertificateKey generates a key: random, it changes nothing on the
// host, so it runs in the plan.
func kubeadmCertificateKey(ctx context.Context, t *Task, params *kubeadmParams, plan *Plan) (*Plan, error) {
	out, err := kubeadmRun(ctx, t, &conn.Cmd{Args: []string{params.KubeadmBin, "certs", "certificate-key"}})
	if err != nil {
		return nil, err
	}
	key := kubeadmLastLine(out)
	plan.Data["certificate_key"] = key
	plan.Secrets = append(plan.Secrets, key)
	return plan, nil
}

// kubeadmConfigValidate validates a config: read-only, so it runs in the
// plan, in check mode too unless what it needs is only planned (the config
// from a template, kubeadm itself from a package).
func kubeadmConfigValidate(ctx context.Context, t *Task, params *kubeadmParams, plan *Plan) (*Plan, error) {
	bin := params.KubeadmBin
	if params.Config == "" {
		return nil, fmt.Errorf("kubeadm: config_validate needs config")
	}
	if t.Check {
		res, err := t.Run(ctx, &conn.Cmd{Script: "test -e " + conn.Quote(params.Config) + " && command -v " + conn.Quote(bin) + " >/dev/null"})
		if err != nil {
			return nil, err
		}
		if why := kubeadmPending(t.Effects, params.Config); res.ExitCode != 0 && why != "" {
			// Validating changes nothing: unknown, not a change.
			plan.Unknown = true
			plan.Msg = "unknown until applied: would validate " + params.Config + " (" + why + ")"
			plan.Output = plan.Msg
			return plan, nil
		}
	}
	out, err := kubeadmRun(ctx, t, &conn.Cmd{Args: []string{bin, "config", "validate", "--config", params.Config}})
	if err != nil {
		return nil, err
	}
	plan.Msg = strings.TrimSpace(out)
	return plan, nil
}

// kubeadmReadState reads what exists of a cluster on the node (and, in
// check mode, validates the config init or join would use); it puts the
// CA's hash in the plan's data.
func kubeadmReadState(ctx context.Context, t *Task, params *kubeadmParams, plan *Plan) (remote.Sections, error) {
	validate := ""
	if t.Check && params.Config != "" && (params.Action == "init" || params.Action == "join") {
		validate = "validate"
	}
	res, err := t.Run(ctx, &conn.Cmd{Script: "sh -c " + conn.Quote(kubeadmScript) + " kubeadm " + conn.QuoteArgs([]string{params.Config, validate, params.KubeadmBin})})
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("kubeadm: reading the node's state: %s", bytes.TrimSpace(res.Stderr))
	}
	sec := remote.Parse(res.Stdout)
	if out, rc := sec.Status("validate"); sec.Has("validate") && rc != "0" {
		return nil, fmt.Errorf("kubeadm: %s is not valid: %s", params.Config, out)
	}
	if ca, ok := sec["ca"]; ok {
		hash, err := kubeadmCAHash([]byte(ca))
		if err != nil {
			return nil, err
		}
		plan.Data["ca_cert_hash"] = hash
	}
	return sec, nil
}

// kubeadmCommand fills cmd with what the action runs on a node in state
// sec, or returns why nothing needs to run.
func kubeadmCommand(t *Task, params *kubeadmParams, sec remote.Sections, cmd *conn.Cmd) (done string, err error) {
	bin := params.KubeadmBin
	// In check mode an earlier kubeadm init may be planned to make the
	// control plane: the plan is then the command that would run.
	initialised := sec["admin"] != "" || kubeadmInitPlanned(t.Effects)
	switch params.Action {
	case "init":
		if sec["admin"] != "" {
			return kubeadmAdminConf + " exists: the cluster is initialised", nil
		}
		cmd.Args = []string{bin, "init"}
		if params.Config != "" {
			cmd.Args = append(cmd.Args, "--config", params.Config)
		}
		if params.UploadCerts {
			cmd.Args = append(cmd.Args, "--upload-certs")
		}
	case "join":
		if sec["kubelet"] != "" {
			return kubeadmKubeletConf + " exists: the node has joined", nil
		}
		cmd.Args = kubeadmJoinArgs(params)
	case "reset":
		if sec["admin"] == "" && sec["kubelet"] == "" && sec["kubeletconfig"] == "" && sec["manifests"] == "" {
			return "nothing to reset", nil
		}
		cmd.Args = []string{bin, "reset", "-f"}
	case "token_create":
		if !initialised {
			return "", fmt.Errorf("kubeadm: token_create needs an initialised control plane (%s)", kubeadmAdminConf)
		}
		cmd.Args = []string{bin, "token", "create", "--print-join-command"}
	case "certs_renew":
		if !initialised {
			return "", fmt.Errorf("kubeadm: certs_renew needs an initialised control plane (%s)", kubeadmAdminConf)
		}
		cmd.Args = []string{bin, "certs", "renew", "all"}
		if params.Config != "" {
			cmd.Args = append(cmd.Args, "--config", params.Config)
		}
	case "upload_certs":
		if !initialised {
			return "", fmt.Errorf("kubeadm: upload_certs needs an initialised control plane (%s)", kubeadmAdminConf)
		}
		cmd.Args = []string{bin, "init", "phase", "upload-certs", "--upload-certs"}
		if params.Config != "" {
			cmd.Args = append(cmd.Args, "--config", params.Config)
		}
		if params.CertificateKey != "" {
			cmd.Args = append(cmd.Args, "--certificate-key", params.CertificateKey)
		}
	}
	if len(params.IgnorePreflightErrors) > 0 && (params.Action == "init" || params.Action == "join" || params.Action == "reset") {
		cmd.Args = append(cmd.Args, "--ignore-preflight-errors="+strings.Join(params.IgnorePreflightErrors, ","))
	}
	cmd.Args = append(cmd.Args, params.ExtraArgs...)
	return "", nil
}

func kubeadmJoinArgs(params *kubeadmParams) []string {
	args := []string{params.KubeadmBin, "join"}
	if params.Config != "" {
		return append(args, "--config", params.Config)
	}
	args = append(args, string(params.APIServerEndpoint), "--token", params.Token,
		"--discovery-token-ca-cert-hash", params.DiscoveryTokenCACertHash)
	if params.ControlPlane {
		args = append(args, "--control-plane", "--certificate-key", params.CertificateKey)
	}
	return args
}

// kubeadmApply runs cmd and registers what it printed: the join data of
// init and token_create, the key of upload_certs.
func kubeadmApply(ctx context.Context, t *Task, params *kubeadmParams, cmd *conn.Cmd, r *Result) error {
	r.Msg = ""
	out, err := kubeadmRun(ctx, t, cmd)
	r.Data["stdout"] = conn.Redact(out, cmd.Secrets)
	if err != nil {
		return err
	}
	switch params.Action {
	case "init", "token_create":
		if params.Action == "init" {
			if b, err := t.Conn.ReadFile(ctx, kubeadmCACert, t.Become); err == nil {
				if hash, err := kubeadmCAHash(b); err == nil {
					r.Data["ca_cert_hash"] = hash
				}
			}
		}
		kubeadmJoinData(r, out, params.CertificateKey)
	case "upload_certs":
		key := kubeadmLastLine(out)
		r.Data["certificate_key"] = key
		r.Secrets = append(r.Secrets, key)
	}
	// Output holds the new token and key: redact what we now know.
	r.Data["stdout"] = conn.Redact(out, r.Secrets)
	return nil
}

var (
	kubeadmJoinRE     = regexp.MustCompile(`kubeadm join (\S+)[^\n]*`)
	kubeadmTokenRE    = regexp.MustCompile(`--token\s+(\S+)`)
	kubeadmHashRE     = regexp.MustCompile(`--discovery-token-ca-cert-hash\s+(\S+)`)
	kubeadmCertKeyRE  = regexp.MustCompile(`--certificate-key\s+(\S+)`)
	kubeadmLineContRE = regexp.MustCompile(`\s*\\\n\s*`)
)

// kubeadmJoinData fills the join data from kubeadm's printed join commands.
// certKey, when the task knows one, completes the control-plane command.
func kubeadmJoinData(r *Result, out, certKey string) {
	text := kubeadmLineContRE.ReplaceAllString(out, " ")
	worker, control := "", ""
	for _, m := range kubeadmJoinRE.FindAllString(text, -1) {
		m = strings.TrimSpace(m)
		if strings.Contains(m, "--control-plane") {
			control = m
		} else if worker == "" {
			worker = m
		}
	}
	if worker == "" && control == "" {
		return
	}
	both := worker + " " + control
	if m := kubeadmJoinRE.FindStringSubmatch(both); m != nil {
		r.Data["api_server_endpoint"] = m[1]
	}
	if m := kubeadmTokenRE.FindStringSubmatch(both); m != nil {
		r.Data["token"] = m[1]
		r.Secrets = append(r.Secrets, m[1])
	}
	if m := kubeadmHashRE.FindStringSubmatch(both); m != nil && r.Data["ca_cert_hash"] == nil {
		r.Data["ca_cert_hash"] = m[1] // the hash computed from ca.crt wins
	}
	if m := kubeadmCertKeyRE.FindStringSubmatch(control); m != nil {
		certKey = m[1]
	}
	if worker == "" {
		worker = strings.TrimSpace(kubeadmCertKeyRE.ReplaceAllString(strings.Replace(control, " --control-plane", "", 1), ""))
	}
	if control == "" && certKey != "" {
		control = worker + " --control-plane --certificate-key " + certKey
	}
	if certKey != "" {
		r.Data["certificate_key"] = certKey
		r.Secrets = append(r.Secrets, certKey)
	}
	r.Data["join_command"] = worker
	if control != "" {
		r.Data["control_plane_join_command"] = control
	}
}

// kubeadmCAHash is kubeadm's discovery hash: sha256 of the CA certificate's
// DER SubjectPublicKeyInfo.
func kubeadmCAHash(pemBytes []byte) (string, error) {
	blk, _ := pem.Decode(pemBytes)
	if blk == nil {
		return "", fmt.Errorf("kubeadm: %s holds no PEM certificate", kubeadmCACert)
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return "", fmt.Errorf("kubeadm: %s: %w", kubeadmCACert, err)
	}
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

func kubeadmRun(ctx context.Context, t *Task, cmd *conn.Cmd) (string, error) {
	res, err := t.Run(ctx, cmd)
	if err != nil {
		return "", err
	}
	out := string(res.Stdout)
	if res.ExitCode != 0 {
		msg := strings.TrimSpace(string(res.Stderr) + "\n" + out)
		return out, fmt.Errorf("kubeadm: %s failed (exit %d): %s", conn.Explain(cmd), res.ExitCode, conn.Redact(msg, cmd.Secrets))
	}
	return out, nil
}

func kubeadmLastLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// kubeadmInitPlanned reports whether an earlier task plans kubeadm init on
// this host (check mode only).
func kubeadmInitPlanned(e *Effects) bool {
	_, ok := e.Planned(KubeadmEffect, "init")
	return ok
}

// kubeadmPending says why a config or kubeadm missing now may be there
// once earlier planned changes are applied ("" when nothing would).
func kubeadmPending(e *Effects, config string) string {
	if f, ok := e.Planned(PathEffect, config); ok && f.State == "file" {
		return "an earlier task writes " + config
	}
	if opaque := e.Opaque(); len(opaque) > 0 {
		return "an earlier change may install kubeadm: " + opaque[len(opaque)-1]
	}
	return ""
}

// kubeadmRenewed are the files kubeadm certs renew all rewrites (those of
// stacked etcd only where they exist; a planned file that is not there is
// never read).
var kubeadmRenewed = []string{
	kubeadmAdminConf, "/etc/kubernetes/super-admin.conf", "/etc/kubernetes/controller-manager.conf", "/etc/kubernetes/scheduler.conf",
	"/etc/kubernetes/pki/apiserver.crt", "/etc/kubernetes/pki/apiserver-kubelet-client.crt", "/etc/kubernetes/pki/front-proxy-client.crt",
	"/etc/kubernetes/pki/apiserver-etcd-client.crt", "/etc/kubernetes/pki/etcd/server.crt", "/etc/kubernetes/pki/etcd/peer.crt",
	"/etc/kubernetes/pki/etcd/healthcheck-client.crt",
}

// kubeadmEffects is what an action leaves on the node: the files that say
// how far the node is, and, for init, join and reset, much more (an
// opaque change).
func kubeadmEffects(action, msg string) []Effect {
	file := func(p string) Effect { return Effect{Kind: PathEffect, Name: p, State: "file"} }
	effs := []Effect{{Kind: KubeadmEffect, Name: action}}
	switch action {
	case "init":
		effs = append(effs, file(kubeadmAdminConf), file(kubeadmKubeletConf), file(kubeadmCACert))
	case "join":
		effs = append(effs, file(kubeadmKubeletConf), file(kubeadmCACert))
	case "reset":
		for _, p := range []string{kubeadmAdminConf, kubeadmKubeletConf} {
			effs = append(effs, Effect{Kind: PathEffect, Name: p, State: "absent"})
		}
	case "certs_renew":
		// Rewritten with contents known once applied: a later fetch or
		// copy of one (admin.conf to the admin hosts) is unknown until then.
		for _, p := range kubeadmRenewed {
			effs = append(effs, file(p))
		}
		return effs
	default:
		return effs // tokens and uploaded certificates live in the cluster
	}
	return append(effs, opaqueEffect("kubeadm: %s", msg))
}
