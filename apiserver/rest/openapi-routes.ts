// Serves the OpenAPI documents (rest/openapi.ts), built once per process.

import type { Context, Hono } from 'hono';
import { ApiError } from '../../api/errors.ts';
import { SCHEMAS } from '../../api/schema/index.ts';
import { groupVersions } from './discovery.ts';
import { hashOf, openApiV2, openApiV3, openApiV3Root, v3PathOf, type JsonSchema, type OpenApiSource } from './openapi.ts';

/** The schemas that decode request bodies describe them to clients too. */
const SCHEMA_SOURCE: OpenApiSource = { schemaOf: (kind) => SCHEMAS[kind] };

interface Documents {
  v2: JsonSchema;
  v3: Map<string, { doc: JsonSchema; hash: string }>;
}

let built: Documents | undefined;
function documents(source: OpenApiSource): Documents {
  if (built) return built;
  const v3 = new Map<string, { doc: JsonSchema; hash: string }>();
  for (const gv of groupVersions()) {
    const doc = openApiV3(gv, source);
    v3.set(v3PathOf(gv), { doc, hash: hashOf(doc) });
  }
  built = { v2: openApiV2(source), v3 };
  return built;
}

/** Only JSON is served; a client asking for protobuf alone gets 406 and falls back. */
function acceptsJson(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(',').some((part) => {
    const type = part.split(';')[0].trim();
    return type === 'application/json' || type === '*/*' || type === 'application/*';
  });
}

export function mountOpenApi(app: Hono, source: OpenApiSource = SCHEMA_SOURCE): void {
  const notAcceptable = () => new ApiError('NotAcceptable', 'only application/json is supported for the OpenAPI documents');
  app.get('/openapi/v2', (c) => {
    if (!acceptsJson(c.req.header('accept'))) throw notAcceptable();
    return c.json(documents(source).v2);
  });
  app.get('/openapi/v3', (c) => c.json(openApiV3Root(documents(source).v3)));
  const serveGv = (path: string) => (c: Context) => {
    if (!acceptsJson(c.req.header('accept'))) throw notAcceptable();
    const entry = documents(source).v3.get(path);
    if (!entry) throw new ApiError('NotFound', 'the server could not find the requested resource');
    // A hash in the URL pins the content: cacheable for good, as Kubernetes does.
    const immutable = c.req.query('hash') === entry.hash;
    c.header('cache-control', immutable ? 'public, immutable' : 'no-cache, no-store, must-revalidate');
    c.header('etag', `"${entry.hash}"`);
    return c.json(entry.doc);
  };
  for (const gv of groupVersions()) app.get(`/openapi/v3/${v3PathOf(gv)}`, serveGv(v3PathOf(gv)));
}
