// How each served type merges: which lists are maps keyed by some fields
// (`x-kubernetes-list-map-keys` / `patchMergeKey`), which are sets, which are
// atomic and replaced whole. Strategic merge patch and server-side apply both
// walk objects with this. The values follow the Kubernetes Go types' tags
// (k8s.io/api core/v1 and networking/v1).
//
// TODO(schemas): once api/schema carries these as x-kubernetes-* annotations,
// build FieldMeta from the schema (metaFromSchema) instead of this table.

import type { Kind } from '../../../api/resources.ts';

export interface ListMeta {
  /** `map`: elements identified by `keys`; `set`: primitives, unique; `atomic`: replaced whole. */
  type: 'map' | 'set' | 'atomic';
  keys?: string[];
  /** Strategic merge patch's key (often the first of `keys`). */
  patchMergeKey?: string;
  /** Strategic merge patch: `merge` merges elements, anything else replaces the list. */
  patchStrategy?: 'merge' | 'replace';
  /** Values a key takes when an element leaves it out (service ports: protocol TCP). */
  keyDefaults?: Record<string, string | number>;
  items?: FieldMeta;
}

export interface FieldMeta {
  /** Known fields of a struct. */
  fields?: Record<string, FieldMeta>;
  /** Values of a free-form map (labels, selector). */
  values?: FieldMeta;
  list?: ListMeta;
  /** Replaced whole by apply and patches (e.g. a map with x-kubernetes-map-type atomic). */
  atomic?: boolean;
}

const mapList = (keys: string[], items: FieldMeta = {}, patchMergeKey = keys[0]): FieldMeta => ({
  list: { type: 'map', keys, patchMergeKey, patchStrategy: 'merge', items, ...(keys.includes('protocol') ? { keyDefaults: { protocol: 'TCP' } } : {}) },
});
const setList: FieldMeta = { list: { type: 'set', patchStrategy: 'merge' } };
const atomicList = (items: FieldMeta = {}): FieldMeta => ({ list: { type: 'atomic', items } });
const atomicMap: FieldMeta = { atomic: true };

const objectMeta: FieldMeta = {
  fields: {
    finalizers: setList,
    ownerReferences: mapList(['uid']),
    managedFields: atomicList(),
  },
};

const conditions = mapList(['type']);

const container: FieldMeta = {
  fields: {
    ports: mapList(['containerPort', 'protocol'], {}, 'containerPort'),
    env: mapList(['name']),
    command: atomicList(),
    args: atomicList(),
    volumeMounts: mapList(['mountPath']),
  },
};


export const KIND_META: Record<Kind, FieldMeta> = {
  Service: {
    fields: {
      metadata: objectMeta,
      spec: {
        fields: {
          ports: mapList(['port', 'protocol'], {}, 'port'),
          clusterIPs: atomicList(),
          externalIPs: atomicList(),
          ipFamilies: atomicList(),
          selector: { atomic: true },
        },
      },
      status: { fields: { loadBalancer: { fields: { ingress: atomicList() } }, conditions } },
    },
  },
  Pod: {
    fields: {
      metadata: objectMeta,
      spec: {
        fields: {
          containers: mapList(['name'], container),
          initContainers: mapList(['name'], container),
          volumes: mapList(['name']),
          imagePullSecrets: mapList(['name']),
          tolerations: atomicList(),
        },
      },
      status: { fields: { conditions, podIPs: mapList(['ip']), containerStatuses: atomicList() } },
    },
  },
  Node: {
    fields: {
      metadata: objectMeta,
      spec: { fields: { podCIDRs: setList, taints: atomicList() } },
      status: { fields: { addresses: mapList(['type']), conditions } },
    },
  },
  Namespace: { fields: { metadata: objectMeta, spec: { fields: { finalizers: atomicList() } } } },
  Endpoints: {
    fields: {
      metadata: objectMeta,
      subsets: atomicList({ fields: { addresses: atomicList(), notReadyAddresses: atomicList(), ports: atomicList() } }),
    },
  },
  Ingress: {
    fields: {
      metadata: objectMeta,
      spec: { fields: { rules: atomicList(), tls: atomicList() } },
      status: { fields: { loadBalancer: { fields: { ingress: atomicList() } } } },
    },
  },
};


/** The meta of `key` inside a struct or map described by `meta`. */
export function childMeta(meta: FieldMeta | undefined, key: string): FieldMeta {
  return meta?.fields?.[key] ?? meta?.values ?? {};
}
