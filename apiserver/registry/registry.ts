// The registry: create / update / delete of every kind, with Kubernetes'
// defaults, validation, allocation and the controllers that must follow a
// change (endpoints, scheduling) — each write one atomic store transaction.

import { ApiError, alreadyExists, badRequest, conflict, invalid, notFound } from '../../api/errors.ts';
import { applyDefaults, prepareForUpdate } from '../../api/defaults.ts';
import { matchesSelector, parseSelector } from '../../api/labels.ts';
import { ALL_KINDS, resourceByKind, type Kind } from '../../api/resources.ts';
import { decodeObject } from '../../api/schema/index.ts';
import type { AnyObject, Endpoints, Ingress, KubeObject, Namespace, Node, Pod, Service } from '../../api/types.ts';
import { isValidCidr } from '../../api/names.ts';
import { validateObject } from '../../api/validation.ts';
import { validateNodeStatus, validateStatus, type StatusContext } from '../../api/validation-status.ts';
import type { AllocatorConfig } from '../allocators/allocators.ts';
import { computeEndpoints, hasSelector, selectsPod } from '../controllers/endpoints.ts';
import { pickNode } from '../scheduler.ts';
import type { Store, TransactOptions, Tx } from '../store/store.ts';
import { allocateServiceValues, releaseServiceValues } from './services.ts';
import { POOLS, releaseAll } from '../allocators/allocators.ts';
import { objectKey } from '../../api/resources.ts';
import { endpointEvents, eventCreated, loadBalancerEvents, recordEventTx } from '../events.ts';

/** Namespaces that always exist and cannot be deleted. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system'] as const;

const NAMESPACED_KINDS: Kind[] = ['Service', 'Pod', 'Endpoints', 'Ingress', 'Event'];

function stripServerFields(obj: AnyObject): void {
  delete obj.metadata.uid;
  delete obj.metadata.resourceVersion;
  delete obj.metadata.creationTimestamp;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** List order: namespace, then name (code-point order: total, and the same in every locale). */
