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
  IP_ERROR,
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  isIpv4Address,
  isQualifiedName,
  isValidCidr,
  isValidIp,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  isWildcardDns1123Subdomain,
  nonSpecialIpErrors,
} from './names.ts';
import { isExternallyAccessible, needsClusterIp, needsNodePorts } from './defaults.ts';
import type {
  AnyObject,
  Endpoints,
  Ingress,
  IngressBackend,
  IngressPath,
  Namespace,
  Node,
  ObjectMeta,
  Pod,
  Service,
  ServicePort,
} from './types.ts';

type NameCheck = (name: string) => string[];

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const SESSION_AFFINITIES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
/** Kubernetes' MaxClientIPServiceAffinitySeconds (one day). */
export const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;
const IPV4_ONLY = 'must be an IPv4 address: minik is single-stack IPv4';

const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const list = <T>(v: T[] | undefined | null): T[] => (Array.isArray(v) ? v : []);
const invalidEach = (path: string, value: unknown, msgs: string[]) => msgs.map((m) => field.invalid(path, value, m));

// ---------------------------------------------------------------- metadata

/** `metadata.labels` / `spec.selector`: keys are qualified names, values label values. */
export function validateLabels(labels: unknown, path: string): FieldError[] {
  if (labels === undefined || labels === null) return [];
  if (typeof labels !== 'object' || Array.isArray(labels)) return [field.invalid(path, text(labels), 'must be a map of strings')];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    errs.push(...invalidEach(path, k, isQualifiedName(k)));
    if (typeof v !== 'string') errs.push(field.invalid(path, text(v), 'must be a string'));
    else errs.push(...invalidEach(path, v, isValidLabelValue(v)));
  }
  return errs;
}

function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  if (annotations === undefined || annotations === null || typeof annotations !== 'object') return [];
  return Object.keys(annotations).flatMap((k) => invalidEach(path, k, isQualifiedName(k.toLowerCase())));
}

/** Kubernetes' ValidateObjectMeta: name, namespace (required or forbidden), labels, annotations. */
export function validateObjectMeta(meta: ObjectMeta | undefined, namespaced: boolean, nameCheck: NameCheck): FieldError[] {
  const m = meta ?? ({} as ObjectMeta);
  const errs: FieldError[] = [];
  const name = text(m.name);
  if (!name) errs.push(field.required('metadata.name', 'name or generateName is required'));
  else errs.push(...invalidEach('metadata.name', name, nameCheck(name)));
  const ns = text(m.namespace);
  if (namespaced) {
    if (!ns) errs.push(field.required('metadata.namespace'));
    else errs.push(...invalidEach('metadata.namespace', ns, isDns1123Label(ns)));
  } else if (ns) {
    errs.push(field.forbidden('metadata.namespace', 'not allowed on this type'));
  }
  errs.push(...validateLabels(m.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(m.annotations, 'metadata.annotations'));
  return errs;
}

const immutable = (path: string, value: unknown): FieldError => field.invalid(path, value, 'field is immutable');

/** Kubernetes' ValidateObjectMetaUpdate: name, namespace and uid never change. */
export function validateObjectMetaUpdate(meta: ObjectMeta | undefined, old: ObjectMeta | undefined): FieldError[] {
  const m = meta ?? ({} as ObjectMeta);
  const o = old ?? ({} as ObjectMeta);
  const errs: FieldError[] = [];
  if (text(m.name) !== text(o.name)) errs.push(immutable('metadata.name', text(m.name)));
  if (text(m.namespace) !== text(o.namespace)) errs.push(immutable('metadata.namespace', text(m.namespace)));
  // An update that leaves uid out keeps the stored one (the server fills it in).
  if (m.uid && o.uid && m.uid !== o.uid) errs.push(immutable('metadata.uid', m.uid));
  return errs;
}

/** `TCP`, `UDP`, `SCTP`; required once defaults have run. */
function validateProtocol(protocol: unknown, path: string): FieldError[] {
  if (!protocol) return [field.required(path)];
  return PROTOCOLS.includes(text(protocol)) ? [] : [field.notSupported(path, text(protocol), PROTOCOLS)];
}

/** A number 1..65535 or an IANA service name (Kubernetes' ValidatePortNumOrName). */
function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === 'string') {
    if (port === '') return [field.required(path)];
    return invalidEach(path, port, isValidPortName(port));
  }
  return invalidEach(path, port ?? 0, isValidPortNum(port ?? 0));
}

