// Writes a rendered unit into systemd's unit directory and enables it. The
// file system and the commands go through small interfaces so the whole flow
// is unit-tested without systemd.

import { join } from 'node:path';
import type { Exec } from '../../api/exec/exec.ts';
import { renderUnit, unitName, type ServiceRole, type UnitOptions } from './unit.ts';

export const SYSTEM_UNIT_DIR = '/etc/systemd/system';

export interface UnitFiles {
  read(path: string): Promise<string | undefined>;
  write(path: string, content: string): Promise<void>;
}

// node:fs/promises is loaded on first use: this module is reachable from
// `minik --help`, which should not pay for it.
export const realUnitFiles: UnitFiles = {
  async read(path) {
    const { readFile } = await import('node:fs/promises');
    try {
      return await readFile(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  async write(path, content) {
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, content, { mode: 0o644 });
  },
};

export class MemoryUnitFiles implements UnitFiles {
  readonly files = new Map<string, string>();
  async read(path: string) {
    return this.files.get(path);
  }
  async write(path: string, content: string) {
    this.files.set(path, content);
  }
}

export interface InstallOptions {
  unitDir?: string;
  /** enable --now (and restart when the unit changed); false only writes the file */
  start?: boolean;
}

export interface InstallResult {
  path: string;
  unit: string;
  changed: boolean;
  /** systemctl commands that were run, in order */
  commands: string[][];
}

export async function installUnit(
  role: ServiceRole,
  unitOptions: UnitOptions,
  deps: { exec: Exec; files: UnitFiles },
  options: InstallOptions = {},
): Promise<InstallResult> {
  const unit = renderUnit(role, unitOptions);
  const name = unitName(role);
  const path = join(options.unitDir ?? SYSTEM_UNIT_DIR, name);
  const changed = (await deps.files.read(path)) !== unit;
  if (changed) await deps.files.write(path, unit);
  const commands: string[][] = [];
  if (options.start ?? true) {
    // A changed unit must take effect even if the daemon already runs on its
    // old flags (enable --now would leave it alone), so it is restarted.
    if (changed) commands.push(['systemctl', 'daemon-reload'], ['systemctl', 'enable', name], ['systemctl', 'restart', name]);
    else commands.push(['systemctl', 'enable', '--now', name]);
    for (const argv of commands) await deps.exec.run(argv);
  }
  return { path, unit, changed, commands };
}
