package modules

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hapb/hapb/engine/conn"
	"github.com/hapb/hapb/engine/conn/conntest"
	"github.com/hapb/hapb/modules/remote"
)

const kubeadmInitOut = `Your Kubernetes control-plane has initialized successfully!

You can now join any number of control-plane nodes running the following command on each as root:

  kubeadm join 10.0.0.100:6443 --token abcdef.0123456789abcdef \
	--discovery-token-ca-cert-hash sha256:1111 \
	--control-plane --certificate-key c0ffee

Then you can join any number of worker nodes by running the following on each as root:

kubeadm join 10.0.0.100:6443 --token abcdef.0123456789abcdef \
	--discovery-token-ca-cert-hash sha256:1111 
`

// kubeadmTestCA makes a CA with the x509 module and returns its PEM.
func kubeadmTestCA(t *testing.T) (string, []byte) {
	dir := t.TempDir()
	p := &x509Params{Cert: filepath.Join(dir, "ca.crt"), CA: true, CommonName: "kubernetes", KeyType: "rsa", RSABits: 2048, RenewBefore: 30}
	plan, err := x509Plan(context.Background(), &Task{}, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Apply(context.Background(), &plan.Result); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p.Cert)
	return p.Cert, b
}

func TestKubeadmCAHash(t *testing.T) {
	path, pemBytes := kubeadmTestCA(t)
	got, err := kubeadmCAHash(pemBytes)
	if err != nil {
		t.Fatal(err)
	}
	// The recipe of the kubeadm docs.
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("no openssl")
	}
	out, err := exec.Command("sh", "-c", "openssl x509 -pubkey -in "+conn.Quote(path)+" | openssl rsa -pubin -outform der 2>/dev/null | openssl dgst -sha256 -hex | sed 's/^.* //'").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "sha256:" + strings.TrimSpace(string(out)); got != want {
		t.Errorf("hash = %s, want %s", got, want)
	}
}

// kubeadmState is the state script's output; each section is "NAME\nBODY".
func kubeadmState(sections ...string) string {
	var pairs []string
	for _, s := range sections {
		name, body, _ := strings.Cut(s, "\n")
		pairs = append(pairs, name, body+"\n")
	}
	return remote.Format(pairs...)
}

func TestKubeadm(t *testing.T) {
	_, ca := kubeadmTestCA(t)
	caHash, _ := kubeadmCAHash(ca)
	withCA := "\n@@hapb ca\n" + string(ca) + kubeadmState("admin\nyes")
	tests := kubeadmCases(caHash, withCA)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.params.KubeadmBin == "" {
				tt.params.KubeadmBin = "kubeadm"
			}
			fake := conntest.New().On("@@hapb", 0, tt.state).
				On("kubeadm init --config", 0, kubeadmInitOut).
				On("token create", 0, "kubeadm join 10.0.0.100:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:1111 \n").
				On("phase upload-certs", 0, "[upload-certs] Using certificate key:\nf00d\n").
				On("certs certificate-key", 0, "f00d\n").
				On("certs renew all", 0, "certificates renewed\n")
			fake.Files[kubeadmCACert] = ca
			task := &Task{Conn: fake, Check: tt.check}
			if tt.check {
				task.Effects = &Effects{}
				task.Effects.add(tt.planned...)
			}
			plan, err := kubeadmPlan(context.Background(), task, &tt.params)
			if !planErr(t, err, tt.err) {
				return
			}
			if plan.Changed != tt.changed || (plan.Apply != nil) != tt.changed {
				t.Fatalf("changed = %v, want %v (%s)", plan.Changed, tt.changed, plan.Msg)
			}
			for _, s := range plan.Secrets {
				if strings.Contains(plan.Msg, s) {
					t.Errorf("msg shows secret %q: %s", s, plan.Msg)
				}
			}
			if plan.Apply != nil && !tt.check {
				if err := plan.Apply(context.Background(), &plan.Result); err != nil {
					t.Fatal(err)
				}
				if !fake.Ran(tt.ran) {
					t.Errorf("did not run %q:\n%s", tt.ran, fake)
				}
				for _, s := range plan.Secrets {
					if strings.Contains(plan.Data["stdout"].(string), s) {
						t.Errorf("stdout shows secret %q", s)
					}
				}
			}
			for k, v := range tt.data {
				if plan.Data[k] != v {
					t.Errorf("data[%s] = %v, want %v", k, plan.Data[k], v)
				}
			}
			for _, s := range tt.secrets {
				found := false
				for _, got := range plan.Secrets {
					found = found || got == s
				}
				if !found {
					t.Errorf("secret %q not in %v", s, plan.Secrets)
				}
			}
		})
	}
}

