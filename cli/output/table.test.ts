import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatTable } from './table.ts';

test('columns are left-aligned, three spaces apart, without trailing spaces', () => {
  const out = formatTable(
    ['NAME', 'TYPE', 'CLUSTER-IP'],
    [
      ['web', 'ClusterIP', '10.96.0.12'],
      ['a-long-name', 'NodePort', ''],
    ],
  );
  assert.is(
    out,
    'NAME          TYPE        CLUSTER-IP\n' + //
      'web           ClusterIP   10.96.0.12\n' +
      'a-long-name   NodePort\n',
  );
});

test('headers only', () => {
  assert.is(formatTable(['NAME', 'AGE'], []), 'NAME   AGE\n');
});

test.run();
