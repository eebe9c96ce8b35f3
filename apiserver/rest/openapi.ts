// OpenAPI documents (v3 per group-version, and v2) describing the served
// kinds, generated from the same JSON Schemas that decode request bodies
// (api/schema). kubectl reads them for `apply` (strategic merge keys),
// `explain`, `diff` and to learn that the server validates fields itself
// (the `fieldValidation` parameter on PATCH).
//
// Pure: schemas in, documents out. Schemas are TypeBox output (JSON Schema
// draft 7); this translates the few constructs OpenAPI 3.0 / Swagger 2.0 lack
// (const, patternProperties, $id/$ref between kinds, int-or-string unions).

import { createHash } from 'node:crypto';
import type { Kind, ResourceInfo } from '../../api/resources.ts';
import { RESOURCES } from '../../api/resources.ts';
import { groupVersions, KUBE_GIT_VERSION, type GroupVersion } from './discovery.ts';
import { subresourcesOf } from './discovery.ts';

export type JsonSchema = Record<string, unknown>;

/** `io.k8s.api.core.v1.Service`, `io.k8s.api.networking.v1.Ingress`: the names Kubernetes gives its definitions. */
export function definitionName(info: ResourceInfo): string {
  const [group, version] = info.apiVersion.includes('/') ? info.apiVersion.split('/') : ['core', info.apiVersion];
  return `io.k8s.api.${group.replace(/\.k8s\.io$/, '')}.${version}.${info.kind}`;
}

const gvkOf = (info: ResourceInfo) => {
  const [group, version] = info.apiVersion.includes('/') ? info.apiVersion.split('/') : ['', info.apiVersion];
  return { group, version, kind: info.kind };
};

const PASS_THROUGH = new Set([
  'type', 'format', 'description', 'enum', 'default', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum',
  'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'uniqueItems', 'required', 'nullable', 'title',
]);

/**
 * Named structs (`$id`) hoisted out of the schemas being converted, so each
 * appears once under definitions / components.schemas and is `$ref`ed, as in
 * Kubernetes' own documents.
 */
export interface Definitions {
  dialect: 'v2' | 'v3';
  /** `#/definitions/` or `#/components/schemas/`. */
  refPrefix: string;
  schemas: Record<string, JsonSchema>;
}

/** One JSON Schema node as OpenAPI 3.0 (`v3`) or Swagger 2.0 (`v2`) schema. */
export function convertSchema(schema: unknown, defs: Definitions, root = false): JsonSchema {
  if (!schema || typeof schema !== 'object') return {};
  const s = schema as JsonSchema;
  const dialect = defs.dialect;
  const id = typeof s.$id === 'string' ? s.$id : undefined;
  if (id && !root) {
    if (!defs.schemas[id]) {
      defs.schemas[id] = {}; // placeholder first: a struct may (indirectly) contain itself
      defs.schemas[id] = convertSchema(schema, defs, true);
    }
    return { $ref: `${defs.refPrefix}${id}` };
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(s)) {
    if (PASS_THROUGH.has(key) || key.startsWith('x-kubernetes-')) out[key] = structuredClone(value);
  }
  if (Array.isArray(out.required) && out.required.length === 0) delete out.required;
  if ('const' in s) {
    out.enum = [s.const];
    out.type ??= typeof s.const === 'number' ? 'integer' : 'string';
  }
  if (s.properties && typeof s.properties === 'object') {
    out.properties = Object.fromEntries(Object.entries(s.properties as JsonSchema).map(([k, v]) => [k, convertSchema(v, defs)]));
  }
  if (s.items) out.items = convertSchema(s.items, defs);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') out.additionalProperties = convertSchema(s.additionalProperties, defs);
  if (s.patternProperties && typeof s.patternProperties === 'object') {
    const [first] = Object.values(s.patternProperties as JsonSchema);
    out.additionalProperties = convertSchema(first, defs);
    out.type ??= 'object';
  }
  const union = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (Array.isArray(union)) {
    const types = union.map((u) => (u as JsonSchema)?.type);
    const intOrString = s['x-kubernetes-int-or-string'] === true || (types.includes('integer') && types.includes('string'));
    if (intOrString) {
      out['x-kubernetes-int-or-string'] = true;
      if (dialect === 'v2') {
        out.type = 'string';
        out.format = 'int-or-string';
      } else {
        out.anyOf = [{ type: 'integer' }, { type: 'string' }];
      }
    } else if (union.every((u) => 'const' in ((u as JsonSchema) ?? {}))) {
      out.type ??= typeof (union[0] as JsonSchema).const === 'number' ? 'integer' : 'string';
      out.enum = union.map((u) => (u as JsonSchema).const);
    } else if (dialect === 'v3') {
      out.anyOf = union.map((u) => convertSchema(u, defs));
    }
  }
  return out;
}