func TestKubeadmFailureRedacts(t *testing.T) {
	fake := conntest.New().On("@@hapb", 0, kubeadmState()).On("kubeadm join", 1, "error: token s3cr3t.token rejected")
	p := &kubeadmParams{Action: "join", APIServerEndpoint: "e:6443", Token: "s3cr3t.token", DiscoveryTokenCACertHash: "sha256:1", KubeadmBin: "kubeadm"}
	plan, err := kubeadmPlan(context.Background(), &Task{Conn: fake}, p)
	if err != nil {
		t.Fatal(err)
	}
	err = plan.Apply(context.Background(), &plan.Result)
	if err == nil || strings.Contains(err.Error(), "s3cr3t") || !strings.Contains(err.Error(), "********") {
		t.Errorf("err = %v", err)
	}
}

// TestKubeadmLocalScript runs the state script for real (under the local
// sh, dash on Debian) on a host that is no Kubernetes node.
func TestKubeadmLocalScript(t *testing.T) {
	if _, err := os.Stat("/etc/kubernetes"); err == nil {
		t.Skip("this machine has /etc/kubernetes")
	}
	task := &Task{Conn: &conn.Local{}, Check: true}
	plan, err := kubeadmPlan(context.Background(), task, &kubeadmParams{Action: "reset", KubeadmBin: "kubeadm"})
	if err != nil || plan.Changed {
		t.Fatalf("reset: %v %v", plan, err)
	}
	plan, err = kubeadmPlan(context.Background(), task, &kubeadmParams{Action: "init", Config: "/nonexistent/kubeadm.yaml", KubeadmBin: "kubeadm"})
	if err != nil || !plan.Changed || !strings.Contains(plan.Msg, "not validated") {
		t.Fatalf("init: %+v %v", plan, err)
	}
}

