// The lab's entry in a kubeconfig, as kind writes its own: a cluster, a user
// and a context all named `minik-<lab>`, merged into `$KUBECONFIG` (its first
// file) or `~/.kube/config` by `minik up` and taken out again by `minik down`,
// leaving every other entry as it was. The text functions are pure; only
// updateKubeconfigFile touches the disk.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse, stringify } from 'yaml';

export type Env = Record<string, string | undefined>;

export class KubeconfigError extends Error {
  readonly code = 'KUBECONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigError';
  }
}

/** `minik-<lab>`: the name of the cluster, the user and the context. */
export const kubeContextName = (lab: string) => `minik-${lab}`;

/** As kubectl picks the file it writes: the first entry of $KUBECONFIG, else ~/.kube/config. */
export function kubeconfigPath(env: Env): string {
  const first = (env.KUBECONFIG ?? '').split(':').find((p) => p.trim() !== '');
  return first ?? `${env.HOME ?? '/root'}/.kube/config`;
}

export interface LabCredentials {
  lab: string;
  /** https://HOST:PORT */
  server: string;
  token: string;
  /** PEM of the apiserver's CA */
  caPem: string;
}

/** One named entry of a kubeconfig list (cluster, user or context). */
interface Named {
  name: string;
  [key: string]: unknown;
}

export interface Kubeconfig {
  apiVersion: 'v1';
  kind: 'Config';
  clusters: Named[];
  users: Named[];
  contexts: Named[];
  'current-context'?: string;
  [key: string]: unknown;
}

function entries(lab: LabCredentials): Pick<Kubeconfig, 'clusters' | 'users' | 'contexts'> {
  const name = kubeContextName(lab.lab);
  return {
    clusters: [{ name, cluster: { server: lab.server, 'certificate-authority-data': Buffer.from(lab.caPem).toString('base64') } }],
    users: [{ name, user: { token: lab.token } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
  };
}

/** A kubeconfig holding only this lab, its context current (what `minik kubeconfig` prints). */
export function labKubeconfig(lab: LabCredentials): string {
  const doc: Kubeconfig = { apiVersion: 'v1', kind: 'Config', ...entries(lab), 'current-context': kubeContextName(lab.lab), preferences: {} };
  return stringify(doc);
}

const LISTS = ['clusters', 'users', 'contexts'] as const;

/** Parses an existing kubeconfig; empty text is an empty config. Anything else that is not a map is refused, never overwritten. */
export function parseKubeconfig(text: string | undefined, path: string): Kubeconfig {
  let doc: unknown;
  try {
    doc = text === undefined ? undefined : parse(text);
  } catch (err) {
    throw new KubeconfigError(`cannot update kubeconfig "${path}": ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === undefined || doc === null) return { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [] };
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new KubeconfigError(`cannot update kubeconfig "${path}": it is not a YAML map`);
  const config = { apiVersion: 'v1', kind: 'Config', ...(doc as Record<string, unknown>) } as Kubeconfig;
  for (const list of LISTS) {
    const value = config[list] ?? [];
    if (!Array.isArray(value)) throw new KubeconfigError(`cannot update kubeconfig "${path}": ${list} is not a list`);
    config[list] = value as Named[];
  }
  return config;
}

/** Adds (or replaces) the lab's cluster, user and context; other entries stay in place and in order. */
export function mergeKubeconfig(text: string | undefined, lab: LabCredentials, options: { path: string; makeCurrent: boolean }): string {
  const config = parseKubeconfig(text, options.path);
  const add = entries(lab);
  for (const list of LISTS) {
    const [entry] = add[list];
    const at = config[list].findIndex((e) => e?.name === entry.name);
    if (at >= 0) config[list][at] = entry;
    else config[list].push(entry);
  }
  if (options.makeCurrent) config['current-context'] = kubeContextName(lab.lab);
  return stringify(config);
}

/** Takes the lab's cluster, user and context out; unsets current-context if it was the lab's (as kind does). */
export function removeFromKubeconfig(text: string | undefined, lab: string, path: string): { text: string; removed: boolean } {
  const config = parseKubeconfig(text, path);
  const name = kubeContextName(lab);
  let removed = false;
  for (const list of LISTS) {
    const kept = config[list].filter((e) => e?.name !== name);
    removed ||= kept.length !== config[list].length;
    config[list] = kept;
  }
  if (config['current-context'] === name) {
    config['current-context'] = '';
    removed = true;
  }
  return { text: stringify(config), removed };
}

/**
 * Reads the kubeconfig (absent: undefined), hands it to `update` and writes
 * what comes back with mode 0600 (it holds tokens), through a temporary file
 * so a reader never sees half of it. `update` returning undefined writes nothing.
 */
export function updateKubeconfigFile(path: string, update: (text: string | undefined) => string | undefined): boolean {
  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new KubeconfigError(`cannot read kubeconfig "${path}": ${(err as Error).message}`);
  }
  const next = update(text);
  if (next === undefined) return false;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, next, { mode: 0o600 });
  renameSync(temp, path);
  return true;
}