function byNamespaceAndName(a: AnyObject, b: AnyObject): number {
  return compareText(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || compareText(a.metadata.name, b.metadata.name);
}

/**
 * Every object entering the registry is decoded against its kind's schema
 * first (REST bodies already were; this also covers PATCH results and
 * in-process callers), so nothing of the wrong type is ever stored.
 */
function decodeInput<T extends AnyObject>(input: T): T {
  if (!input || typeof input !== 'object') throw badRequest('the request body must be a JSON object');
  if (!(ALL_KINDS as readonly string[]).includes(input.kind)) return input; // validation names the unknown kind
  return decodeObject(input.kind as Kind, input).object as T;
}

export class Registry {
  constructor(
    readonly store: Store,
    private readonly allocators: AllocatorConfig,
  ) {}

  // ---- reads ---------------------------------------------------------------

  get<T extends AnyObject>(kind: Kind, namespace: string | undefined, name: string): T {
    const info = resourceByKind(kind);
    const obj = this.store.get<T>(kind, info.namespaced ? namespace : undefined, name);
    if (!obj) throw notFound(info.plural, name);
    return obj;
  }

  list<T extends AnyObject>(kind: Kind, options: { namespace?: string; labelSelector?: string } = {}): T[] {
    const selector = options.labelSelector ? parseSelector(options.labelSelector) : undefined;
    const items = this.store.list<T>(kind, resourceByKind(kind).namespaced ? options.namespace : undefined);
    return items
      .filter((o) => !selector || matchesSelector(o.metadata.labels ?? {}, selector))
      .sort(byNamespaceAndName);
  }

  // ---- writes --------------------------------------------------------------

  // Every write takes TransactOptions so `?dryRun=All` runs the whole change
  // (defaults, validation, allocation) without committing it.
  async create<T extends AnyObject>(input: T, options: TransactOptions = {}): Promise<T> {
    const obj = this.admit(input);
    // Only a Node keeps the status it is created with (as in Kubernetes); it must be well-formed.
    if (obj.kind === 'Node') {
      const errors = validateNodeStatus(obj as Node);
      if (errors.length) throw invalid(obj.kind, obj.metadata.name, errors);
    }
    return this.store.transact((tx) => {
      const info = resourceByKind(obj.kind as Kind);
      this.requireNamespace(tx, obj);
      if (tx.get(obj.kind as Kind, obj.metadata.namespace, obj.metadata.name)) throw alreadyExists(info.plural, obj.metadata.name);
      stripServerFields(obj);
      this.beforeCreate(tx, obj);
      const created = tx.create(obj);
      this.afterWrite(tx, created);
      return created as T;
    }, options);
  }

  /** PUT: replaces spec and metadata; status stays the server's (see updateStatus). */
  async update<T extends AnyObject>(input: T, options: TransactOptions = {}): Promise<T> {
    const admitted = this.admit(input);
    return this.store.transact((tx) => {
      const kind = admitted.kind as Kind;
      const info = resourceByKind(kind);
      const old = tx.get(kind, admitted.metadata.namespace, admitted.metadata.name);
      if (!old) throw notFound(info.plural, admitted.metadata.name);
      const rv = admitted.metadata.resourceVersion;
      if (rv && rv !== old.metadata.resourceVersion) throw conflict(info.plural, admitted.metadata.name);
      // Like Kubernetes: an update that leaves out allocated values keeps them.
      const obj = prepareForUpdate(admitted, old);
      const errors = validateObject(obj, old);
      if (errors.length) throw invalid(kind, obj.metadata.name, errors);
      obj.metadata.uid = old.metadata.uid;
      obj.metadata.creationTimestamp = old.metadata.creationTimestamp;
      if (kind !== 'Endpoints') (obj as KubeObject).status = (old as KubeObject).status;
      this.beforeUpdate(tx, obj, old);
      if (sameJson({ ...obj, metadata: { ...obj.metadata, resourceVersion: '' } }, { ...old, metadata: { ...old.metadata, resourceVersion: '' } })) {
        return old as T; // nothing changed: no new revision
      }
      const updated = tx.update(obj);
      this.afterWrite(tx, updated, old);
      return updated as T;
    }, options);
  }

  /**
   * PUT .../status: replaces only status (agents report pod state this way),
   * decoded and validated like Kubernetes does (api/validation-status.ts).
   */
  async updateStatus<T extends AnyObject>(
    kind: Kind,
    namespace: string | undefined,
    name: string,
    status: unknown,
    resourceVersion?: string,
    options: TransactOptions = {},
  ): Promise<T> {
    const info = resourceByKind(kind);
    // Endpoints and Event have no status subresource in Kubernetes.
    if (kind === 'Endpoints' || kind === 'Event') throw new ApiError('NotFound', 'the server could not find the requested resource');
    const decoded = decodeObject(kind, { kind, apiVersion: info.apiVersion, metadata: { name }, status }).object as KubeObject;
    return this.store.transact((tx) => {
      const old = tx.get(kind, info.namespaced ? namespace : undefined, name);
      if (!old) throw notFound(info.plural, name);
      if (resourceVersion && resourceVersion !== old.metadata.resourceVersion) throw conflict(info.plural, name);
      const next = { ...old, status: decoded.status } as AnyObject;
      const errors = validateStatus(next, this.statusContext(tx, old));
      if (errors.length) throw invalid(kind, name, errors);
      if (sameJson((old as KubeObject).status, decoded.status)) return old as T;
      const updated = tx.update(next);
      this.afterWrite(tx, updated, old);
      return updated as T;
    }, options);
  }

  async delete<T extends AnyObject>(kind: Kind, namespace: string | undefined, name: string, options: TransactOptions = {}): Promise<T> {
    const info = resourceByKind(kind);
    if (kind === 'Namespace' && (SYSTEM_NAMESPACES as readonly string[]).includes(name)) {
      throw new ApiError('Forbidden', `namespaces "${name}" is forbidden: this namespace may not be deleted`);
    }
    return this.store.transact((tx) => {
      const gone = this.deleteIn(tx, kind, info.namespaced ? namespace : undefined, name);
      if (!gone) throw notFound(info.plural, name);
      return gone as T;
    }, options);
  }

  /** Runs `change` as one transaction with the registry's hooks at hand (node lifecycle, bootstrap). */
  transact<T>(change: (tx: Tx, hooks: { afterWrite: (obj: AnyObject, old?: AnyObject) => void; schedulePending: () => void }) => T): Promise<T> {
    return this.store.transact((tx) =>
      change(tx, {
        afterWrite: (obj, old) => this.afterWrite(tx, obj, old),
        schedulePending: () => this.schedulePending(tx),
      }),
    );
  }

  // ---- hooks -----------------------------------------------------------------

  /** Decoding, defaults and validation that need no store: rejects before any transaction. */
  private admit<T extends AnyObject>(input: T): T {
    const decoded = decodeInput(input);
    if (!decoded.metadata || typeof decoded.metadata !== 'object') throw badRequest('the object has no metadata');
    const obj = applyDefaults(decoded);
    const errors = validateObject(obj);
    if (errors.length) throw invalid(obj.kind, obj.metadata?.name ?? '', errors);
    return obj;
  }

  /** What a status write is checked against: the pod's node's CIDR, the service's allocated LB address. */
  private statusContext(tx: Tx, old: AnyObject): StatusContext {
    if (old.kind === 'Pod' && old.spec.nodeName) {
      const cidr = tx.get<Node>('Node', undefined, old.spec.nodeName)?.spec.podCIDR;
      if (cidr && isValidCidr(cidr).length === 0) return { podCidr: { node: old.spec.nodeName, cidr } };
    }
    if (old.kind === 'Service') {
      const owner = objectKey('Service', old.metadata.namespace, old.metadata.name);
      return { allocatedIngress: tx.heldBy(POOLS.loadBalancerIp, owner).map((ip) => ({ ip })) };
    }
    return {};
  }

  private requireNamespace(tx: Tx, obj: AnyObject): void {
    if (!NAMESPACED_KINDS.includes(obj.kind as Kind)) return;
    const ns = obj.metadata.namespace ?? 'default';
    if (!tx.get('Namespace', undefined, ns)) throw notFound('namespaces', ns);
  }

  private beforeCreate(tx: Tx, obj: AnyObject): void {
    switch (obj.kind) {
      case 'Service':
        allocateServiceValues(tx, this.allocators, obj as Service);
        break;
      case 'Pod': {
        const pod = obj as Pod;
        pod.status = { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }] };
        if (!pod.spec.nodeName) {
          const node = pickNode(tx.list<Node>('Node'), tx.list<Pod>('Pod'));
          if (node) pod.spec.nodeName = node;
          else pod.status.conditions!.push({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'no Ready node' });
        }
        break;
      }
      case 'Namespace':
        (obj as Namespace).status = { phase: 'Active' };
        break;
      case 'Ingress':
        delete (obj as Ingress).status; // server-owned, as in Kubernetes
        break;
    }
  }

  private beforeUpdate(tx: Tx, obj: AnyObject, old: AnyObject): void {
    if (obj.kind === 'Service') allocateServiceValues(tx, this.allocators, obj as Service, old as Service);
    if (obj.kind === 'Pod' && !(obj as Pod).spec.nodeName) (obj as Pod).spec.nodeName = (old as Pod).spec.nodeName;
  }

  /** Controllers that follow a write, in the same transaction. */
  private afterWrite(tx: Tx, obj: AnyObject, old?: AnyObject): void {
    if (obj.kind === 'Event' && !old) eventCreated(tx);
    if (obj.kind === 'Service') {
      for (const event of loadBalancerEvents(obj as Service, old as Service | undefined)) recordEventTx(tx, event);
      this.reconcileEndpoints(tx, obj as Service);
    }
    if (obj.kind === 'Pod') {
      const pods = [obj as Pod, ...(old ? [old as Pod] : [])];
      for (const svc of tx.list<Service>('Service', obj.metadata.namespace)) {
        if (pods.some((p) => selectsPod(svc, p))) this.reconcileEndpoints(tx, svc);
      }
    }
    if (obj.kind === 'Node') this.schedulePending(tx);
  }

  private reconcileEndpoints(tx: Tx, svc: Service): void {
    if (!hasSelector(svc)) return;
    const ns = svc.metadata.namespace;
    const desired = computeEndpoints(svc, tx.list<Pod>('Pod', ns));
    const current = tx.get<Endpoints>('Endpoints', ns, svc.metadata.name);
    for (const event of endpointEvents(svc, current, desired)) recordEventTx(tx, event);
    if (!current) {
      tx.create(desired);
      return;
    }
    if (sameJson(current.subsets ?? [], desired.subsets) && sameJson(current.metadata.labels, desired.metadata.labels)) return;
    tx.update({ ...current, metadata: { ...current.metadata, labels: desired.metadata.labels }, subsets: desired.subsets });
  }

  private schedulePending(tx: Tx): void {
    for (const pod of tx.list<Pod>('Pod')) {
      if (pod.spec.nodeName) continue;
      const node = pickNode(tx.list<Node>('Node'), tx.list<Pod>('Pod'));
      if (!node) return;
      pod.spec.nodeName = node;
      pod.status = { ...pod.status, conditions: (pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled') };
      const updated = tx.update(pod);
      this.afterWrite(tx, updated, pod);
    }
  }

  private deleteIn(tx: Tx, kind: Kind, namespace: string | undefined, name: string): AnyObject | undefined {
    if (kind === 'Namespace') {
      for (const inner of NAMESPACED_KINDS) {
        for (const obj of tx.list(inner, name)) this.deleteIn(tx, inner, name, obj.metadata.name);
      }
    }
    const gone = tx.remove(kind, namespace, name);
    if (!gone) return undefined;
    if (kind === 'Service') {
      releaseServiceValues(tx, gone as Service);
      tx.remove('Endpoints', namespace, name);
    }
    if (kind === 'Node') releaseAll(tx, objectKey('Node', undefined, name));
    if (kind === 'Pod') this.afterWrite(tx, gone, gone);
    return gone;
  }
}
