// Allocation side of Services: which cluster IP, node ports and load-balancer
// IP a service holds, claimed on create, kept or moved on update, released on
// delete — always inside the caller's transaction.

import { invalid, type FieldError } from '../../api/errors.ts';
import { objectKey } from '../../api/resources.ts';
import type { Service } from '../../api/types.ts';
import {
  AllocationError,
  POOLS,
  allocateClusterIp,
  allocateLoadBalancerIp,
  allocateNodePort,
  releaseAll,
  type AllocatorConfig,
} from '../allocators/allocators.ts';
import type { Tx } from '../store/store.ts';

const usesNodePorts = (svc: Service) => svc.spec.type === 'NodePort' || svc.spec.type === 'LoadBalancer';
const hasClusterIp = (svc: Service) => svc.spec.type !== 'ExternalName' && svc.spec.clusterIP !== 'None';

/**
 * Fills spec.clusterIP(s), spec.ports[].nodePort and status.loadBalancer of
 * `svc`, claiming values for it and releasing what `old` held and `svc` no
 * longer needs. Throws a 422 naming every value that cannot be had.
 */
export function allocateServiceValues(tx: Tx, config: AllocatorConfig, svc: Service, old?: Service): Service {
  const owner = objectKey('Service', svc.metadata.namespace, svc.metadata.name);
  const errors: FieldError[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof AllocationError) {
        errors.push(err.fieldError);
        return undefined;
      }
      throw err;
    }
  };

  // Cluster IP: kept across updates (the validator rejects a changed one).
  if (hasClusterIp(svc)) {
    const requested = svc.spec.clusterIP || old?.spec.clusterIP || undefined;
    const ip = attempt(() => allocateClusterIp(tx, config, owner, requested === 'None' ? undefined : requested));
    if (ip) {
      svc.spec.clusterIP = ip;
      svc.spec.clusterIPs = [ip];
    }
  } else {
    for (const ip of tx.heldBy(POOLS.clusterIp, owner)) tx.release(POOLS.clusterIp, ip);
    if (svc.spec.type === 'ExternalName') {
      delete svc.spec.clusterIP;
      delete svc.spec.clusterIPs;
    } else {
      svc.spec.clusterIPs = ['None'];
    }
  }

  // Node ports: a port keeps its old nodePort when the update leaves it out.
  const wanted = new Set<string>();
  if (usesNodePorts(svc)) {
    (svc.spec.ports ?? []).forEach((port, i) => {
      const previous = old?.spec.ports?.find(
        (p) => p.nodePort && (p.name ?? '') === (port.name ?? '') && p.port === port.port && p.protocol === port.protocol,
      )?.nodePort;
      const nodePort = attempt(() =>
        allocateNodePort(tx, config, owner, `spec.ports[${i}].nodePort`, port.nodePort ?? (old ? previous : undefined)),
      );
      if (nodePort !== undefined) {
        port.nodePort = nodePort;
        wanted.add(String(nodePort));
      }
    });
  } else {
    for (const port of svc.spec.ports ?? []) delete port.nodePort;
  }
  for (const held of tx.heldBy(POOLS.nodePort, owner)) if (!wanted.has(held)) tx.release(POOLS.nodePort, held);

  // Load-balancer IP.
  if (svc.spec.type === 'LoadBalancer') {
    const current = tx.heldBy(POOLS.loadBalancerIp, owner)[0];
    const requested = svc.spec.loadBalancerIP || undefined;
    if (current && requested && current !== requested) tx.release(POOLS.loadBalancerIp, current);
    const ip = attempt(() => allocateLoadBalancerIp(tx, config, owner, requested ?? current));
    svc.status = ip ? { loadBalancer: { ingress: [{ ip }] } } : { loadBalancer: {} };
  } else {
    releaseAll(tx, owner, [POOLS.loadBalancerIp]);
    svc.status = { loadBalancer: {} };
  }

  if (errors.length) throw invalid('Service', svc.metadata.name, errors);
  return svc;
}

export function releaseServiceValues(tx: Tx, svc: Service): void {
  releaseAll(tx, objectKey('Service', svc.metadata.namespace, svc.metadata.name), [
    POOLS.clusterIp,
    POOLS.nodePort,
    POOLS.loadBalancerIp,
  ]);
}
