// What `minik get` prints per kind: the columns (api/columns/columns.ts, shared with the apiserver's Table responses) through the CLI's table formatter.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Endpoints, Ingress, KubeObject, Node, Pod, Service } from '../../api/types.ts';
import { endpointsList, servicePorts, serviceExternalIp, tableFor } from '../../api/columns/columns.ts';
import { formatTable } from './table.ts';

const now = new Date('2026-11-25T13:00:00Z');
const created = (secondsAgo: number) => new Date(now.getTime() - secondsAgo * 1000).toISOString();

const svc = (name: string, spec: Service['spec'], status?: Service['status'], ns = 'demo'): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: ns, creationTimestamp: created(300) },
  spec,
  ...(status ? { status } : {}),
});

const services: Service[] = [
  svc('cluster-ip', { type: 'ClusterIP', clusterIP: '10.96.0.12', selector: { app: 'echo' }, ports: [{ port: 8080, protocol: 'TCP' }] }),
  svc('test-nodeport', {
    type: 'NodePort',
    clusterIP: '10.96.0.13',
    selector: { app: 'echo', tier: 'web' },
    ports: [{ port: 8080, protocol: 'TCP', nodePort: 32540 }],
  }),
  svc('test-lb', { type: 'LoadBalancer', clusterIP: '10.96.0.14', selector: { app: 'echo' }, ports: [{ port: 80, nodePort: 31234 }] }, { loadBalancer: { ingress: [{ ip: '192.168.77.200' }] } }),
  svc('pending-lb', { type: 'LoadBalancer', clusterIP: '10.96.0.15', ports: [{ port: 80, nodePort: 31235 }] }),
  svc('docs', { type: 'ExternalName', externalName: 'docs.example.com' }),
  svc('dns', { type: 'ClusterIP', clusterIP: 'None', ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] }),
];

test('services: kubectl columns, PORT(S), EXTERNAL-IP, AGE', () => {
  const t = tableFor('Service', services, { now });
  assert.is(
    formatTable(t.headers, t.rows),
    [
      'NAME            TYPE           CLUSTER-IP   EXTERNAL-IP        PORT(S)          AGE',
      'cluster-ip      ClusterIP      10.96.0.12   <none>             8080/TCP         5m',
      'test-nodeport   NodePort       10.96.0.13   <none>             8080:32540/TCP   5m',
      'test-lb         LoadBalancer   10.96.0.14   192.168.77.200     80:31234/TCP     5m',
      'pending-lb      LoadBalancer   10.96.0.15   <pending>          80:31235/TCP     5m',
      'docs            ExternalName   <none>       docs.example.com   <none>           5m',
      'dns             ClusterIP      None         <none>             53/UDP,53/TCP    5m',
      '',
    ].join('\n'),
  );
});

test('services -o wide adds SELECTOR; -A adds NAMESPACE first', () => {
  const t = tableFor('Service', services.slice(0, 2), { now, wide: true, withNamespace: true });
  assert.is(
    formatTable(t.headers, t.rows),
    [
      'NAMESPACE   NAME            TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)          AGE   SELECTOR',
      'demo        cluster-ip      ClusterIP   10.96.0.12   <none>        8080/TCP         5m    app=echo',
      'demo        test-nodeport   NodePort    10.96.0.13   <none>        8080:32540/TCP   5m    app=echo,tier=web',
      '',
    ].join('\n'),
  );
});

test('a long load-balancer list is shortened unless wide', () => {
  const lb = svc('x', { type: 'LoadBalancer' }, { loadBalancer: { ingress: [{ ip: '192.168.77.200' }, { ip: '192.168.77.201' }] } });
  assert.is(serviceExternalIp(lb), '192.168.77.20...');
  assert.is(serviceExternalIp(lb, true), '192.168.77.200,192.168.77.201');
  assert.is(servicePorts(svc('y', {})), '<none>');
});

const pod = (name: string, ready: boolean, extra: Partial<Pod['status']> = {}, nodeName?: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'demo', creationTimestamp: created(7200 + 600) },
  spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'echo' }] },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }], ...extra },
});

