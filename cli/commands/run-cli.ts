// The whole CLI as one function: argv and an Io in, an exit code out. main.ts
// hands in the real process; tests hand in strings and a fake apiserver.
//
// cac parses flags; this file picks the command first (commands may be two
// words, `svc create`, which cac cannot match), renders help itself (cac
// prints help straight to the console) and maps every error to one line.

import { cac } from 'cac';
import { Client, ConnectionError } from '../../api/client.ts';
import type { ConfigFlags, ResolvedConfig } from '../config.ts';
import { formatError } from './errors.ts';
import { COMMANDS } from './index.ts';
import type { CommandContext, CommandInput, CommandModule, Io, OptionSpec } from './types.ts';
import { MINIK_VERSION } from '../../api/version.ts';

const GLOBAL_OPTIONS: OptionSpec[] = [
  { flags: '--server <url>', description: 'API server URL (else MINIK_SERVER, else ~/.minik/config)' },
  { flags: '--token <token>', description: 'Bearer token (else MINIK_TOKEN, else ~/.minik/config)' },
  { flags: '--ca-file <path>', description: "The apiserver's CA certificate (else MINIK_CA_FILE, else ~/.minik/config)" },
  { flags: '--no-color', description: 'Never colour the output (also NO_COLOR=1); pipes never get colour' },
];
const HELP_OPTION: OptionSpec = { flags: '-h, --help', description: 'Show help for this command' };
const VERSION_OPTION: OptionSpec = { flags: '--version', description: 'Print the minik version' };

export const versionText = () => `minik v${MINIK_VERSION}\n`;

