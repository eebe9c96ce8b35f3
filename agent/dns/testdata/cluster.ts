// A small cluster as the DNS sees it, shared by the dns tests: a ClusterIP
// service with named TCP and UDP ports, a headless service with two ready
// endpoints (one with a hostname) and one not ready, ExternalName services
// pointing outside and inside the cluster domain, the kube-dns service, pods.

import type { Endpoints, Pod, Service } from '../../../api/types.ts';

const meta = (name: string, namespace: string, resourceVersion = '1') => ({ name, namespace, resourceVersion });

export const services: Service[] = [
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('web', 'default', '40'),
    spec: {
      type: 'ClusterIP',
      clusterIP: '10.96.0.20',
      selector: { app: 'web' },
      ports: [
        { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 },
        { name: 'dns', protocol: 'UDP', port: 53 },
        { protocol: 'TCP', port: 9000 },
      ],
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('db', 'shop'),
    spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'pg', protocol: 'TCP', port: 5432 }] },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('empty', 'shop'),
    spec: { clusterIP: 'None', selector: { app: 'nothing' } },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('ext', 'default'),
    spec: { type: 'ExternalName', externalName: 'Example.COM' },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('alias', 'default'),
    spec: { type: 'ExternalName', externalName: 'web.default.svc.cluster.local.' },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('dangling', 'default'),
    spec: { type: 'ExternalName', externalName: 'gone.default.svc.cluster.local' },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('kube-dns', 'kube-system'),
    spec: {
      clusterIP: '10.96.0.10',
      ports: [
        { name: 'dns', protocol: 'UDP', port: 53 },
        { name: 'dns-tcp', protocol: 'TCP', port: 53 },
      ],
    },
  },
];

export const endpoints: Endpoints[] = [
  {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: meta('db', 'shop'),
    subsets: [
      {
        addresses: [
          { ip: '10.244.1.5', hostname: 'db-0', targetRef: { kind: 'Pod', namespace: 'shop', name: 'db-0' } },
          { ip: '10.244.2.7', targetRef: { kind: 'Pod', namespace: 'shop', name: 'db-1' } },
        ],
        notReadyAddresses: [{ ip: '10.244.2.9', targetRef: { kind: 'Pod', namespace: 'shop', name: 'db-2' } }],
        ports: [{ name: 'pg', protocol: 'TCP', port: 5433 }],
      },
    ],
  },
  {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: meta('web', 'default'),
    subsets: [{ addresses: [{ ip: '10.244.1.3' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }],
  },
];

const pod = (name: string, namespace: string, podIP: string, phase: 'Running' | 'Failed' = 'Running'): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: meta(name, namespace),
  spec: { containers: [{ name: 'c', image: 'echo' }] },
  status: { phase, podIP },
});

export const pods: Pod[] = [
  pod('web-0', 'default', '10.244.1.3'),
  pod('db-0', 'shop', '10.244.1.5'),
  pod('db-1', 'shop', '10.244.2.7'),
  pod('db-2', 'shop', '10.244.2.9'),
  pod('crashed', 'default', '10.244.3.3', 'Failed'),
];

/** A headless service `big.default` with `count` ready endpoints, to overflow 512-byte UDP answers. */
export function bigHeadless(count: number): { service: Service; endpoints: Endpoints } {
  const addresses = Array.from({ length: count }, (_, i) => ({ ip: `10.244.9.${i + 1}` }));
  return {
    service: { apiVersion: 'v1', kind: 'Service', metadata: meta('big', 'default'), spec: { clusterIP: 'None' } },
    endpoints: { apiVersion: 'v1', kind: 'Endpoints', metadata: meta('big', 'default'), subsets: [{ addresses, ports: [] }] },
  };
}