test('pods: READY, STATUS, RESTARTS; wide adds IP and NODE', () => {
  const pods = [pod('echo-0', true, { podIP: '10.244.0.5', restartCount: 2 }, 'node1'), pod('echo-1', false, { phase: 'Pending' })];
  const t = tableFor('Pod', pods, { now, wide: true });
  assert.is(
    formatTable(t.headers, t.rows),
    [
      'NAME     READY   STATUS    RESTARTS   AGE    IP           NODE',
      'echo-0   1/1     Running   2          130m   10.244.0.5   node1',
      'echo-1   0/1     Pending   0          130m   <none>       <none>',
      '',
    ].join('\n'),
  );
});

test('nodes: STATUS from the Ready condition; wide adds INTERNAL-IP and POD-CIDR', () => {
  const mk = (name: string, status: 'True' | 'False' | undefined, ip: string): Node => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, creationTimestamp: created(3 * 86400 + 3600 * 5) },
    spec: { podCIDR: '10.244.0.0/24' },
    status: {
      addresses: [{ type: 'InternalIP', address: ip }],
      conditions: status ? [{ type: 'Ready', status }] : [],
      nodeInfo: { kubeProxyVersion: 'v0.1.0' },
    },
  });
  const t = tableFor('Node', [mk('node1', 'True', '192.168.77.11'), mk('node2', 'False', '192.168.77.12'), mk('node3', undefined, '192.168.77.13')], {
    now,
    wide: true,
  });
  assert.is(
    formatTable(t.headers, t.rows),
    [
      'NAME    STATUS     ROLES    AGE    VERSION   INTERNAL-IP     POD-CIDR',
      'node1   Ready      <none>   3d5h   v0.1.0    192.168.77.11   10.244.0.0/24',
      'node2   NotReady   <none>   3d5h   v0.1.0    192.168.77.12   10.244.0.0/24',
      'node3   Unknown    <none>   3d5h   v0.1.0    192.168.77.13   10.244.0.0/24',
      '',
    ].join('\n'),
  );
});

test('endpoints: up to three ip:port, then "+ N more..."; none is <none>', () => {
  const ep = (ips: string[], ports = [{ port: 8080 }]): Endpoints => ({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'web', namespace: 'demo', creationTimestamp: created(59) },
    subsets: [{ addresses: ips.map((ip) => ({ ip })), ports }],
  });
  assert.is(endpointsList(ep(['10.244.0.5', '10.244.1.5'])), '10.244.0.5:8080,10.244.1.5:8080');
  assert.is(endpointsList(ep(['a', 'b', 'c', 'd', 'e'])), 'a:8080,b:8080,c:8080 + 2 more...');
  assert.is(endpointsList(ep(['10.0.0.1'], [])), '10.0.0.1');
  assert.is(endpointsList({ ...ep([]), subsets: [] }), '<none>');
  const t = tableFor('Endpoints', [ep(['10.244.0.5'])], { now });
  assert.is(formatTable(t.headers, t.rows), 'NAME   ENDPOINTS         AGE\nweb    10.244.0.5:8080   59s\n');
});

test('ingress and namespaces', () => {
  const ing: Ingress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'demo', namespace: 'demo', creationTimestamp: created(30) },
    spec: { rules: [{ host: 'sub.example.com' }, { host: 'example.com' }] },
  };
  const open: Ingress = { ...ing, metadata: { ...ing.metadata, name: 'open' }, spec: { ingressClassName: 'minik', rules: [{}] } };
  let t = tableFor('Ingress', [ing, open], { now });
  assert.is(
    formatTable(t.headers, t.rows),
    [
      'NAME   CLASS    HOSTS                         ADDRESS   PORTS   AGE',
      'demo   <none>   sub.example.com,example.com             80      30s',
      'open   minik    *                                       80      30s',
      '',
    ].join('\n'),
  );
  const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo', creationTimestamp: created(400 * 86400) } };
  t = tableFor('Namespace', [ns], { now });
  assert.is(formatTable(t.headers, t.rows), 'NAME   STATUS   AGE\ndemo   Active   400d\n');
});

test.run();
