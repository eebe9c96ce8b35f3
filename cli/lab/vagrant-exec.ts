// Running the `vagrant` executable for the Vagrant lab: VagrantExec is the one
// door (commands run in the checkout with extra env, output appended to a
// log), vagrant.fake.ts its twin. A failed run becomes one line: Vagrant's
// error, and the log to read for the rest.

import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { LabError } from './errors.ts';
import type { ExecResult } from '../../api/exec/exec.ts';

export interface VagrantCommand {
  argv: string[];
  /** the checkout (Vagrant reads the Vagrantfile there) */
  cwd: string;
  /** added to this process's environment */
  env: Record<string, string>;
  /** append stdout and stderr here instead of capturing them */
  log?: string;
}

export interface VagrantExec {
  /** Never throws for a failed command; a missing executable is code 127. */
  run(cmd: VagrantCommand): Promise<ExecResult>;
}

export const realVagrantExec: VagrantExec = {
  run(cmd) {
    return new Promise((resolvePromise) => {
      let fd: number | undefined;
      if (cmd.log) {
        mkdirSync(dirname(cmd.log), { recursive: true });
        fd = openSync(cmd.log, 'a');
      }
      const child = spawn(cmd.argv[0], cmd.argv.slice(1), {
        cwd: cmd.cwd,
        env: { ...process.env, ...cmd.env },
        stdio: ['ignore', fd ?? 'pipe', fd ?? 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d) => (stdout += d));
      child.stderr?.on('data', (d) => (stderr += d));
      const finish = (result: ExecResult) => {
        if (fd !== undefined) closeSync(fd);
        fd = undefined;
        resolvePromise(result);
      };
      child.once('error', (err: NodeJS.ErrnoException) => finish({ code: err.code === 'ENOENT' ? 127 : 126, stdout, stderr: err.message }));
      child.once('close', (code, signal) => finish({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    });
  },
};

export const VAGRANT_MISSING =
  'vagrant is not installed (needed by --provider vagrant): get it from https://developer.hashicorp.com/vagrant/install ' +
  '(Debian/Ubuntu: apt-get install --no-install-recommends vagrant), with VirtualBox or libvirt (vagrant-libvirt) to run the VMs';

/** `vagrant --version` → "Vagrant 2.3.7", or the one-line error saying how to get it. */
export async function vagrantVersion(exec: VagrantExec, dir: string): Promise<string> {
  const result = await exec.run({ argv: ['vagrant', '--version'], cwd: dir, env: {} });
  if (result.code === 127) throw new LabError('LAB_MISSING_COMMANDS', VAGRANT_MISSING);
  if (result.code !== 0) throw new LabError('LAB_EXEC_FAILED', `vagrant --version failed: ${result.stderr.trim() || `exit status ${result.code}`}`);
  return result.stdout.trim();
}

const HEADER = /^# \d{4}-\d\d-\d\dT/;
const PROGRESS = /^(==> |Bringing machine |\s+\S)/;

function lastIndexWhere(lines: string[], match: (line: string) => boolean): number {
  for (let i = lines.length - 1; i >= 0; i--) if (match(lines[i])) return i;
  return -1;
}

/**
 * One line out of a failed vagrant run's log: Vagrant ends with an error
 * paragraph after its progress lines ("==> node1: ...", indented output), and
 * its first line says what went wrong. When the VM's own output precedes it
 * (a provisioner failed), that last line is the real reason, so it comes too.
 */
export function vagrantFailureSummary(log: string): string {
  const lines = log.split('\n');
  const start = lastIndexWhere(lines, (l) => HEADER.test(l)) + 1;
  const run = lines.slice(start);
  const lastProgress = lastIndexWhere(run, (l) => PROGRESS.test(l));
  const error = run.slice(lastProgress + 1).find((l) => l.trim() !== '')?.trim() ?? '';
  const fromVm = lastProgress >= 0 && /^\s+\S/.test(run[lastProgress]) ? run[lastProgress].trim() : '';
  if (error && fromVm) return `${error} (last from the VM: ${fromVm})`;
  return error || fromVm;
}

const readSummary = (path: string) => {
  try {
    return vagrantFailureSummary(readFileSync(path, 'utf8'));
  } catch {
    return '';
  }
};

/** Runs a logged vagrant command; a failure is one line: the exit status, vagrant's last line, the log. */
export async function runLogged(exec: VagrantExec, cmd: VagrantCommand & { log: string }): Promise<void> {
  mkdirSync(dirname(cmd.log), { recursive: true });
  // Vagrant's last line may lack its newline: the next run's header starts a line of its own.
  const previous = existsSync(cmd.log) ? readFileSync(cmd.log, 'utf8') : '';
  writeFileSync(cmd.log, `${previous && !previous.endsWith('\n') ? '\n' : ''}# ${new Date().toISOString()} ${Object.entries(cmd.env).map(([k, v]) => `${k}=${v}`).join(' ')} ${cmd.argv.join(' ')}\n`, {
    flag: 'a',
  });
  const result = await exec.run(cmd);
  if (result.code === 127) throw new LabError('LAB_MISSING_COMMANDS', VAGRANT_MISSING);
  if (result.code !== 0) {
    const why = readSummary(cmd.log) || result.stderr.trim().split('\n').pop() || '';
    throw new LabError('LAB_EXEC_FAILED', `${cmd.argv.join(' ')} failed (exit ${result.code})${why ? `: ${why}` : ''}; full output in ${cmd.log}`);
  }
}