// In check mode, validating a config that an earlier task would write (or
// with a kubeadm a package would install) is unknown until applied; with
// nothing planned it runs, and fails as the real run would.
func TestKubeadmValidateInCheckModeBeforeInstall(t *testing.T) {
	const config = "/etc/kubernetes/hapb/kubeadm.yaml"
	tests := []struct {
		name    string
		planned []Effect
		unknown bool
	}{
		{"config planned", []Effect{{Kind: PathEffect, Name: config, State: "file"}}, true},
		{"package planned", []Effect{opaqueEffect("yum: installed kubeadm")}, true},
		{"nothing planned", nil, false},
	}
	for _, tt := range tests {
		fake := conntest.New().On("command -v", 1, "").On("config validate", 1, "open "+config+": no such file")
		task := &Task{Conn: fake, Check: true, Effects: &Effects{}}
		task.Effects.add(tt.planned...)
		p := &kubeadmParams{Action: "config_validate", Config: config, KubeadmBin: "kubeadm"}
		plan, err := kubeadmPlan(context.Background(), task, p)
		if tt.unknown {
			if err != nil || !plan.Unknown || plan.Changed || fake.Ran("config validate") {
				t.Errorf("%s: plan %+v, err %v\n%s", tt.name, plan, err, fake)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "no such file") {
			t.Errorf("%s: err %v, want the real run's failure", tt.name, err)
		}
	}
}

// kubeadmCase is one kubeadm plan (and apply) against a fake node.
type kubeadmCase struct {
	name    string
	params  kubeadmParams
	check   bool
	state   string
	changed bool
	ran     string
	data    map[string]any
	secrets []string
	err     string
	planned []Effect // what earlier tasks plan (check mode)
}

// kubeadmCases are the cases of TestKubeadm; caHash is the test CA's hash
// and withCA a node state holding it.
func kubeadmCases(caHash, withCA string) []kubeadmCase {
	return []kubeadmCase{
		{name: "init", params: kubeadmParams{Action: "init", Config: "/etc/kubernetes/kubeadm.yaml", UploadCerts: true, IgnorePreflightErrors: []string{"NumCPU", "Mem"}},
			state: kubeadmState(), changed: true,
			ran: "kubeadm init --config /etc/kubernetes/kubeadm.yaml --upload-certs --ignore-preflight-errors=NumCPU,Mem",
			data: map[string]any{"token": "abcdef.0123456789abcdef", "certificate_key": "c0ffee", "api_server_endpoint": "10.0.0.100:6443", "ca_cert_hash": caHash,
				"join_command":               "kubeadm join 10.0.0.100:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:1111",
				"control_plane_join_command": "kubeadm join 10.0.0.100:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:1111 --control-plane --certificate-key c0ffee"},
			secrets: []string{"abcdef.0123456789abcdef", "c0ffee"}},
		{name: "init done", params: kubeadmParams{Action: "init", Config: "/k.yaml"}, state: withCA, data: map[string]any{"ca_cert_hash": caHash}},
		{name: "init check validates", params: kubeadmParams{Action: "init", Config: "/k.yaml"}, check: true, state: kubeadmState("validate\nok\nrc=0"), changed: true},
		{name: "init check no config yet", params: kubeadmParams{Action: "init", Config: "/k.yaml"}, check: true, state: kubeadmState("noconfig"), changed: true},
		{name: "init check invalid", params: kubeadmParams{Action: "init", Config: "/k.yaml"}, check: true, state: kubeadmState("validate\nunknown field \"foo\"\nrc=1"), err: `unknown field "foo"`},
		{name: "join worker", params: kubeadmParams{Action: "join", APIServerEndpoint: "10.0.0.100:6443", Token: "abcdef.0123456789abcdef", DiscoveryTokenCACertHash: "sha256:1111"},
			state: kubeadmState(), changed: true, ran: "kubeadm join 10.0.0.100:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:1111", secrets: []string{"abcdef.0123456789abcdef"}},
		{name: "join control plane", params: kubeadmParams{Action: "join", APIServerEndpoint: "10.0.0.100:6443", Token: "t.t", DiscoveryTokenCACertHash: "sha256:1", ControlPlane: true, CertificateKey: "k3y"},
			state: kubeadmState(), changed: true, ran: "--control-plane --certificate-key k3y", secrets: []string{"t.t", "k3y"}},
		{name: "join config", params: kubeadmParams{Action: "join", Config: "/etc/kubernetes/join.yaml", ExtraArgs: []string{"--v=5", "x;reboot"}},
			state: kubeadmState(), changed: true, ran: "kubeadm join --config /etc/kubernetes/join.yaml --v=5 'x;reboot'"},
		{name: "joined", params: kubeadmParams{Action: "join", Config: "/j.yaml"}, state: kubeadmState("kubelet\nyes")},
		{name: "join incomplete", params: kubeadmParams{Action: "join", Token: "x"}, err: "join needs config"},
		{name: "join cp no key", params: kubeadmParams{Action: "join", APIServerEndpoint: "e", Token: "t", DiscoveryTokenCACertHash: "h", ControlPlane: true}, err: "needs certificate_key"},
		{name: "reset", params: kubeadmParams{Action: "reset"}, state: kubeadmState("manifests\nyes"), changed: true, ran: "kubeadm reset -f"},
		{name: "reset clean", params: kubeadmParams{Action: "reset"}, state: kubeadmState()},
		{name: "token", params: kubeadmParams{Action: "token_create", CertificateKey: "c0ffee"}, state: withCA, changed: true, ran: "kubeadm token create --print-join-command",
			data:    map[string]any{"token": "abcdef.0123456789abcdef", "control_plane_join_command": "kubeadm join 10.0.0.100:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:1111 --control-plane --certificate-key c0ffee"},
			secrets: []string{"abcdef.0123456789abcdef", "c0ffee"}},
		{name: "token no cluster", params: kubeadmParams{Action: "token_create"}, state: kubeadmState(), err: "initialised control plane"},
		{name: "upload certs", params: kubeadmParams{Action: "upload_certs", Config: "/k.yaml"}, state: withCA, changed: true, ran: "kubeadm init phase upload-certs --upload-certs --config /k.yaml",
			data: map[string]any{"certificate_key": "f00d"}, secrets: []string{"f00d"}},
		// In check mode after a planned kubeadm init: the plan is what would
		// run; without one, what the real run does: fail.
		{name: "upload certs check after planned init", params: kubeadmParams{Action: "upload_certs", Config: "/k.yaml"}, check: true, state: kubeadmState(), changed: true,
			planned: kubeadmEffects("init", "would run: kubeadm init")},
		{name: "upload certs check, no init planned", params: kubeadmParams{Action: "upload_certs", Config: "/k.yaml"}, check: true, state: kubeadmState(), err: "initialised control plane"},
		{name: "certs renew", params: kubeadmParams{Action: "certs_renew"}, state: withCA, changed: true, ran: "kubeadm certs renew all"},
		{name: "certs renew no cluster", params: kubeadmParams{Action: "certs_renew"}, state: kubeadmState(), err: "initialised control plane"},
		{name: "upload certs no cluster", params: kubeadmParams{Action: "upload_certs", Config: "/k.yaml"}, state: kubeadmState(), err: "initialised control plane"},
		{name: "token check after planned init", params: kubeadmParams{Action: "token_create"}, check: true, state: kubeadmState(), changed: true,
			planned: kubeadmEffects("init", "would run: kubeadm init")},
		{name: "token check after planned join only", params: kubeadmParams{Action: "token_create"}, check: true, state: kubeadmState(), err: "initialised control plane",
			planned: kubeadmEffects("join", "would run: kubeadm join")},
		{name: "certificate key", params: kubeadmParams{Action: "certificate_key"}, data: map[string]any{"certificate_key": "f00d"}, secrets: []string{"f00d"}},
		{name: "hostile bin", params: kubeadmParams{Action: "reset", KubeadmBin: "/opt/k 8s/kubeadm;x"}, state: kubeadmState("admin\nyes"), changed: true, ran: "'/opt/k 8s/kubeadm;x' reset -f"},
	}
}
