// Command hapb runs Ansible-like playbooks that deploy highly-available
// Kubernetes with kubeadm.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "hapb: not yet")
	os.Exit(1)
}
