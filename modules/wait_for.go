package modules

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hapb/hapb/engine/conn"
)

func init() { Define("wait_for", waitForDoc, waitForPlan, ChangesNoHost) }

type waitForParams struct {
	Host           string `yaml:"host" default:"127.0.0.1" doc:"host to connect to, as seen from the target"`
	Port           int    `yaml:"port" doc:"TCP port to wait for"`
	Path           string `yaml:"path" doc:"file to wait for (instead of a port)"`
	State          string `yaml:"state" default:"started" choices:"started,stopped,present,absent,drained" doc:"started/present: wait until it is there; stopped/absent: until it is gone; drained: until the port has no established connections (needs ss)"`
	SearchRegex    string `yaml:"search_regex" doc:"extended regex the file content or the port's first data must match"`
	Timeout        int    `yaml:"timeout" default:"300" doc:"seconds to wait in all"`
	Delay          int    `yaml:"delay" doc:"seconds to wait before the first check"`
	Sleep          int    `yaml:"sleep" default:"1" doc:"seconds between checks"`
	ConnectTimeout int    `yaml:"connect_timeout" default:"5" doc:"seconds one connection attempt may take"`
	Msg            string `yaml:"msg" doc:"the failure message on timeout"`
}

const waitForDoc = `Waits, on the target, for a TCP port to accept connections (or to stop
accepting them) or for a file to appear (optionally containing
search_regex) or disappear. With neither port nor path it just sleeps for
timeout seconds. It never changes anything and fails with msg on timeout.

The check is one POSIX sh loop. A port is probed with bash's /dev/tcp under
coreutils timeout when bash exists (Debian's /bin/sh is dash, which has no
/dev/tcp, so bash is called explicitly), else with nc -z -w; a host with
neither fails clearly.`

// waitForScript's arguments: host port path state regex timeout delay sleep
// connect_timeout. Exit 0: condition met; 1: timed out; 3: cannot probe.
const waitForScript = `host=$1 port=$2 path=$3 state=$4 re=$5 to=$6 delay=$7 nap=$8 ct=$9
tmo() { if command -v timeout >/dev/null 2>&1; then timeout "$ct" "$@"; else "$@"; fi; }
probe() {
	if command -v bash >/dev/null 2>&1; then
		if [ -n "$re" ]; then
			tmo bash -c 'exec 3<>"/dev/tcp/$0/$1" && while IFS= read -r -t "$2" l <&3; do printf "%s\n" "$l"; done' "$host" "$port" "$ct" 2>/dev/null | grep -Eq -- "$re"
		else
			tmo bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null
		fi
	elif command -v nc >/dev/null 2>&1; then
		if [ -n "$re" ]; then
			nc -w "$ct" "$host" "$port" </dev/null 2>/dev/null | grep -Eq -- "$re"
		else
			nc -z -w "$ct" "$host" "$port" </dev/null >/dev/null 2>&1
		fi
	else
		echo "wait_for: the host has neither bash nor nc to test $host:$port" >&2
		exit 3
	fi
}
check() {
	if [ -n "$path" ]; then
		case $state in
		absent|stopped) [ ! -e "$path" ] ;;
		*) [ -e "$path" ] && { [ -z "$re" ] || grep -Eq -- "$re" "$path"; } ;;
		esac
	else
		case $state in
		absent|stopped) ! probe ;;
		drained)
			command -v ss >/dev/null 2>&1 || { echo "wait_for: drained needs ss (iproute2) on the host" >&2; exit 3; }
			[ -z "$(ss -Htn state established "( sport = :$port )" 2>/dev/null)" ] ;;
		*) probe ;;
		esac
	fi
}
[ "$delay" -gt 0 ] && sleep "$delay"
start=$(date +%s)
if [ -z "$path" ] && [ "$port" = 0 ]; then sleep "$to"; echo "elapsed=$to"; exit 0; fi
while :; do
	if check; then echo "elapsed=$(($(date +%s) - start))"; exit 0; fi
	now=$(date +%s)
	if [ "$now" -ge $((start + to)) ]; then echo "elapsed=$((now - start))"; exit 1; fi
	sleep "$nap"
done`

func waitForPlan(ctx context.Context, t *Task, params *waitForParams) (*Plan, error) {
	if params.Port < 0 || params.Port > 65535 {
		return nil, fmt.Errorf("wait_for: port %d out of range", params.Port)
	}
	if params.State == "drained" && params.Port == 0 {
		return nil, fmt.Errorf("wait_for: state drained needs port")
	}
	if params.Port != 0 && params.Path != "" {
		return nil, fmt.Errorf("wait_for: port and path are mutually exclusive")
	}
	if params.Timeout < 0 || params.Delay < 0 || params.Sleep < 0 || params.ConnectTimeout <= 0 {
		return nil, fmt.Errorf("wait_for: timeout, delay and sleep must be >= 0, connect_timeout > 0")
	}
	args := []string{params.Host, strconv.Itoa(params.Port), params.Path, params.State, params.SearchRegex,
		strconv.Itoa(params.Timeout), strconv.Itoa(params.Delay), strconv.Itoa(params.Sleep), strconv.Itoa(params.ConnectTimeout)}
	// The loop is bounded by the script; the context only guards against a
	// hung connection.
	limit := time.Duration(params.Timeout+params.Delay+params.ConnectTimeout+30) * time.Second
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	res, err := t.Run(ctx, &conn.Cmd{Script: "sh -c " + conn.Quote(waitForScript) + " wait_for " + conn.QuoteArgs(args)})
	if err != nil {
		return nil, err
	}
	elapsed := 0
	for _, l := range strings.Split(string(res.Stdout), "\n") {
		if v, ok := strings.CutPrefix(l, "elapsed="); ok {
			elapsed, _ = strconv.Atoi(v)
		}
	}
	what := params.Path
	if what == "" {
		what = fmt.Sprintf("%s:%d", params.Host, params.Port)
	}
	data := map[string]any{"elapsed": elapsed, "state": params.State, "path": params.Path, "port": params.Port}
	switch res.ExitCode {
	case 0:
		return &Plan{Result: Result{Data: data}}, nil
	case 1:
		msg := params.Msg
		if msg == "" {
			msg = fmt.Sprintf("Timeout when waiting for %s to be %s", what, params.State)
			if params.SearchRegex != "" && (params.State == "started" || params.State == "present") {
				msg = fmt.Sprintf("Timeout when waiting for search string %s in %s", params.SearchRegex, what)
			}
		}
		return nil, Fail(Result{Msg: msg, Data: data})
	}
	return nil, fmt.Errorf("wait_for: %s (exit %d)", strings.TrimSpace(string(res.Stderr)), res.ExitCode)
}
