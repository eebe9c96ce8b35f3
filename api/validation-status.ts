// Validation of what a status write (PUT .../status, or a Node created with
// its status) may store, with Kubernetes' field paths and wording
// (ValidatePodStatusUpdate, ValidateNodeUpdate, ValidateLoadBalancerStatus).
// Pure: what needs server state comes in `StatusContext`.
//
// minik deviations, on purpose:
// - pod addresses are IPv4 (single-stack data plane) and, when the pod's node
//   has a pod CIDR (every node minik's agents register does), inside it: an
//   address outside it could not be routed, and would reach every agent's
//   rules through the Endpoints;
// - a Service's status.loadBalancer.ingress is owned by minik's load-balancer
//   allocator (it writes the status on every create/update), so a status write
//   may only repeat the allocator's value, never claim another address.

import { cidrContains } from './ip.ts';
import { field, type FieldError } from './errors.ts';
import { IP_ERROR, isDns1123Subdomain, isIpv4Address, isQualifiedName, isValidIp } from './names.ts';
import { CONDITION_STATUSES, POD_PHASES } from './schema/pod.ts';
import { NAMESPACE_PHASES, NODE_ADDRESS_TYPES } from './schema/node.ts';
import type { AnyObject, Ingress, LoadBalancerIngress, Namespace, Node, Pod, Service } from './types.ts';
import { IPV4_ONLY, invalidEach, list, text } from './validation-common.ts';

export interface StatusContext {
  /** The node the pod runs on and its pod CIDR, when it has one. */
  podCidr?: { node: string; cidr: string };
  /** What minik's allocator put in status.loadBalancer.ingress (a Service's status write must repeat it). */
  allocatedIngress?: LoadBalancerIngress[];
}

const sorted = (values: readonly string[]) => [...values].sort();

/** A value Kubernetes prints as it is (a Go slice), not as a quoted string. */
const printed = (value: unknown) => ({ toString: () => JSON.stringify(value) });

function validateIp(ip: unknown, path: string, ipv4Only: boolean): FieldError[] {
  const value = text(ip);
  if (!value) return [field.required(path)];
  if (isValidIp(value).length) return [field.invalid(path, value, IP_ERROR)];
  if (ipv4Only && !isIpv4Address(value)) return [field.invalid(path, value, IPV4_ONLY)];
  return [];
}

