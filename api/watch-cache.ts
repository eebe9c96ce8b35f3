// A local copy of watched objects, kept by a watch: what an agent reads its
// desired state from. Keyed like the store (`Service/demo/web`); a relist
// replaces everything at once.

import { objectKey, type Kind } from './resources.ts';
import type { AnyObject } from './types.ts';
import type { RelistSnapshot, WatchEvent } from './watch-client.ts';

export class WatchCache {
  private readonly objects = new Map<string, { kind: Kind; object: AnyObject }>();
  /** Revision of the newest change applied. */
  revision = 0;

  apply(event: WatchEvent): void {
    const key = objectKey(event.kind, event.object.metadata.namespace, event.object.metadata.name);
    if (event.type === 'DELETED') this.objects.delete(key);
    else this.objects.set(key, { kind: event.kind, object: event.object });
    this.revision = Math.max(this.revision, event.revision);
  }

  replace(snapshot: RelistSnapshot): void {
    this.objects.clear();
    for (const { kind, object } of snapshot.objects) {
      this.objects.set(objectKey(kind, object.metadata.namespace, object.metadata.name), { kind, object });
    }
    this.revision = snapshot.revision;
  }

  get<T extends AnyObject = AnyObject>(kind: Kind, namespace: string | undefined, name: string): T | undefined {
    return this.objects.get(objectKey(kind, namespace, name))?.object as T | undefined;
  }

  /** Objects of one kind, optionally in one namespace, in key order. */
  list<T extends AnyObject = AnyObject>(kind: Kind, namespace?: string): T[] {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(`${kind}/`)).sort();
    return keys
      .map((k) => this.objects.get(k)!.object)
      .filter((o) => namespace === undefined || (o.metadata.namespace ?? '') === namespace) as T[];
  }

  get size(): number {
    return this.objects.size;
  }
}
