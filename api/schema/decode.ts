// Decoding a request body against its kind's schema, the way the Kubernetes
// apiserver's JSON decoder does:
//   - nesting depth is bounded before JSON.parse recurses (checkDepth);
//   - `null` is "not set" (a null field is dropped, a null list item is the zero value);
//   - unknown fields are dropped and reported (for fieldValidation=Warn|Strict);
//   - a value of the wrong type is a 400 naming the field and the expected
//     type: `json: cannot unmarshal string into Go struct field
//     ServicePort.spec.ports.nodePort of type int32`.
// Required fields are NOT enforced here: a missing name or port is a 422 from
// validation, with Kubernetes' `Required value` wording.

import { Kind as TypeKind, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ApiError } from '../errors.ts';

/** Deepest JSON nesting a request body may have; real objects stay under 20 (managedFields included). */
export const MAX_JSON_DEPTH = 100;

/**
 * Whether `text` nests objects/arrays deeper than `max`, found by a scan that
 * never recurses (so a hostile body cannot overflow the stack before parsing).
 */
export function exceedsDepth(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

export function checkDepth(text: string, max = MAX_JSON_DEPTH): void {
  if (exceedsDepth(text, max)) throw new ApiError('BadRequest', `the request body is nested more than ${max} levels deep`);
}

export interface Decoded<T> {
  object: T;
  /** JSON paths of the unknown fields that were dropped, e.g. `spec.ports[0].nodeport`. */
  dropped: string[];
}

type Json = unknown;
// TypeBox schemas are plain JSON Schema objects with a symbol naming their kind.
type AnySchema = TSchema & Record<string, any>;

const kindOf = (s: AnySchema): string => s[TypeKind];
const isPlainObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const fieldPath = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** Go's zero value for a null list item (`ports: [null]` decodes as one empty port). */
function zeroOf(schema: AnySchema): Json {
  switch (kindOf(schema)) {
    case 'Object':
      return {};
    case 'Array':
      return [];
    case 'String':
      return '';
    case 'Boolean':
      return false;
    case 'Integer':
    case 'Number':
      return 0;
    default:
      return null; // left for the checker to report
  }
}

/**
 * A copy of `value` without nulls and without fields the schema does not
 * know; dropped paths are appended to `dropped`. Values of the wrong shape are
 * copied as they are, for the checker to report.
 */
function prune(schema: AnySchema, value: Json, path: string, dropped: string[]): Json {
  const kind = kindOf(schema);
  if (kind === 'Object' && isPlainObject(value)) {
    const out: Record<string, Json> = {};
    const props: Record<string, AnySchema> = schema.properties ?? {};
    const extra = schema.additionalProperties;
    for (const [key, v] of Object.entries(value)) {
      if (v === null) continue;
      const sub = Object.hasOwn(props, key) ? props[key] : typeof extra === 'object' ? extra : undefined;
      if (sub) out[key] = prune(sub, v, fieldPath(path, key), dropped);
      else if (extra === true) out[key] = v;
      else dropped.push(fieldPath(path, key));
    }
    return out;
  }
  if (kind === 'Array' && Array.isArray(value)) {
    const items = schema.items as AnySchema;
    return value.map((v, i) => (v === null ? zeroOf(items) : prune(items, v, `${path}[${i}]`, dropped)));
  }
  return value;
}

/** The schema with no `required` lists: the decoder checks types only (see the header). */
function typesOnly(schema: AnySchema): AnySchema {
  const walk = (s: any): any => {
    if (Array.isArray(s)) return s.map(walk);
    if (!s || typeof s !== 'object') return s;
    const out: any = {};
    for (const key of Reflect.ownKeys(s)) {
      if (key === 'required' && s[TypeKind] === 'Object') continue;
      out[key] = key === 'properties' ? Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, walk(v)])) : walk(s[key]);
    }
    return out;
  };
  return walk(schema);
}

