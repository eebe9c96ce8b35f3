// Service validation with Kubernetes' field paths and wording
// (pkg/apis/core/validation ValidateService). See api/validation.ts for the
// deviations minik makes on purpose.

import { field, type FieldError } from './errors.ts';
import {
  SERVICE_TYPES,
  SESSION_AFFINITIES,
  TRAFFIC_POLICIES,
  MAX_CLIENT_IP_AFFINITY_SECONDS,
  IPV4_ONLY,
  text,
  list,
  invalidEach,
  immutable,
  validateLabels,
  validateObjectMeta,
  validateObjectMetaUpdate,
  validateProtocol,
  validatePortNumOrName,
} from './validation-common.ts';
import {
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  isIpv4Address,
  isValidIp,
  isValidPortNum,
} from './names.ts';
import { isExternallyAccessible, needsClusterIp, needsNodePorts } from './defaults.ts';
import type { Service, ServicePort } from './types.ts';

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

