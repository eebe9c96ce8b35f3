// Reading manifests for apply/delete -f: multi-document YAML or JSON (JSON is
// YAML), `List` kinds flattened, empty documents skipped. Each object is
// checked for apiVersion, kind and name before anything is sent.

import { resourceByManifest, type ResourceInfo } from '../../api/resources.ts';
import type { KubeObject } from '../../api/types.ts';
import { UsageError, type Io } from './types.ts';

export interface Manifest {
  object: KubeObject;
  info: ResourceInfo;
  /** The file it came from (`STDIN` for -), for error messages. */
  source: string;
}

export async function parseManifests(text: string, source: string): Promise<KubeObject[]> {
  const { parseAllDocuments } = await import('yaml');
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new UsageError(`error parsing ${source}: ${doc.errors[0].message.split('\n')[0]}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    objects.push(...flatten(value, source));
  }
  return objects;
}

function flatten(value: unknown, source: string): KubeObject[] {
  if (typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`error parsing ${source}: a manifest must be an object`);
  const obj = value as KubeObject & { items?: unknown };
  if (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items)) {
    return obj.items.flatMap((item) => flatten(item, source));
  }
  return [obj];
}

/** Checks every object and sets its namespace: the manifest's, else -n, else default. */
export function prepareManifests(objects: KubeObject[], source: string, namespaceFlag: string | undefined): Manifest[] {
  return objects.map((object) => {
    if (!object.apiVersion || !object.kind) throw new UsageError(`error validating "${source}": apiVersion and kind must be set`);
    if (!object.metadata?.name) throw new UsageError(`error validating "${source}": ${object.kind} has no metadata.name`);
    const info = resourceByManifest(object.apiVersion, object.kind);
    if (!info) {
      throw new UsageError(
        `resource mapping not found for name: "${object.metadata.name}" namespace: "${object.metadata.namespace ?? ''}" from "${source}": no matches for kind "${object.kind}" in version "${object.apiVersion}"`,
      );
    }
    if (!info.namespaced) return { object, info, source };
    const own = object.metadata.namespace;
    if (own && namespaceFlag && own !== namespaceFlag) {
      throw new UsageError(
        `the namespace from the provided object "${own}" does not match the namespace "${namespaceFlag}". You must pass '--namespace=${own}' to perform this operation.`,
      );
    }
    const namespace = own || namespaceFlag || 'default';
    return { object: { ...object, metadata: { ...object.metadata, namespace } }, info, source };
  });
}

const MANIFEST_FILE = /\.(ya?ml|json)$/;

interface ManifestFile {
  source: string;
  text: string;
}

/** What `-f` names: stdin, a file, or a directory's .yaml/.yml/.json files in name order (as kubectl). */
async function readSource(io: Io, file: string): Promise<ManifestFile[]> {
  if (file === '-') return [{ source: 'STDIN', text: await io.readStdin() }];
  try {
    return [{ source: file, text: await io.readFile(file) }];
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`the path "${file}" does not exist`);
    if (code !== 'EISDIR' || !io.readDir) throw new UsageError(`reading "${file}": ${(err as Error).message}`);
    const dir = file.replace(/\/+$/, '');
    const names = (await io.readDir(file)).filter((n) => MANIFEST_FILE.test(n)).sort();
    return Promise.all(names.map(async (n) => ({ source: `${dir}/${n}`, text: await io.readFile(`${dir}/${n}`) })));
  }
}

/** Reads every `-f` and prepares what it holds; every document is checked before the caller sends anything. */
export async function readManifests(io: Io, files: string[], namespaceFlag: string | undefined): Promise<Manifest[]> {
  if (files.length === 0) throw new UsageError('must specify one of -f and -k');
  const out: Manifest[] = [];
  for (const file of files) {
    for (const { source, text } of await readSource(io, file)) {
      out.push(...prepareManifests(await parseManifests(text, source), source, namespaceFlag));
    }
  }
  if (out.length === 0) throw new UsageError('no objects passed to apply');
  return out;
}
