import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { errorFromStderr } from './errors.ts';

const cases: [string, string, number | undefined][] = [
  ['/dev/stdin:1:14-18: Error: No such file or directory\nadd chain ip nope c\n             ^^^^^\n', 'NFT_NOT_FOUND', 1],
  ['/dev/stdin:3:1-3: Error: syntax error, unexpected string\nfoo\n^^^\n', 'NFT_SYNTAX', 3],
  ['/dev/stdin:2:1-30: Error: Could not process rule: Device or resource busy\n', 'NFT_BUSY', 2],
  ['Error: Could not process rule: File exists\n', 'NFT_EXISTS', undefined],
  ['Error: Could not process rule: Operation not permitted\n', 'NFT_PERMISSION', undefined],
  ['internal:0:0-0: Error: Could not process rule: Invalid argument\n', 'NFT_EXEC', 0],
  ['nsenter: cannot open /run/netns/x: No such file or directory\n', 'NFT_NOT_FOUND', undefined],
];

for (const [stderr, code, line] of cases) {
  test(`classifies ${JSON.stringify(stderr.split('\n')[0])} as ${code}`, () => {
    const err = errorFromStderr(stderr, 1);
    assert.is(err.code, code);
    assert.is(err.inputLine, line);
    assert.is(err.stderr, stderr);
    assert.ok(err.message.length > 0 && !err.message.includes('\n'));
  });
}

test('empty stderr still gives a message', () => {
  const err = errorFromStderr('', 2);
  assert.is(err.code, 'NFT_EXEC');
  assert.match(err.message, /status 2/);
});

test.run();
