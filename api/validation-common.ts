// Shared pieces of object validation: Kubernetes' enums, metadata rules and
// the port/protocol checks every kind uses (api/validation.ts dispatches).

import { field, type FieldError } from './errors.ts';
import { isDns1123Label, isQualifiedName, isValidLabelValue, isValidPortName, isValidPortNum } from './names.ts';
import type { ObjectMeta } from './types.ts';

export type NameCheck = (name: string) => string[];

export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
export const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
export const SESSION_AFFINITIES = ['ClientIP', 'None'];
export const TRAFFIC_POLICIES = ['Cluster', 'Local'];
export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
export const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
/** Kubernetes' MaxClientIPServiceAffinitySeconds (one day). */
export const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;
export const IPV4_ONLY = 'must be an IPv4 address: minik is single-stack IPv4';

export const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
export const list = <T>(v: T[] | undefined | null): T[] => (Array.isArray(v) ? v : []);
export const invalidEach = (path: string, value: unknown, msgs: string[]) => msgs.map((m) => field.invalid(path, value, m));

// ---------------------------------------------------------------- metadata

/** `metadata.labels` / `spec.selector`: keys are qualified names, values label values. */
export function validateLabels(labels: unknown, path: string): FieldError[] {
  if (labels === undefined || labels === null) return [];
  if (typeof labels !== 'object' || Array.isArray(labels)) return [field.invalid(path, text(labels), 'must be a map of strings')];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    errs.push(...invalidEach(path, k, isQualifiedName(k)));
    if (typeof v !== 'string') errs.push(field.invalid(path, text(v), 'must be a string'));
    else errs.push(...invalidEach(path, v, isValidLabelValue(v)));
  }
  return errs;
}

/** Kubernetes' TotalAnnotationSizeLimitB: keys and values together, in bytes. */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;

export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  if (annotations === undefined || annotations === null || typeof annotations !== 'object') return [];
  const errs = Object.keys(annotations).flatMap((k) => invalidEach(path, k, isQualifiedName(k.toLowerCase())));
  let bytes = 0;
  for (const [k, v] of Object.entries(annotations)) bytes += Buffer.byteLength(k) + Buffer.byteLength(text(v));
  if (bytes > MAX_ANNOTATIONS_BYTES) errs.push(field.tooLong(path, MAX_ANNOTATIONS_BYTES));
  return errs;
}

/** Kubernetes' ValidateObjectMeta: name, namespace (required or forbidden), labels, annotations. */
export function validateObjectMeta(meta: ObjectMeta | undefined, namespaced: boolean, nameCheck: NameCheck): FieldError[] {
  const m = meta ?? ({} as ObjectMeta);
  const errs: FieldError[] = [];
  const name = text(m.name);
  if (!name) errs.push(field.required('metadata.name', 'name or generateName is required'));
  else errs.push(...invalidEach('metadata.name', name, nameCheck(name)));
  const ns = text(m.namespace);
  if (namespaced) {
    if (!ns) errs.push(field.required('metadata.namespace'));
    else errs.push(...invalidEach('metadata.namespace', ns, isDns1123Label(ns)));
  } else if (ns) {
    errs.push(field.forbidden('metadata.namespace', 'not allowed on this type'));
  }
  errs.push(...validateLabels(m.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(m.annotations, 'metadata.annotations'));
  return errs;
}

export const immutable = (path: string, value: unknown): FieldError => field.invalid(path, value, 'field is immutable');

/** Kubernetes' ValidateObjectMetaUpdate: name, namespace and uid never change. */
export function validateObjectMetaUpdate(meta: ObjectMeta | undefined, old: ObjectMeta | undefined): FieldError[] {
  const m = meta ?? ({} as ObjectMeta);
  const o = old ?? ({} as ObjectMeta);
  const errs: FieldError[] = [];
  if (text(m.name) !== text(o.name)) errs.push(immutable('metadata.name', text(m.name)));
  if (text(m.namespace) !== text(o.namespace)) errs.push(immutable('metadata.namespace', text(m.namespace)));
  // An update that leaves uid out keeps the stored one (the server fills it in).
  if (m.uid && o.uid && m.uid !== o.uid) errs.push(immutable('metadata.uid', m.uid));
  return errs;
}

/** `TCP`, `UDP`, `SCTP`; required once defaults have run. */
export function validateProtocol(protocol: unknown, path: string): FieldError[] {
  if (!protocol) return [field.required(path)];
  return PROTOCOLS.includes(text(protocol)) ? [] : [field.notSupported(path, text(protocol), PROTOCOLS)];
}

/** A number 1..65535 or an IANA service name (Kubernetes' ValidatePortNumOrName). */
export function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === 'string') {
    if (port === '') return [field.required(path)];
    return invalidEach(path, port, isValidPortName(port));
  }
  return invalidEach(path, port ?? 0, isValidPortNum(port ?? 0));
}

