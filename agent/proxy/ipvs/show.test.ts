import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeExec } from '../../../api/exec/fake.ts';
import { ipvsRules, ipvsTrace, splitListing } from './show.ts';

const LIST = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  10.96.0.20:80 rr
  -> 10.244.0.5:8080              Masq    1      0          0
  -> 10.244.1.5:8080              Masq    1      0          0
TCP  10.96.0.30:5432 rr
  -> 10.244.1.9:5432              Masq    1      0          0
TCP  192.168.77.11:30080 rr
  -> 10.244.0.5:8080              Masq    1      0          0
  -> 10.244.1.5:8080              Masq    1      0          0
`;
const HELPER = `table ip minik-ipvs {
	set service-ips {
		type ipv4_addr . inet_proto . inet_service
		elements = { 10.96.0.20 . tcp . 80 comment "default/web:http",
			     10.96.0.30 . tcp . 5432 comment "default/db:5432" }
	}
	map node-ports {
		type inet_proto . inet_service : verdict
		elements = { tcp . 30080 comment "default/web:http" : jump mark-for-masquerade }
	}
}
`;

test('splitListing: one block per virtual server', () => {
  const { header, blocks } = splitListing(LIST);
  assert.is(header.length, 3);
  assert.equal(blocks.map((b) => `${b.address}:${b.port}/${b.lines.length}`), ['10.96.0.20:80/3', '10.96.0.30:5432/2', '192.168.77.11:30080/3']);
});

test('rules: everything, or narrowed to one service by the helper table comments', async () => {
  const exec = new FakeExec().on('ipvsadm -Ln', { stdout: LIST }).on('nft list table ip minik-ipvs', { stdout: HELPER });
  const all = await ipvsRules(exec);
  assert.match(all, /10\.96\.0\.30:5432/);
  assert.match(all, /table ip minik-ipvs/);
  const web = await ipvsRules(exec, { service: 'web' });
  assert.match(web, /TCP  10\.96\.0\.20:80 rr/);
  assert.match(web, /TCP  192\.168\.77\.11:30080 rr/);
  assert.not.match(web, /5432/);
  assert.match(web, /tcp \. 30080 comment "default\/web:http"/);
});

test('rules on a node without IPVS says so instead of failing', async () => {
  const exec = new FakeExec().on('ipvsadm -Ln', { code: 2, stderr: "Can't initialize ipvs: Protocol not available\n" }).on('nft list', { code: 1, stderr: 'No such file or directory' });
  const text = await ipvsRules(exec, { service: 'web' });
  assert.match(text, /ipvsadm -Ln failed: Can't initialize ipvs/);
  assert.match(text, /does not exist on this node/);
});

test('trace: the connection entries of one client, as lines a learner reads', async () => {
  const exec = new FakeExec().on('ipvsadm -Lnc', {
    stdout: `IPVS connection entries
pro expire state       source             virtual            destination
TCP 01:57  ESTABLISHED 10.244.1.5:40012   10.96.0.20:80      10.244.2.5:8080
TCP 01:50  ESTABLISHED 10.244.1.6:40013   10.96.0.20:80      10.244.0.5:8080
`,
  });
  const t = await ipvsTrace(exec, { source: '10.244.1.5', virtual: '10.96.0.20:80' });
  assert.is(t.entries.length, 1);
  assert.is(t.text, 'ipvs: TCP 10.244.1.5:40012 → virtual server 10.96.0.20:80 → real server 10.244.2.5:8080 (ESTABLISHED, expires in 01:57)\n');
  const none = await ipvsTrace(exec, { source: '10.9.9.9' });
  assert.match(none.text, /no connection entry matches source 10\.9\.9\.9/);
});

test.run();