/** Long and short names of an option spec, and whether it takes a value. */
function optionNames(spec: OptionSpec): { names: string[]; takesValue: boolean } {
  const head = spec.flags.replace(/[<[].*$/, '');
  return { names: head.split(',').map((s) => s.trim()).filter(Boolean), takesValue: /[<[]/.test(spec.flags) };
}

interface Dispatch {
  module?: CommandModule;
  /** argv for cac: the command name as one token first, then the rest. */
  argv: string[];
  /** Leading positional words when no command matched (`svc` of `minik svc --help`). */
  words: string[];
}

/**
 * Finds the command: the longest registered name whose words are the first
 * positional arguments. Values of flags that take one (`-n demo`) are not
 * positional, wherever they stand.
 */
export function dispatch(argv: string[], commands: CommandModule[]): Dispatch {
  const valueFlags = new Set(
    [...GLOBAL_OPTIONS, ...commands.flatMap((c) => c.options ?? [])]
      .map(optionNames)
      .filter((o) => o.takesValue)
      .flatMap((o) => o.names),
  );
  const positions: number[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token.startsWith('-') && token !== '-') {
      if (!token.includes('=') && valueFlags.has(token)) i++;
      continue;
    }
    positions.push(i);
  }
  const words = positions.map((i) => argv[i]);
  const match = [...commands]
    .sort((a, b) => b.name.split(' ').length - a.name.split(' ').length)
    .find((c) => c.name.split(' ').every((w, i) => words[i] === w));
  if (!match) return { argv, words };
  const used = new Set(positions.slice(0, match.name.split(' ').length));
  return { module: match, argv: [match.name, ...argv.filter((_, i) => !used.has(i))], words };
}

/**
 * The first flag no spec declares, spelled as typed (cac would report it
 * camelCased: `--showLabels` for `--show-labels`). Values of flags are never
 * flags; `--flag=value` is checked by its name.
 */
export function unknownFlag(argv: string[], specs: OptionSpec[]): string | undefined {
  const names = new Set(specs.flatMap((s) => optionNames(s).names));
  for (const token of argv) {
    if (!token.startsWith('-') || token === '-' || /^-\d/.test(token)) continue;
    if (token.startsWith('--')) {
      const name = token.split('=')[0];
      if (!names.has(name)) return name;
      continue;
    }
    const letters = token.slice(1).split('=')[0];
    for (const letter of letters) if (!names.has(`-${letter}`)) return `-${letter}`;
  }
  return undefined;
}

/** mri reads a lone `-` as a flag; `-f -` (stdin) must stay a value. */
function keepDashValues(argv: string[]): string[] {
  const out: string[] = [];
  for (const token of argv) {
    const prev = out[out.length - 1];
    if (token === '-' && prev?.startsWith('-') && !prev.includes('=')) {
      out[out.length - 1] = `${prev === '-f' ? '--filename' : prev}=-`;
    } else {
      out.push(token);
    }
  }
  return out;
}

function optionLines(specs: OptionSpec[]): string[] {
  const width = Math.max(...specs.map((s) => s.flags.length));
  return specs.map((s) => `  ${s.flags.padEnd(width)}   ${s.description}${s.default !== undefined ? ` (default: ${s.default})` : ''}`);
}

export function commandHelp(module: CommandModule): string {
  const lines = [
    module.description,
    '',
    'Usage:',
    `  minik ${module.name}${module.args ? ` ${module.args}` : ''} [options]`,
  ];
  if (module.options?.length) lines.push('', 'Options:', ...optionLines([...module.options, HELP_OPTION]));
  lines.push('', 'Global options:', ...optionLines([...GLOBAL_OPTIONS, VERSION_OPTION]));
  if (module.examples?.length) lines.push('', 'Examples:', ...module.examples.map((e) => `  minik ${e}`));
  return lines.join('\n') + '\n';
}

/** The top-level help, or the help of a command group (`minik svc --help`). */
export function globalHelp(commands: CommandModule[], prefix = ''): string {
  const shown = commands.filter((c) => !prefix || c.name.startsWith(`${prefix} `));
  const usage = shown.map((c) => `${c.name}${c.args ? ` ${c.args}` : ''}`);
  const width = Math.max(...usage.map((u) => u.length));
  return [
    `minik v${MINIK_VERSION}: a minimal mini-Kubernetes networking stack`,
    '',
    'Usage:',
    `  minik ${prefix ? `${prefix} ` : ''}<command> [options]`,
    '',
    'Commands:',
    ...shown.map((c, i) => `  ${usage[i].padEnd(width)}   ${c.description}`),
    '',
    'Global options:',
    ...optionLines([...GLOBAL_OPTIONS, VERSION_OPTION, { flags: '-h, --help', description: 'Show help' }]),
    '',
    `Run "minik <command> --help" for a command's flags.`,
    '',
  ].join('\n');
}

async function readConfigText(io: Io, path: string): Promise<{ text?: string; error?: Error }> {
  try {
    return { text: await io.readFile(path) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return {};
    return { error: new Error(`error loading config file "${path}": ${(err as Error).message}`) };
  }
}

export function createContext(io: Io, flags: ConfigFlags): CommandContext {
  let config: Promise<ResolvedConfig> | undefined;
  let client: Promise<Client> | undefined;
  const ctx: CommandContext = {
    io,
    config: () =>
      (config ??= (async () => {
        const { resolveConfig, configPath } = await import('../config.ts');
        const file = await readConfigText(io, configPath(io.env));
        return resolveConfig(flags, io.env, () => {
          if (file.error) throw file.error;
          return file.text;
        });
      })()),
    client: () =>
      (client ??= (async () => {
        const c = await ctx.config();
        const { loadCa } = await import('../config.ts');
        return new Client({ server: c.server, token: c.token, ca: await loadCa(c.ca, (p) => io.readFile(p)), fetch: io.fetch });
      })()),
  };
  return ctx;
}

/** Runs `minik ARGV...` (argv without node and script) and returns the exit code. */
export async function runCli(argv: string[], io: Io, commands: CommandModule[] = COMMANDS): Promise<number> {
  const split = argv.indexOf('--');
  const head = keepDashValues(split < 0 ? argv : argv.slice(0, split));
  const tail = split < 0 ? [] : argv.slice(split + 1);
  const wantsHelp = head.includes('--help') || head.includes('-h');
  if (head.includes('--version')) {
    io.out(versionText());
    return 0;
  }
  const found = dispatch(head, commands);
  const module = found.module;
  if (!module) {
    const group = found.words[0];
    const isGroup = group !== undefined && commands.some((c) => c.name.startsWith(`${group} `));
    if (group === undefined || (isGroup && wantsHelp)) {
      io.out(globalHelp(commands, isGroup ? group : ''));
      return 0;
    }
    if (group === 'help') {
      const target = dispatch(found.words.slice(1), commands).module;
      io.out(target ? commandHelp(target) : globalHelp(commands));
      return 0;
    }
    if (isGroup && found.words.length === 1) {
      const subs = commands.filter((c) => c.name.startsWith(`${group} `)).map((c) => c.name.slice(group.length + 1));
      io.err(`error: "minik ${group}" needs a subcommand: ${subs.join(', ')} (see minik ${group} --help)\n`);
      return 1;
    }
    const shown = isGroup ? found.words.slice(0, 2).join(' ') : group;
    io.err(`error: unknown command "${shown}" for "minik" (see minik --help)\n`);
    return 1;
  }
  if (wantsHelp) {
    io.out(commandHelp(module));
    return 0;
  }

  if (!module.allowUnknownOptions) {
    const unknown = unknownFlag(found.argv.slice(1), [...GLOBAL_OPTIONS, HELP_OPTION, VERSION_OPTION, ...(module.options ?? [])]);
    if (unknown) {
      io.err(`error: unknown flag: ${unknown}\n`);
      return 1;
    }
  }
  const cli = cac('minik');
  for (const spec of [...GLOBAL_OPTIONS, HELP_OPTION, VERSION_OPTION]) cli.option(spec.flags, spec.description);
  const command = cli.command(`${module.name}${module.args ? ` ${module.args}` : ''}`, module.description, {
    allowUnknownOptions: module.allowUnknownOptions,
  });
  for (const spec of module.options ?? []) {
    command.option(spec.flags, spec.description, {
      ...(spec.default !== undefined ? { default: spec.default } : {}),
      ...(spec.repeatable ? { type: [String] } : {}),
    });
  }
  let input: CommandInput | undefined;
  let ctx: CommandContext | undefined;
  command.action((...actionArgs: unknown[]) => {
    const options = actionArgs[actionArgs.length - 1] as Record<string, unknown>;
    input = { args: (cli.args as string[]).map(String), options, passthrough: tail };
  });
  try {
    cli.parse(['node', 'minik', ...found.argv], { run: false });
    cli.runMatchedCommand();
    if (!input) throw new Error(`internal: command ${module.name} was not dispatched`);
    const flags = {
      server: optionalString(input.options.server),
      token: optionalString(input.options.token),
      caFile: optionalString(input.options.caFile),
    };
    ctx = createContext(io, flags);
    ctx.noColor = input.options.color === false;
    const code = await module.run(ctx, input);
    return typeof code === 'number' ? code : 0;
  } catch (err) {
    io.err(`${formatError(err)}${await connectionHint(err, ctx)}\n`);
    return 1;
  }
}

/** When nothing named a server, say where one comes from (kubectl: "did you specify the right host or port?"). */
async function connectionHint(err: unknown, ctx: CommandContext | undefined): Promise<string> {
  if (!(err instanceof ConnectionError) || !ctx) return '';
  try {
    const config = await ctx.config();
    return config.serverSource === 'default' ? ` (no server configured: start a lab with "minik up", or pass --server / set MINIK_SERVER)` : '';
  } catch {
    return '';
  }
}

function optionalString(v: unknown): string | undefined {
  return v === undefined || v === null || typeof v === 'boolean' ? undefined : String(v);
}
