// Field selectors (`fieldSelector=metadata.name=web,status.phase!=Failed`):
// the fields Kubernetes supports per kind, with =, == and !=. Anything else
// is a 400, as Kubernetes answers `field label not supported`.

import { badRequest } from '../../api/errors.ts';
import type { Kind } from '../../api/resources.ts';
import type { AnyObject } from '../../api/types.ts';

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

const COMMON = ['metadata.name', 'metadata.namespace'];
/** Kubernetes' field label conversions for the kinds minik serves. */
const SUPPORTED: Record<Kind, string[]> = {
  Service: [...COMMON, 'spec.clusterIP', 'spec.type'],
  Pod: [...COMMON, 'spec.nodeName', 'spec.restartPolicy', 'status.phase', 'status.podIP'],
  Node: [...COMMON, 'spec.unschedulable'],
  Namespace: [...COMMON, 'status.phase'],
  Endpoints: COMMON,
  Ingress: COMMON,
  // What `kubectl describe` asks for to find an object's events.
  Event: [
    ...COMMON,
    'involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid',
    'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath',
    'reason', 'reportingComponent', 'source', 'type',
  ],
};

export function parseFieldSelector(kind: Kind, text: string | undefined): FieldRequirement[] {
  if (!text) return [];
  return text.split(',').filter(Boolean).map((term) => {
    const m = /^([^=!]+)(==|!=|=)(.*)$/.exec(term.trim());
    if (!m) throw badRequest(`invalid field selector: "${term}": expected FIELD=VALUE or FIELD!=VALUE`);
    const field = m[1].trim();
    if (!SUPPORTED[kind].includes(field)) throw badRequest(`field label not supported: ${field}`);
    return { field, op: m[2] === '!=' ? '!=' : '=', value: m[3].trim() };
  });
}

function fieldValue(obj: AnyObject, path: string): string {
  let value: unknown = obj;
  if (path === 'source') return String((obj as { source?: { component?: string } }).source?.component ?? '');
  for (const part of path.split('.')) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  if (value === undefined || value === null) return path === 'spec.unschedulable' ? 'false' : '';
  return String(value);
}

export function matchesFields(obj: AnyObject, requirements: FieldRequirement[]): boolean {
  return requirements.every((r) => (fieldValue(obj, r.field) === r.value) === (r.op === '='));
}
