# Shared by the test/lab scripts (bash). Paths, names and the host list.
LAB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$LAB/../.." && pwd)
# Built once per machine and kept across clones (CI clones afresh): the
# base root, kubeadm/kubectl from source, the RPM repository.
CACHE=${HAPB_LAB_CACHE:-/var/cache/hapb-lab}
STATE=$LAB/.state
NETNS=hapb-lab
BRIDGE=hapb-br0
BRIDGE_ADDR=192.168.33.1/24
LAB_NET=192.168.33
INVENTORY=${LAB_INVENTORY:-$REPO_ROOT/inventories/lab/hosts}
KEY=$STATE/id_ed25519
KNOWN_HOSTS=$STATE/known_hosts
# Memory limit per container (cgroup v1 memory controller), bytes or with suffix.
LAB_MEM=${LAB_MEM:-1G}
MEMCG=/sys/fs/cgroup/memory/hapb-lab
REPO_MOUNT=/srv/hapb-lab-repo

die() { echo "lab: $*" >&2; exit 1; }
need_root() { [ "$(id -u)" = 0 ] || die "run as root (network namespaces, mounts, systemd-nspawn)"; }

# "name address" for every host of the inventory (first definition wins).
lab_hosts() {
  awk '/^[[:space:]]*[#;[]/ || NF == 0 { next }
       { for (i = 2; i <= NF; i++) if ($i ~ /^ansible_host=/) { a = substr($i, 14); if (!seen[$1]++) print $1, a } }' "$INVENTORY"
}
host_addr() { lab_hosts | awk -v h="$1" '$1 == h { print $2; found = 1 } END { exit !found }'; }
host_dir() { echo "$STATE/hosts/$1"; }
# The nspawn process of a host, if it is running.
host_pid() {
  local f; f=$(host_dir "$1")/pid
  [ -f "$f" ] || return 1
  local p; p=$(cat "$f")
  [ -n "$p" ] && [ -d "/proc/$p" ] && grep -qa systemd-nspawn "/proc/$p/cmdline" 2>/dev/null && echo "$p"
}
lab_ssh() { # lab_ssh ADDR [ssh args…]: ssh as root inside the namespace
  local addr=$1; shift
  ip netns exec "$NETNS" ssh -i "$KEY" -o UserKnownHostsFile="$KNOWN_HOSTS" \
    -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=5 -o LogLevel=ERROR \
    "root@$addr" "$@"
}
# nspawn's lock for a directory image: /run/systemd/nspawn/locks/inode-DEV:INO
# (and a .#root.lck beside it). A killed nspawn leaves both behind.
lock_path() { local s; s=$(stat -c '%d:%i' "$1" 2>/dev/null) && echo "/run/systemd/nspawn/locks/inode-$s"; }
# What a killed nspawn leaves of host NAME: the container's processes (still
# in its memory cgroup), its veth, its propagation dir, its locks.
reap_host() {
  local name=$1 cg=$MEMCG/$1 procs i
  if [ -f "$cg/cgroup.procs" ]; then
    for i in 1 2 3 4 5 6 7 8 9 10; do
      procs=$(cat "$cg/cgroup.procs")
      [ -z "$procs" ] && break
      kill -KILL $procs 2>/dev/null || true
      sleep 0.2
    done
  fi
  ip -n "$NETNS" link del "vb-$name" 2>/dev/null || true
  rm -rf "/run/systemd/nspawn/propagate/$name"
  local m; m=$(host_dir "$name")/root
  mountpoint -q "$m" && rm -f "$(lock_path "$m")"
  rm -f "$(host_dir "$name")/.#root.lck"
  return 0
}
# Serialise lab-up/lab-down (several people share this machine and checkout).
lab_lock() { exec 9>/run/lock/hapb-lab.lock; flock 9; }
