// `npm test` of this package: every *.test.ts in this folder, one process
// each (uvu runs a file's suites when it ends). Tests that need root and the
// nft binary print `SKIP: ...` instead of failing where they cannot run.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
let failed = 0;
for (const file of readdirSync(here).filter((f) => f.endsWith('.test.ts')).sort()) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: here, stdio: 'inherit' });
  if (res.status !== 0) {
    failed += 1;
    console.error(`FAILED: ${file}`);
  }
}
process.exit(failed ? 1 : 0);
