// esbuild plugin: `import ... from 'node:fs'` (import statements only) become
// small modules that `require` the builtin. With no import statement left, the
// ESM bundle is a plain script body that can be wrapped in an async function:
// that is how the single executable supports top-level await (cli/main.ts
// ends with one) although Node 20's SEA only runs CommonJS.
// `require()` calls stay as they are, so CommonJS dependencies still get the
// builtin itself (`class X extends require('events')`).

import type { Plugin } from 'esbuild';
import { builtinModules, createRequire } from 'node:module';

const NAMESPACE = 'minik-builtin';
const requireHere = createRequire(import.meta.url);
const BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const RESERVED = new Set(['default', 'delete', 'new', 'function', 'class', 'enum', 'export', 'import', 'in', 'instanceof', 'typeof', 'void', 'with', 'yield', 'let', 'static', 'await']);

/** The module text standing in for one builtin: every export name, from `require`. */
export function builtinShim(specifier: string, exportNames: string[]): string {
  const names = exportNames.filter((n) => IDENTIFIER.test(n) && !RESERVED.has(n));
  return [
    `const m = require(${JSON.stringify(specifier)});`,
    'export default m;',
    names.length ? `export const { ${names.join(', ')} } = m;` : '',
  ].join('\n');
}

export function builtinImportsPlugin(): Plugin {
  return {
    name: 'minik-builtin-imports',
    setup(build) {
      build.onResolve({ filter: /^(node:)?[a-z][a-z0-9_/]*$/ }, (args) => {
        if (!BUILTINS.has(args.path) || args.namespace === NAMESPACE) return undefined;
        if (args.kind !== 'import-statement' && args.kind !== 'dynamic-import') return undefined;
        return { path: args.path, namespace: NAMESPACE };
      });
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
        contents: builtinShim(args.path, Object.keys(requireHere(args.path) as object)),
        loader: 'js',
      }));
      // The shim's own require stays external.
      build.onResolve({ filter: /.*/, namespace: NAMESPACE }, (args) => ({ path: args.path, external: true }));
    },
  };
}

/** Import statements esbuild left in the output (from its metafile): there must be none. */
export function leftoverImports(imports: { path: string; kind: string; external?: boolean }[]): string[] {
  return imports.filter((i) => i.external && (i.kind === 'import-statement' || i.kind === 'dynamic-import')).map((i) => i.path);
}

/**
 * Wraps an ESM bundle that has no import/export statements into a CommonJS
 * script: an async function, so top-level await keeps working.
 */
export function wrapAsCommonJs(esmBody: string): string {
  return [
    '"use strict";',
    '(async () => {',
    esmBody,
    '})().catch((err) => { console.error(err); process.exitCode = 1; });',
    '',
  ].join('\n');
}
