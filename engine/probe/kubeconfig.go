package probe

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"
)

// kubeconfig is the part of a kubeconfig file the probe needs: the current
// context's cluster (server, CA) and user (client certificate or token).
type kubeconfig struct {
	CurrentContext string `yaml:"current-context"`
	Contexts       []struct {
		Name    string `yaml:"name"`
		Context struct {
			Cluster string `yaml:"cluster"`
			User    string `yaml:"user"`
		} `yaml:"context"`
	} `yaml:"contexts"`
	Clusters []struct {
		Name    string `yaml:"name"`
		Cluster struct {
			Server string `yaml:"server"`
			CAData string `yaml:"certificate-authority-data"`
			CA     string `yaml:"certificate-authority"`
		} `yaml:"cluster"`
	} `yaml:"clusters"`
	Users []struct {
		Name string `yaml:"name"`
		User struct {
			CertData string `yaml:"client-certificate-data"`
			KeyData  string `yaml:"client-key-data"`
			Cert     string `yaml:"client-certificate"`
			Key      string `yaml:"client-key"`
			Token    string `yaml:"token"`
		} `yaml:"user"`
	} `yaml:"users"`
}

// FromKubeconfig returns the API server's URL and an HTTP client with the
// credentials of the kubeconfig's current context; server, when not empty,
// replaces the kubeconfig's (to probe one apiserver, or the VIP). The client
// speaks HTTP/2 like client-go, or HTTP/1.1 with keep-alive (like curl and
// older tools) when http1 is set.
func FromKubeconfig(path, server string, timeout time.Duration, http1 bool) (string, *http.Client, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", nil, err
	}
	var kc kubeconfig
	if err := yaml.Unmarshal(b, &kc); err != nil {
		return "", nil, fmt.Errorf("%s: %v", path, err)
	}
	cluster, user := "", ""
	for _, c := range kc.Contexts {
		if c.Name == kc.CurrentContext {
			cluster, user = c.Context.Cluster, c.Context.User
		}
	}
	if cluster == "" {
		return "", nil, fmt.Errorf("%s: no current context", path)
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	found := false
	for _, c := range kc.Clusters {
		if c.Name != cluster {
			continue
		}
		found = true
		if server == "" {
			server = c.Cluster.Server
		}
		relativeTo(filepath.Dir(path), &c.Cluster.CA)
		ca, err := dataOrFile(c.Cluster.CAData, c.Cluster.CA)
		if err != nil {
			return "", nil, fmt.Errorf("%s: cluster %s: %v", path, cluster, err)
		}
		if ca != nil {
			tc.RootCAs = x509.NewCertPool()
			if !tc.RootCAs.AppendCertsFromPEM(ca) {
				return "", nil, fmt.Errorf("%s: cluster %s: no CA certificate", path, cluster)
			}
		}
	}
	if !found || server == "" {
		return "", nil, fmt.Errorf("%s: no server for cluster %q", path, cluster)
	}
	token := ""
	for _, u := range kc.Users {
		if u.Name != user {
			continue
		}
		token = u.User.Token
		relativeTo(filepath.Dir(path), &u.User.Cert)
		relativeTo(filepath.Dir(path), &u.User.Key)
		cert, err := dataOrFile(u.User.CertData, u.User.Cert)
		if err != nil {
			return "", nil, fmt.Errorf("%s: user %s: %v", path, user, err)
		}
		key, err := dataOrFile(u.User.KeyData, u.User.Key)
		if err != nil {
			return "", nil, fmt.Errorf("%s: user %s: %v", path, user, err)
		}
		if cert != nil {
			pair, err := tls.X509KeyPair(cert, key)
			if err != nil {
				return "", nil, fmt.Errorf("%s: user %s: %v", path, user, err)
			}
			tc.Certificates = []tls.Certificate{pair}
		}
	}
	tr := &http.Transport{
		TLSClientConfig:       tc,
		DialContext:           (&net.Dialer{Timeout: timeout, KeepAlive: 5 * time.Second}).DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       30 * time.Second,
	}
	if !http1 {
		// HTTP/2, as client-go speaks to the apiserver: one connection
		// carries every request; a GOAWAY (an apiserver's graceful shutdown,
		// or its --goaway-chance) moves the client to a new connection, which
		// the load balancer sends to another apiserver; pings find a dead
		// peer within two half-timeouts instead of the kernel's minutes.
		tr.ForceAttemptHTTP2 = true
		tr.HTTP2 = &http.HTTP2Config{SendPingTimeout: timeout / 2, PingTimeout: timeout / 2}
	}
	var rt http.RoundTripper = tr
	if token != "" {
		rt = bearer{token, tr}
	}
	return server, &http.Client{Transport: rt}, nil
}

type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

func dataOrFile(data, file string) ([]byte, error) {
	if data != "" {
		return base64.StdEncoding.DecodeString(data)
	}
	if file != "" {
		return os.ReadFile(file)
	}
	return nil, nil
}

// relativeTo makes the kubeconfig's relative file names relative to the
// kubeconfig's directory, as kubectl reads them.
func relativeTo(dir string, file *string) {
	if *file != "" && !filepath.IsAbs(*file) {
		*file = filepath.Join(dir, *file)
	}
}
