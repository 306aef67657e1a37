# The availability probe on the lab's client host, for the end-to-end tests
# that measure the API through the VIP while something happens (sourced by
# test/e2e/drills/run and test/e2e/day2/run; needs $logs and a lab).
#   probe_install        a static build of hapb on client (/usr/local/bin/hapb)
#   probe_start          start `hapb probe` on client, after a healthy baseline
#   probe_stop NAME      stop it; its JSON report goes to $logs/NAME.json
#   probe_clean NAME     print that report's figures; fail on any failed
#                        request, any lost or resurrected write, and then
#                        also print the VIP's moves (probe_vip_moves)
#   probe_vip_moves [SINCE]
#                        what keepalived logged on $PROBE_VRRP_HOSTS (the
#                        lab's directors unless set) since SINCE (epoch
#                        seconds; default: 5 s before probe_start): VRRP
#                        state changes, track scripts failing, keepalived
#                        stopping and starting, IPVS errors
#   probe_row NAME SINGLE MAX_GAP REC OK WIDTH
#                        a drill's row of the drills' table from that report;
#                        fail when a write was lost, when a single failure
#                        (SINGLE=1) left a gap over MAX_GAP s, or unless OK=1
probe_install() {
  CGO_ENABLED=0 go build -o "$logs/hapb-static" ./cmd/hapb &&
    test/lab/ssh client 'cat >/usr/local/bin/hapb && chmod 0755 /usr/local/bin/hapb' <"$logs/hapb-static"
}
PROBE_VRRP_HOSTS=${PROBE_VRRP_HOSTS:-lvs01 lvs02}
probe_start() {
  probe_t0=$(date +%s)
  test/lab/ssh client 'rm -f /tmp/hapb-probe.json; setsid hapb probe --output json --interval 200ms --timeout 2s >/tmp/hapb-probe.json 2>/tmp/hapb-probe.err </dev/null & echo $! >/tmp/hapb-probe.pid' </dev/null
  sleep 3  # a healthy baseline first
}
probe_stop() {
  test/lab/ssh client 'kill -INT $(cat /tmp/hapb-probe.pid); for i in $(seq 400); do kill -0 $(cat /tmp/hapb-probe.pid) 2>/dev/null || break; sleep 0.2; done; cat /tmp/hapb-probe.json' </dev/null >"$logs/$1.json"
}
probe_vip_moves() {
  local h since=${1:-$((probe_t0 - 5))}
  for h in $PROBE_VRRP_HOSTS; do
    test/lab/ssh "$h" "journalctl -u keepalived --since @$since -o short-iso --no-pager" </dev/null 2>/dev/null |
      grep -E 'Entering [A-Z]+ STATE|higher priority|timed_out|VRRP_Script\(.*\) (failed|succeeded)|effective priority|Stopping|Starting Keepalived|error' |
      tail -40 | sed "s/^/  $h: /"
  done
}
probe_clean() {
  if python3 - "$logs/$1.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
failed = r["reads"]["failed"] + r["writes"]["failed"]
lost = len(r["lost"] or []) + len(r["resurrected"] or [])
print(f'{r["reads"]["total"]} reads, {r["writes"]["total"]} writes, {r["watch"]["total"]} watch streams; '
      f'failed {failed}, longest gap read {r["reads"]["longest_gap_s"]:.1f} s / write {r["writes"]["longest_gap_s"]:.1f} s / watch {r["watch"]["longest_gap_s"]:.1f} s, lost {lost}'
      + "".join(f'\n  {f["at"]} {f["op"]}: {f["error"]}' for f in (r["failures"] or [])[:10]))
sys.exit(1 if failed or lost or r.get("check_error") else 0)
PY
  then return 0; fi
  probe_vip_moves
  return 1
}
probe_row() {
  python3 - "$logs/$1.json" "$@" <<'PY'
import json, sys
path, name, single, max_gap, rec, ok, width = sys.argv[1:]
w = int(width)
try:
    r = json.load(open(path))
except Exception as e:
    print(f"{name:{w}} probe report unreadable: {e}"); sys.exit(1)
gap = max(r["reads"]["longest_gap_s"], r["writes"]["longest_gap_s"])
lost = len(r["lost"] or []) + len(r["resurrected"] or [])
bad = []
if lost or r.get("check_error"): bad.append("lost writes")
if single == "1" and gap > float(max_gap): bad.append(f"gap {gap:.1f} s > {max_gap} s")
if ok != "1": bad.append("the drill or its recovery failed")
failed = r["reads"]["failed"] + r["writes"]["failed"]
print(f'{name:{w}} {r["reads"]["longest_gap_s"]:8.1f}s {r["writes"]["longest_gap_s"]:8.1f}s {r["watch"]["longest_gap_s"]:8.1f}s '
      f'{failed:7d} {r["downtime_s"]:8.1f}s {float(rec or 0):9.1f}s {lost:5d}  {"MISS: " + ", ".join(bad) if bad else "ok"}')
sys.exit(1 if bad else 0)
PY
}
