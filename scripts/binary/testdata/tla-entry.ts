// Fixture for bundle.test.ts: top-level await, named and default builtin
// imports, a dynamic import, and import.meta, as cli/main.ts may use them.
import { EventEmitter } from 'node:events';
import path from 'node:path';
import * as os from 'os';

const value = await new Promise<string>((resolve) => setTimeout(() => resolve('awaited'), 1));
const { createHash } = await import('node:crypto');
class Emitter extends EventEmitter {}
console.log(
  JSON.stringify({
    value,
    emitter: typeof new Emitter().on,
    join: path.join('a', 'b'),
    eol: os.EOL === '\n',
    hash: createHash('sha256').update('x').digest('hex').slice(0, 8),
    metaUrl: import.meta.url.startsWith('file://'),
  }),
);
