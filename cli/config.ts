// Where the CLI finds its server, token, CA and lab: flags, then MINIK_SERVER /
// MINIK_TOKEN / MINIK_CA_FILE, then the YAML file `minik up` writes
// (~/.minik/config, or MINIK_CONFIG). Pure: the caller hands in the flags,
// the environment and a file reader.

import { parse, stringify } from 'yaml';
import { DEFAULT_API_PORT, DEFAULT_LAB, isLabProvider, type LabProvider } from '../api/layout.ts';

import { dirname, isAbsolute, join } from 'node:path';

export const DEFAULT_SERVER = `https://127.0.0.1:${DEFAULT_API_PORT}`;

export interface ConfigFlags {
  server?: string;
  token?: string;
  /** --ca-file */
  caFile?: string;
  lab?: string;
}

/** The file's keys. The CA keys are kubeconfig's: the PEM base64-encoded, or a path to it. */
export interface ConfigFile {
  server?: string;
  token?: string;
  'certificate-authority-data'?: string;
  'certificate-authority'?: string;
  lab?: string;
  /** which provider made the lab (`minik up --provider`); absent means netns */
  provider?: LabProvider;
}

/** Where a lab runs: namespaces on this machine, or Vagrant VMs. */

export type ConfigSource = 'flag' | 'env' | 'file' | 'default';

export interface ResolvedConfig {
  server: string;
  token?: string;
  /** The CA to trust: its PEM (from certificate-authority-data) or the file holding it (read by the caller). */
  ca?: { pem: string } | { file: string };
  lab: string;
  /** Set only when MINIK_PROVIDER or the file names one; exec, ssh, logs and rules treat absent as netns. */
  provider?: LabProvider;
  configPath: string;
  /** Where the server came from, for error messages. */
  serverSource: ConfigSource;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

/** `MINIK_CONFIG`, else `$HOME/.minik/config`. */
export function configPath(env: Env): string {
  if (env.MINIK_CONFIG) return env.MINIK_CONFIG;
  return `${env.HOME ?? '/root'}/.minik/config`;
}

/** Parses the config file's text; a file that is not a YAML map is an error naming the file. */
export function parseConfigFile(text: string, path: string): ConfigFile {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new ConfigError(`error loading config file "${path}": ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`error loading config file "${path}": expected a map with server: and token:`);
  const out: ConfigFile = {};
  for (const k of ['server', 'token', 'lab', 'certificate-authority-data', 'certificate-authority'] as const) {
    const v = (doc as Record<string, unknown>)[k];
    if (v !== undefined && v !== null) out[k] = String(v);
  }
  const provider = (doc as Record<string, unknown>).provider;
  if (provider !== undefined && provider !== null) out.provider = checkProvider(String(provider), `config file "${path}"`);
  return out;
}

function checkProvider(value: string, where: string): LabProvider {
  if (!isLabProvider(value)) throw new ConfigError(`error loading ${where}: provider must be netns or vagrant, got "${value}"`);
  return value;
}

export function formatConfigFile(config: ConfigFile): string {
  return stringify(config);
}

/**
 * Flags beat environment beat file. The file is only read when something is
 * still missing, so `--server X --token Y` works with a broken config file.
 * `readFile` returns undefined for a file that does not exist.
 */
export function resolveConfig(flags: ConfigFlags, env: Env, readFile: (path: string) => string | undefined): ResolvedConfig {
  const path = configPath(env);
  let file: ConfigFile | undefined;
  const fromFile = (): ConfigFile => {
    if (!file) {
      const text = readFile(path);
      file = text === undefined ? {} : parseConfigFile(text, path);
    }
    return file;
  };
  const pick = (flag: string | undefined, envValue: string | undefined, key: keyof ConfigFile): [string | undefined, ConfigSource] => {
    if (flag) return [flag, 'flag'];
    if (envValue) return [envValue, 'env'];
    const v = fromFile()[key];
    return v ? [v, 'file'] : [undefined, 'default'];
  };
  const [server, serverSource] = pick(flags.server, env.MINIK_SERVER, 'server');
  const [token] = pick(flags.token, env.MINIK_TOKEN, 'token');
  const [lab] = pick(flags.lab, env.MINIK_LAB, 'lab');
  // The file's CA goes with the file's server: a server named by flag or
  // environment is some other server, whose CA comes by flag or environment too.
  const ca = pickCa(flags.caFile ?? env.MINIK_CA_FILE, serverSource === 'file' || serverSource === 'default' ? fromFile : undefined, path);
  // Not a reason of its own to read the file: when flags and env name server,
  // token and lab, the lab is not the file's, and neither is its provider.
  const provider = env.MINIK_PROVIDER ? checkProvider(env.MINIK_PROVIDER, 'MINIK_PROVIDER') : (file as ConfigFile | undefined)?.provider;
  return {
    server: normalizeServer(server ?? DEFAULT_SERVER),
    token,
    ...(ca ? { ca } : {}),
    lab: lab ?? DEFAULT_LAB,
    ...(provider ? { provider } : {}),
    configPath: path,
    serverSource,
  };
}

/**
 * --ca-file or MINIK_CA_FILE, else the file's CA: its data wins over its
 * path (as in a kubeconfig), and a relative path is relative to the file.
 */
function pickCa(given: string | undefined, file: (() => ConfigFile) | undefined, path: string): ResolvedConfig['ca'] {
  if (given) return { file: given };
  if (!file) return undefined;
  const data = file()['certificate-authority-data'];
  if (data) {
    const pem = Buffer.from(data, 'base64').toString('utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`error loading config file "${path}": certificate-authority-data is not a base64-encoded PEM certificate`);
    return { pem };
  }
  const caPath = file()['certificate-authority'];
  if (caPath) return { file: isAbsolute(caPath) ? caPath : join(dirname(path), caPath) };
  return undefined;
}

/** `127.0.0.1:6443` → `https://127.0.0.1:6443` (kubectl accepts host:port too; the apiserver speaks only HTTPS). */
export function normalizeServer(server: string): string {
  const s = server.trim().replace(/\/+$/, '');
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `https://${s}`;
}

/** The PEM of a resolved CA, reading its file through `readFile` when the config names one. */
export async function loadCa(ca: ResolvedConfig['ca'], readFile: (path: string) => Promise<string>): Promise<string | undefined> {
  if (!ca) return undefined;
  if ('pem' in ca) return ca.pem;
  try {
    return await readFile(ca.file);
  } catch (err) {
    throw new ConfigError(`error loading certificate authority "${ca.file}": ${(err as Error).message}`);
  }
}
