#!/usr/bin/env bash
# Provisions one minik machine (a Vagrant VM, run by the Vagrantfile's shell
# provisioner as root): installs what the data plane needs, loads ip_vs,
# installs the minik binary and the token, and runs `minik apiserver` (server
# only) and `minik agent` as systemd units that minik renders itself.
# Safe to run again: every step converges.
#
# Environment (the Vagrantfile sets all of it):
#   MINIK_ROLE         server | agent (server = apiserver + agent)
#   MINIK_NODE_NAME    node1, node2, ...
#   MINIK_NODE_IP      the private-network address (never the NAT one)
#   MINIK_SERVER_IP    where the apiserver listens
#   MINIK_LB_POOL      LoadBalancer pool, default 192.168.56.200-192.168.56.250
#   MINIK_PROXY_MODE   nftables | ipvs | userspace, default nftables
#   MINIK_TOKEN_SRC    token file provisioned from the host
#   MINIK_CA_SRC       the cluster CA certificate provisioned from the host
#   MINIK_CA_KEY_SRC   its key (server only: the apiserver signs its serving
#                      certificate with it)
#   MINIK_BINARY_SRC   default /vagrant/dist/minik (the synced folder)
#
# For tests on a machine without VMs (e2e/vagrant.test.ts):
#   MINIK_PREFIX=DIR                install below DIR instead of /
#   MINIK_PROVISION_NO_SYSTEMD=1    render the units but start the daemons
#                                   directly (systemd is not PID 1 there)
#   MINIK_PROVISION_NETNS=NAME      run the daemons in network namespace NAME,
#                                   a stand-in for the VM; skips apt and
#                                   modprobe, which would change the host
set -euo pipefail

role=${MINIK_ROLE:-agent}
node_name=${MINIK_NODE_NAME:?MINIK_NODE_NAME is required}
node_ip=${MINIK_NODE_IP:?MINIK_NODE_IP is required}
server_ip=${MINIK_SERVER_IP:?MINIK_SERVER_IP is required}
lb_pool=${MINIK_LB_POOL:-192.168.56.200-192.168.56.250}
proxy_mode=${MINIK_PROXY_MODE:-nftables}
token_src=${MINIK_TOKEN_SRC:-/tmp/minik-token}
ca_src=${MINIK_CA_SRC:-/tmp/minik-ca.crt}
ca_key_src=${MINIK_CA_KEY_SRC:-}
binary_src=${MINIK_BINARY_SRC:-/vagrant/dist/minik}
prefix=${MINIK_PREFIX:-}
no_systemd=${MINIK_PROVISION_NO_SYSTEMD:-0}
netns=${MINIK_PROVISION_NETNS:-}

api_port=6443
bin_dir=$prefix/usr/local/bin
etc_dir=$prefix/etc/minik
state_dir=$prefix/var/lib/minik
unit_dir=$prefix/etc/systemd/system
run_dir=$prefix/run/minik
log_dir=$prefix/var/log/minik
minik=$bin_dir/minik

case $role in
  server | agent) ;;
  *) echo "provision: MINIK_ROLE must be server or agent, got '$role'" >&2; exit 2 ;;
esac
if [[ -n $netns ]]; then
  no_systemd=1
  [[ -e /run/netns/$netns ]] || { echo "provision: network namespace $netns does not exist" >&2; exit 2; }
fi

step() { printf '==> [%s] %s\n' "$node_name" "$*"; }

# Runs a command on "the machine": here, or inside the stand-in namespace.
on_node() {
  if [[ -n $netns ]]; then
    nsenter --net="/run/netns/$netns" -- "$@"
  else
    "$@"
  fi
}