export interface OpenApiSource {
  /** The decoding schema of each served kind. */
  schemaOf(kind: Kind): unknown;
}

/** Adds the kind's definition (and every struct it names) to `defs`; returns the kind's definition name. */
function addKindDefinition(info: ResourceInfo, source: OpenApiSource, defs: Definitions): string {
  const raw = source.schemaOf(info.kind) as JsonSchema;
  const name = typeof raw?.$id === 'string' ? raw.$id : definitionName(info);
  const schema = convertSchema(raw, defs, true);
  schema.type ??= 'object';
  schema['x-kubernetes-group-version-kind'] = [gvkOf(info)];
  defs.schemas[name] = schema;
  return name;
}

const STATUS_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'Status is a return value for calls that do not return other objects.',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    status: { type: 'string' },
    message: { type: 'string' },
    reason: { type: 'string' },
    code: { type: 'integer', format: 'int32' },
    details: { type: 'object', properties: { name: { type: 'string' }, group: { type: 'string' }, kind: { type: 'string' } } },
  },
  'x-kubernetes-group-version-kind': [{ group: '', kind: 'Status', version: 'v1' }],
};

const PATCH_CONTENT_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

type Param = { name: string; in: 'query' | 'path'; description: string; type: 'string' | 'boolean' | 'integer'; required?: boolean };

const QUERY: Record<string, Param> = {
  pretty: { name: 'pretty', in: 'query', type: 'string', description: "If 'true', then the output is pretty printed." },
  dryRun: { name: 'dryRun', in: 'query', type: 'string', description: 'When present, indicates that modifications should not be persisted. The only valid value is All.' },
  fieldManager: { name: 'fieldManager', in: 'query', type: 'string', description: 'fieldManager is a name associated with the actor or entity that is making these changes.' },
  fieldValidation: {
    name: 'fieldValidation',
    in: 'query',
    type: 'string',
    description: 'How the server treats unknown fields in the request: Ignore drops them, Warn drops them with a Warning header, Strict fails the request.',
  },
  force: { name: 'force', in: 'query', type: 'boolean', description: 'Force is going to "force" Apply requests: it re-acquires conflicting fields owned by other people.' },
  labelSelector: { name: 'labelSelector', in: 'query', type: 'string', description: 'A selector to restrict the list of returned objects by their labels.' },
  fieldSelector: { name: 'fieldSelector', in: 'query', type: 'string', description: 'A selector to restrict the list of returned objects by their fields.' },
  watch: { name: 'watch', in: 'query', type: 'boolean', description: 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.' },
  resourceVersion: { name: 'resourceVersion', in: 'query', type: 'string', description: 'Which version of the resource to serve (see Kubernetes resourceVersion semantics).' },
  timeoutSeconds: { name: 'timeoutSeconds', in: 'query', type: 'integer', description: 'Timeout for the list/watch call.' },
  allowWatchBookmarks: { name: 'allowWatchBookmarks', in: 'query', type: 'boolean', description: 'Requests watch events with type "BOOKMARK".' },
};
const pathParam = (name: string, description: string): Param => ({ name, in: 'path', type: 'string', required: true, description });

function param(p: Param, dialect: 'v2' | 'v3'): JsonSchema {
  const base: JsonSchema = { name: p.name, in: p.in, description: p.description, ...(p.required ? { required: true } : {}), uniqueItems: true };
  return dialect === 'v3' ? { ...base, schema: { type: p.type } } : { ...base, type: p.type };
}

interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  action: string;
  id: string;
  description: string;
  query: string[];
  body?: 'object' | 'patch';
  response: 'object' | 'list' | 'status' | 'text';
}

