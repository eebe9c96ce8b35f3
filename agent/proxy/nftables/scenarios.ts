// Fixtures shared by the proxy tests and benchmarks: small builders for
// Service and Endpoints objects, and the named scenarios behind the golden files.

import type { EndpointAddress, Endpoints, Service, ServiceSpec } from '../../../api/types.ts';
import { buildProxyModel, type ProxyModel } from '../model.ts';

export function service(ns: string, name: string, spec: ServiceSpec, lbIPs: string[] = []): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec,
    status: lbIPs.length ? { loadBalancer: { ingress: lbIPs.map((ip) => ({ ip })) } } : undefined,
  };
}

/** Endpoints with one subset; `addrs` as `ip@node`, ports as `[name, port, protocol]`. */
export function endpoints(ns: string, name: string, addrs: string[], ports: [string | undefined, number, ('TCP' | 'UDP')?][], notReady: string[] = []): Endpoints {
  const toAddr = (a: string): EndpointAddress => {
    const [ip, nodeName] = a.split('@');
    return { ip, nodeName };
  };
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name, namespace: ns },
    subsets: [
      {
        addresses: addrs.map(toAddr),
        notReadyAddresses: notReady.map(toAddr),
        ports: ports.map(([pname, port, protocol]) => ({ name: pname, port, protocol: protocol ?? 'TCP' })),
      },
    ],
  };
}

export interface Scenario {
  name: string;
  description: string;
  model: ProxyModel;
}

const NODE = 'node1';
const build = (services: Service[], eps: Endpoints[]) => buildProxyModel({ services, endpoints: eps, node: NODE });

export const SCENARIOS: Scenario[] = [
  {
    name: 'empty',
    description: 'no services: only the fixed skeleton',
    model: build([], []),
  },
  {
    name: 'clusterip',
    description: 'ClusterIP with three endpoints (one local), one without endpoints, and the kinds the proxier skips',
    model: build(
      [
        service('default', 'web', { type: 'ClusterIP', clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80, targetPort: 8080 }] }),
        service('default', 'empty', { clusterIP: '10.96.0.21', ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] }),
        service('kube-system', 'kube-dns', { clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
        service('default', 'headless', { clusterIP: 'None', ports: [{ port: 80 }] }),
        service('default', 'db', { type: 'ExternalName', externalName: 'db.example.com' }),
      ],
      [
        endpoints('default', 'web', ['10.244.0.5@node1', '10.244.1.5@node2', '10.244.2.5@node3'], [['http', 8080]], ['10.244.1.9@node2']),
        endpoints('kube-system', 'kube-dns', ['10.244.0.2@node1'], [['dns', 53, 'UDP']]),
      ],
    ),
  },
  {
    name: 'nodeport-loadbalancer',
    description: 'NodePort (policy Cluster), LoadBalancer with externalTrafficPolicy Local, a UDP port, and an internalTrafficPolicy Local service with no local endpoint',
    model: build(
      [
        service('shop', 'front', { type: 'NodePort', clusterIP: '10.96.1.1', ports: [{ name: 'http', port: 80, nodePort: 30080 }, { name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 }] }),
        service('shop', 'lb', { type: 'LoadBalancer', clusterIP: '10.96.1.2', externalTrafficPolicy: 'Local', ports: [{ port: 443, nodePort: 31443 }] }, ['192.168.77.200']),
        service('shop', 'lb-remote', { type: 'LoadBalancer', clusterIP: '10.96.1.3', externalTrafficPolicy: 'Local', ports: [{ port: 443, nodePort: 31444 }] }, ['192.168.77.201']),
        service('shop', 'internal', { clusterIP: '10.96.1.4', internalTrafficPolicy: 'Local', ports: [{ port: 80 }] }),
      ],
      [
        endpoints('shop', 'front', ['10.244.0.7@node1', '10.244.1.7@node2'], [['http', 8080], ['dns', 5353, 'UDP']]),
        endpoints('shop', 'lb', ['10.244.0.8@node1', '10.244.1.8@node2'], [[undefined, 8443]]),
        endpoints('shop', 'lb-remote', ['10.244.1.9@node2'], [[undefined, 8443]]),
        endpoints('shop', 'internal', ['10.244.2.4@node3'], [[undefined, 80]]),
      ],
    ),
  },
  {
    name: 'affinity',
    description: 'sessionAffinity ClientIP (timeout 600 s) on a NodePort service, in a namespace whose name needs a hashed chain name',
    model: build(
      [
        service('team-a', 'sticky', {
          type: 'NodePort',
          clusterIP: '10.96.2.1',
          sessionAffinity: 'ClientIP',
          sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } },
          ports: [{ port: 80, nodePort: 30090 }],
        }),
      ],
      [endpoints('team-a', 'sticky', ['10.244.0.9@node1', '10.244.1.9@node2'], [[undefined, 8080]])],
    ),
  },
];
