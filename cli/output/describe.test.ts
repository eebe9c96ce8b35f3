import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Endpoints, Ingress, Node, Pod, Service } from '../../api/types.ts';
import { describeIngress, describeNode, describePod, describeService } from './describe.ts';

const now = new Date('2026-11-25T13:00:00Z');

const svc: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'demo', labels: { app: 'web', tier: 'front' } },
  spec: {
    type: 'LoadBalancer',
    selector: { app: 'web' },
    clusterIP: '10.96.0.20',
    clusterIPs: ['10.96.0.20'],
    ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 31000 }],
    sessionAffinity: 'None',
    externalTrafficPolicy: 'Cluster',
  },
  status: { loadBalancer: { ingress: [{ ip: '192.168.77.200' }] } },
};

const ep: Endpoints = {
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: { name: 'web', namespace: 'demo' },
  subsets: [{ addresses: [{ ip: '10.244.0.5' }, { ip: '10.244.1.5' }], ports: [{ name: 'http', port: 8080 }] }],
};

test('service: kubectl layout with endpoints per port', () => {
  assert.is(
    describeService(svc, ep),
    `Name:                     web
Namespace:                demo
Labels:                   app=web
                          tier=front
Annotations:              <none>
Selector:                 app=web
Type:                     LoadBalancer
IP:                       10.96.0.20
IPs:                      10.96.0.20
LoadBalancer Ingress:     192.168.77.200
Port:                     http  80/TCP
TargetPort:               8080/TCP
NodePort:                 http  31000/TCP
Endpoints:                10.244.0.5:8080,10.244.1.5:8080
Session Affinity:         None
External Traffic Policy:  Cluster
Events:                   <none>
`,
  );
});

test('service: no endpoints, ExternalName, ClientIP affinity timeout', () => {
  const plain = describeService({ ...svc, spec: { type: 'ClusterIP', clusterIP: '10.96.0.5', ports: [{ port: 53, protocol: 'UDP' }], sessionAffinity: 'ClientIP' } });
  assert.match(plain, /Port:\s+<unset>  53\/UDP\n/);
  assert.match(plain, /Endpoints:\s+<none>\n/);
  assert.match(plain, /Session Affinity Timeout:\s+10800s\n/);
  assert.not.match(plain, 'External Traffic Policy');
  const ext = describeService({ ...svc, spec: { type: 'ExternalName', externalName: 'docs.example.com' } });
  assert.match(ext, /External Name:\s+docs\.example\.com\n/);
  assert.not.match(ext, 'Endpoints');
});

test('pod, node, ingress carry their key facts', () => {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-0', namespace: 'demo', creationTimestamp: '2026-11-25T12:55:00Z' },
    spec: { nodeName: 'node1', containers: [{ name: 'web', image: 'echo', ports: [{ containerPort: 8080 }] }] },
    status: { phase: 'Running', podIP: '10.244.0.5', hostIP: '192.168.77.11', conditions: [{ type: 'Ready', status: 'True' }] },
  };
  const p = describePod(pod, now);
  assert.match(p, /Node:\s+node1\/192\.168\.77\.11\n/);
  assert.match(p, /IP:\s+10\.244\.0\.5\n/);
  assert.match(p, /Age:\s+5m\n/);
  assert.match(p, '    Port:     8080/TCP\n');
  assert.match(p, /  Ready\s+True\n/);

  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node1' },
    spec: { podCIDR: '10.244.0.0/24' },
    status: { addresses: [{ type: 'InternalIP', address: '192.168.77.11' }], conditions: [{ type: 'Ready', status: 'False', reason: 'NodeStatusUnknown' }] },
  };
  const n = describeNode(node, [pod], now);
  assert.match(n, /Status:\s+NotReady\n/);
  assert.match(n, '  InternalIP:  192.168.77.11\n');
  assert.match(n, /PodCIDR:\s+10\.244\.0\.0\/24\n/);
  assert.match(n, /Pods \(1 in total\):\n  Namespace\s+Name\s+IP\s+Age\n  demo\s+web-0\s+10\.244\.0\.5\s+5m\n/);

  const ing: Ingress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'demo', namespace: 'demo' },
    spec: {
      rules: [{ host: 'sub.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }],
      defaultBackend: { service: { name: 'other', port: { number: 80 } } },
    },
  };
  const i = describeIngress(ing, new Map([['web', ep]]));
  assert.match(i, /Default backend:\s+other:80 \(<none>\)\n/);
  assert.match(i, /  sub\.example\.com\n\s+\/ \(Prefix\)\s+web:80 \(10\.244\.0\.5:8080,10\.244\.1\.5:8080\)\n/);
});

test.run();
