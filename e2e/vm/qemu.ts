// How the VM tier starts one QEMU guest: pure argv builders, no I/O.
//
// Every guest runs under TCG (software emulation: KVM guests hang on these
// machines) with two NICs and two disks:
//   eth0  user-mode networking (slirp) with restrict=on: the guest reaches
//         nothing outside QEMU; only ssh is forwarded in, on 127.0.0.1
//   eth1  the node network: a QEMU socket netdev on loopback that all of a
//         lab's guests share as one L2 segment (UDP multicast on 127.0.0.1)
//   vda   a copy-on-write overlay of the cached box disk
//   vdb   a small ext4 image carrying dist/minik, the token and provision.sh

export interface GuestSpec {
  /** node1, node2, ... */
  name: string;
  /** 0-based position in the lab (MAC address, node IP) */
  index: number;
  overlay: string;
  dataDisk: string;
  sshPort: number;
  /** the lab's segment: multicast group port on 127.0.0.1 */
  segmentPort: number;
  /** distinguishes labs' MAC addresses (0-255) */
  labTag: number;
  memoryMb: number;
  consoleLog: string;
  /** "tcg" (default) or "kvm" where it really works */
  accel?: string;
}

/** The multicast group the node networks use; labs differ by port. */
export const SEGMENT_GROUP = '230.0.0.1';
export const API_PORT = 6443;

const hex = (n: number) => n.toString(16).padStart(2, '0');

/** 52:54:00 is QEMU's prefix; then the NIC, the lab, the guest. */
export function macAddress(nic: 0 | 1, labTag: number, index: number): string {
  return `52:54:00:${hex(nic)}:${hex(labTag & 0xff)}:${hex(index + 1)}`;
}

export function qemuArgv(g: GuestSpec): string[] {
  const forwards = [`hostfwd=tcp:127.0.0.1:${g.sshPort}-:22`];
  const accel = g.accel ?? 'tcg';
  return [
    'qemu-system-x86_64',
    '-name', g.name,
    '-accel', accel,
    // TCG emulates every feature of "max"; with KVM "host" is what works.
    '-cpu', accel === 'kvm' ? 'host' : 'max',
    '-m', String(g.memoryMb),
    '-smp', '1',
    // No floppy, parallel port, VGA or CD-ROM: fewer devices, faster boot.
    '-nodefaults',
    '-display', 'none',
    '-serial', `file:${g.consoleLog}`,
    '-drive', `file=${g.overlay},if=virtio,format=qcow2,cache=unsafe`,
    '-drive', `file=${g.dataDisk},if=virtio,format=raw,readonly=on`,
    '-netdev', `user,id=nat,net=10.0.2.0/24,restrict=on,${forwards.join(',')}`,
    '-device', `virtio-net-pci,netdev=nat,mac=${macAddress(0, g.labTag, g.index)}`,
    '-netdev', `socket,id=lan,mcast=${SEGMENT_GROUP}:${g.segmentPort},localaddr=127.0.0.1`,
    '-device', `virtio-net-pci,netdev=lan,mac=${macAddress(1, g.labTag, g.index)}`,
  ];
}

/** qemu-img argv for a copy-on-write overlay on the box disk. */
export const overlayArgv = (backing: string, overlay: string) => ['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', backing, overlay];

/** mkfs.ext4 argv for the data disk: the directory's files, no loop device needed. */
export const dataDiskArgv = (dir: string, image: string, sizeMb: number) => ['mkfs.ext4', '-q', '-F', '-L', 'minikdata', '-d', dir, image, `${sizeMb}M`];

/** ssh options for talking to a guest with Vagrant's insecure key, one shared connection per guest. */
export function sshArgv(o: { key: string; port: number; controlPath: string; connectTimeoutS?: number }): string[] {
  return [
    'ssh',
    '-i', o.key,
    '-p', String(o.port),
    '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'LogLevel=ERROR',
    '-o', `ConnectTimeout=${o.connectTimeoutS ?? 10}`,
    // Each new ssh session costs a key exchange in the emulated guest (~1 s):
    // one master connection per guest, reused.
    '-o', 'ControlMaster=auto',
    '-o', `ControlPath=${o.controlPath}`,
    '-o', 'ControlPersist=600',
    '-o', 'ServerAliveInterval=10',
    'vagrant@127.0.0.1',
  ];
}

/** Quotes one argument for the remote shell ssh hands the command to. */
export const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
