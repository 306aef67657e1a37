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
# Memory limit per host (cgroup v1 memory controller), bytes or with suffix;
# Kubernetes nodes (LAB_K8S_GROUPS) run a control plane or pods: LAB_MEM_K8S.
LAB_MEM=${LAB_MEM:-1G}
LAB_MEM_K8S=${LAB_MEM_K8S:-2G}
# A VM's memory (prepare_os wants 1000 MB a host: the kernel keeps some), and
# the limit of its qemu process (guest memory, code cache, devices).
LAB_VM_MEM=${LAB_VM_MEM:-1280M}
LAB_MEM_VM_HOST=${LAB_MEM_VM_HOST:-1800M}
# A VM's CPU weight (cgroup v1 cpu.shares; a container's is 1024): test/lab/up.
LAB_VM_CPU_SHARES=${LAB_VM_CPU_SHARES:-4096}
MEMCG=/sys/fs/cgroup/memory/hapb-lab
# Every host lives in a memory cgroup of its own, hapb-lab/NAME. A Kubernetes
# node has one in each cgroup v1 hierarchy of this machine: its kubelet and
# containerd then make their kubepods inside the node's own subtree
# (libcontainer builds paths from PID 1's cgroup), never in a tree another
# node shares, and the memory limit covers the node's pods.
# Every container also has one in the unified hierarchy (cgroup v2, mounted
# at /sys/fs/cgroup/unified on this hybrid machine): systemd-nspawn takes its
# own cgroup from there and makes the container's (payload/) under it, in
# that hierarchy and in name=systemd. Left at the root, every container's
# systemd shared one /payload: a node's kubelet removed the other nodes'
# pod cgroups as orphans (kubectl exec then failed), and two containers
# starting the same unit raced for one cgroup (219/CGROUP).
lab_cgroup_roots() {
  local d
  for d in /sys/fs/cgroup/*/; do
    d=${d%/}
    [ -f "$d/cgroup.procs" ] && [ "$(stat -f -c %T "$d")" = cgroupfs ] && echo "$d/hapb-lab"
  done
  lab_unified_root
}
lab_unified_root() {
  local d=/sys/fs/cgroup/unified
  [ -f "$d/cgroup.procs" ] && [ "$(stat -f -c %T "$d")" = cgroup2fs ] && echo "$d/hapb-lab"
  return 0
}
REPO_MOUNT=/srv/hapb-lab-repo

die() { echo "lab: $*" >&2; exit 1; }
need_root() { [ "$(id -u)" = 0 ] || die "run as root (network namespaces, mounts, systemd-nspawn)"; }

# "name address" for every host of the inventory (first definition wins).
lab_hosts() {
  awk '/^[[:space:]]*[#;[]/ || NF == 0 { next }
       { for (i = 2; i <= NF; i++) if ($i ~ /^ansible_host=/) { a = substr($i, 14); if (!seen[$1]++) print $1, a } }' "$INVENTORY"
}
# Hosts that boot as qemu VMs with their own (Debian) kernel instead of
# containers: those of the inventory groups in LAB_VM_GROUPS (default: the LVS
# directors, which need IPVS and real module loading).
LAB_VM_GROUPS=${LAB_VM_GROUPS:-lvs}
lab_vms() { lab_group_hosts "$LAB_VM_GROUPS"; }
is_vm() { lab_vms | grep -qx "$1"; }
# Kubernetes nodes: containers that run containerd and kubelet (more
# capabilities, the cgroup tree, /dev/kmsg, a real-disk /var/lib/containerd).
LAB_K8S_GROUPS=${LAB_K8S_GROUPS:-masters workers}
lab_group_hosts() { # lab_group_hosts "GROUP…": the hosts of those INI sections
  awk -v groups=" $1 " '
    /^[[:space:]]*[#;]/ || NF == 0 { next }
    /^[[:space:]]*\[/ { g = $0; gsub(/[][[:space:]]/, "", g); on = index(groups, " " g " ") > 0; next }
    on { print $1 }' "$INVENTORY" | sort -u
}
is_k8s_node() { lab_group_hosts "$LAB_K8S_GROUPS" | grep -qx "$1"; }
host_addr() { lab_hosts | awk -v h="$1" '$1 == h { print $2; found = 1 } END { exit !found }'; }
host_dir() { echo "$STATE/hosts/$1"; }
# The process of a running host: its systemd-nspawn, or its qemu for a VM.
host_pid() {
  local f; f=$(host_dir "$1")/pid
  [ -f "$f" ] || return 1
  local p; p=$(cat "$f")
  [ -n "$p" ] && [ -d "/proc/$p" ] && grep -qa -e systemd-nspawn -e qemu-system "/proc/$p/cmdline" 2>/dev/null && echo "$p"
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
# What a killed nspawn or qemu leaves of host NAME: its processes (still in
# its memory cgroup), its veth or tap, its propagation dir, its locks.
reap_host() {
  local name=$1 cg=$MEMCG/$1 procs i
  if [ -d "$cg" ]; then
    for i in 1 2 3 4 5 6 7 8 9 10; do  # the whole subtree: pods live below
      procs=$(find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null)
      [ -z "$procs" ] && break
      kill -KILL $procs 2>/dev/null || true
      sleep 0.2
    done
  fi
  ip -n "$NETNS" link del "vb-$name" 2>/dev/null || true
  ip -n "$NETNS" link del "vt-$name" 2>/dev/null || true  # a VM's tap
  rm -rf "/run/systemd/nspawn/propagate/$name"
  local m; m=$(host_dir "$name")/root
  mountpoint -q "$m" && rm -f "$(lock_path "$m")"
  rm -f "$(host_dir "$name")/.#root.lck"
  return 0
}
# Create host NAME's cgroup in every hierarchy (cpuset needs its cpus and
# mems set before a process may join) and print their directories.
host_cgroups() {
  local r
  for r in $(lab_cgroup_roots); do
    mkdir -p "$r/$1" || continue
    if [ -f "$r/cpuset.cpus" ]; then
      cat "$r/../cpuset.cpus" >"$r/cpuset.cpus"; cat "$r/../cpuset.mems" >"$r/cpuset.mems"
      cat "$r/cpuset.cpus" >"$r/$1/cpuset.cpus"; cat "$r/cpuset.mems" >"$r/$1/cpuset.mems"
    fi
    echo "$r/$1"
  done
}
# Remove the lab's cgroups (empty by now), deepest first.
remove_cgroups() {
  local r
  for r in $(lab_cgroup_roots); do
    [ -d "$r" ] && find "$r" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  return 0
}
# Serialise lab-up/lab-down (several people share this machine and checkout).
lab_lock() { exec 9>/run/lock/hapb-lab.lock; flock 9; }
