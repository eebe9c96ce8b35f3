// The REST API: Kubernetes paths and verbs over the registry. Errors leave
// here as Kubernetes Status objects, mapped once in onError.

import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError, badRequest } from '../api/errors.ts';
import { RESOURCES, type Kind, type ResourceInfo } from '../api/resources.ts';
import type { AnyObject, KubeObject } from '../api/types.ts';
import { readObject } from './request-body.ts';
import { tokenMatches } from './auth.ts';
import type { Registry } from './registry/registry.ts';
import { mountDiscovery } from './rest/discovery-routes.ts';
import { enforceFieldValidation } from './rest/field-validation.ts';
import { dryRunOf, listOrWatch, patchHandler, respond, trackWrite, type HandlerConfig } from './rest/handlers.ts';
import { mountPodLog, type PodLogReader } from './rest/pod-log.ts';
import { decodeProtobuf, isProtobuf } from './rest/protobuf/decode.ts';

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

export interface AppOptions extends HandlerConfig {
  token: string;
  /** Where `pods/{name}/log` reads a pod's output (see rest/pod-log.ts). */
  podLogs?: PodLogReader;
}

export function createApp(registry: Registry, options: AppOptions): Hono {
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

  mountDiscovery(app);
  mountPodLog(app, registry, options.podLogs);
  for (const info of RESOURCES) mountResource(app, registry, info, options);
  return app;
}

function mountResource(app: Hono, registry: Registry, info: ResourceInfo, config: HandlerConfig): void {
  const kind = info.kind as Kind;
  const collection = info.namespaced ? `${info.groupPath}/namespaces/:ns/${info.plural}` : `${info.groupPath}/${info.plural}`;
  const item = `${collection}/:name`;
  const ns = (c: Context) => (info.namespaced ? c.req.param('ns') : undefined);

  // Lists also serve ?watch=true and Tables (rest/handlers.ts).
  const list = (c: Context) => listOrWatch(c, registry, info, ns(c), config);
  app.get(collection, list);
  if (info.namespaced) app.get(`${info.groupPath}/${info.plural}`, list);

  app.post(collection, async (c) => {
    const { object: obj, dropped } = await readObject(c, info);
    enforceFieldValidation(c, info, dropped);
    placeInNamespace(obj, info, ns(c));
    trackWrite(c, info, undefined, obj);
    return respond(c, info, await registry.create(obj, dryRunOf(c)), 201);
  });

  app.get(item, (c) => respond(c, info, registry.get(kind, ns(c), c.req.param('name')!), 200, config));

  app.put(item, async (c) => {
    const { object: obj, dropped } = await readObject(c, info);
    enforceFieldValidation(c, info, dropped);
    placeInNamespace(obj, info, ns(c));
    const name = matchName(obj, c.req.param('name')!);
    trackWrite(c, info, registry.store.get(kind, ns(c), name), obj);
    return c.json(await registry.update(obj, dryRunOf(c)));
  });

  app.put(`${item}/status`, async (c) => {
    const { object: obj } = await readObject(c, info);
    placeInNamespace(obj, info, ns(c));
    const name = matchName(obj, c.req.param('name')!);
    return c.json(await registry.updateStatus(kind, ns(c), name, (obj as KubeObject).status, obj.metadata.resourceVersion, dryRunOf(c)));
  });

  app.patch(item, (c) => patchHandler(c, registry, info, ns(c), c.req.param('name')!));
  app.patch(`${item}/status`, (c) => patchHandler(c, registry, info, ns(c), c.req.param('name')!, true));

  app.delete(item, async (c) => {
    // kubectl sends DeleteOptions in the body; its dryRun counts like the query's.
    let deleteOptions: { dryRun?: unknown } = {};
    if (isProtobuf(c.req.header('content-type'))) deleteOptions = decodeProtobuf(new Uint8Array(await c.req.arrayBuffer()));
    else {
      const text = await c.req.text();
      try {
        deleteOptions = text ? JSON.parse(text) : {};
      } catch {
        throw badRequest('the request body is not valid DeleteOptions JSON');
      }
    }
    return c.json(await registry.delete(kind, ns(c), c.req.param('name')!, dryRunOf(c, deleteOptions?.dryRun)));
  });
}
