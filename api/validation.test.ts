// Table-driven validation cases taken from what a real Kubernetes apiserver
// answers. Each case is defaulted first (as the server does), then must yield
// exactly the listed field errors, each containing the listed text.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';
import { applyDefaults, prepareForUpdate } from './defaults.ts';
import { invalid } from './errors.ts';
import { validateObject, validateService } from './validation.ts';
import type { AnyObject, Service } from './types.ts';

const EXAMPLES_DIR = new URL('../../shared/examples', import.meta.url).pathname; // ../shared beside the checkout

interface Case {
  name: string;
  obj: Record<string, unknown>;
  old?: Record<string, unknown>;
  /** [field, text the whole message must contain]; empty: valid. */
  expect: [string, string][];
}

const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, namespace: 'demo', ...extra });
const svc = (spec: Record<string, unknown>, name = 'web', extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: meta(name, extra),
  spec,
});
const port80 = [{ port: 80 }];
const pod = (spec: Record<string, unknown>, name = 'web-0') => ({ kind: 'Pod', metadata: meta(name), spec });
const echo = { name: 'echo', image: 'echo' };
const ingress = (spec: Record<string, unknown>, name = 'demo') => ({ kind: 'Ingress', metadata: meta(name), spec });
const backend = (port: Record<string, unknown> = { number: 80 }, name = 'web') => ({ service: { name, port } });
const paths = (...p: Record<string, unknown>[]) => [{ host: 'example.com', http: { paths: p } }];
const endpoints = (subsets: unknown[]) => ({ kind: 'Endpoints', metadata: meta('web'), subsets });

const DNS1035 =
  "Invalid value: \"Web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

