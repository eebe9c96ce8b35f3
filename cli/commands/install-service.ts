// `minik install-service apiserver|agent [flags] -- DAEMON FLAGS...`
//
// Renders the systemd unit that runs this very executable as the given
// daemon, writes it to /etc/systemd/system and enables it. The Vagrant
// provisioning (vagrant/provision.sh) calls it on every VM.

import type { Exec } from '../../api/exec/exec.ts';
import { installUnit, type UnitFiles } from '../../agent/systemd/install.ts';
import { renderUnit, SERVICE_ROLES, UnitError, type ServiceRole, type UnitOptions } from '../../agent/systemd/unit.ts';
import { selfExecutable } from '../self.ts';
import { listOption, stringOption, type CommandModule } from './types.ts';

export interface InstallServiceOptions {
  role: string;
  /** the executable the unit runs; default: this executable */
  binary?: string;
  unitDir?: string;
  /** false: write the unit, do not touch systemctl */
  start?: boolean;
  /** print the unit and change nothing */
  print?: boolean;
  /** KEY=VALUE pairs for Environment= */
  env?: string[];
  /** extra After= units */
  after?: string[];
  /** everything after `--`: the daemon's own flags */
  daemonArgs: string[];
}

export interface InstallServiceIo {
  exec: Exec;
  files: UnitFiles;
  stdout: (line: string) => void;
  /** absolute path of the running minik executable, undefined under tsx */
  selfBinary?: string;
}

export const installServiceUsage = 'install-service <apiserver|agent> [--binary PATH] [--unit-dir DIR] [--no-start] [--print] [--env K=V]... [--after UNIT]... -- DAEMON FLAGS';

function parseRole(role: string): ServiceRole {
  if ((SERVICE_ROLES as readonly string[]).includes(role)) return role as ServiceRole;
  throw new UnitError(`unknown role ${JSON.stringify(role)}: expected ${SERVICE_ROLES.join(' or ')}`);
}

function parseEnv(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UnitError(`--env wants KEY=VALUE, got ${JSON.stringify(pair)}`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/** Plain options in, unit installed (or printed) out; errors are UnitError / ExecError. */
export async function installService(options: InstallServiceOptions, io: InstallServiceIo): Promise<void> {
  const role = parseRole(options.role);
  const binary = options.binary ?? io.selfBinary;
  if (!binary) throw new UnitError('cannot tell which executable to run: pass --binary (needed when minik runs from source)');
  const unitOptions: UnitOptions = {
    binary,
    args: options.daemonArgs,
    environment: parseEnv(options.env ?? []),
    after: options.after,
  };
  if (options.print) {
    io.stdout(renderUnit(role, unitOptions));
    return;
  }
  const result = await installUnit(role, unitOptions, { exec: io.exec, files: io.files }, { unitDir: options.unitDir, start: options.start });
  io.stdout(`${result.path} ${result.changed ? 'written' : 'unchanged'}`);
  for (const argv of result.commands) io.stdout(`ran: ${argv.join(' ')}`);
}

/** The registry entry: `minik install-service <role> [flags] -- DAEMON FLAGS`. */
export const installServiceCommand: CommandModule = {
  name: 'install-service',
  args: '<role>',
  description: 'Write and enable the systemd unit that runs this minik as apiserver or agent',
  options: [
    { flags: '--binary <path>', description: 'Executable the unit runs (default: this minik)' },
    { flags: '--unit-dir <dir>', description: 'Where units go (default: /etc/systemd/system)' },
    { flags: '--no-start', description: 'Only write the unit; do not run systemctl' },
    { flags: '--print', description: 'Print the unit and change nothing' },
    { flags: '--env <KEY=VALUE>', description: 'Environment= for the daemon', repeatable: true },
    { flags: '--after <unit>', description: 'Start after this unit too', repeatable: true },
  ],
  examples: [
    'install-service apiserver -- --listen 192.168.56.10:6443 --token-file /etc/minik/token',
    'install-service agent --after minik-apiserver.service -- --server https://192.168.56.10:6443 --ca-file /etc/minik/ca.crt --node-ip 192.168.56.10',
  ],
  async run(ctx, input) {
    // child_process loads only when this command runs, not for `minik --help`
    const { realExec } = await import('../../api/exec/exec.ts');
    const { realUnitFiles } = await import('../../agent/systemd/install.ts');
    await installService(
      {
        role: input.args[0],
        binary: stringOption(input.options, 'binary'),
        unitDir: stringOption(input.options, 'unitDir'),
        // cac turns --no-start into start: false
        start: input.options.start !== false,
        print: Boolean(input.options.print),
        env: listOption(input.options, 'env'),
        after: listOption(input.options, 'after'),
        daemonArgs: input.passthrough,
      },
      { exec: realExec, files: realUnitFiles, stdout: (line) => ctx.io.out(`${line}\n`), selfBinary: selfExecutable() },
    );
  },
};