/** PodCondition / NodeCondition: a qualified-name type, once each; status True, False or Unknown. */
export function validateConditions(conditions: { type?: string; status?: string }[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  list(conditions).forEach((c, i) => {
    const at = `${path}[${i}]`;
    const type = text(c?.type);
    if (!type) errs.push(field.required(`${at}.type`));
    else {
      errs.push(...invalidEach(`${at}.type`, type, isQualifiedName(type)));
      if (seen.has(type)) errs.push(field.duplicate(`${at}.type`, type));
      seen.add(type);
    }
    const status = text(c?.status);
    if (!status) errs.push(field.required(`${at}.status`));
    else if (!(CONDITION_STATUSES as readonly string[]).includes(status)) {
      errs.push(field.notSupported(`${at}.status`, status, sorted(CONDITION_STATUSES)));
    }
  });
  return errs;
}

function validatePodIp(ip: string, path: string, ctx: StatusContext): FieldError[] {
  const errs = validateIp(ip, path, true);
  if (errs.length || !ctx.podCidr) return errs;
  const { node, cidr } = ctx.podCidr;
  return cidrContains(cidr, ip) ? [] : [field.invalid(path, ip, `must be inside the pod CIDR of node "${node}" (${cidr})`)];
}

export function validatePodStatus(pod: Pod, ctx: StatusContext = {}): FieldError[] {
  const status = pod.status ?? {};
  const errs: FieldError[] = [];
  const phase = text(status.phase);
  if (phase && !(POD_PHASES as readonly string[]).includes(phase)) errs.push(field.notSupported('status.phase', phase, sorted(POD_PHASES)));
  if (status.podIP !== undefined) errs.push(...validatePodIp(status.podIP, 'status.podIP', ctx));
  const podIPs = list(status.podIPs);
  if (podIPs.length > 1) errs.push(field.invalid('status.podIPs', printed(podIPs.map((p) => p.ip)), 'may hold only one value: minik is single-stack IPv4'));
  podIPs.forEach((p, i) => {
    const path = `status.podIPs[${i}].ip`;
    const ipErrors = validatePodIp(p?.ip, path, ctx);
    errs.push(...ipErrors);
    if (!ipErrors.length && i === 0 && status.podIP !== undefined && p.ip !== status.podIP) errs.push(field.invalid(path, p.ip, 'must match status.podIP'));
  });
  if (status.hostIP !== undefined) errs.push(...validateIp(status.hostIP, 'status.hostIP', false));
  list(status.hostIPs).forEach((h, i) => errs.push(...validateIp(h?.ip, `status.hostIPs[${i}].ip`, false)));
  errs.push(...validateConditions(status.conditions, 'status.conditions'));
  if (status.restartCount !== undefined && status.restartCount < 0) {
    errs.push(field.invalid('status.restartCount', status.restartCount, 'must be greater than or equal to 0'));
  }
  return errs;
}

export function validateNodeStatus(node: Node): FieldError[] {
  const status = node.status ?? {};
  const errs: FieldError[] = [];
  list(status.addresses).forEach((a, i) => {
    const path = `status.addresses[${i}]`;
    const type = text(a?.type);
    if (!type) errs.push(field.required(`${path}.type`));
    else if (!(NODE_ADDRESS_TYPES as readonly string[]).includes(type)) errs.push(field.notSupported(`${path}.type`, type, sorted(NODE_ADDRESS_TYPES)));
    if (type === 'InternalIP' || type === 'ExternalIP') errs.push(...validateIp(a?.address, `${path}.address`, false));
    else if (!text(a?.address)) errs.push(field.required(`${path}.address`));
  });
  errs.push(...validateConditions(status.conditions, 'status.conditions'));
  return errs;
}

/** status.loadBalancer.ingress of a Service or an Ingress: IPs are IPs, hostnames DNS names. */
function validateLoadBalancerIngress(ingress: LoadBalancerIngress[] | undefined): FieldError[] {
  const errs: FieldError[] = [];
  list(ingress).forEach((entry, i) => {
    const path = `status.loadBalancer.ingress[${i}]`;
    if (entry?.ip !== undefined) errs.push(...validateIp(entry.ip, `${path}.ip`, false));
    if (entry?.hostname !== undefined) {
      const host = text(entry.hostname);
      errs.push(...invalidEach(`${path}.hostname`, host, isDns1123Subdomain(host)));
      if (!isValidIp(host).length) errs.push(field.invalid(`${path}.hostname`, host, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

export function validateServiceStatus(svc: Service, ctx: StatusContext = {}): FieldError[] {
  const ingress = list(svc.status?.loadBalancer?.ingress);
  const errs = validateLoadBalancerIngress(ingress);
  if (errs.length) return errs;
  const allocated = ctx.allocatedIngress ?? [];
  if (JSON.stringify(ingress) !== JSON.stringify(allocated)) {
    errs.push(
      field.invalid(
        'status.loadBalancer.ingress',
        printed(ingress),
        `must be the address minik's load-balancer allocator assigned to this service (${JSON.stringify(allocated)})`,
      ),
    );
  }
  return errs;
}

export function validateIngressStatus(ing: Ingress): FieldError[] {
  return validateLoadBalancerIngress(ing.status?.loadBalancer?.ingress);
}

export function validateNamespaceStatus(ns: Namespace): FieldError[] {
  const phase = text(ns.status?.phase);
  if (phase && !(NAMESPACE_PHASES as readonly string[]).includes(phase)) {
    return [field.notSupported('status.phase', phase, sorted(NAMESPACE_PHASES))];
  }
  return [];
}

/** Validates `obj.status` for its kind (Endpoints has no status). Empty list: valid. */
export function validateStatus(obj: AnyObject, ctx: StatusContext = {}): FieldError[] {
  switch (obj.kind) {
    case 'Pod':
      return validatePodStatus(obj, ctx);
    case 'Node':
      return validateNodeStatus(obj);
    case 'Service':
      return validateServiceStatus(obj, ctx);
    case 'Ingress':
      return validateIngressStatus(obj);
    case 'Namespace':
      return validateNamespaceStatus(obj);
    default:
      return [];
  }
}
