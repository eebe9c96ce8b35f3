import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadMinikProto } from '../api/proto.ts';
import { MINIK_PROTO } from './minik-proto.ts';

test('the embedded proto text is exactly proto/minik.proto', () => {
  const onDisk = readFileSync(new URL('./minik.proto', import.meta.url), 'utf8');
  assert.is(MINIK_PROTO, onDisk, 'regenerate proto/minik-proto.ts from proto/minik.proto');
});

test('the embedded proto loads into the Minik service with its three methods', () => {
  const { service } = loadMinikProto();
  assert.equal(Object.keys(service).sort(), ['Heartbeat', 'Register', 'Watch']);
  assert.is(service.Watch.path, '/minik.v1.Minik/Watch');
  assert.ok(service.Watch.responseStream && !service.Watch.requestStream);
  assert.ok(!service.Register.responseStream);
});

test('messages round-trip with camelCase fields and int64 revisions as numbers', () => {
  const { service } = loadMinikProto();
  const request = service.Watch.requestDeserialize(service.Watch.requestSerialize({ kinds: ['Service', 'Pod'], sinceRevision: 2 ** 40 }));
  assert.equal(request, { kinds: ['Service', 'Pod'], sinceRevision: 2 ** 40 });
  const event = { type: 'MODIFIED', revision: 7, kind: 'Service', objectJson: '{"kind":"Service"}' };
  assert.equal(service.Watch.responseDeserialize(service.Watch.responseSerialize(event)), event);
  const synced = service.Watch.responseDeserialize(service.Watch.responseSerialize({ type: 'SYNCED', revision: 9 }));
  assert.equal(synced, { type: 'SYNCED', revision: 9, kind: '', objectJson: '' }, 'unset strings arrive as empty');
  const reg = { name: 'node1', internalIp: '192.168.77.11', proxyMode: 'ipvs', podCidr: '10.244.1.0/24' };
  assert.equal(service.Register.requestDeserialize(service.Register.requestSerialize(reg)), reg);
  const unset = service.Register.requestDeserialize(service.Register.requestSerialize({ name: 'node1', internalIp: '192.168.77.11', proxyMode: 'ipvs' }));
  assert.is(unset.podCidr, '', 'an agent that asks for no CIDR sends an empty one');
});

test('field numbers on the wire match the .proto (snake_case since_revision is field 2)', () => {
  const { service } = loadMinikProto();
  const bytes = service.Watch.requestSerialize({ kinds: [], sinceRevision: 5 });
  // tag = (field 2 << 3) | varint = 0x10, then the value 5
  assert.equal([...bytes], [0x10, 5]);
});

test.run();
