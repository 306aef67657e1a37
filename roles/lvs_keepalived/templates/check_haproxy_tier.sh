#!/bin/sh
# {{ .ansible_managed }}
# keepalived track script: succeeds while this director reaches at least one
# HAProxy node's monitor URI (HAProxy answers 200 there only while it has a
# live kube-apiserver backend).
for rs in {{ range .groups.haproxy }}{{ (index $.hostvars .).ansible_host }} {{ end }}; do
  if curl -fsS -o /dev/null --max-time {{ .keepalived_check_timeout }} "http://$rs:{{ .lvs_check_port }}{{ .lvs_check_uri }}"; then
    exit 0
  fi
done
exit 1
