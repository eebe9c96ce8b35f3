// Deterministic generators for the apiserver fuzz tests: a seeded PRNG, a
// valid object of every served kind, the hostile values the issue-10 fuzzer
// found (wrong types, out-of-range numbers, injected strings, deep nesting)
// and mutations that put them anywhere in an object.

import type { Kind } from '../../api/resources.ts';

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Dice {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

export const nest = (depth: number, leaf: unknown = 'v'): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = { x: value };
  return value;
};

/** Values of every wrong type and edge the fuzzer threw at every field. */
export const HOSTILE: readonly unknown[] = [
  null, true, false, 0, -1, 1, 0.5, 30100.5, 65535, 65536, 2147483647, 2147483648, -2147483649, 1e308, -0,
  '', ' ', '0', '030100', 'abc', 'None', 'TCP', 'NodePort', 'ExternalName', 'ClientIP', 'Local', 'True',
  '10.96.0.10', '10.96.5.5', '10.244.1.9', '192.168.77.200', '8.8.8.8', '127.0.0.1; drop', '::1', '10.0.0.0/8',
  'x'.repeat(300), 'UPPER', 'a_b', 'é', '../..', '*.example.com', '/', '$(reboot)',
  [], ['web'], ['TCP'], [80], [1, 2], [null], [{}], {}, { a: 1 }, { '': '' }, { app: 5 }, nest(30),
];

export const NAMES = ['a', 'b', 'web', 'db', 'x-1'];
export const NAMESPACES = ['default', 'demo'];
export const NODE_NAMES = ['node1', 'node2', 'node3'];

/** A valid object of `kind` named `name`, varied by the dice. */
export function validObject(d: Dice, kind: Kind, name: string): Record<string, any> {
  const labels = d.chance(0.7) ? { app: d.pick(['web', 'db']) } : undefined;
  const metadata = { name, ...(labels ? { labels } : {}) };
  switch (kind) {
    case 'Namespace':
      return { apiVersion: 'v1', kind, metadata: { name } };
    case 'Node': {
      const i = NODE_NAMES.indexOf(name) + 1 || 9;
      return {
        apiVersion: 'v1',
        kind,
        metadata: { name },
        spec: { podCIDR: `10.244.${i}.0/24` },
        status: {
          addresses: [{ type: 'InternalIP', address: `192.168.77.${10 + i}` }],
          conditions: [{ type: 'Ready', status: d.pick(['True', 'False', 'Unknown']) }],
        },
      };
    }
    case 'Service': {
      const type = d.pick(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName', 'Headless']);
      const ports = [{ name: 'http', port: 80, targetPort: d.pick([8080, 'http']) }, { name: 'dns', port: 53, protocol: 'UDP' }].slice(0, 1 + d.int(2));
      if (type === 'ExternalName') return { apiVersion: 'v1', kind, metadata, spec: { type, externalName: 'docs.example.com' } };
      const spec: Record<string, unknown> = { type: type === 'Headless' ? 'ClusterIP' : type, selector: { app: d.pick(['web', 'db']) }, ports };
      if (type === 'Headless') spec.clusterIP = 'None';
      if (type === 'NodePort' && d.chance(0.5)) ports[0] = { ...ports[0], nodePort: 30000 + d.int(40) } as never;
      if (type === 'LoadBalancer' && d.chance(0.3)) spec.loadBalancerIP = `192.168.77.${200 + d.int(5)}`;
      if (d.chance(0.2) && type !== 'Headless') spec.clusterIP = `10.96.1.${d.int(5) + 1}`;
      if (d.chance(0.2)) spec.sessionAffinity = 'ClientIP';
      return { apiVersion: 'v1', kind, metadata, spec };
    }
    case 'Pod':
      return {
        apiVersion: 'v1',
        kind,
        metadata,
        spec: {
          ...(d.chance(0.5) ? { nodeName: d.pick(NODE_NAMES) } : {}),
          containers: [{ name: 'echo', image: 'echo', ports: [{ name: 'http', containerPort: 8080 + d.int(2) }] }],
        },
      };
    case 'Endpoints':
      return {
        apiVersion: 'v1',
        kind,
        metadata,
        subsets: [{ addresses: [{ ip: `10.244.1.${1 + d.int(200)}` }], ports: [{ port: 8080 }] }],
      };
    case 'Event':
      return {
        apiVersion: 'v1',
        kind,
        metadata,
        involvedObject: { kind: 'Pod', name: d.pick(NAMES) },
        reason: d.pick(['Scheduled', 'Started']),
        message: 'fuzz',
        type: d.pick(['Normal', 'Warning']),
      };
    case 'Ingress':
      return {
        apiVersion: 'networking.k8s.io/v1',
        kind,
        metadata,
        spec: {
          rules: [
            {
              host: d.pick(['web.example.com', '*.example.com']),
              http: { paths: [{ path: '/', pathType: d.pick(['Prefix', 'Exact']), backend: { service: { name: 'web', port: { number: 80 } } } }] },
            },
          ],
        },
      };
    case 'Event':
      return {
        apiVersion: 'v1',
        kind,
        metadata,
        involvedObject: { kind: 'Service', name: d.pick(NAMES), namespace: 'default' },
        reason: d.pick(['Allocated', 'NodeReady', 'Started']),
        message: 'something happened',
        type: d.pick(['Normal', 'Warning']),
      };
  }
}

/** A status the agents or controllers could write for `kind`, sometimes of the wrong shape. */
export function statusFor(d: Dice, kind: Kind): unknown {
  switch (kind) {
    case 'Pod':
      return {
        phase: d.pick(['Running', 'Pending', 'Failed']),
        podIP: `10.244.${1 + d.int(3)}.${2 + d.int(200)}`,
        hostIP: '192.168.77.11',
        conditions: [{ type: 'Ready', status: d.pick(['True', 'False']) }],
      };
    case 'Service':
      return { loadBalancer: { ingress: [{ ip: `192.168.77.${200 + d.int(5)}` }] } };
    case 'Node':
      return { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '192.168.77.11' }] };
    case 'Ingress':
      return { loadBalancer: { ingress: [{ ip: '192.168.77.11' }] } };
    default:
      return { phase: 'Active' };
  }
}