// ----------------------------------------------------------------- Service

function validateServicePort(port: ServicePort, index: number, requireName: boolean, names: Set<string>): FieldError[] {
  const path = `spec.ports[${index}]`;
  const errs: FieldError[] = [];
  const name = text(port.name);
  if (requireName && !name) {
    errs.push(field.required(`${path}.name`));
  } else if (name) {
    // Kubernetes checks Service port names as DNS-1123 labels (not the
    // stricter 15-character IANA names container ports use).
    errs.push(...invalidEach(`${path}.name`, name, isDns1123Label(name)));
    if (names.has(name)) errs.push(field.duplicate(`${path}.name`, name));
    names.add(name);
  }
  errs.push(...invalidEach(`${path}.port`, port.port ?? 0, isValidPortNum(port.port ?? 0)));
  errs.push(...validateProtocol(port.protocol, `${path}.protocol`));
  errs.push(...validatePortNumOrName(port.targetPort, `${path}.targetPort`));
  return errs;
}

/** How Kubernetes prints the (protocol, port) key of a duplicate port. */
class PortKey {
  constructor(readonly protocol: string, readonly port: unknown) {}
  toString(): string {
    return `core.ServicePort{Protocol:"${this.protocol}", Port:${text(this.port)}}`;
  }
}

function validateClusterIp(svc: Service): FieldError[] {
  const spec = svc.spec;
  const errs: FieldError[] = [];
  const ip = text(spec.clusterIP);
  const ips = list(spec.clusterIPs);
  if (spec.type === 'ExternalName') {
    if (ip) errs.push(field.forbidden('spec.clusterIP', 'must be empty for ExternalName services'));
    if (ips.length) errs.push(field.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    return errs;
  }
  if (ip === 'None') {
    if (spec.type === 'LoadBalancer' || spec.type === 'NodePort') {
      errs.push(field.invalid('spec.clusterIP', ip, `may not be set to 'None' for ${spec.type} services`));
    }
  } else if (ip && isValidIp(ip).length) {
    errs.push(field.invalid('spec.clusterIP', ip, "must be empty, 'None', or a valid IP address"));
  } else if (ip && !isIpv4Address(ip)) {
    errs.push(field.invalid('spec.clusterIP', ip, IPV4_ONLY));
  }
  if (ips.length > 1) errs.push(field.invalid('spec.clusterIPs', ips.join(','), 'may hold only one value: minik is single-stack IPv4'));
  else if (ips.length === 1 && ips[0] !== ip) errs.push(field.invalid('spec.clusterIPs', ips[0], 'first value must match `clusterIP`'));
  return errs;
}

function validateSessionAffinity(svc: Service): FieldError[] {
  const spec = svc.spec;
  const affinity = text(spec.sessionAffinity);
  if (!affinity) return [field.required('spec.sessionAffinity')];
  if (!SESSION_AFFINITIES.includes(affinity)) return [field.notSupported('spec.sessionAffinity', affinity, SESSION_AFFINITIES)];
  const config = spec.sessionAffinityConfig;
  if (affinity === 'None') {
    return config ? [field.forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None')] : [];
  }
  const detail = 'when session affinity type is ClientIP';
  if (!config) return [field.required('spec.sessionAffinityConfig', detail)];
  if (!config.clientIP) return [field.required('spec.sessionAffinityConfig.clientIP', detail)];
  const timeout = config.clientIP.timeoutSeconds;
  const path = 'spec.sessionAffinityConfig.clientIP.timeoutSeconds';
  if (timeout === undefined || timeout === null) return [field.required(path, detail)];
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout <= 0 || timeout > MAX_CLIENT_IP_AFFINITY_SECONDS) {
    return [field.invalid(path, timeout, `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`)];
  }
  return [];
}

function validateTrafficPolicies(svc: Service): FieldError[] {
  const spec = svc.spec;
  const errs: FieldError[] = [];
  const etp = spec.externalTrafficPolicy;
  if (!isExternallyAccessible(spec.type)) {
    if (etp) errs.push(field.invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (!etp) {
    errs.push(field.required('spec.externalTrafficPolicy'));
  } else if (!TRAFFIC_POLICIES.includes(etp)) {
    errs.push(field.notSupported('spec.externalTrafficPolicy', etp, TRAFFIC_POLICIES));
  }
  const itp = spec.internalTrafficPolicy;
  if (!itp && needsClusterIp(spec.type) && SERVICE_TYPES.includes(text(spec.type))) {
    errs.push(field.required('spec.internalTrafficPolicy'));
  } else if (itp && !TRAFFIC_POLICIES.includes(itp)) {
    errs.push(field.notSupported('spec.internalTrafficPolicy', itp, TRAFFIC_POLICIES));
  }
  return errs;
}

export function validateService(obj: Service, old?: Service): FieldError[] {
  const svc: Service = { ...obj, spec: obj.spec ?? {} };
  const spec = svc.spec;
  const errs = validateObjectMeta(svc.metadata, true, isDns1035Label);
  if (old) errs.push(...validateObjectMetaUpdate(svc.metadata, old.metadata));

  const type = text(spec.type);
  if (!type) errs.push(field.required('spec.type'));
  else if (!SERVICE_TYPES.includes(type)) errs.push(field.notSupported('spec.type', type, SERVICE_TYPES));

  const ports = list(spec.ports);
  const headless = spec.clusterIP === 'None';
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(field.required('spec.ports'));

  if (type === 'ExternalName') {
    // A trailing dot only marks the name as fully qualified.
    const cname = text(spec.externalName).replace(/\.$/, '');
    if (!cname) errs.push(field.required('spec.externalName'));
    else errs.push(...invalidEach('spec.externalName', cname, isDns1123Subdomain(cname)));
  }
  errs.push(...validateClusterIp(svc));

  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validateServicePort(p ?? ({} as ServicePort), i, ports.length > 1, names)));

  if (type && !needsNodePorts(spec.type)) {
    ports.forEach((p, i) => {
      if (p?.nodePort) errs.push(field.forbidden(`spec.ports[${i}].nodePort`, `may not be used when \`type\` is '${type}'`));
    });
  }
  const seenNodePorts = new Set<string>();
  const seenPorts = new Set<string>();
  ports.forEach((p, i) => {
    if (!p) return;
    if (p.nodePort) {
      const key = `${p.protocol}/${p.nodePort}`;
      if (seenNodePorts.has(key)) errs.push(field.duplicate(`spec.ports[${i}].nodePort`, p.nodePort));
      seenNodePorts.add(key);
    }
    const key = `${p.protocol}/${p.port}`;
    if (seenPorts.has(key)) errs.push(field.duplicate(`spec.ports[${i}]`, new PortKey(text(p.protocol), p.port)));
    seenPorts.add(key);
  });

  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  errs.push(...validateSessionAffinity(svc));
  errs.push(...validateTrafficPolicies(svc));
  if (spec.loadBalancerIP) {
    if (type !== 'LoadBalancer') errs.push(field.forbidden('spec.loadBalancerIP', "may only be used when `type` is 'LoadBalancer'"));
    else if (!isIpv4Address(spec.loadBalancerIP)) errs.push(field.invalid('spec.loadBalancerIP', spec.loadBalancerIP, IPV4_ONLY));
  }

  if (old) {
    // The cluster IP is fixed for the life of a Service, except across ExternalName,
    // which has none (prepareForUpdate clears it on the way there).
    const oldSpec = old.spec ?? {};
    if (needsClusterIp(spec.type) && needsClusterIp(oldSpec.type) && oldSpec.clusterIP && spec.clusterIP !== oldSpec.clusterIP) {
      errs.push(immutable('spec.clusterIP', text(spec.clusterIP)));
    }
  }
  return errs;
}

// --------------------------------------------------------------------- Pod

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
