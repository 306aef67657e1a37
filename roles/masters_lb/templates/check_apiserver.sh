#!/bin/sh
# {{ .ansible_managed }}
# keepalived track script (kubeadm's ha-considerations check_apiserver.sh):
# succeeds while this master's HAProxy answers on :{{ .api_lb_port }} with a
# live kube-apiserver behind it, and, on the VIP holder, while the VIP does.
curl -sfk --max-time {{ .keepalived_check_timeout }} -o /dev/null "https://127.0.0.1:{{ .api_lb_port }}/healthz" || exit 1
if ip -4 -o addr show | grep -q " {{ .api_vip }}/"; then
  curl -sfk --max-time {{ .keepalived_check_timeout }} -o /dev/null "https://{{ .api_vip }}:{{ .api_lb_port }}/healthz" || exit 1
fi
exit 0
