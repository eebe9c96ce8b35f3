// What exists from the first start on: the `default` and `kube-system`
// namespaces and the cluster DNS service kube-system/kube-dns at 10.96.0.10.

import type { Namespace, Service } from '../api/types.ts';
import type { Registry } from './registry/registry.ts';
import { SYSTEM_NAMESPACES } from './registry/registry.ts';

export function kubeDnsService(dnsIp: string): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
    spec: {
      type: 'ClusterIP',
      clusterIP: dnsIp,
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
      ],
    },
  };
}

export async function bootstrap(registry: Registry, dnsIp: string): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
    if (!registry.store.get('Namespace', undefined, name)) {
      const ns: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
      await registry.create(ns);
    }
  }
  if (!registry.store.get('Service', 'kube-system', 'kube-dns')) await registry.create(kubeDnsService(dnsIp));
}
