import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { currentProcess, selfArgv, selfExecutable } from './self.ts';

test('in the single executable, minik is the executable itself', () => {
  const self = { execPath: '/usr/local/bin/minik', argv: ['/usr/local/bin/minik', '/usr/local/bin/minik', 'up'], execArgv: [], isSea: true };
  assert.equal(selfArgv(self), ['/usr/local/bin/minik']);
  assert.is(selfExecutable(self), '/usr/local/bin/minik');
});

test('from source, minik is node + the tsx loader + the entry script', () => {
  const self = { execPath: '/usr/bin/node', argv: ['/usr/bin/node', '/src/cli/main.ts', 'up'], execArgv: ['--import', 'tsx'], isSea: false };
  assert.equal(selfArgv(self), ['/usr/bin/node', '--import', 'tsx', '/src/cli/main.ts']);
  assert.is(selfExecutable(self), undefined);
});

test('this test process is not a single executable', () => {
  assert.is(currentProcess().isSea, false);
});

test.run();
