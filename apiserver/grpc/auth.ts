// Bearer-token check for gRPC calls. Compares digests in constant time so the
// time a wrong token takes says nothing about how much of it was right.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** A checker for `authorization: Bearer <token>` metadata. */
export function bearerTokenChecker(token: string): (metadata: Metadata) => boolean {
  if (!token) throw new Error('the gRPC server needs a non-empty token');
  const expected = digest(token);
  return (metadata) => {
    const header = metadata.get('authorization')[0];
    if (typeof header !== 'string') return false;
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    return match !== null && timingSafeEqual(digest(match[1]), expected);
  };
}
