import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { countersOf, minikTraceLines, pathRank, traceTable } from './trace.ts';

test('the trace table marks the connection in prerouting and output at raw priority', () => {
  const t = traceTable({ ip: '10.96.0.20', port: 80, protocol: 'tcp' });
  assert.match(t, /type filter hook prerouting priority raw; policy accept;\n\t\tip daddr 10\.96\.0\.20 tcp dport 80 meta nftrace set 1/);
  assert.match(t, /hook output priority raw/);
});

test("nft monitor trace: only minik's tables, the trace id dropped, the marking table left out", () => {
  const out = [
    'trace id 1a2b ip minik-trace pre packet: iif "veth1" ip saddr 10.244.1.5 ip daddr 10.96.0.20',
    'trace id 1a2b ip minik-trace pre rule ip daddr 10.96.0.20 tcp dport 80 meta nftrace set 1 (verdict continue)',
    'trace id 1a2b ip minik services rule ip daddr . meta l4proto . th dport vmap @service-ips (verdict goto dnat-tcp-3)',
    'trace id 1a2b ip minik dnat-tcp-3 rule dnat ip to ip daddr . tcp dport . numgen random mod 3 map @service-endpoints-tcp (verdict accept)',
    'trace id 1a2b ip filter FORWARD packet: ...',
  ].join('\n');
  assert.equal(minikTraceLines(out), [
    'ip minik services rule ip daddr . meta l4proto . th dport vmap @service-ips (verdict goto dnat-tcp-3)',
    'ip minik dnat-tcp-3 rule dnat ip to ip daddr . tcp dport . numgen random mod 3 map @service-endpoints-tcp (verdict accept)',
  ]);
});

test('iptables-save -c counters of minik rules, per table; hooks and the unmarked-return rule are noise', () => {
  const save = [
    '*nat',
    ':PREROUTING ACCEPT [3:180]',
    '[3:180] -A PREROUTING -m comment --comment "minik service portals" -j KUBE-SERVICES',
    '[1:60] -A KUBE-SVC-AAAAAAAAAAAAAAAA -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-BBBBBBBBBBBBBBBB',
    '[9:9] -A DOCKER -j RETURN',
    '[12:720] -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    'COMMIT',
  ].join('\n');
  assert.equal([...countersOf(save)], [
    ['nat -A KUBE-SVC-AAAAAAAAAAAAAAAA -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-BBBBBBBBBBBBBBBB', 1],
  ]);
});

test('path order: services, svc, sep, masquerade mark, filter, postrouting', () => {
  const rules = ['nat -A KUBE-POSTROUTING -j MASQUERADE', 'nat -A KUBE-SEP-X -j DNAT', 'filter -A KUBE-SERVICES -j REJECT', 'nat -A KUBE-SERVICES -d 10.96.0.1/32 -j KUBE-SVC-X', 'nat -A KUBE-SVC-X -j KUBE-SEP-X'];
  assert.equal([...rules].sort((a, b) => pathRank(a) - pathRank(b)), [rules[3], rules[4], rules[1], rules[2], rules[0]]);
});

test.run();
