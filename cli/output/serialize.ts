// `-o json` / `-o yaml` and the names kubectl prints for kinds.

import type { ResourceInfo } from '../../api/resources.ts';
import type { KubeObject } from '../../api/types.ts';

/** A list as kubectl prints it: `{"apiVersion":"v1","kind":"ServiceList","items":[...]}`. */
export function asList(info: ResourceInfo, items: KubeObject[], resourceVersion = ''): object {
  return { apiVersion: info.apiVersion, kind: `${info.kind}List`, metadata: { resourceVersion }, items };
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 4) + '\n';
}

/** yaml is loaded only when asked for, so plain `get` stays light. */
export async function toYaml(value: unknown): Promise<string> {
  const { stringify } = await import('yaml');
  return stringify(value, { aliasDuplicateObjects: false });
}

/** `service`, `namespace`, `ingress.networking.k8s.io`: the prefix of `service/web created`. */
export function kindName(info: ResourceInfo): string {
  const group = info.apiVersion.includes('/') ? info.apiVersion.split('/')[0] : '';
  return group ? `${info.kind.toLowerCase()}.${group}` : info.kind.toLowerCase();
}
