// Files `minik up` leaves behind: the client config (`~/.minik/config`, YAML
// with server, token and the lab's name; MINIK_CONFIG overrides the path) and
// the lab's own record (`<lab dir>/lab.json`) that a second `up`, `down` and
// `status` read back.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LabLayout } from '../../api/layout.ts';
import type { LabProvider } from '../../api/layout.ts';
import { configPath, formatConfigFile } from '../config.ts';
import type { ProxyMode } from './lan.ts';

export interface MinikConfig {
  server: string;
  token: string;
  lab: string;
  /** written only for vagrant: a config without it is a netns lab, as before */
  provider?: LabProvider;
}

/** The CLI's own rule (cli/config.ts): MINIK_CONFIG, else ~/.minik/config. */
export const minikConfigPath = (env: NodeJS.ProcessEnv = process.env) => configPath(env);

/** Writes the config with mode 0600: it holds the bearer token. */
export async function writeMinikConfig(config: MinikConfig, path = minikConfigPath()): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const { server, token, lab, provider } = config;
  const text = formatConfigFile({ server, token, lab, ...(provider && provider !== 'netns' ? { provider } : {}) });
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

const recordFile = (layout: LabLayout) => join(layout.dir, 'lab.json');

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