/** Go's name for the type a schema decodes into: `int32`, `[]v1.ServicePort`, `map[string]string`. */
export function goType(schema: AnySchema): string {
  if (typeof schema['x-minik-go-type'] === 'string') return schema['x-minik-go-type'];
  const named = typeof schema.$id === 'string' ? `v1.${schema.$id.slice(schema.$id.lastIndexOf('.') + 1)}` : undefined;
  switch (kindOf(schema)) {
    case 'String':
      return schema.format === 'date-time' ? 'v1.Time' : 'string';
    case 'Integer':
      return schema.format === 'int64' ? 'int64' : 'int32';
    case 'Number':
      return 'float64';
    case 'Boolean':
      return 'bool';
    case 'Literal':
      return 'string';
    case 'Array':
      return `[]${goType(schema.items)}`;
    case 'Object':
      if (named) return named;
      if (typeof schema.additionalProperties === 'object') return `map[string]${goType(schema.additionalProperties)}`;
      return 'map[string]interface {}';
    default:
      return named ?? 'interface {}';
  }
}

/** How Go's decoder names the JSON value it could not place. */
function jsonWord(value: Json, schema: AnySchema): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') {
    // Go quotes the number when it is a number of the wrong kind (fraction, out of range).
    const numeric = kindOf(schema) === 'Integer' || kindOf(schema) === 'Number' || kindOf(schema) === 'Union';
    return numeric ? `number ${value}` : 'number';
  }
  return typeof value; // string, object
}

const unescapePointer = (segment: string) => segment.replace(/~1/g, '/').replace(/~0/g, '~');

/**
 * Kubernetes' message for a value at JSON pointer `pointer` that does not fit
 * its schema: the nearest enclosing struct, the dotted path without list
 * indices or map keys (as Go prints it), and the Go type expected there.
 */
function typeError(root: AnySchema, pointer: string, value: Json): string {
  const segments = pointer.split('/').slice(1).map(unescapePointer);
  let schema = root;
  let struct = root;
  const fields: string[] = [];
  for (const segment of segments) {
    const kind = kindOf(schema);
    if (kind === 'Object' && schema.properties && Object.hasOwn(schema.properties, segment)) {
      struct = schema;
      fields.push(segment);
      schema = schema.properties[segment];
    } else if (kind === 'Object' && typeof schema.additionalProperties === 'object') {
      schema = schema.additionalProperties;
    } else if (kind === 'Array') {
      schema = schema.items;
    } else break;
  }
  const structName = typeof struct.$id === 'string' ? struct.$id.slice(struct.$id.lastIndexOf('.') + 1) : 'Object';
  const what = jsonWord(value, schema);
  if (schema.format === 'date-time' && typeof value === 'string') {
    return `parsing time ${JSON.stringify(value)} as "2006-01-02T15:04:05Z07:00" (Go struct field ${structName}.${fields.join('.')}): not an RFC 3339 time`;
  }
  if (fields.length === 0) return `json: cannot unmarshal ${what} into Go value of type ${goType(schema)}`;
  return `json: cannot unmarshal ${what} into Go struct field ${structName}.${fields.join('.')} of type ${goType(schema)}`;
}

/** A schema's decoder: compiled once (TypeBox's TypeCompiler), used for every request of that kind. */
export class Decoder<T> {
  private readonly check: TypeCheck<TSchema>;

  constructor(
    private readonly schema: TSchema,
    /** `Service`, for messages: `Service in version "v1" cannot be handled as a Service: ...` */
    private readonly kind: string,
    private readonly version = 'v1',
  ) {
    this.check = TypeCompiler.Compile(typesOnly(schema as AnySchema));
  }

  /** Decodes a parsed JSON value; throws a 400 Status naming the first field of the wrong type. */
  decode(value: unknown): Decoded<T> {
    const dropped: string[] = [];
    const object = prune(this.schema as AnySchema, value, '', dropped);
    if (!this.check.Check(object)) {
      const first = this.check.Errors(object).First();
      const detail = first ? typeError(this.schema as AnySchema, first.path, first.value) : 'json: the object does not match its schema';
      throw new ApiError('BadRequest', `${this.kind} in version "${this.version}" cannot be handled as a ${this.kind}: ${detail}`);
    }
    return { object: object as T, dropped };
  }

  /** Whether `value` already is a decoded object of this kind (nothing to drop, every type right). */
  is(value: unknown): value is T {
    return this.check.Check(value);
  }
}
