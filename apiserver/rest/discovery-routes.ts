// Mounts the discovery documents (rest/discovery.ts) and the OpenAPI
// documents (rest/openapi.ts) on the REST app.

import type { Context, Hono } from 'hono';
import { ApiError } from '../../api/errors.ts';
import { coreVersions, group, groupList, resourceList, versionInfo } from './discovery.ts';
import { mountOpenApi } from './openapi-routes.ts';

const notFound = (c: Context) => {
  const err = new ApiError('NotFound', 'the server could not find the requested resource');
  return c.json(err.toStatus(), 404);
};

export function mountDiscovery(app: Hono): void {
  app.get('/version', (c) => c.json(versionInfo()));
  app.get('/api', (c) => c.json(coreVersions(new URL(c.req.url).host)));
  app.get('/api/v1', (c) => c.json(resourceList('v1')));
  app.get('/apis', (c) => c.json(groupList()));
  app.get('/apis/:group', (c) => {
    const doc = group(c.req.param('group'));
    return doc ? c.json(doc) : notFound(c);
  });
  app.get('/apis/:group/:version', (c) => {
    const doc = resourceList(`${c.req.param('group')}/${c.req.param('version')}`);
    return doc ? c.json(doc) : notFound(c);
  });
  mountOpenApi(app);
}
