// Files `minik up` leaves behind: the client config (`~/.minik/config`, YAML
// with server, token, CA and the lab's name; MINIK_CONFIG overrides the path) and
// the lab's own record (`<lab dir>/lab.json`) that a second `up`, `down` and
// `status` read back.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SERVER_CA_FILE, type LabLayout, type LabProvider } from '../../api/layout.ts';
import { configPath, formatConfigFile } from '../config.ts';
import type { ProxyMode } from './lan.ts';

export interface MinikConfig {
  server: string;
  token: string;
  /** The apiserver's CA: its PEM (written as certificate-authority-data) and, where the host has it, its file. */
  ca?: { pem: string; file?: string };
  lab: string;
  /** written only for vagrant: a config without it is a netns lab, as before */
  provider?: LabProvider;
}

/** The CLI's own rule (cli/config.ts): MINIK_CONFIG, else ~/.minik/config. */
export const minikConfigPath = (env: NodeJS.ProcessEnv = process.env) => configPath(env);

/** Writes the config with mode 0600: it holds the bearer token. */
export async function writeMinikConfig(config: MinikConfig, path = minikConfigPath()): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const { server, token, lab, provider, ca } = config;
  const text = formatConfigFile({
    server,
    token,
    // The data is what the CLI uses; the path is there for curl --cacert and the like.
    ...(ca ? { 'certificate-authority-data': Buffer.from(ca.pem).toString('base64') } : {}),
    ...(ca?.file ? { 'certificate-authority': ca.file } : {}),
    lab,
    ...(provider && provider !== 'netns' ? { provider } : {}),
  });
  writeFileSync(`${path}.tmp`, text, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

export interface LabRecord {
  name: string;
  lan: string;
  nodes: number;
  proxyMode: ProxyMode;
  apiPort: number;
}

export const labRecordPath = (layout: LabLayout) => join(layout.dir, 'lab.json');
const recordFile = labRecordPath;

export function readLabRecord(layout: LabLayout): LabRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordFile(layout), 'utf8')) as LabRecord;
  } catch {
    return undefined;
  }
}

export function writeLabRecord(layout: LabLayout, record: LabRecord): void {
  mkdirSync(layout.dir, { recursive: true });
  writeFileSync(recordFile(layout), JSON.stringify(record, null, 2) + '\n');
}

/** The apiserver writes its token here at first start (`--token-file`); agents and `up` read it. */
export const tokenFilePath = (layout: LabLayout) => join(layout.serverDataDir, 'token');
/** ... and its CA certificate here (apiserver/tls.ts), which agents get as --ca-file. */
export const caFilePath = (layout: LabLayout) => join(layout.serverDataDir, SERVER_CA_FILE);
