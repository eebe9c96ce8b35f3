// Twin of VagrantExec without VMs: records each command (argv, cwd, the env it
// adds, the log) and answers like Vagrant would. Like Vagrant, `up` leaves
// .vagrant/machines/nodeN/virtualbox/id in the checkout for each VM it made
// and `destroy` removes those files, since `minik down` reads them. `installed:
// false` makes every command exit 127, as a missing executable does;
// `respond` overrides an answer (a failing `vagrant up`).

import { appendFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ExecResult } from '../../api/exec/exec.ts';
import type { VagrantCommand, VagrantExec } from './vagrant-exec.ts';

export class FakeVagrantExec implements VagrantExec {
  readonly commands: VagrantCommand[] = [];
  installed = true;
  version = 'Vagrant 2.3.7';
  /** Checked first; return undefined for the default answer. `log` text is appended to the command's log. */
  respond?: (cmd: VagrantCommand) => (ExecResult & { log?: string }) | undefined;

  async run(cmd: VagrantCommand): Promise<ExecResult> {
    this.commands.push({ ...cmd, argv: [...cmd.argv], env: { ...cmd.env } });
    if (!this.installed) return { code: 127, stdout: '', stderr: `spawn ${cmd.argv[0]} ENOENT` };
    const canned = this.respond?.(cmd);
    const result = canned ?? this.answer(cmd);
    if (cmd.log && result.log) {
      mkdirSync(dirname(cmd.log), { recursive: true });
      appendFileSync(cmd.log, result.log);
    }
    return { code: result.code, stdout: result.stdout, stderr: result.stderr };
  }

  /** What Vagrant leaves for a VM it created. */
  static createMachine(dir: string, name: string): void {
    const path = join(dir, '.vagrant', 'machines', name, 'virtualbox');
    mkdirSync(path, { recursive: true });
    writeFileSync(join(path, 'id'), `fake-${name}`);
  }

  /** Commands as `KEY=value ... argv` lines, the way a person would type them. */
  lines(): string[] {
    return this.commands.map((c) => [...Object.entries(c.env).map(([k, v]) => `${k}=${v}`), ...c.argv].join(' '));
  }

  private answer(cmd: VagrantCommand): ExecResult & { log?: string } {
    const [, verb] = cmd.argv;
    if (verb === '--version') return { code: 0, stdout: `${this.version}\n`, stderr: '' };
    if (verb === 'up') {
      for (let i = 1; i <= Number(cmd.env.MINIK_NODES ?? 3); i++) FakeVagrantExec.createMachine(cmd.cwd, `node${i}`);
      return { code: 0, stdout: '', stderr: '', log: '==> node1: Machine booted and ready!\n' };
    }
    if (verb === 'destroy') {
      const machines = join(cmd.cwd, '.vagrant', 'machines');
      for (const name of safeList(machines)) for (const p of safeList(join(machines, name))) rmSync(join(machines, name, p, 'id'), { force: true });
      return { code: 0, stdout: '', stderr: '', log: '==> node1: Destroying VM and associated drives...\n' };
    }
    return { code: 0, stdout: '', stderr: '' };
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
