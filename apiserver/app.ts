// The REST API: Kubernetes paths and verbs over the registry. Errors leave
// here as Kubernetes Status objects, mapped once in onError.

import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError, badRequest } from '../api/errors.ts';
import { RESOURCES, type Kind, type ResourceInfo } from '../api/resources.ts';
import type { AnyObject, KubeObject } from '../api/types.ts';
import { readObject } from './request-body.ts';
import { MINIK_VERSION } from '../api/version.ts';
import { tokenMatches } from './auth.ts';
import type { Registry } from './registry/registry.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

function statusResponse(c: Context, err: ApiError): Response {
  return c.json(err.toStatus(), err.code as 400);
}

function placeInNamespace(obj: AnyObject, info: ResourceInfo, namespace: string | undefined): void {
  if (!info.namespaced) {
    delete obj.metadata.namespace;
    return;
  }
  if (obj.metadata.namespace && obj.metadata.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  obj.metadata.namespace = namespace;
}

/** The body must name the object the URL names (Kubernetes' wording); returns the name. */
function matchName(obj: AnyObject, name: string): string {
  if (obj.metadata.name !== name) {
    throw badRequest(`the name of the object (${obj.metadata.name ?? ''}) does not match the name on the URL (${name})`);
  }
  return name;
}

export function createApp(registry: Registry, options: { token: string }): Hono {
  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof ApiError) return statusResponse(c, err);
    return statusResponse(c, new ApiError('InternalError', `Internal error occurred: ${err.message}`));
  });
  app.notFound((c) => statusResponse(c, new ApiError('NotFound', 'the server could not find the requested resource')));

  for (const path of ['/healthz', '/readyz', '/livez']) app.get(path, (c) => c.text('ok'));

  app.use('*', async (c, next) => {
    if (!tokenMatches(c.req.header('authorization'), options.token)) {
      return statusResponse(c, new ApiError('Unauthorized', 'Unauthorized'));
    }
    await next();
  });
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => statusResponse(c, new ApiError('RequestEntityTooLarge', 'Request entity too large: limit is 1048576 bytes')),
    }),
  );

  app.get('/version', (c) => c.json({ major: '1', minor: '30', gitVersion: `v${MINIK_VERSION}-minik`, platform: 'linux/amd64' }));

  for (const info of RESOURCES) mountResource(app, registry, info);
  return app;
}

function mountResource(app: Hono, registry: Registry, info: ResourceInfo): void {
  const kind = info.kind as Kind;
  const collection = info.namespaced ? `${info.groupPath}/namespaces/:ns/${info.plural}` : `${info.groupPath}/${info.plural}`;
  const item = `${collection}/:name`;
  const ns = (c: Context) => (info.namespaced ? c.req.param('ns') : undefined);

  const list = (c: Context) => {
    const items = registry.list(kind, { namespace: ns(c), labelSelector: c.req.query('labelSelector') || undefined });
    return c.json({
      apiVersion: info.apiVersion,
      kind: `${info.kind}List`,
      metadata: { resourceVersion: String(registry.store.currentRevision()) },
      items,
    });
  };
  app.get(collection, list);
  if (info.namespaced) app.get(`${info.groupPath}/${info.plural}`, list);

  app.post(collection, async (c) => {
    const { object: obj } = await readObject(c, info);
    placeInNamespace(obj, info, ns(c));
    return c.json(await registry.create(obj), 201);
  });

  app.get(item, (c) => c.json(registry.get(kind, ns(c), c.req.param('name')!)));

  app.put(item, async (c) => {
    const { object: obj } = await readObject(c, info);
    placeInNamespace(obj, info, ns(c));
    matchName(obj, c.req.param('name')!);
    return c.json(await registry.update(obj));
  });

  app.put(`${item}/status`, async (c) => {
    const { object: obj } = await readObject(c, info);
    placeInNamespace(obj, info, ns(c));
    const name = matchName(obj, c.req.param('name')!);
    return c.json(await registry.updateStatus(kind, ns(c), name, (obj as KubeObject).status, obj.metadata.resourceVersion));
  });

  app.delete(item, async (c) => c.json(await registry.delete(kind, ns(c), c.req.param('name')!)));
}
