// "Build the binary unless it is already newer than every source": what the
// e2e tests and the start-time benchmark call, so one test run builds once.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildBinary, DEFAULT_ENTRY, DEFAULT_OUT, ROOT, type BuildReport } from '../build-binary.ts';

/** What the executable is made of: every role's sources, the build itself, the locked dependencies. */
export const SOURCE_PATHS = ['api', 'apiserver', 'agent', 'cli', 'proto', 'scripts/binary', 'scripts/build-binary.ts', 'package-lock.json'].map(
  (p) => join(ROOT, p),
);

/** Newest modification time (ms) among files under `paths`; tests and dotfiles do not count. */
export function newestMtime(paths: string[]): number {
  let newest = 0;
  const visit = (path: string) => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) {
        if (name.startsWith('.') || name === 'node_modules') continue;
        visit(join(path, name));
      }
    } else if (!path.endsWith('.test.ts')) {
      newest = Math.max(newest, stat.mtimeMs);
    }
  };
  paths.forEach(visit);
  return newest;
}

export function binaryIsStale(binary: string, sources: string[] = SOURCE_PATHS): boolean {
  if (!existsSync(binary)) return true;
  return statSync(binary).mtimeMs < newestMtime(sources);
}

/** The smoke entry stands in while cli/main.ts does not exist yet. */
export const SMOKE_ENTRY = join(ROOT, 'scripts', 'binary', 'smoke-entry.ts');
export const SMOKE_OUT = join(ROOT, 'dist', 'minik-smoke');
export const realCliExists = () => existsSync(DEFAULT_ENTRY);

export async function ensureBinary(entry = DEFAULT_ENTRY, out = DEFAULT_OUT): Promise<{ path: string; built?: BuildReport }> {
  if (!binaryIsStale(out, [...SOURCE_PATHS, entry])) return { path: out };
  const built = await buildBinary({ entry, out });
  return { path: out, built };
}

/** Command names a built minik lists in `--help` (first word of each indented line). */
export function helpCommands(helpText: string): Set<string> {
  return new Set([...helpText.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]));
}
