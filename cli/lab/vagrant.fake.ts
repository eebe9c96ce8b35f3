// In-memory twin of VagrantExec: records each command (argv, cwd, the env it
// adds, the log) and answers like Vagrant would, without VMs. `installed:
// false` makes every command exit 127, as a missing executable does;
// `respond` overrides an answer (a failing `vagrant up`).

import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ExecResult } from './exec.ts';
import type { VagrantCommand, VagrantExec } from './vagrant.ts';

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

  /** Commands as `KEY=value ... argv` lines, the way a person would type them. */
  lines(): string[] {
    return this.commands.map((c) => [...Object.entries(c.env).map(([k, v]) => `${k}=${v}`), ...c.argv].join(' '));
  }

  private answer(cmd: VagrantCommand): ExecResult & { log?: string } {
    const [, verb] = cmd.argv;
    if (verb === '--version') return { code: 0, stdout: `${this.version}\n`, stderr: '' };
    if (verb === 'up') return { code: 0, stdout: '', stderr: '', log: "==> node1: Machine booted and ready!\n" };
    if (verb === 'destroy') return { code: 0, stdout: '', stderr: '', log: '==> node1: VM not created. Moving on...\n' };
    return { code: 0, stdout: '', stderr: '' };
  }
}
