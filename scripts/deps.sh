#!/usr/bin/env bash
# Installs what minik needs on a Debian machine when it is missing:
# the kernel tools (apt) and the npm packages. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# command -> Debian package
declare -A NEED=(
  [modprobe]=kmod [wrk]=wrk
  [nft]=nftables [ip]=iproute2 [bridge]=iproute2 [conntrack]=conntrack [curl]=curl
  [ping]=iputils-ping [arping]=iputils-arping [ipvsadm]=ipvsadm [nsenter]=util-linux
  [sysctl]=procps [pgrep]=procps [socat]=socat [strip]=binutils
  [iptables-legacy-restore]=iptables [iptables-legacy-save]=iptables
)
missing=()
for cmd in "${!NEED[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEED[$cmd]}")
done
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u | sed '/^$/d')
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "minik: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "minik: missing ${missing[*]} (run as root on Debian to install them)" >&2
  fi
fi

# npm packages: install when node_modules is absent or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "minik: installing npm packages" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
