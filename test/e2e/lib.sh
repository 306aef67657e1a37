# What the lab suites that run playbook after playbook share
# (test/e2e/day2/run, test/e2e/membership/run). The caller defines hapb (a
# playbook run on the lab), pass, fail and $logs.

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc | xargs printf '%.1f'; }
# changed LOG: the sum of changed= over the recap.
changed() { awk '/^PLAY RECAP/ { r = 1; next } r && /ok=/ { for (i = 1; i <= NF; i++) if ($i ~ /^changed=/) { split($i, a, "="); s += a[2] } } END { print s + 0 }' "$1"; }
# clean_recap LOG: no host failed or unreachable.
clean_recap() { awk '/^PLAY RECAP/ { r = 1; next } r && /ok=/ && (/failed=[1-9]/ || /unreachable=[1-9]/) { bad = 1 } END { exit bad }' "$1"; }

# run NAME ARGS...: a playbook run that must succeed; its log in
# $logs/NAME.log, its JSON events in $logs/NAME.jsonl, its wall time in
# $t_NAME.
run() {
  local name=$1 t0 rc; shift
  t0=$(now)
  hapb --events "$logs/$name.jsonl" "$@" >"$logs/$name.log" 2>&1; rc=$?
  eval "t_$name=\$(since \$t0)"
  if [ $rc != 0 ] || ! clean_recap "$logs/$name.log"; then
    tail -40 "$logs/$name.log"; fail "$name: exit $rc"; return 1
  fi
}

# verify_until SECONDS [ARGS...]: verify.yml until it passes.
verify_until() {
  local t0 limit=$1; t0=$(now); shift
  while :; do
    hapb "$@" playbooks/verify.yml >"$logs/verify.log" 2>&1 && return 0
    [ "$(echo "$(now) - $t0 > $limit" | bc)" = 1 ] && { grep -E '^(FAIL|WARN) ' "$logs/verify.log" | head -20; return 1; }
    sleep 3
  done
}

# Is --check truthful (issue 15)? check_first NAME ARGS... runs the playbook
# under --check just before `run NAME ARGS...`, nothing between them;
# check_against NAME then compares the two runs' events (test/checkmode):
# --check must have reported changed exactly what the real run changed, and
# failed nothing the real run passed.
check_first() {
  local name=$1 rc; shift
  hapb --check --events "$logs/$name-check.jsonl" "$@" >"$logs/$name-check.log" 2>&1; rc=$?
  [ $rc = 0 ] || { tail -30 "$logs/$name-check.log"; fail "$name --check: exit $rc"; rm -f "$logs/$name-check.jsonl"; }
}
check_against() {
  local name=$1 out=$logs/$1-checkmode.txt
  [ -s "$logs/$name-check.jsonl" ] && [ -s "$logs/$name.jsonl" ] || return 0 # a run failed: said already
  [ -x "$logs/checkmode" ] || go build -o "$logs/checkmode" ./test/checkmode || { fail "building test/checkmode"; return 1; }
  if "$logs/checkmode" "$logs/$name-check.jsonl" "$logs/$name.jsonl" >"$out" 2>&1; then
    pass "$name: --check against the real run: $(head -1 "$out")"
  else
    head -30 "$out"; fail "$name: --check against the real run: $(head -1 "$out")"
  fi
}
# checked NAME ARGS...: check_first, run, check_against.
checked() {
  check_first "$@"
  run "$@"; local rc=$?
  check_against "$1"
  return $rc
}
