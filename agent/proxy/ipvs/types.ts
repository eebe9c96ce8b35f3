// IPVS state as minik describes it: virtual servers with their real servers,
// the same shape `ipvsadm -Sn` prints and `ipvsadm -R` reads.

export type IpvsProtocol = 'tcp' | 'udp' | 'sctp';
/** masq = NAT (`-m`), the only method minik uses; the others are parsed so foreign state reads back. */
export type Forwarding = 'masq' | 'gate' | 'ipip';

export interface RealServer {
  address: string;
  port: number;
  weight: number;
  forwarding: Forwarding;
}

export interface VirtualServer {
  protocol: IpvsProtocol;
  address: string;
  port: number;
  scheduler: string;
  /** Persistence timeout in seconds (`-p`): sessionAffinity ClientIP. */
  persistence?: number;
  /** Sorted by address, then port. */
  realServers: RealServer[];
  /** Which service port this is for (`default/web:http`); minik's, never read back from the kernel. */
  comment?: string;
}

/** `tcp 10.96.0.20:80`: identity of a virtual server. */
export const virtualServerKey = (vs: Pick<VirtualServer, 'protocol' | 'address' | 'port'>) => `${vs.protocol} ${vs.address}:${vs.port}`;
export const realServerKey = (rs: Pick<RealServer, 'address' | 'port'>) => `${rs.address}:${rs.port}`;
