import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IpvsParseError, parseConnections, parseIpvsadmSave } from './parse.ts';

// As ipvsadm 1.31 prints it (Debian 12), with a foreign firewall-mark service and a direct-routing one.
const SAVE = `-A -t 10.96.0.20:80 -s rr
-a -t 10.96.0.20:80 -r 10.244.0.5:8080 -m -w 1
-a -t 10.96.0.20:80 -r 10.244.1.5:8080 -m -w 1
-A -u 10.96.0.30:53 -s sh -p 600
-a -u 10.96.0.30:53 -r 10.244.2.5:5353 -m -w 1
-A -f 100 -s wlc
-a -f 100 -r 10.1.1.1:0 -g -w 1
-A -t 192.168.77.11:30080 -s wrr -p 10800 -M 255.255.255.0
-a -t 192.168.77.11:30080 -r 10.244.0.5:8080 -g -w 3
-A --sctp-service 10.96.0.40:9000 -s lc
-A -t [fd00::1]:80 -s rr
`;

test('ipvsadm -Sn: services, real servers, schedulers, persistence, forwarding; fwmark services left out', () => {
  const vs = parseIpvsadmSave(SAVE);
  assert.equal(
    vs.map((v) => `${v.protocol} ${v.address}:${v.port} ${v.scheduler} ${v.persistence ?? '-'}`),
    ['tcp 10.96.0.20:80 rr -', 'udp 10.96.0.30:53 sh 600', 'tcp 192.168.77.11:30080 wrr 10800', 'sctp 10.96.0.40:9000 lc -', 'tcp fd00::1:80 rr -'],
  );
  assert.equal(vs[0].realServers, [
    { address: '10.244.0.5', port: 8080, weight: 1, forwarding: 'masq' },
    { address: '10.244.1.5', port: 8080, weight: 1, forwarding: 'masq' },
  ]);
  assert.equal(vs[2].realServers, [{ address: '10.244.0.5', port: 8080, weight: 3, forwarding: 'gate' }]);
});

test('empty output is no services', () => {
  assert.equal(parseIpvsadmSave(''), []);
  assert.equal(parseIpvsadmSave('\n'), []);
});

test('garbage is a typed error naming the line', () => {
  try {
    parseIpvsadmSave('-A -t 10.96.0.20:80 -s rr\nIP Virtual Server version 1.2.1\n');
    assert.unreachable();
  } catch (err) {
    assert.instance(err, IpvsParseError);
    assert.is((err as IpvsParseError).code, 'IPVS_PARSE');
    assert.match((err as Error).message, /IP Virtual Server version/);
  }
  assert.throws(() => parseIpvsadmSave('-a -t 10.0.0.1:80 -r 10.0.0.2:80 -m -w 1'), /before its virtual server/);
});

test('ipvsadm -Lnc: connection entries and persistence templates', () => {
  const text = `IPVS connection entries
pro expire state       source             virtual            destination
TCP 01:57  FIN_WAIT    10.244.1.5:40012   10.96.0.20:80      10.244.2.5:8080
UDP 04:59  UDP         192.168.77.2:5353  192.168.77.11:30053 10.244.0.7:5353
IP  09:59  NONE        10.244.1.5:0       10.96.2.1:80       10.244.0.9:8080
`;
  const c = parseConnections(text);
  assert.is(c.length, 3);
  assert.equal(c[0], { protocol: 'TCP', expire: '01:57', state: 'FIN_WAIT', source: '10.244.1.5:40012', virtual: '10.96.0.20:80', destination: '10.244.2.5:8080' });
  assert.is(c[2].state, 'NONE');
  assert.equal(parseConnections('IPVS connection entries\npro expire state       source             virtual            destination\n'), []);
});

test.run();
