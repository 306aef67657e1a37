#!/bin/sh
# Managed by hapb: local changes will be overwritten
# keepalived track script: succeeds while this director reaches at least one
# HAProxy node's monitor URI (HAProxy answers 200 there only while it has a
# live kube-apiserver backend).
for rs in 192.168.33.142 192.168.33.143 192.168.33.144 ; do
  if curl -fsS -o /dev/null --max-time 3 "http://$rs:8081/healthz"; then
    exit 0
  fi
done
exit 1
