// Synthetic proxy models for the nftables benchmarks: N ClusterIP services,
// each with E endpoints, addressed so that every service and endpoint is unique.

import type { ProxyEndpoint, ProxyModel, ServicePortModel } from '../../agent/proxy/model.ts';

export const serviceIp = (i: number) => `10.${96 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
export const endpointIp = (k: number) => `10.${200 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}`;

export function servicePort(i: number, eps: ProxyEndpoint[]): ServicePortModel {
  const name = `svc${i}`;
  return {
    key: `bench/${name}:80/tcp`,
    namespace: 'bench',
    name,
    portName: 'http',
    protocol: 'tcp',
    clusterIP: serviceIp(i),
    port: 80,
    loadBalancerIPs: [],
    externalLocal: false,
    internalLocal: false,
    endpoints: eps,
  };
}

export function syntheticModel(services: number, endpointsPerService: number, opts: { backend?: { ip: string; port: number } } = {}): ProxyModel {
  const servicePorts: ServicePortModel[] = [];
  for (let i = 0; i < services; i++) {
    const eps = opts.backend
      ? [{ ip: opts.backend.ip, port: opts.backend.port, isLocal: false }]
      : Array.from({ length: endpointsPerService }, (_, e) => ({ ip: endpointIp(i * endpointsPerService + e), port: 8080, isLocal: false }));
    servicePorts.push(servicePort(i, eps));
  }
  servicePorts.sort((a, b) => (a.key < b.key ? -1 : 1));
  return { node: 'bench', clusterCidr: '10.244.0.0/16', serviceCidr: '10.96.0.0/12', servicePorts };
}

/** The same model with service `i`'s last endpoint replaced by a new address. */
export function withChangedEndpoint(model: ProxyModel, i: number, salt: number): ProxyModel {
  const key = `bench/svc${i}:80/tcp`;
  return {
    ...model,
    servicePorts: model.servicePorts.map((sp) =>
      sp.key !== key ? sp : { ...sp, endpoints: [...sp.endpoints.slice(0, -1), { ip: `10.250.${(salt >> 8) & 255}.${salt & 255}`, port: 8080, isLocal: false }] },
    ),
  };
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
export const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
