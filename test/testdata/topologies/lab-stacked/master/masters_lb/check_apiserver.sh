#!/bin/sh
# Managed by hapb: local changes will be overwritten
# keepalived track script (kubeadm's ha-considerations check_apiserver.sh):
# succeeds while this master's HAProxy answers on :8443 with a
# live kube-apiserver behind it, and, on the VIP holder, while the VIP does.
curl -sfk --max-time 2 -o /dev/null "https://127.0.0.1:8443/healthz" || exit 1
if ip -4 -o addr show | grep -q " 192.168.33.130/"; then
  curl -sfk --max-time 2 -o /dev/null "https://192.168.33.130:8443/healthz" || exit 1
fi
exit 0
