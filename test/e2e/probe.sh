# The availability probe on the lab's client host, for the end-to-end tests
# that measure the API through the VIP while something happens (sourced by
# test/e2e/drills/run and test/e2e/day2/run; needs $logs and a lab).
#   probe_install        a static build of hapb on client (/usr/local/bin/hapb)
#   probe_start          start `hapb probe` on client, after a healthy baseline
#   probe_stop NAME      stop it; its JSON report goes to $logs/NAME.json
#   probe_clean NAME     print that report's figures; fail on any failed
#                        request, any lost or resurrected write
probe_install() {
  CGO_ENABLED=0 go build -o "$logs/hapb-static" ./cmd/hapb &&
    test/lab/ssh client 'cat >/usr/local/bin/hapb && chmod 0755 /usr/local/bin/hapb' <"$logs/hapb-static"
}
probe_start() {
  test/lab/ssh client 'rm -f /tmp/hapb-probe.json; setsid hapb probe --output json --interval 200ms --timeout 2s >/tmp/hapb-probe.json 2>/tmp/hapb-probe.err </dev/null & echo $! >/tmp/hapb-probe.pid' </dev/null
  sleep 3  # a healthy baseline first
}
probe_stop() {
  test/lab/ssh client 'kill -INT $(cat /tmp/hapb-probe.pid); for i in $(seq 400); do kill -0 $(cat /tmp/hapb-probe.pid) 2>/dev/null || break; sleep 0.2; done; cat /tmp/hapb-probe.json' </dev/null >"$logs/$1.json"
}
probe_clean() {
  python3 - "$logs/$1.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
failed = r["reads"]["failed"] + r["writes"]["failed"]
lost = len(r["lost"] or []) + len(r["resurrected"] or [])
print(f'{r["reads"]["total"]} reads, {r["writes"]["total"]} writes, {r["watch"]["total"]} watch streams; '
      f'failed {failed}, longest gap read {r["reads"]["longest_gap_s"]:.1f} s / write {r["writes"]["longest_gap_s"]:.1f} s / watch {r["watch"]["longest_gap_s"]:.1f} s, lost {lost}'
      + "".join(f'\n  {f["at"]} {f["op"]}: {f["error"]}' for f in (r["failures"] or [])[:10]))
sys.exit(1 if failed or lost or r.get("check_error") else 0)
PY
}
