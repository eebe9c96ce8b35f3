#!/usr/bin/env bash
# Builds minik's Debian box from Debian's packages only, without loop devices
# or mounts: mmdebstrap makes the root tree, `mkfs.ext4 -d` turns it into the
# root partition, a small FAT partition carries the kernel, the initrd and
# syslinux (installed through mtools), and sfdisk + syslinux's MBR make the
# disk boot by itself under QEMU, libvirt or VirtualBox.
#
#   vagrant/box/build.sh OUT_DIR
#
# Writes into OUT_DIR (made fresh; callers build into a temporary directory
# and rename it, see cli/lab/box.ts):
#   disk.qcow2          the bootable disk (backing file for the VM tier)
#   minik-debian.box    the same disk packed as a libvirt Vagrant box
#   vagrant_insecure_key  Vagrant's well-known insecure private key, taken
#                       from Debian's vagrant package (the box trusts it)
#   timings             one "step seconds" line per step
# Environment: MINIK_BOX_MIRROR (default http://deb.debian.org/debian).
# Needs root (mmdebstrap's root mode, file ownership in the image).
set -euo pipefail

out=${1:?usage: build.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
mirror=${MINIK_BOX_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
disk_mib=4096 # virtual size; qcow2 stores only what is used
boot_mib=128
export PATH="$PATH:/usr/sbin:/sbin"

# What provisioning and the tests need, preinstalled so nothing is fetched in a VM.
packages=(
  systemd systemd-sysv udev dbus kmod linux-image-amd64 initramfs-tools
  openssh-server sudo netbase iproute2 nftables iptables conntrack ipvsadm
  iputils-ping iputils-arping curl bind9-dnsutils procps rsync socat
)

mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/minik-box.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
timings=$out/timings
: >"$timings"
step_started=0
step_name=
# Records how long the previous step took, then names the next one.
step() {
  local now=$EPOCHREALTIME
  [[ -n $step_name ]] && awk -v n="$step_name" -v a="$step_started" -v b="$now" 'BEGIN { printf "%s\t%.1f\n", n, b - a }' >>"$timings"
  step_name=$1
  step_started=$now
  [[ $1 == "done" ]] || echo "box: $1" >&2
}

step "insecure key (Debian's vagrant package)"
mkdir -p "$work/vagrant-deb"
chmod 0777 "$work/vagrant-deb" # apt-get download drops to the _apt user
(cd "$work/vagrant-deb" && apt-get download -qq vagrant >/dev/null 2>&1) ||
  { apt-get update -qq >/dev/null && (cd "$work/vagrant-deb" && apt-get download -qq vagrant >/dev/null); }
dpkg-deb -x "$work"/vagrant-deb/vagrant_*.deb "$work/vagrant-deb/x"
keys=$(find "$work/vagrant-deb/x" -type d -path '*/vagrant-*/keys' | head -n 1)
[[ -f $keys/vagrant && -f $keys/vagrant.pub ]] || { echo "box: no insecure key in Debian's vagrant package" >&2; exit 1; }
install -m 0600 "$keys/vagrant" "$out/vagrant_insecure_key"
pubkey=$(cat "$keys/vagrant.pub")

step "mmdebstrap $suite (${#packages[@]} packages)"
root_uuid=$(cat /proc/sys/kernel/random/uuid)
mkdir -p "$root"
# The hooks run on the host with the tree as "$1".
mmdebstrap --quiet --variant=minbase --mode=root --format=directory \
  --include="$(IFS=,; echo "${packages[*]}")" \
  --essential-hook="$here/initramfs.sh \"\$1\"" \
  --customize-hook="$here/customize.sh \"\$1\" '$root_uuid' '$pubkey'" \
  "$suite" "$root" "$mirror"

step "boot partition (FAT: kernel, initrd, syslinux)"
kernel=$(find "$root/boot" -maxdepth 1 -name 'vmlinuz-*' | sort -V | tail -n 1)
initrd=$(find "$root/boot" -maxdepth 1 -name 'initrd.img-*' | sort -V | tail -n 1)
[[ -n $kernel && -n $initrd ]] || { echo "box: no kernel or initrd in the image" >&2; exit 1; }
boot=$work/boot.img
mkfs.vfat -n MINIKBOOT -C "$boot" $((boot_mib * 1024)) >/dev/null
cat >"$work/syslinux.cfg" <<CFG
DEFAULT debian
PROMPT 0
TIMEOUT 0
LABEL debian
  LINUX /vmlinuz
  INITRD /initrd.img
  APPEND root=UUID=$root_uuid ro console=tty0 console=ttyS0,115200 net.ifnames=0 biosdevname=0 quiet mitigations=off
CFG
MTOOLS_SKIP_CHECK=1 mcopy -i "$boot" "$kernel" ::/vmlinuz
MTOOLS_SKIP_CHECK=1 mcopy -i "$boot" "$initrd" ::/initrd.img
MTOOLS_SKIP_CHECK=1 mcopy -i "$boot" "$work/syslinux.cfg" ::/syslinux.cfg
syslinux --install "$boot"

step "root partition (mkfs.ext4 -d)"
disk=$work/disk.raw
root_mib=$((disk_mib - boot_mib - 1))
mkfs.ext4 -q -F -L minik-root -U "$root_uuid" -d "$root" "$work/root.img" "${root_mib}M"

step "disk (MBR, partitions)"
truncate -s "${disk_mib}M" "$disk"
sfdisk -q "$disk" <<PARTS
label: dos
start=1MiB, size=${boot_mib}MiB, type=c, bootable
start=$((1 + boot_mib))MiB, type=83
PARTS
dd if=/usr/lib/syslinux/mbr/mbr.bin of="$disk" bs=440 count=1 conv=notrunc status=none
dd if="$boot" of="$disk" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$work/root.img" of="$disk" bs=1M seek=$((1 + boot_mib)) conv=notrunc,sparse status=none

step "qcow2 and libvirt box"
qemu-img convert -q -O qcow2 "$disk" "$out/disk.qcow2"
box=$work/box
mkdir -p "$box"
ln "$out/disk.qcow2" "$box/box.img" 2>/dev/null || cp "$out/disk.qcow2" "$box/box.img"
printf '{"provider":"libvirt","format":"qcow2","virtual_size":%d}\n' $((disk_mib / 1024)) >"$box/metadata.json"
cat >"$box/Vagrantfile" <<'VF'
# minik's locally built Debian box (vagrant/box/build.sh): it boots with
# syslinux from its own disk and trusts Vagrant's insecure key.
Vagrant.configure('2') do |config|
  config.vm.provider :libvirt do |lv|
    lv.disk_bus = 'virtio'
    lv.nic_model_type = 'virtio'
  end
end
VF
tar -C "$box" -cf "$out/minik-debian.box" metadata.json Vagrantfile box.img
step "done"
