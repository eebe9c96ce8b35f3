#!/usr/bin/env bash
# A private libvirt for the Vagrant lab on a machine with no libvirt of its
# own: libvirtd and virtlogd run inside their own network namespace (so the
# bridges, dnsmasq and NAT rules libvirt makes never touch the host's links or
# tables) and their own mount namespace (so /etc/libvirt, /run/libvirt,
# /var/lib/libvirt... are this lab's directory, not the host's).
#
#   libvirt-netns.sh start NETNS STATE   start (or find running) libvirtd; prints its socket
#   libvirt-netns.sh link  NETNS STATE NETWORK HOSTLINK HOSTCIDR
#                        connect the host to libvirt network NETWORK through one veth
#                        pair (HOSTLINK on the host with HOSTCIDR, its peer on the bridge)
#   libvirt-netns.sh stop  NETNS STATE HOSTLINK
#                        destroy every domain, stop the daemons, delete the namespace
#                        (and with it the bridges and the veth pair), remove STATE
#
# QEMU processes are libvirtd's children: they live in NETNS as well.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

cmd=${1:?usage: libvirt-netns.sh start|link|stop NETNS STATE ...}
netns=${2:?NETNS}
state=${3:?STATE}
socket=$state/run/libvirt-sock
uri="qemu+unix:///system?socket=$socket"
virsh_() { virsh -q -c "$uri" "$@"; }

running() { [[ -f $state/$1.pid ]] && kill -0 "$(cat "$state/$1.pid")" 2>/dev/null; }

start() {
  if running libvirtd && [[ -S $socket ]]; then
    echo "$socket"
    return
  fi
  mkdir -p "$state"/{etc,run,lib/images,log,cache}
  # The accounts libvirtd resolves before reading this: scripts/deps-vm.sh makes them.
  cat >"$state/etc/qemu.conf" <<'CONF'
# minik's private libvirt: QEMU runs as root on disks in this lab's directory.
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
CONF
  printf 'auth_unix_rw = "none"\nunix_sock_group = "root"\nunix_sock_rw_perms = "0700"\n' >"$state/etc/libvirtd.conf"
  printf 'log_outputs = "3:file:%s/log/virtlogd.log"\n' "$state" >"$state/etc/virtlogd.conf"
  [[ -e /run/netns/$netns ]] || ip netns add "$netns"
  ip -n "$netns" link set lo up
  cat >"$state/daemons.sh" <<SCRIPT
set -e
# Private mount namespace: bind this lab's directories over libvirt's own.
mount --make-rprivate /
for pair in etc:/etc/libvirt run:/run/libvirt lib:/var/lib/libvirt log:/var/log/libvirt cache:/var/cache/libvirt; do
  mkdir -p "\${pair#*:}"
  mount --bind "$state/\${pair%%:*}" "\${pair#*:}"
done
virtlogd --daemon --pid-file "$state/virtlogd.pid" --config /etc/libvirt/virtlogd.conf
exec libvirtd --daemon --pid-file "$state/libvirtd.pid" --config /etc/libvirt/libvirtd.conf
SCRIPT
  # nsenter, not `ip netns exec`: the latter would also remount /sys and /etc/netns.
  nsenter --net="/run/netns/$netns" unshare --mount --propagation unchanged bash "$state/daemons.sh" >>"$state/log/start.log" 2>&1
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -S $socket ]] && virsh_ version >/dev/null 2>&1 && break
    sleep 0.2
  done
  virsh_ version >/dev/null 2>&1 || { echo "libvirt-netns: libvirtd did not answer on $socket; see $state/log" >&2; exit 1; }
  # vagrant-libvirt puts its disks in the pool named "default".
  if ! virsh_ pool-info default >/dev/null 2>&1; then
    virsh_ pool-define-as default dir --target "$state/lib/images" >/dev/null
    virsh_ pool-start default >/dev/null
  fi
  echo "$socket"
}

link() {
  local network=${4:?NETWORK} host_link=${5:?HOSTLINK} host_cidr=${6:?HOSTCIDR}
  local bridge peer=${host_link}-p
  bridge=$(virsh_ net-info "$network" | awk '$1 == "Bridge:" { print $2 }')
  [[ -n $bridge ]] || { echo "libvirt-netns: network $network has no bridge" >&2; exit 1; }
  if ! ip link show "$host_link" >/dev/null 2>&1; then
    ip link add "$host_link" type veth peer name "$peer"
    ip link set "$peer" netns "$netns"
  fi
  ip -n "$netns" link set "$peer" master "$bridge" up
  ip addr replace "$host_cidr" dev "$host_link"
  ip link set "$host_link" up
  echo "$host_link"
}

stop() {
  local host_link=${4:-} dom
  if running libvirtd; then
    for dom in $(virsh_ list --all --name 2>/dev/null); do
      virsh_ destroy "$dom" >/dev/null 2>&1 || true
      virsh_ undefine "$dom" --remove-all-storage --nvram >/dev/null 2>&1 || virsh_ undefine "$dom" >/dev/null 2>&1 || true
    done
    for dom in $(virsh_ net-list --all --name 2>/dev/null); do
      virsh_ net-destroy "$dom" >/dev/null 2>&1 || true
      virsh_ net-undefine "$dom" >/dev/null 2>&1 || true
    done
  fi
  local d pid
  for d in libvirtd virtlogd; do
    running "$d" || continue
    pid=$(cat "$state/$d.pid")
    kill "$pid"
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  # dnsmasq and any QEMU still in the namespace: only processes of this namespace.
  if [[ -e /run/netns/$netns ]]; then
    for pid in $(ip netns pids "$netns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$netns"
  fi
  if [[ -n $host_link ]]; then ip link del "$host_link" 2>/dev/null || true; fi
  rm -rf "$state"
}

case $cmd in
  start) start ;;
  link) link "$@" ;;
  stop) stop "$@" ;;
  *) echo "libvirt-netns: unknown command $cmd" >&2; exit 2 ;;
esac