function operationsFor(info: ResourceInfo) {
  const plural = info.plural;
  const K = info.kind;
  const scope = info.namespaced ? 'Namespaced' : '';
  const groupTag = info.apiVersion.replace(/[./]/g, '_');
  const itemOps: Operation[] = [
    { method: 'get', action: 'get', id: `read${scope}${K}`, description: `read the specified ${K}`, query: [], response: 'object' },
    { method: 'put', action: 'put', id: `replace${scope}${K}`, description: `replace the specified ${K}`, query: ['dryRun', 'fieldManager', 'fieldValidation'], body: 'object', response: 'object' },
    { method: 'patch', action: 'patch', id: `patch${scope}${K}`, description: `partially update the specified ${K}`, query: ['dryRun', 'fieldManager', 'fieldValidation', 'force'], body: 'patch', response: 'object' },
    { method: 'delete', action: 'delete', id: `delete${scope}${K}`, description: `delete a ${K}`, query: ['dryRun'], response: 'object' },
  ];
  const listOps: Operation[] = [
    { method: 'get', action: 'list', id: `list${scope}${K}`, description: `list or watch objects of kind ${K}`, query: ['labelSelector', 'fieldSelector', 'watch', 'resourceVersion', 'timeoutSeconds', 'allowWatchBookmarks'], response: 'list' },
    { method: 'post', action: 'post', id: `create${scope}${K}`, description: `create a ${K}`, query: ['dryRun', 'fieldManager', 'fieldValidation'], body: 'object', response: 'object' },
  ];
  const base = info.namespaced ? `${info.groupPath}/namespaces/{namespace}/${plural}` : `${info.groupPath}/${plural}`;
  const pathParams = [...(info.namespaced ? [pathParam('namespace', 'object name and auth scope, such as for teams and projects')] : [])];
  const namePath = pathParam('name', `name of the ${K}`);
  const paths: { path: string; ops: Operation[]; params: Param[] }[] = [
    { path: base, ops: listOps, params: pathParams },
    { path: `${base}/{name}`, ops: itemOps, params: [...pathParams, namePath] },
  ];
  for (const sub of subresourcesOf(info.kind)) {
    if (sub === 'log') {
      paths.push({ path: `${base}/{name}/log`, params: [...pathParams, namePath], ops: [{ method: 'get', action: 'get', id: `read${scope}PodLog`, description: 'read log of the specified Pod', query: [], response: 'text' }] });
    } else {
      paths.push({
        path: `${base}/{name}/${sub}`,
        params: [...pathParams, namePath],
        ops: itemOps.filter((o) => o.method !== 'delete').map((o) => ({ ...o, id: `${o.id}Status`, description: `${o.description.split(' the ')[0]} status of the specified ${K}` })),
      });
    }
  }
  if (info.namespaced) paths.push({ path: `${info.groupPath}/${plural}`, params: [], ops: [{ ...listOps[0], id: `list${K}ForAllNamespaces` }] });
  return { paths, groupTag };
}

