// Reads Kubernetes' protobuf wire format (`application/vnd.kubernetes.protobuf`):
// the 4-byte magic `k8s\0`, then a runtime.Unknown carrying apiVersion, kind
// and the object's bytes. kubectl's typed clients send it for `create
// service|ingress|namespace`; responses stay JSON (clients decode whatever
// content type comes back). Only request bodies of the served kinds are read.

import protobuf from 'protobufjs';
import { badRequest } from '../../../api/errors.ts';
import { K8S_PROTO } from './k8s-proto.ts';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = [0x6b, 0x38, 0x73, 0x00];

let root: protobuf.Root | undefined;
function types(): protobuf.Root {
  if (!root) {
    root = protobuf.parse(K8S_PROTO, { keepCase: true }).root;
    root.resolveAll();
  }
  return root;
}

export const isProtobuf = (contentType: string | undefined) => (contentType ?? '').split(';')[0].trim().toLowerCase() === PROTOBUF_CONTENT_TYPE;

/** Go structs embedded with `json:",inline"`: their fields sit on the parent in JSON. */
const INLINE_FIELDS = new Set(['IngressRule.ingressRuleValue']);

const rfc3339 = (seconds: number) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * protobufjs' plain object → Kubernetes JSON: Time as RFC 3339, IntOrString
 * as number or string. Go writes every non-pointer field, zero or not, where
 * its JSON omits empty ones: zero values are dropped (nodePort 0 means "none").
 */
function toJson(type: protobuf.Type, value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const v = value[field.name];
    if (v === undefined || v === null || v === 0 || v === '' || v === false) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    const resolved = field.resolvedType;
    const convert = (x: unknown): unknown => {
      if (!(resolved instanceof protobuf.Type)) return x;
      const obj = x as Record<string, unknown>;
      if (resolved.name === 'Time' || resolved.name === 'MicroTime') return rfc3339(Number(obj.seconds ?? 0));
      if (resolved.name === 'IntOrString') return Number(obj.type ?? 0) === 1 ? String(obj.strVal ?? '') : Number(obj.intVal ?? 0);
      return toJson(resolved, obj);
    };
    if (INLINE_FIELDS.has(`${type.name}.${field.name}`)) {
      Object.assign(out, convert(v));
    } else if (field instanceof protobuf.MapField) {
      out[field.name] = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, convert(x)]));
    } else if (field.repeated) {
      out[field.name] = (v as unknown[]).map(convert);
    } else {
      out[field.name] = convert(v);
    }
  }
  return out;
}

/** Decodes one object (Service, Pod, Ingress, Namespace, DeleteOptions, ...) from the Kubernetes protobuf envelope. */
export function decodeProtobuf(bytes: Uint8Array): Record<string, unknown> {
  if (bytes.length < 4 || MAGIC.some((b, i) => bytes[i] !== b)) throw badRequest('the protobuf body does not start with the Kubernetes magic number');
  const r = types();
  let unknown: Record<string, unknown>;
  try {
    unknown = r.lookupType('k8s.Unknown').toObject(r.lookupType('k8s.Unknown').decode(bytes.subarray(4)), { longs: Number, bytes: Array }) as Record<string, unknown>;
  } catch (err) {
    throw badRequest(`the protobuf body cannot be decoded: ${(err as Error).message}`);
  }
  const typeMeta = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const kind = typeMeta.kind ?? '';
  const type = /^[A-Za-z]+$/.test(kind) ? (r.lookup(`k8s.${kind}`) as protobuf.Type | null) : null;
  if (!(type instanceof protobuf.Type) || ['Unknown', 'TypeMeta', 'Time', 'IntOrString'].includes(kind)) {
    throw badRequest(`protobuf bodies of kind "${kind}" are not supported; send JSON`);
  }
  const raw = Uint8Array.from((unknown.raw as number[]) ?? []);
  let message: Record<string, unknown>;
  try {
    message = type.toObject(type.decode(raw), { longs: Number, defaults: false, arrays: false }) as Record<string, unknown>;
  } catch (err) {
    throw badRequest(`the protobuf ${kind} cannot be decoded: ${(err as Error).message}`);
  }
  return { apiVersion: typeMeta.apiVersion, kind, ...toJson(type, message) };
}
