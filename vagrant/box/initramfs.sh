#!/usr/bin/env bash
# mmdebstrap's essential hook for minik's box (before the kernel is
# installed, with the root tree as $1): a small initramfs with only the
# drivers a VM's root disk needs. A generic one (MODULES=most) is ~35 MB and
# costs several seconds to unpack under software emulation at every boot.
set -euo pipefail
root=${1:?}
mkdir -p "$root/etc/initramfs-tools/conf.d"
printf 'MODULES=list\nCOMPRESS=zstd\n' >"$root/etc/initramfs-tools/conf.d/minik"
# virtio (QEMU, libvirt), AHCI/PIIX + sd (VirtualBox, libvirt's sata bus), ext4.
printf '%s\n' virtio_pci virtio_blk virtio_scsi sd_mod ahci ata_piix ext4 crc32c_generic >"$root/etc/initramfs-tools/modules"