type Slot = { parent: Record<string, unknown> | unknown[]; key: string | number };

function slots(value: unknown, out: Slot[] = [], depth = 0): Slot[] {
  if (depth > 12 || value === null || typeof value !== 'object') return out;
  if (Array.isArray(value)) value.forEach((v, i) => (out.push({ parent: value, key: i }), slots(v, out, depth + 1)));
  else for (const [k, v] of Object.entries(value)) (out.push({ parent: value as Record<string, unknown>, key: k }), slots(v, out, depth + 1));
  return out;
}

/** A copy of `obj` with 1-3 random fields replaced by hostile values, removed, or joined by unknown ones. */
export function mutate(d: Dice, obj: unknown): any {
  const copy = structuredClone(obj);
  const rounds = 1 + d.int(3);
  for (let i = 0; i < rounds; i++) {
    const all = slots(copy);
    if (!all.length) break;
    const { parent, key } = d.pick(all);
    const roll = d.next();
    if (roll < 0.75) (parent as any)[key] = structuredClone(d.pick(HOSTILE));
    else if (roll < 0.85 && !Array.isArray(parent)) delete (parent as any)[key];
    else if (!Array.isArray(parent)) (parent as any)[`unknown${d.int(3)}`] = structuredClone(d.pick(HOSTILE));
  }
  return copy;
}

/** Bodies that are not a JSON object of the kind: broken JSON, other JSON, deep nesting, binary. */
export function malformedBody(d: Dice, valid: unknown): string {
  const text = JSON.stringify(valid);
  switch (d.int(7)) {
    case 0:
      return text.slice(0, d.int(text.length));
    case 1:
      return JSON.stringify(d.pick([[valid], 'a string', 42, null, true]));
    case 2:
      return `{"metadata":{"name":"deep"},"spec":${'['.repeat(2000)}${']'.repeat(2000)}}`;
    case 3:
      return `{"metadata":{"name":"deep"},"spec":${JSON.stringify(nest(150))}}`;
    case 4:
      return String.fromCharCode(...Array.from({ length: 64 }, () => d.int(256)));
    case 5:
      return text.replace(/"name"/, '"name":1,"name"'); // duplicate key
    default:
      return `${text}}`;
  }
}
