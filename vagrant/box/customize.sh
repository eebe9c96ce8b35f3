#!/usr/bin/env bash
# mmdebstrap's customize hook for minik's box (called by build.sh on the
# host, with the finished root tree as $1): the vagrant user and its key,
# networking, fstab, and the services a short-lived lab VM does not need.
#   customize.sh ROOT ROOT_UUID PUBKEY
set -euo pipefail
root=${1:?} uuid=${2:?} pubkey=${3:?}
in_root() { chroot "$root" "$@"; }

# Vagrant's conventions: user vagrant, passwordless sudo, the insecure key.
in_root useradd --create-home --shell /bin/bash --user-group vagrant
echo 'vagrant:vagrant' | in_root chpasswd
install -d -m 0700 -o 1000 -g 1000 "$root/home/vagrant/.ssh"
printf '%s\n' "$pubkey" >"$root/home/vagrant/.ssh/authorized_keys"
chown 1000:1000 "$root/home/vagrant/.ssh/authorized_keys"
chmod 0600 "$root/home/vagrant/.ssh/authorized_keys"
printf 'vagrant ALL=(ALL) NOPASSWD:ALL\nDefaults:vagrant !requiretty\n' >"$root/etc/sudoers.d/vagrant"
chmod 0440 "$root/etc/sudoers.d/vagrant"
# Under software emulation every DNS lookup sshd makes is a timeout away.
printf 'UseDNS no\n' >"$root/etc/ssh/sshd_config.d/minik.conf"

printf 'UUID=%s / ext4 defaults,noatime 0 1\n' "$uuid" >"$root/etc/fstab"
echo minik-box >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 minik-box\n' >"$root/etc/hosts"
# Empty: each VM makes its own at first boot (DHCP's client id comes from it).
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"

# DHCP on the first NIC only (names are eth0, eth1, ... with net.ifnames=0);
# Vagrant and the VM tier configure the others.
cat >"$root/etc/systemd/network/10-eth0.network" <<'NET'
[Match]
Name=eth0

[Network]
DHCP=ipv4

[DHCPv4]
UseDomains=yes
NET
in_root systemctl enable systemd-networkd.service
# Boot waits for the first NIC, not for every NIC Vagrant may add later.
mkdir -p "$root/etc/systemd/system/systemd-networkd-wait-online.service.d"
cat >"$root/etc/systemd/system/systemd-networkd-wait-online.service.d/minik.conf" <<'UNIT'
[Service]
ExecStart=
ExecStart=/lib/systemd/systemd-networkd-wait-online --any --timeout=60
UNIT
# Nothing in a lab VM should spend its emulated CPU on housekeeping.
in_root systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer \
  systemd-tmpfiles-clean.timer dpkg-db-backup.timer 2>/dev/null || true
# What the data plane loads: ready at boot, so ipvs mode needs no modprobe.
printf 'ip_vs\nip_vs_rr\nip_vs_wrr\nip_vs_sh\nip_vs_lc\nbr_netfilter\ndummy\n' >"$root/etc/modules-load.d/minik.conf"
# Don't keep the package lists and the downloaded debs in the image.
rm -rf "$root/var/lib/apt/lists/"* "$root/var/cache/apt/"*.bin
in_root apt-get clean
# Devices a lab VM never uses: loading their drivers at every boot is tens
# of seconds under software emulation (kvm also probes nested SVM/VMX there).
printf 'blacklist %s\n' kvm kvm_amd kvm_intel parport_pc ppdev lp floppy pcspkr joydev \
  serio_raw snd_pcsp intel_rapl_msr intel_rapl_common >"$root/etc/modprobe.d/minik-blacklist.conf"
# Under software emulation on a busy host a boot can be ten times slower than
# usual: wait for devices and services instead of failing them after 90 s.
mkdir -p "$root/etc/systemd/system.conf.d"
printf '[Manager]\nDefaultTimeoutStartSec=600s\nDefaultDeviceTimeoutSec=600s\n' >"$root/etc/systemd/system.conf.d/minik.conf"