function buildPaths(gv: GroupVersion, dialect: 'v2' | 'v3', ref: (name: string) => string, names: Map<string, string>): JsonSchema {
  const paths: JsonSchema = {};
  for (const info of gv.resources) {
    const def = names.get(info.kind) ?? definitionName(info);
    const { paths: list, groupTag } = operationsFor(info);
    for (const { path, ops, params } of list) {
      const item: JsonSchema = {};
      // Path parameters on the path; query parameters on each operation, where
      // kubectl looks for `fieldValidation` on PATCH to learn the server validates.
      item.parameters = [...params.map((p) => param(p, dialect)), param(QUERY.pretty, dialect)];
      for (const op of ops) {
        const schemaRef = op.response === 'list' ? { type: 'object', description: `${info.kind}List` } : op.response === 'text' ? { type: 'string' } : { $ref: ref(def) };
        const produces = op.response === 'text' ? ['text/plain'] : ['application/json', 'application/yaml'];
        const operation: JsonSchema = {
          description: op.description,
          operationId: `${op.id}${groupTag === 'v1' ? 'CoreV1' : ''}`,
          tags: [groupTag],
          'x-kubernetes-action': op.action,
          'x-kubernetes-group-version-kind': gvkOf(info),
          parameters: op.query.map((q) => param(QUERY[q], dialect)),
        };
        if (dialect === 'v3') {
          if (op.body) {
            const types = op.body === 'patch' ? PATCH_CONTENT_TYPES : ['*/*'];
            operation.requestBody = { required: true, content: Object.fromEntries(types.map((t) => [t, { schema: op.body === 'patch' ? { type: 'object' } : { $ref: ref(def) } }])) };
          }
          operation.responses = {
            200: { description: 'OK', content: Object.fromEntries(produces.map((t) => [t, { schema: schemaRef }])) },
            ...(op.method === 'post' || op.body === 'patch' ? { 201: { description: 'Created', content: { 'application/json': { schema: { $ref: ref(def) } } } } } : {}),
            401: { description: 'Unauthorized' },
          };
        } else {
          if (op.body) {
            operation.consumes = op.body === 'patch' ? PATCH_CONTENT_TYPES : ['*/*'];
            (operation.parameters as JsonSchema[]).unshift({ name: 'body', in: 'body', required: true, schema: op.body === 'patch' ? { type: 'object' } : { $ref: ref(def) } });
          }
          operation.produces = produces;
          operation.schemes = ['https'];
          operation.responses = { 200: { description: 'OK', schema: schemaRef }, 401: { description: 'Unauthorized' } };
        }
        item[op.method] = operation;
      }
      paths[path] = item;
    }
  }
  return paths;
}

const INFO = { title: 'Kubernetes (minik)', version: KUBE_GIT_VERSION };

/** `/openapi/v3/api/v1`, `/openapi/v3/apis/networking.k8s.io/v1`. */
export function openApiV3(gv: GroupVersion, source: OpenApiSource): JsonSchema {
  const defs: Definitions = { dialect: 'v3', refPrefix: '#/components/schemas/', schemas: { 'io.k8s.apimachinery.pkg.apis.meta.v1.Status': STATUS_SCHEMA } };
  const names = new Map(gv.resources.map((info) => [info.kind as string, addKindDefinition(info, source, defs)]));
  return {
    openapi: '3.0.0',
    info: INFO,
    paths: buildPaths(gv, 'v3', (n) => `#/components/schemas/${n}`, names),
    components: { schemas: defs.schemas, securitySchemes: { BearerToken: { type: 'apiKey', in: 'header', name: 'authorization', description: 'Bearer Token authentication' } } },
    security: [{ BearerToken: [] }],
  };
}

/** `/openapi/v2`: every group-version in one Swagger 2.0 document. */
export function openApiV2(source: OpenApiSource): JsonSchema {
  const defs: Definitions = { dialect: 'v2', refPrefix: '#/definitions/', schemas: { 'io.k8s.apimachinery.pkg.apis.meta.v1.Status': STATUS_SCHEMA } };
  let paths: JsonSchema = {};
  for (const gv of groupVersions(RESOURCES)) {
    const names = new Map(gv.resources.map((info) => [info.kind as string, addKindDefinition(info, source, defs)]));
    paths = { ...paths, ...buildPaths(gv, 'v2', (n) => `#/definitions/${n}`, names) };
  }
  return {
    swagger: '2.0',
    info: INFO,
    paths,
    definitions: defs.schemas,
    securityDefinitions: { BearerToken: { type: 'apiKey', in: 'header', name: 'authorization', description: 'Bearer Token authentication' } },
    security: [{ BearerToken: [] }],
  };
}

/** The path of a group-version under /openapi/v3: `api/v1`, `apis/networking.k8s.io/v1`. */
export const v3PathOf = (gv: GroupVersion) => (gv.group === '' ? `api/${gv.version}` : `apis/${gv.groupVersion}`);

export function hashOf(doc: unknown): string {
  return createHash('sha512').update(JSON.stringify(doc)).digest('hex').slice(0, 128).toUpperCase();
}

/** `/openapi/v3`: where each group-version's document is, with a hash so clients can cache it. */
export function openApiV3Root(docs: Map<string, { hash: string }>): JsonSchema {
  return {
    paths: Object.fromEntries([...docs].map(([path, d]) => [path, { serverRelativeURL: `/openapi/v3/${path}?hash=${d.hash}` }])),
  };
}
