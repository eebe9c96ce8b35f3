// `minik install-service apiserver|agent [flags] -- DAEMON FLAGS...`
//
// Renders the systemd unit that runs this very executable as the given
// daemon, writes it to /etc/systemd/system and enables it. The Vagrant
// provisioning (vagrant/provision.sh) calls it on every VM.

import type { Exec } from '../../agent/node/exec.ts';
import { installUnit, type UnitFiles } from '../../agent/systemd/install.ts';
import { renderUnit, SERVICE_ROLES, UnitError, type ServiceRole, type UnitOptions } from '../../agent/systemd/unit.ts';

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