const CASES: Case[] = [
  // ---- Service: names and metadata
  { name: 'minimal ClusterIP service', obj: svc({ selector: { app: 'web' }, ports: port80 }), expect: [] },
  { name: 'service name must be DNS-1035 (exact message)', obj: svc({ ports: port80 }, 'Web'), expect: [['metadata.name', DNS1035]] },
  { name: 'service name may not start with a digit', obj: svc({ ports: port80 }, '1web'), expect: [['metadata.name', 'a DNS-1035 label']] },
  {
    name: 'service name longer than 63',
    obj: svc({ ports: port80 }, 'a'.repeat(64)),
    expect: [['metadata.name', 'must be no more than 63 characters']],
  },
  { name: 'name is required', obj: svc({ ports: port80 }, ''), expect: [['metadata.name', 'Required value: name or generateName is required']] },
  {
    name: 'namespace must be a DNS-1123 label',
    obj: svc({ ports: port80 }, 'web', { namespace: 'Demo_ns' }),
    expect: [['metadata.namespace', 'a lowercase RFC 1123 label must consist of']],
  },
  {
    name: 'bad label key and value',
    obj: svc({ ports: port80 }, 'web', { labels: { 'bad key': 'ok', app: '-bad' } }),
    expect: [
      ['metadata.labels', 'Invalid value: "bad key": name part must consist of alphanumeric characters'],
      ['metadata.labels', 'Invalid value: "-bad": a valid label must be an empty string or consist of'],
    ],
  },
  // ---- Service: ports
  { name: 'ports are required', obj: svc({ selector: { app: 'web' } }), expect: [['spec.ports', 'spec.ports: Required value']] },
  { name: 'headless service may omit ports', obj: svc({ clusterIP: 'None', selector: { app: 'web' } }), expect: [] },
  {
    name: 'port 0',
    obj: svc({ ports: [{ port: 0, targetPort: 8080 }] }),
    expect: [['spec.ports[0].port', 'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive']],
  },
  { name: 'port 65536', obj: svc({ ports: [{ port: 65536 }] }), expect: [['spec.ports[0].port', 'Invalid value: 65536: must be between 1 and 65535, inclusive'], ['spec.ports[0].targetPort', 'Invalid value: 65536']] },
  {
    name: 'several ports need names',
    obj: svc({ ports: [{ port: 80 }, { port: 443 }] }),
    expect: [
      ['spec.ports[0].name', 'spec.ports[0].name: Required value'],
      ['spec.ports[1].name', 'spec.ports[1].name: Required value'],
    ],
  },
  {
    name: 'port names must be unique',
    obj: svc({ ports: [{ name: 'http', port: 80 }, { name: 'http', port: 8080 }] }),
    expect: [['spec.ports[1].name', 'spec.ports[1].name: Duplicate value: "http"']],
  },
  {
    name: 'port name must be a DNS-1123 label',
    obj: svc({ ports: [{ name: 'HTTP', port: 80 }] }),
    expect: [['spec.ports[0].name', 'Invalid value: "HTTP": a lowercase RFC 1123 label']],
  },
  {
    name: 'unsupported protocol',
    obj: svc({ ports: [{ port: 80, protocol: 'ICMP' }] }),
    expect: [['spec.ports[0].protocol', 'spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"']],
  },
  {
    name: 'duplicate port and protocol',
    obj: svc({ ports: [{ name: 'a', port: 80 }, { name: 'b', port: 80 }] }),
    expect: [['spec.ports[1]', 'spec.ports[1]: Duplicate value: core.ServicePort{Protocol:"TCP", Port:80}']],
  },
  { name: 'same port on TCP and UDP is fine', obj: svc({ ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53 }] }), expect: [] },
  {
    name: 'numeric string targetPort is not a port name',
    obj: svc({ ports: [{ port: 80, targetPort: '8080' }] }),
    expect: [['spec.ports[0].targetPort', 'Invalid value: "8080": must contain at least one letter (a-z)']],
  },
  {
    name: 'targetPort name longer than 15',
    obj: svc({ ports: [{ port: 80, targetPort: 'a-very-long-name' }] }),
    expect: [['spec.ports[0].targetPort', 'must be no more than 15 characters']],
  },
  { name: 'named targetPort', obj: svc({ ports: [{ port: 80, targetPort: 'http' }] }), expect: [] },
  {
    name: 'targetPort out of range',
    obj: svc({ ports: [{ port: 80, targetPort: 70000 }] }),
    expect: [['spec.ports[0].targetPort', 'Invalid value: 70000: must be between 1 and 65535, inclusive']],
  },
  // ---- Service: type, nodePort, clusterIP
  {
    name: 'unknown type',
    obj: svc({ type: 'Internal', ports: port80 }),
    expect: [['spec.type', 'spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"']],
  },
  {
    name: 'nodePort on ClusterIP',
    obj: svc({ ports: [{ port: 80, nodePort: 30080 }] }),
    expect: [['spec.ports[0].nodePort', "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]],
  },
  { name: 'nodePort on NodePort', obj: svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }), expect: [] },
  {
    name: 'duplicate nodePort',
    obj: svc({ type: 'NodePort', ports: [{ name: 'a', port: 80, nodePort: 30080 }, { name: 'b', port: 81, nodePort: 30080 }] }),
    expect: [['spec.ports[1].nodePort', 'Duplicate value: 30080']],
  },
  {
    name: "clusterIP None on LoadBalancer",
    obj: svc({ type: 'LoadBalancer', clusterIP: 'None', ports: port80 }),
    expect: [['spec.clusterIP', "spec.clusterIP: Invalid value: \"None\": may not be set to 'None' for LoadBalancer services"]],
  },
  {
    name: 'clusterIP None on NodePort',
    obj: svc({ type: 'NodePort', clusterIP: 'None', ports: port80 }),
    expect: [['spec.clusterIP', "may not be set to 'None' for NodePort services"]],
  },
  {
    name: 'clusterIP not an address',
    obj: svc({ clusterIP: '10.96.0.300', ports: port80 }),
    expect: [['spec.clusterIP', "Invalid value: \"10.96.0.300\": must be empty, 'None', or a valid IP address"]],
  },
  { name: 'clusterIP IPv6 (minik is IPv4-only)', obj: svc({ clusterIP: 'fd00::10', ports: port80 }), expect: [['spec.clusterIP', 'must be an IPv4 address']] },
  { name: 'requested clusterIP', obj: svc({ clusterIP: '10.96.0.50', ports: port80 }), expect: [] },
  {
    name: 'clusterIPs must agree with clusterIP',
    obj: svc({ clusterIP: '10.96.0.50', clusterIPs: ['10.96.0.51'], ports: port80 }),
    expect: [['spec.clusterIPs', 'first value must match `clusterIP`']],
  },
  // ---- Service: ExternalName
  { name: 'ExternalName with a trailing dot', obj: svc({ type: 'ExternalName', externalName: 'docs.example.com.' }, 'docs'), expect: [] },
  { name: 'ExternalName needs externalName', obj: svc({ type: 'ExternalName' }, 'docs'), expect: [['spec.externalName', 'spec.externalName: Required value']] },
  {
    name: 'externalName must be a DNS subdomain',
    obj: svc({ type: 'ExternalName', externalName: 'Docs_Example' }, 'docs'),
    expect: [['spec.externalName', 'Invalid value: "Docs_Example": a lowercase RFC 1123 subdomain']],
  },
  {
    name: 'ExternalName with a clusterIP',
    obj: svc({ type: 'ExternalName', externalName: 'docs.example.com', clusterIP: '10.96.0.9' }, 'docs'),
    expect: [['spec.clusterIP', 'spec.clusterIP: Forbidden: must be empty for ExternalName services']],
  },
  { name: 'ExternalName with an empty clusterIP', obj: svc({ type: 'ExternalName', externalName: 'docs.example.com', clusterIP: '' }, 'docs'), expect: [] },
  {
    name: 'nodePort on ExternalName',
    obj: svc({ type: 'ExternalName', externalName: 'a.example', ports: [{ port: 80, nodePort: 30080 }] }, 'docs'),
    expect: [['spec.ports[0].nodePort', "may not be used when `type` is 'ExternalName'"]],
  },
  // ---- Service: affinity and traffic policies
  {
    name: 'unsupported sessionAffinity',
    obj: svc({ ports: port80, sessionAffinity: 'Cookie' }),
    expect: [['spec.sessionAffinity', 'Unsupported value: "Cookie": supported values: "ClientIP", "None"']],
  },
  {
    name: 'ClientIP timeout over a day',
    obj: svc({ ports: port80, sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86401 } } }),
    expect: [['spec.sessionAffinityConfig.clientIP.timeoutSeconds', 'Invalid value: 86401: must be greater than 0 and less than 86400']],
  },
  {
    name: 'ClientIP timeout 0',
    obj: svc({ ports: port80, sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } } }),
    expect: [['spec.sessionAffinityConfig.clientIP.timeoutSeconds', 'must be greater than 0 and less than 86400']],
  },
  { name: 'ClientIP timeout exactly a day', obj: svc({ ports: port80, sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86400 } } }), expect: [] },
  {
    name: 'externalTrafficPolicy on ClusterIP',
    obj: svc({ ports: port80, externalTrafficPolicy: 'Local' }),
    expect: [['spec.externalTrafficPolicy', 'Invalid value: "Local": may only be set for externally-accessible services']],
  },
  {
    name: 'unsupported externalTrafficPolicy',
    obj: svc({ type: 'NodePort', ports: port80, externalTrafficPolicy: 'Global' }),
    expect: [['spec.externalTrafficPolicy', 'Unsupported value: "Global": supported values: "Cluster", "Local"']],
  },
  { name: 'LoadBalancer with Local policy', obj: svc({ type: 'LoadBalancer', ports: port80, externalTrafficPolicy: 'Local' }), expect: [] },
  {
    name: 'bad selector value',
    obj: svc({ ports: port80, selector: { app: 'a b' } }),
    expect: [['spec.selector', 'spec.selector: Invalid value: "a b": a valid label must be an empty string']],
  },
  {
    name: 'several errors at once',
    obj: svc({ type: 'NodePort', clusterIP: 'None', ports: [{ port: 0, protocol: 'ICMP' }] }, 'Web'),
    expect: [
      ['metadata.name', 'DNS-1035'],
      ['spec.clusterIP', "may not be set to 'None'"],
      ['spec.ports[0].port', 'must be between 1 and 65535'],
      ['spec.ports[0].protocol', 'Unsupported value'],
      ['spec.ports[0].targetPort', 'must be between 1 and 65535'],
    ],
  },
  // ---- Service: updates
  {
    name: 'clusterIP is immutable',
    obj: svc({ clusterIP: '10.96.0.10', ports: port80 }),
    old: svc({ clusterIP: '10.96.0.9', ports: port80 }),
    expect: [['spec.clusterIP', 'spec.clusterIP: Invalid value: "10.96.0.10": field is immutable']],
  },
  {
    name: 'clusterIP left out on update is kept (prepareForUpdate)',
    obj: svc({ ports: port80 }),
    old: svc({ clusterIP: '10.96.0.9', ports: port80 }),
    expect: [],
  },
  {
    name: 'changing to ExternalName releases the clusterIP',
    obj: svc({ type: 'ExternalName', externalName: 'a.example', clusterIP: '10.96.0.9' }),
    old: svc({ clusterIP: '10.96.0.9', ports: port80 }),
    expect: [],
  },
  {
    name: 'ClusterIP -> headless is a clusterIP change',
    obj: svc({ clusterIP: 'None', ports: port80 }),
    old: svc({ clusterIP: '10.96.0.9', ports: port80 }),
    expect: [['spec.clusterIP', 'Invalid value: "None": field is immutable']],
  },
  {
    name: 'name is immutable',
    obj: svc({ ports: port80 }, 'web2'),
    old: svc({ ports: port80 }, 'web'),
    expect: [['metadata.name', 'metadata.name: Invalid value: "web2": field is immutable']],
  },
  {
    name: 'namespace is immutable',
    obj: svc({ ports: port80 }, 'web', { namespace: 'other' }),
    old: svc({ ports: port80 }, 'web'),
    expect: [['metadata.namespace', 'Invalid value: "other": field is immutable']],
  },
  // ---- Pod
  { name: 'echo pod', obj: pod({ containers: [{ ...echo, ports: [{ name: 'http', containerPort: 8080 }] }], nodeName: 'node1' }), expect: [] },
  { name: 'pod needs containers', obj: pod({ containers: [] }), expect: [['spec.containers', 'spec.containers: Required value']] },
  {
    name: 'container name and image',
    obj: pod({ containers: [{ name: 'Echo_1' }] }),
    expect: [
      ['spec.containers[0].name', 'Invalid value: "Echo_1": a lowercase RFC 1123 label'],
      ['spec.containers[0].image', 'spec.containers[0].image: Required value'],
    ],
  },
  {
    name: 'duplicate container names',
    obj: pod({ containers: [echo, echo] }),
    expect: [['spec.containers[1].name', 'Duplicate value: "echo"']],
  },
  {
    name: 'containerPort range and port name',
    obj: pod({ containers: [{ ...echo, ports: [{ name: 'web-http-port-long', containerPort: 70000 }, { containerPort: 0 }] }] }),
    expect: [
      ['spec.containers[0].ports[0].name', 'must be no more than 15 characters'],
      ['spec.containers[0].ports[0].containerPort', 'Invalid value: 70000: must be between 1 and 65535, inclusive'],
      ['spec.containers[0].ports[1].containerPort', 'spec.containers[0].ports[1].containerPort: Required value'],
    ],
  },
  {
    name: 'unsupported restartPolicy',
    obj: pod({ containers: [echo], restartPolicy: 'Sometimes' }),
    expect: [['spec.restartPolicy', 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']],
  },
  { name: 'pod name is a subdomain', obj: pod({ containers: [echo] }, 'web.v1'), expect: [] },
  { name: 'bad nodeName', obj: pod({ containers: [echo], nodeName: 'Node_1' }), expect: [['spec.nodeName', 'a lowercase RFC 1123 subdomain']] },
  // ---- Endpoints
  {
    name: 'endpoints with ready and not-ready pods',
    obj: endpoints([{ addresses: [{ ip: '10.244.1.5', nodeName: 'node1' }], notReadyAddresses: [{ ip: '10.244.2.7' }], ports: [{ name: 'http', port: 8080 }] }]),
    expect: [],
  },
  {
    name: 'endpoint addresses must be IPv4 and not special',
    obj: endpoints([{ addresses: [{ ip: 'pod-a' }, { ip: '127.0.0.1' }, { ip: 'fd00::5' }], ports: [{ port: 80 }] }]),
    expect: [
      ['subsets[0].addresses[0].ip', 'Invalid value: "pod-a": must be a valid IP address'],
      ['subsets[0].addresses[1].ip', 'may not be in the loopback range (127.0.0.0/8, ::1/128)'],
      ['subsets[0].addresses[2].ip', 'must be an IPv4 address'],
    ],
  },
  {
    name: 'endpoint subset without addresses, bad ports',
    obj: endpoints([{ ports: [{ port: 0 }, { name: 'b', port: 81, protocol: 'ICMP' }] }]),
    expect: [
      ['subsets[0]', 'subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`'],
      ['subsets[0].ports[0].name', 'Required value'],
      ['subsets[0].ports[0].port', 'must be between 1 and 65535, inclusive'],
      ['subsets[0].ports[1].protocol', 'Unsupported value: "ICMP"'],
    ],
  },
  { name: 'endpoints with no subsets (no ready pods yet)', obj: endpoints([]), expect: [] },
  // ---- Ingress
  { name: 'ingress with Prefix and Exact paths', obj: ingress({ rules: paths({ path: '/', pathType: 'Prefix', backend: backend() }, { path: '/api', pathType: 'Exact', backend: backend({ name: 'http' }) }) }), expect: [] },
  {
    name: 'ingress needs rules or a default backend',
    obj: ingress({}),
    expect: [['spec', 'either `defaultBackend` or `rules` must be specified']],
  },
  { name: 'ingress with only a default backend', obj: ingress({ defaultBackend: backend() }), expect: [] },
  {
    name: 'pathType is required',
    obj: ingress({ rules: paths({ path: '/', backend: backend() }) }),
    expect: [['spec.rules[0].http.paths[0].pathType', 'spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified']],
  },
  {
    name: 'unsupported pathType',
    obj: ingress({ rules: paths({ path: '/', pathType: 'Regex', backend: backend() }) }),
    expect: [['spec.rules[0].http.paths[0].pathType', 'Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"']],
  },
  {
    name: 'path must be absolute',
    obj: ingress({ rules: paths({ path: 'api', pathType: 'Prefix', backend: backend() }) }),
    expect: [['spec.rules[0].http.paths[0].path', 'Invalid value: "api": must be an absolute path']],
  },
  {
    name: 'path may not contain //',
    obj: ingress({ rules: paths({ path: '/a//b', pathType: 'Exact', backend: backend() }) }),
    expect: [['spec.rules[0].http.paths[0].path', "must not contain '//'"]],
  },
  {
    name: 'wildcard host',
    obj: ingress({ rules: [{ host: '*.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend() }] } }] }),
    expect: [],
  },
  {
    name: 'bad wildcard host',
    obj: ingress({ rules: [{ host: 'a.*.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend() }] } }] }),
    expect: [['spec.rules[0].host', "a wildcard DNS-1123 subdomain must start with '*.'"]],
  },
  {
    name: 'host may not be an IP address',
    obj: ingress({ rules: [{ host: '192.168.77.11', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend() }] } }] }),
    expect: [['spec.rules[0].host', 'must be a DNS name, not an IP address']],
  },
  {
    name: 'host with a port',
    obj: ingress({ rules: [{ host: 'example.com:80', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend() }] } }] }),
    expect: [['spec.rules[0].host', 'a lowercase RFC 1123 subdomain']],
  },
  {
    name: 'backend with both port name and number',
    obj: ingress({ defaultBackend: backend({ name: 'http', number: 80 }) }),
    expect: [['spec.defaultBackend', 'cannot set both port name & port number']],
  },
  {
    name: 'backend without a port',
    obj: ingress({ defaultBackend: backend({}) }),
    expect: [['spec.defaultBackend', 'spec.defaultBackend: Required value: port name or number is required']],
  },
  {
    name: 'backend service name and port number',
    obj: ingress({ defaultBackend: backend({ number: 70000 }, 'Web') }),
    expect: [
      ['spec.defaultBackend.service.name', 'a DNS-1035 label'],
      ['spec.defaultBackend.service.port.number', 'Invalid value: 70000: must be between 1 and 65535, inclusive'],
    ],
  },
  {
    name: 'backend without a service',
    obj: ingress({ defaultBackend: {} }),
    expect: [['spec.defaultBackend', 'resource or service backend is required']],
  },
  {
    name: 'http without paths',
    obj: ingress({ rules: [{ host: 'example.com', http: { paths: [] } }] }),
    expect: [['spec.rules[0].http.paths', 'Required value']],
  },
  // ---- Namespace and Node
  { name: 'namespace', obj: { kind: 'Namespace', metadata: { name: 'demo' } }, expect: [] },
  {
    name: 'namespace name is a DNS-1123 label',
    obj: { kind: 'Namespace', metadata: { name: 'demo.v1' } },
    expect: [['metadata.name', 'a lowercase RFC 1123 label']],
  },
  { name: 'node', obj: { kind: 'Node', metadata: { name: 'node1' }, spec: { podCIDR: '10.244.0.0/24' } }, expect: [] },
  {
    name: 'node podCIDR must be a CIDR',
    obj: { kind: 'Node', metadata: { name: 'node1' }, spec: { podCIDR: '10.244.0.0' } },
    expect: [['spec.podCIDR', 'must be a valid CIDR value']],
  },
  {
    name: 'node podCIDR may not change once set',
    obj: { kind: 'Node', metadata: { name: 'node1' }, spec: { podCIDR: '10.244.1.0/24' } },
    old: { kind: 'Node', metadata: { name: 'node1' }, spec: { podCIDR: '10.244.0.0/24' } },
    expect: [['spec.podCIDR', 'node updates may not change podCIDR except from "" to valid']],
  },
  {
    name: 'node podCIDR may be set once',
    obj: { kind: 'Node', metadata: { name: 'node1' }, spec: { podCIDR: '10.244.1.0/24' } },
    old: { kind: 'Node', metadata: { name: 'node1' }, spec: {} },
    expect: [],
  },
  // ---- dispatch
  { name: 'unknown kind', obj: { kind: 'ConfigMap', metadata: { name: 'x' } }, expect: [['kind', 'Unsupported value: "ConfigMap"']] },
];

function validate(c: Case) {
  const obj = applyDefaults(c.obj as unknown as AnyObject);
  if (!c.old) return validateObject(obj);
  const old = applyDefaults(c.old as unknown as AnyObject);
  return validateObject(prepareForUpdate(obj, old), old);
}

for (const c of CASES) {
  test(c.name, () => {
    const errs = validate(c);
    const got = errs.map((e) => `${e.field} | ${e.message}`).join('\n');
    assert.equal(errs.map((e) => e.field).sort(), c.expect.map(([f]) => f).sort(), `fields differ, got:\n${got}`);
    for (const [f, text] of c.expect) {
      assert.ok(
        errs.some((e) => e.field === f && e.message.includes(text)),
        `no error on ${f} containing ${JSON.stringify(text)}; got:\n${got}`,
      );
    }
  });
}

test('every message starts with its field path', () => {
  for (const c of CASES) for (const e of validate(c)) assert.ok(e.message.startsWith(`${e.field}: `), e.message);
});

test('invalid() builds the Status message kubectl shows', () => {
  const errs = validateObject(applyDefaults(svc({ type: 'NodePort', ports: [{ port: 0 }] }, 'web') as unknown as AnyObject));
  const err = invalid('Service', 'web', errs);
  assert.is(err.code, 422);
  assert.is(
    err.message,
    'Service "web" is invalid: [spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive, spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive]',
  );
  assert.equal(
    err.details?.causes?.map((c) => c.field),
    ['spec.ports[0].port', 'spec.ports[0].targetPort'],
  );
});

test('validation tolerates junk shapes without throwing', () => {
  const junk: unknown[] = [
    { kind: 'Service' },
    { kind: 'Service', metadata: {}, spec: { ports: [null, 'x'], selector: 'app=web' } },
    { kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [null] } },
    { kind: 'Ingress', metadata: { name: 'i' }, spec: { rules: [null, { http: { paths: [null] } }] } },
    { kind: 'Endpoints', metadata: { name: 'e' }, subsets: [null, { addresses: [null] }] },
    { kind: 'Node' },
    {},
  ];
  for (const obj of junk) assert.ok(validateObject(obj as AnyObject).length > 0, JSON.stringify(obj));
});

test('validateService without defaults reports the defaulted fields as required', () => {
  const raw = svc({ ports: [{ port: 80 }] }) as unknown as Service;
  const fields = validateService(raw).map((e) => e.field).sort();
  assert.equal(fields, ['spec.ports[0].protocol', 'spec.ports[0].targetPort', 'spec.sessionAffinity', 'spec.type']);
});

test('example manifests in ../shared/examples are valid after applyDefaults', () => {
  const files = readdirSync(EXAMPLES_DIR).filter((f) => /\.ya?ml$/.test(f));
  assert.ok(files.length >= 6, `expected the example manifests, found ${files.join(', ')}`);
  let objects = 0;
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(join(EXAMPLES_DIR, file), 'utf8'))) {
      const obj = doc.toJS() as AnyObject | null;
      if (!obj) continue;
      objects++;
      const errs = validateObject(applyDefaults(obj));
      assert.equal(errs.map((e) => e.message), [], `${file} should be valid`);
    }
  }
  assert.ok(objects >= 6);
});

test.run();
