// Renders the systemd units that run minik's daemons on a machine (the Vagrant
// VMs, or any Linux host): pure text in, text out, so the exact unit is
// unit-tested and `systemd-analyze verify` can check what we ship.

export type ServiceRole = 'apiserver' | 'agent';
export const SERVICE_ROLES: readonly ServiceRole[] = ['apiserver', 'agent'];

export interface UnitOptions {
  /** absolute path of the minik executable */
  binary: string;
  /** flags after the role, e.g. ['--node-ip', '192.168.56.11'] */
  args: string[];
  /** extra Environment= lines */
  environment?: Record<string, string>;
  /** extra units to start after, e.g. the apiserver on the server VM */
  after?: string[];
}

export class UnitError extends Error {
  readonly code = 'MINIK_UNIT_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'UnitError';
  }
}

export const unitName = (role: ServiceRole) => `minik-${role}.service`;

/** Where the native LevelDB addon is unpacked for daemons (systemd gives root no useful $HOME). */
export const DAEMON_NATIVE_CACHE = '/var/cache/minik/native';

const DESCRIPTIONS: Record<ServiceRole, string> = {
  apiserver: 'minik API server (REST, gRPC watch, controllers)',
  agent: 'minik node agent (data plane, pods, DNS, ingress, load balancer)',
};

const PLAIN_ARG = /^[A-Za-z0-9_@+=:,./-]+$/;

/**
 * One ExecStart argument in systemd's syntax: `%` is a specifier and `$` an
 * environment reference everywhere, so both are doubled; anything that is not
 * a plain word is double-quoted with C-style escapes.
 */
export function quoteExecArg(arg: string): string {
  const literal = arg.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (PLAIN_ARG.test(arg)) return literal;
  const escaped = literal
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\t/g, '\\t');
  return `"${escaped}"`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function environmentLine(name: string, value: string): string {
  if (!ENV_NAME.test(name)) throw new UnitError(`environment variable name ${JSON.stringify(name)} is not valid`);
  if (/[\n\r]/.test(value)) throw new UnitError(`environment variable ${name} must not contain a newline`);
  const assignment = `${name}=${value}`.replace(/%/g, '%%').replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  return `Environment="${assignment}"`;
}

function validate(options: UnitOptions): void {
  if (!options.binary.startsWith('/')) throw new UnitError(`binary must be an absolute path, got ${JSON.stringify(options.binary)}`);
  for (const arg of options.args) {
    if (arg.includes('\0')) throw new UnitError('arguments must not contain NUL');
  }
}

export function renderUnit(role: ServiceRole, options: UnitOptions): string {
  validate(options);
  const after = ['network-online.target', ...(options.after ?? [])];
  const environment = { MINIK_NATIVE_CACHE: DAEMON_NATIVE_CACHE, ...options.environment };
  const execStart = [options.binary, role, ...options.args].map(quoteExecArg).join(' ');
  const lines = [
    '# Rendered by `minik install-service`; re-run it rather than editing this file.',
    '[Unit]',
    `Description=${DESCRIPTIONS[role]}`,
    'Wants=network-online.target',
    `After=${after.join(' ')}`,
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${execStart}`,
    ...Object.entries(environment).map(([k, v]) => environmentLine(k, v)),
    // The agent may start before the apiserver answers; systemd keeps retrying.
    'Restart=always',
    'RestartSec=2',
    // Creates /var/lib/minik and /var/cache/minik (mode 0700, owned by root).
    'StateDirectory=minik',
    'CacheDirectory=minik',
    'LimitNOFILE=65536',
    ...(role === 'agent'
      ? [
          // Pods are child processes of the agent and outlive it on purpose
          // (the agent adopts them again after a restart or upgrade), so a
          // stop or restart signals the agent alone, not its whole cgroup.
          'KillMode=process',
        ]
      : []),
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ];
  return lines.join('\n');
}
