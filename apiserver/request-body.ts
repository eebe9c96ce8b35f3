// Reading a POST/PUT body the way the Kubernetes apiserver does: JSON only
// (415 otherwise), nesting bounded before parsing, apiVersion/kind defaulted
// from the URL and checked against it, then decoded against the kind's
// schema (wrong type → 400, unknown fields dropped and reported).

import type { Context } from 'hono';
import { ApiError, badRequest } from '../api/errors.ts';
import type { ResourceInfo } from '../api/resources.ts';
import { checkDepth, decodeObject } from '../api/schema/index.ts';
import type { AnyObject } from '../api/types.ts';
import { decodeProtobuf, isProtobuf } from './rest/protobuf/decode.ts';

/** Media types a write body may have (besides none, which means JSON, as in Kubernetes); protobuf is read in readObject. */
export const ACCEPTED_MEDIA_TYPES = ['application/json'];

/** 415 unless the request's Content-Type is JSON (parameters such as charset allowed) or absent. */
export function requireJsonBody(contentType: string | undefined): void {
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType === '' || ACCEPTED_MEDIA_TYPES.includes(mediaType)) return;
  throw new ApiError(
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${ACCEPTED_MEDIA_TYPES.join(', ')}`,
  );
}

/** Parses JSON text with its depth bounded first; any parse failure is a 400. */
export function parseJsonBody(text: string): unknown {
  checkDepth(text);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
}

export interface ReadObject {
  object: AnyObject;
  /** Unknown fields dropped by the decoder (JSON paths), for fieldValidation=Warn|Strict. */
  dropped: string[];
}

/** Checks and decodes a parsed body as `info.kind`. */
export function decodeBody(body: unknown, info: ResourceInfo): ReadObject {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the request body must be a JSON object');
  const raw = body as Record<string, unknown>;
  raw.kind ??= info.kind;
  raw.apiVersion ??= info.apiVersion;
  if (raw.kind !== info.kind) {
    throw badRequest(`the kind of the provided object (${String(raw.kind)}) does not match the resource (${info.plural})`);
  }
  if (raw.apiVersion !== info.apiVersion) {
    throw badRequest(`the apiVersion of the provided object (${String(raw.apiVersion)}) does not match the resource (${info.apiVersion})`);
  }
  const { object, dropped } = decodeObject(info.kind, raw);
  if (!object.metadata || typeof object.metadata !== 'object') throw badRequest('the object has no metadata');
  return { object: object as AnyObject, dropped };
}

export async function readObject(c: Context, info: ResourceInfo): Promise<ReadObject> {
  // kubectl's typed clients (create service|ingress|namespace) send Kubernetes protobuf.
  if (isProtobuf(c.req.header('content-type'))) return decodeBody(decodeProtobuf(new Uint8Array(await c.req.arrayBuffer())), info);
  requireJsonBody(c.req.header('content-type'));
  return decodeBody(parseJsonBody(await c.req.text()), info);
}
