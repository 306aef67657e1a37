// Package test holds hapb's end-to-end tests: the playbook suite (one
// folder per case under playbooks/, run through the real hapb binary on the
// local connection, output compared with a golden file), the lab (lab/) and
// the lab's end-to-end run (e2e/).
package test
