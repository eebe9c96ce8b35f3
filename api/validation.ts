// Object validation with Kubernetes' field paths and wording
// (pkg/apis/core/validation, pkg/apis/networking/validation). Pure: it sees
// the object (after applyDefaults) and, on update, the stored one. What needs
// server state (nodePort range and "already allocated", clusterIP inside the
// service CIDR) is the allocators' job, not this module's.
//
// minik deviations, on purpose: addresses (clusterIP, endpoints) are IPv4
// only, because the data plane is single-stack IPv4; clusterIP problems are
// reported on `spec.clusterIP` (the field minik manifests set), as Kubernetes
// did before dual-stack; nodePort is also forbidden for ExternalName.


import { ALL_KINDS, type Kind } from './resources.ts';
import { field, type FieldError } from './errors.ts';
import {
  RESTART_POLICIES,
  PATH_TYPES,
  IPV4_ONLY,
  text,
  list,
  invalidEach,
  immutable,
  validateObjectMeta,
  validateObjectMetaUpdate,
  validateProtocol,
} from './validation-common.ts';
import {
  IP_ERROR,
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  isIpv4Address,
  isValidCidr,
  isValidIp,
  isValidPortName,
  isValidPortNum,
  isWildcardDns1123Subdomain,
  nonSpecialIpErrors,
} from './names.ts';
import type { AnyObject, Endpoints, Ingress, IngressBackend, IngressPath, Namespace, Node, Pod } from './types.ts';

import { validateService } from './validation-service.ts';
import { validateEvent } from './validation-event.ts';
export { validateService };

export function validatePod(obj: Pod, old?: Pod): FieldError[] {
  const spec = obj.spec ?? ({} as Pod['spec']);
  const errs = validateObjectMeta(obj.metadata, true, isDns1123Subdomain);
  if (old) errs.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));

  const containers = list(spec.containers);
  if (containers.length === 0) errs.push(field.required('spec.containers'));
  const containerNames = new Set<string>();
  containers.forEach((c, i) => {
    const path = `spec.containers[${i}]`;
    const name = text(c?.name);
    if (!name) errs.push(field.required(`${path}.name`));
    else errs.push(...invalidEach(`${path}.name`, name, isDns1123Label(name)));
    if (containerNames.has(name)) errs.push(field.duplicate(`${path}.name`, name));
    containerNames.add(name);
    if (!text(c?.image)) errs.push(field.required(`${path}.image`));
    const portNames = new Set<string>();
    list(c?.ports).forEach((p, j) => {
      const portPath = `${path}.ports[${j}]`;
      const portName = text(p?.name);
      if (portName) {
        const msgs = isValidPortName(portName);
        if (msgs.length) errs.push(...invalidEach(`${portPath}.name`, portName, msgs));
        else if (portNames.has(portName)) errs.push(field.duplicate(`${portPath}.name`, portName));
        portNames.add(portName);
      }
      if (!p?.containerPort) errs.push(field.required(`${portPath}.containerPort`));
      else errs.push(...invalidEach(`${portPath}.containerPort`, p.containerPort, isValidPortNum(p.containerPort)));
      errs.push(...validateProtocol(p?.protocol, `${portPath}.protocol`));
    });
  });

  const restart = text(spec.restartPolicy);
  if (!restart) errs.push(field.required('spec.restartPolicy'));
  else if (!RESTART_POLICIES.includes(restart)) errs.push(field.notSupported('spec.restartPolicy', restart, RESTART_POLICIES));
  if (spec.nodeName) errs.push(...invalidEach('spec.nodeName', text(spec.nodeName), isDns1123Subdomain(text(spec.nodeName))));
  return errs;
}

// --------------------------------------------------------------- Endpoints

function validateEndpointIp(ip: string, path: string): FieldError[] {
  if (isValidIp(ip).length) return [field.invalid(path, ip, IP_ERROR)];
  if (!isIpv4Address(ip)) return [field.invalid(path, ip, IPV4_ONLY)];
  return invalidEach(path, ip, nonSpecialIpErrors(ip));
}

