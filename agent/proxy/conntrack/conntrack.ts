// Connection-tracking cleanup for every proxy mode (kube-proxy's conntrack
// package): UDP has no FIN, so an entry to an endpoint that went away keeps
// steering a client's packets to it until it times out. The change tracker
// says which flows are stale; this deletes their entries with `conntrack -D`.

import type { Exec } from '../../../api/exec/exec.ts';
import type { StaleUdpFlow } from '../changes.ts';

/** The `conntrack -D` argv that deletes the entries of one stale flow (matched on the reply source: the endpoint after DNAT). */
export function deleteArgv(flow: StaleUdpFlow): string[] {
  return flow.kind === 'address'
    ? ['conntrack', '-D', '-p', 'udp', '--orig-dst', flow.serviceIp, '--orig-port-dst', String(flow.servicePort), '--reply-src', flow.endpointIp, '--reply-port-src', String(flow.endpointPort)]
    : ['conntrack', '-D', '-p', 'udp', '--orig-port-dst', String(flow.nodePort), '--reply-src', flow.endpointIp, '--reply-port-src', String(flow.endpointPort)];
}

/** Deletes the entries of every stale flow; returns how many commands deleted something. */
export async function flushStaleUdp(exec: Exec, flows: StaleUdpFlow[], log: (line: string) => void): Promise<number> {
  let deleted = 0;
  for (const flow of flows) {
    const argv = deleteArgv(flow);
    const result = await exec.run(argv, { allowFailure: true });
    // conntrack exits 1 when nothing matched: the common case, not an error.
    if (result.code === 0) deleted++;
    else if (result.code !== 1) log(`${argv.join(' ')}: ${result.stderr.trim() || `exit ${result.code}`}`);
  }
  return deleted;
}