install_packages() {
  if [[ -n $netns ]]; then
    step "netns mode: not installing packages on the shared host"
    return
  fi
  local wanted=(nftables iproute2 conntrack ipvsadm iputils-arping)
  local missing=() pkg
  for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    step "packages present: ${wanted[*]}"
    return
  fi
  step "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

load_ip_vs() {
  if [[ -n $netns ]]; then
    step "netns mode: not loading ip_vs into the shared kernel"
    return
  fi
  if modprobe ip_vs 2>/dev/null; then
    mkdir -p "$prefix/etc/modules-load.d"
    printf 'ip_vs\n' >"$prefix/etc/modules-load.d/minik.conf"
    step "ip_vs loaded (and loaded at boot)"
  else
    step "ip_vs is not available in this kernel: --proxy-mode ipvs will not start; nftables and userspace work"
  fi
}

install_files() {
  [[ -f $binary_src ]] || { echo "provision: $binary_src is missing (run npm run build:binary on the host)" >&2; exit 1; }
  [[ -s $token_src ]] || { echo "provision: token file $token_src is missing or empty" >&2; exit 1; }
  [[ -s $ca_src ]] || { echo "provision: CA certificate $ca_src is missing or empty" >&2; exit 1; }
  if [[ $role == server ]]; then
    [[ -n $ca_key_src && -s $ca_key_src ]] || { echo "provision: the server needs the CA key (MINIK_CA_KEY_SRC)" >&2; exit 1; }
  fi
  mkdir -p "$bin_dir" "$etc_dir" "$state_dir" "$unit_dir"
  # Copy, then rename: a running daemon keeps its old inode ("text file busy" otherwise).
  cp "$binary_src" "$minik.new"
  chmod 0755 "$minik.new"
  mv -f "$minik.new" "$minik"
  install -m 0600 "$token_src" "$etc_dir/token"
  install -m 0644 "$ca_src" "$etc_dir/ca.crt"
  if [[ $role == server ]]; then
    # Where the apiserver looks for its CA (DATA_DIR/ca.crt, ca.key): it keeps
    # this one and issues its serving certificate from it.
    install -d -m 0700 "$state_dir/server"
    install -m 0600 "$ca_key_src" "$state_dir/server/ca.key"
    install -m 0644 "$ca_src" "$state_dir/server/ca.crt"
  fi
  step "installed $minik ($("$minik" --version))"
}

# Also on loopback, so `minik` inside the server VM works without --server.
apiserver_args() {
  printf '%s\n' --listen "$server_ip:$api_port" --extra-listen "127.0.0.1:$api_port" \
    --data-dir "$state_dir/server" --token-file "$etc_dir/token" --lb-pool "$lb_pool"
}

agent_args() {
  printf '%s\n' --server "https://$server_ip:$api_port" --ca-file "$etc_dir/ca.crt" --node-name "$node_name" \
    --node-ip "$node_ip" --token-file "$etc_dir/token" --proxy-mode "$proxy_mode" \
    --state-dir "$state_dir/agent-$node_name"
}

# Renders and (with systemd) enables one unit. Without systemd the unit is
# still rendered, so the file a VM would get is the file the test checks.
install_unit() {
  local unit_role=$1
  shift
  local flags=(--binary "$minik" --unit-dir "$unit_dir")
  [[ $unit_role == agent && $role == server ]] && flags+=(--after minik-apiserver.service)
  [[ $no_systemd == 1 ]] && flags+=(--no-start)
  "$minik" install-service "$unit_role" "${flags[@]}" -- "$@"
}

# Without systemd: (re)start the daemon in the background with a pid file.
start_direct() {
  local unit_role=$1
  shift
  local pid_file=$run_dir/$unit_role.pid
  mkdir -p "$run_dir" "$log_dir"
  if [[ -f $pid_file ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    kill "$(cat "$pid_file")"
  fi
  # nsenter, not `ip netns exec`: the agent creates pod namespaces that must
  # stay enterable from the host (see design.md, kernel facts).
  if [[ -n $netns ]]; then
    nohup nsenter --net="/run/netns/$netns" -- "$minik" "$unit_role" "$@" </dev/null >>"$log_dir/$unit_role.log" 2>&1 &
  else
    nohup "$minik" "$unit_role" "$@" </dev/null >>"$log_dir/$unit_role.log" 2>&1 &
  fi
  echo $! >"$pid_file"
  step "started $unit_role directly (pid $!, log $log_dir/$unit_role.log)"
}

run_daemon() {
  local unit_role=$1 args
  mapfile -t args < <("${unit_role}_args")
  install_unit "$unit_role" "${args[@]}"
  [[ $no_systemd == 1 ]] && start_direct "$unit_role" "${args[@]}"
  return 0
}

wait_for_apiserver() {
  local i
  for ((i = 0; i < 60; i++)); do
    if on_node bash -c "exec 3<>/dev/tcp/$server_ip/$api_port" 2>/dev/null; then
      step "apiserver answers on $server_ip:$api_port"
      return 0
    fi
    sleep 1
  done
  echo "provision: apiserver did not answer on $server_ip:$api_port within 60 s" >&2
  [[ -f $log_dir/apiserver.log ]] && tail -n 20 "$log_dir/apiserver.log" >&2
  return 1
}

main() {
  step "provisioning as $role (node ip $node_ip, server $server_ip)"
  install_packages
  load_ip_vs
  install_files
  if [[ $role == server ]]; then
    run_daemon apiserver
    wait_for_apiserver
  fi
  run_daemon agent
  step "done"
}

main
