// The ipvsadm command language, both ways: virtual servers → the lines
// `ipvsadm -R` reads (the same form `ipvsadm -Sn` prints), and a diff of two
// states → only the commands that turn one into the other. Pure.

import type { Forwarding, IpvsProtocol, RealServer, VirtualServer } from './types.ts';
import { realServerKey, virtualServerKey } from './types.ts';

const PROTOCOL_FLAG: Record<IpvsProtocol, string> = { tcp: '-t', udp: '-u', sctp: '--sctp-service' };
const FORWARDING_FLAG: Record<Forwarding, string> = { masq: '-m', gate: '-g', ipip: '-i' };

/** `-t 10.96.0.20:80`: how ipvsadm names a virtual server. */
export const serviceArg = (vs: Pick<VirtualServer, 'protocol' | 'address' | 'port'>) => `${PROTOCOL_FLAG[vs.protocol]} ${vs.address}:${vs.port}`;

const serviceOptions = (vs: VirtualServer) => `-s ${vs.scheduler}${vs.persistence !== undefined ? ` -p ${vs.persistence}` : ''}`;
const realOptions = (rs: RealServer) => `-r ${rs.address}:${rs.port} ${FORWARDING_FLAG[rs.forwarding]} -w ${rs.weight}`;

export const addService = (vs: VirtualServer) => `-A ${serviceArg(vs)} ${serviceOptions(vs)}`;
export const editService = (vs: VirtualServer) => `-E ${serviceArg(vs)} ${serviceOptions(vs)}`;
export const deleteService = (vs: VirtualServer) => `-D ${serviceArg(vs)}`;
export const addReal = (vs: VirtualServer, rs: RealServer) => `-a ${serviceArg(vs)} ${realOptions(rs)}`;
export const editReal = (vs: VirtualServer, rs: RealServer) => `-e ${serviceArg(vs)} ${realOptions(rs)}`;
export const deleteReal = (vs: VirtualServer, rs: RealServer) => `-d ${serviceArg(vs)} -r ${rs.address}:${rs.port}`;

/** The whole state as `ipvsadm -R` input (what `ipvsadm -Sn` would print for it). */
export function renderRestore(list: VirtualServer[]): string {
  const lines: string[] = [];
  for (const vs of list) {
    lines.push(addService(vs));
    for (const rs of vs.realServers) lines.push(addReal(vs, rs));
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

export interface IpvsDiff {
  /** Commands for `ipvsadm -R`, in an order that always applies: deletes, then adds, then edits. */
  commands: string[];
  addedServices: number;
  deletedServices: number;
  editedServices: number;
  realServerChanges: number;
}

const sameService = (a: VirtualServer, b: VirtualServer) => a.scheduler === b.scheduler && (a.persistence ?? 0) === (b.persistence ?? 0);
const sameReal = (a: RealServer, b: RealServer) => a.weight === b.weight && a.forwarding === b.forwarding;

/**
 * Commands that turn `current` into `desired`. Virtual servers in `current`
 * that are not desired are deleted only when `owned` says minik made them
 * (IPVS has no comments or tables: ownership is decided by address).
 */
export function diffIpvs(current: Iterable<VirtualServer>, desired: Iterable<VirtualServer>, owned: (vs: VirtualServer) => boolean = () => true): IpvsDiff {
  const before = new Map<string, VirtualServer>();
  for (const vs of current) before.set(virtualServerKey(vs), vs);
  const out: IpvsDiff = { commands: [], addedServices: 0, deletedServices: 0, editedServices: 0, realServerChanges: 0 };
  const adds: string[] = [];
  const edits: string[] = [];
  const deletes: string[] = [];
  for (const vs of desired) {
    const key = virtualServerKey(vs);
    const was = before.get(key);
    before.delete(key);
    if (!was) {
      out.addedServices++;
      adds.push(addService(vs));
      for (const rs of vs.realServers) adds.push(addReal(vs, rs));
      out.realServerChanges += vs.realServers.length;
      continue;
    }
    if (!sameService(was, vs)) {
      out.editedServices++;
      edits.push(editService(vs));
    }
    const reals = new Map(was.realServers.map((rs) => [realServerKey(rs), rs]));
    for (const rs of vs.realServers) {
      const old = reals.get(realServerKey(rs));
      reals.delete(realServerKey(rs));
      if (!old) adds.push(addReal(vs, rs));
      else if (!sameReal(old, rs)) edits.push(editReal(vs, rs));
      else continue;
      out.realServerChanges++;
    }
    for (const rs of reals.values()) {
      deletes.push(deleteReal(vs, rs));
      out.realServerChanges++;
    }
  }
  for (const vs of before.values()) {
    if (!owned(vs)) continue;
    out.deletedServices++;
    deletes.push(deleteService(vs));
  }
  out.commands = [...deletes, ...adds, ...edits];
  return out;
}
