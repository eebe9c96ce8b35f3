// `minik --help` and `--version` must start fast: nothing reachable from
// cli/main.ts through static imports may load hono, grpc, level, yaml or ora.
// Commands import those inside `run` (`await import(...)`). This walks the
// static import graph of the sources, so it also guards modules added later.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const HEAVY = [/^hono(\/|$)/, /^@hono\//, /^@grpc\//, /^level$/, /^classic-level$/, /^yaml$/, /^ora$/];
const ENTRY = resolve(import.meta.dirname, '../main.ts');

/** Static value imports and re-exports of a file (type-only ones are erased and do not count). */
function staticImports(source: string): string[] {
  const out: string[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(re)) if (!m[2]) out.push(m[3]);
  return out;
}

function importGraph(): { visited: Set<string>; found: string[][] } {
  const seen = new Set<string>();
  const found: string[][] = [];
  const walk = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of staticImports(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) {
        if (spec.endsWith('.ts')) walk(join(dirname(file), spec), [...chain, spec]);
      } else if (HEAVY.some((h) => h.test(spec))) {
        found.push([...chain, spec]);
      }
    }
  };
  walk(ENTRY, ['cli/main.ts']);
  return { visited: seen, found };
}

test('the import parser sees value imports and skips type-only ones', () => {
  const src = `import { a } from './a.ts';\nimport type { B } from 'hono';\nexport { c } from "./c.ts";\nimport 'side-effect';\n`;
  assert.equal(staticImports(src), ['./a.ts', './c.ts', 'side-effect']);
});

test('no heavy library is imported statically from cli/main.ts', () => {
  const { visited, found } = importGraph();
  // The walk really follows the registry into the commands.
  assert.ok([...visited].some((f) => f.endsWith('cli/commands/get.ts')));
  assert.equal(found.map((c) => c.join(' -> ')), []);
});

test.run();