export function validateEndpoints(obj: Endpoints, old?: Endpoints): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, true, isDns1123Subdomain);
  if (old) errs.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
  list(obj.subsets).forEach((s, i) => {
    const path = `subsets[${i}]`;
    const ready = list(s?.addresses);
    const notReady = list(s?.notReadyAddresses);
    if (ready.length === 0 && notReady.length === 0) errs.push(field.required(path, 'must specify `addresses` or `notReadyAddresses`'));
    const checkAddress = (kind: string) => (a: { ip: string; hostname?: string; nodeName?: string }, j: number) => {
      const addrPath = `${path}.${kind}[${j}]`;
      errs.push(...validateEndpointIp(text(a?.ip), `${addrPath}.ip`));
      if (a?.hostname) errs.push(...invalidEach(`${addrPath}.hostname`, a.hostname, isDns1123Label(a.hostname)));
      if (a?.nodeName) errs.push(...invalidEach(`${addrPath}.nodeName`, a.nodeName, isDns1123Subdomain(a.nodeName)));
    };
    ready.forEach(checkAddress('addresses'));
    notReady.forEach(checkAddress('notReadyAddresses'));
    const ports = list(s?.ports);
    ports.forEach((p, j) => {
      const portPath = `${path}.ports[${j}]`;
      const name = text(p?.name);
      if (ports.length > 1 && !name) errs.push(field.required(`${portPath}.name`));
      else if (name) errs.push(...invalidEach(`${portPath}.name`, name, isDns1123Label(name)));
      errs.push(...invalidEach(`${portPath}.port`, p?.port ?? 0, isValidPortNum(p?.port ?? 0)));
      errs.push(...validateProtocol(p?.protocol, `${portPath}.protocol`));
    });
  });
  return errs;
}

// ----------------------------------------------------------------- Ingress

function validateIngressBackend(backend: IngressBackend | undefined, path: string): FieldError[] {
  const service = backend?.service;
  if (!service) return [field.invalid(path, '', 'resource or service backend is required')];
  const errs: FieldError[] = [];
  const name = text(service.name);
  if (!name) errs.push(field.required(`${path}.service.name`));
  else errs.push(...invalidEach(`${path}.service.name`, name, isDns1035Label(name)));
  const portName = text(service.port?.name);
  const portNumber = service.port?.number;
  if (portName && portNumber) errs.push(field.invalid(path, '', 'cannot set both port name & port number'));
  else if (portName) errs.push(...invalidEach(`${path}.service.port.name`, portName, isValidPortName(portName)));
  else if (portNumber) errs.push(...invalidEach(`${path}.service.port.number`, portNumber, isValidPortNum(portNumber)));
  else errs.push(field.required(path, 'port name or number is required'));
  return errs;
}

function validateIngressPath(p: IngressPath, path: string): FieldError[] {
  if (!p?.pathType) return [field.required(`${path}.pathType`, 'pathType must be specified')];
  const errs: FieldError[] = [];
  const value = text(p.path);
  if (p.pathType === 'Exact' || p.pathType === 'Prefix') {
    if (!value.startsWith('/')) errs.push(field.invalid(`${path}.path`, value, 'must be an absolute path'));
    for (const seq of ['//', '/./', '/../', '%2f', '%2F']) {
      if (value.includes(seq)) errs.push(field.invalid(`${path}.path`, value, `must not contain '${seq}'`));
    }
    for (const suffix of ['/..', '/.']) {
      if (value.endsWith(suffix)) errs.push(field.invalid(`${path}.path`, value, `cannot end with '${suffix}'`));
    }
  } else if (p.pathType === 'ImplementationSpecific') {
    if (value && !value.startsWith('/')) errs.push(field.invalid(`${path}.path`, value, 'must be an absolute path'));
  } else {
    errs.push(field.notSupported(`${path}.pathType`, text(p.pathType), PATH_TYPES));
  }
  errs.push(...validateIngressBackend(p.backend, `${path}.backend`));
  return errs;
}

