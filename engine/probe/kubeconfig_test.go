package probe

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The probe's client speaks HTTP/2 as client-go does (a GOAWAY then moves it
// to another apiserver), or HTTP/1.1 when asked.
func TestFromKubeconfigProtocol(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(r.Proto))
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	kc := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(kc, []byte(`apiVersion: v1
kind: Config
current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters: [{name: k, cluster: {server: "`+srv.URL+`", certificate-authority: ca.crt}}]
users: [{name: u, user: {token: secret}}]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(kc), "ca.crt"), ca, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		http1 bool
		want  string
	}{{false, "HTTP/2.0"}, {true, "HTTP/1.1"}} {
		server, client, err := FromKubeconfig(kc, "", 2*time.Second, tt.http1)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Get(server + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 16)
		n, _ := resp.Body.Read(b)
		resp.Body.Close()
		if got := string(b[:n]); got != tt.want {
			t.Errorf("http1=%v: the server saw %s, want %s", tt.http1, got, tt.want)
		}
	}
}
