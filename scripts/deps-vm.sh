#!/usr/bin/env bash
# Installs what the VM tier needs, from Debian's apt only, when it is missing:
#   box   — mmdebstrap and the tools that turn a root tree into a bootable
#           disk without loop devices (mkfs.ext4 -d, sfdisk, syslinux+mtools)
#   qemu  — qemu-system-x86 and qemu-img (the fast VM tier, TCG)
#   vagrant — vagrant, vagrant-libvirt, libvirt (the Vagrant end-to-end path)
# Usage: scripts/deps-vm.sh [box] [qemu] [vagrant]   (default: box qemu)
# Exits 0 when everything asked for is there; otherwise prints why on stderr
# and exits 1 (the tests turn that into a SKIP). Safe to run again.
set -euo pipefail

tiers=("$@")
[ ${#tiers[@]} -gt 0 ] || tiers=(box qemu)

# command (or file glob) -> Debian package
declare -A NEED=()
for tier in "${tiers[@]}"; do
  case $tier in
    box)
      NEED+=([mmdebstrap]=mmdebstrap [mkfs.ext4]=e2fsprogs [sfdisk]=fdisk [mkfs.vfat]=dosfstools
        [mcopy]=mtools [syslinux]=syslinux [/usr/lib/syslinux/mbr/mbr.bin]=syslinux-common
        [qemu-img]=qemu-utils [zstd]=zstd) ;;
    qemu) NEED+=([qemu-system-x86_64]=qemu-system-x86 [qemu-img]=qemu-utils [ssh]=openssh-client [mkfs.ext4]=e2fsprogs) ;;
    vagrant)
      # libvirt-daemon, not libvirt-daemon-system: nothing is started or
      # configured on the host (no default network, no virbr0, no NAT rules);
      # minik starts libvirtd itself inside its own network namespace.
      NEED+=([vagrant]=vagrant [/usr/share/rubygems-integration/all/specifications/vagrant-libvirt-*.gemspec]=vagrant-libvirt
        [libvirtd]=libvirt-daemon [virtlogd]=libvirt-daemon [virsh]=libvirt-clients
        [/usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so]=libvirt-daemon-driver-qemu
        [dnsmasq]=dnsmasq-base [qemu-system-x86_64]=qemu-system-x86 [qemu-img]=qemu-utils [ssh]=openssh-client [rsync]=rsync) ;;
    *) echo "deps-vm: unknown tier '$tier' (box, qemu, vagrant)" >&2; exit 2 ;;
  esac
done

present() {
  case $1 in
    /*) compgen -G "$1" >/dev/null ;;
    *) PATH="$PATH:/usr/sbin:/sbin" command -v "$1" >/dev/null 2>&1 ;;
  esac
}

missing=()
for what in "${!NEED[@]}"; do
  present "$what" || missing+=("${NEED[$what]}")
done
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u | sed '/^$/d')

# libvirtd resolves its compiled-in users before reading any config: make
# the system accounts libvirt-daemon-system would make (and nothing else of it).
libvirt_accounts() {
  [ "$(id -u)" = 0 ] || return 0
  local group
  for group in kvm libvirt libvirt-qemu; do
    getent group "$group" >/dev/null || groupadd --system "$group"
  done
  getent passwd libvirt-qemu >/dev/null ||
    useradd --system --gid kvm --groups libvirt-qemu --home-dir /var/lib/libvirt --no-create-home --shell /usr/sbin/nologin --comment 'Libvirt Qemu' libvirt-qemu
  getent passwd libvirt-dnsmasq >/dev/null ||
    useradd --system --gid libvirt --home-dir /var/lib/libvirt/dnsmasq --no-create-home --shell /usr/sbin/nologin --comment 'Libvirt Dnsmasq' libvirt-dnsmasq
}
[[ " ${tiers[*]} " == *" vagrant "* ]] && trap libvirt_accounts EXIT

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "deps-vm: missing ${missing[*]} (run as root on Debian to install them)" >&2
  exit 1
fi
echo "minik: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Several engineers' tests may install at once: apt's own lock makes them wait.
apt_get() { apt-get -o DPkg::Lock::Timeout=600 "$@"; }
if ! apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
  apt_get update -qq >/dev/null 2>&1 || true
  if ! apt_get install -y -qq --no-install-recommends "${missing[@]}" >&2; then
    echo "deps-vm: apt-get could not install ${missing[*]}" >&2
    exit 1
  fi
fi