export function validateIngress(obj: Ingress, old?: Ingress): FieldError[] {
  const spec = obj.spec ?? {};
  const errs = validateObjectMeta(obj.metadata, true, isDns1123Subdomain);
  if (old) errs.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
  const rules = list(spec.rules);
  if (rules.length === 0 && !spec.defaultBackend) {
    errs.push(field.invalid('spec', '', 'either `defaultBackend` or `rules` must be specified'));
  }
  if (spec.defaultBackend) errs.push(...validateIngressBackend(spec.defaultBackend, 'spec.defaultBackend'));
  rules.forEach((rule, i) => {
    const path = `spec.rules[${i}]`;
    const host = text(rule?.host);
    if (host) {
      if (isValidIp(host).length === 0) errs.push(field.invalid(`${path}.host`, host, 'must be a DNS name, not an IP address'));
      const check = host.includes('*') ? isWildcardDns1123Subdomain : isDns1123Subdomain;
      errs.push(...invalidEach(`${path}.host`, host, check(host)));
    }
    if (rule?.http) {
      const paths = list(rule.http.paths);
      if (paths.length === 0) errs.push(field.required(`${path}.http.paths`));
      paths.forEach((p, j) => errs.push(...validateIngressPath(p, `${path}.http.paths[${j}]`)));
    }
  });
  if (spec.ingressClassName !== undefined) {
    errs.push(...invalidEach('spec.ingressClassName', text(spec.ingressClassName), isDns1123Subdomain(text(spec.ingressClassName))));
  }
  return errs;
}

// ------------------------------------------------------- Namespace and Node

export function validateNamespace(obj: Namespace, old?: Namespace): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, false, isDns1123Label);
  if (old) errs.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
  return errs;
}

export function validateNode(obj: Node, old?: Node): FieldError[] {
  const spec = obj.spec ?? {};
  const errs = validateObjectMeta(obj.metadata, false, isDns1123Subdomain);
  if (old) errs.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
  if (spec.podCIDR) errs.push(...invalidEach('spec.podCIDR', spec.podCIDR, isValidCidr(text(spec.podCIDR))));
  list(spec.podCIDRs).forEach((c, i) => errs.push(...invalidEach(`spec.podCIDRs[${i}]`, c, isValidCidr(text(c)))));
  const oldCidr = old?.spec?.podCIDR;
  if (old && oldCidr && spec.podCIDR !== oldCidr) {
    errs.push(field.forbidden('spec.podCIDR', 'node updates may not change podCIDR except from "" to valid'));
  }
  return errs;
}

// ----------------------------------------------------------------- dispatch

const VALIDATORS: Record<Kind, (obj: never, old?: never) => FieldError[]> = {
  Service: validateService,
  Pod: validatePod,
  Endpoints: validateEndpoints,
  Ingress: validateIngress,
  Namespace: validateNamespace,
  Node: validateNode,
  Event: validateEvent,
};

/**
 * Validates any object by its kind; pass the stored object as `old` on
 * update. Run it on the result of applyDefaults (and prepareForUpdate).
 * Empty list: valid. Wrap a non-empty one with `invalid(kind, name, errs)`.
 */
export function validateObject(obj: AnyObject, old?: AnyObject): FieldError[] {
  const kind = text(obj?.kind);
  const validator = VALIDATORS[kind as Kind];
  if (!validator) return [kind ? field.notSupported('kind', kind, [...ALL_KINDS]) : field.required('kind')];
  if (old && old.kind !== obj.kind) return [immutable('kind', kind)];
  return (validator as (o: AnyObject, p?: AnyObject) => FieldError[])(obj, old);
}
