// The shapes every command shares: the Io a command writes through (so tests
// call commands as functions, never spawning), the context that hands out an
// API client, and CommandModule, the one-entry description the registry
// (index.ts) turns into a cac command.

import type { Client, FetchLike } from '../../api/client.ts';
import type { ResolvedConfig } from '../config.ts';
import type { FlagSpec } from '../../api/flags.ts';

export type Env = Record<string, string | undefined>;

/** Everything a command may do to the outside world besides the API. main.ts gives the real one. */
export interface Io {
  /** Writes exactly `text` to stdout (add the newline yourself). */
  out(text: string): void;
  /** Writes exactly `text` to stderr. */
  err(text: string): void;
  /** All of stdin as text (`apply -f -`). */
  readStdin(): Promise<string>;
  /** A file as UTF-8 text; rejects with the fs error (code ENOENT...) otherwise. */
  readFile(path: string): Promise<string>;
  /** Names in a directory (`apply -f DIR/`); optional, without it a directory is an error. */
  readDir?(path: string): Promise<string[]>;
  env: Env;
  now(): Date;
  /**
   * Runs argv with this terminal's stdin/stdout/stderr and resolves with its
   * exit status (exec, ssh). Tests give a fake that records the argv.
   */
  spawnInherited?(argv: string[]): Promise<number>;
  /** Tests inject a fake apiserver here; undefined means the real network. */
  fetch?: FetchLike;
  /** Resolves with the signal's name (SIGINT, SIGTERM) when the process is asked to stop; daemons await it. */
  untilSignal(): Promise<string>;
  /** stdout's terminal, when it is one (main.ts); absent in tests and for pipes. Decides spinners and colour. */
  terminal?(): { isTTY: boolean; columns: number | undefined };
  /** The argv prefix that starts this same minik again: `[binary]`, or `[node, ...tsx loader, script]`. */
  selfArgv: string[];
}

export interface CommandContext {
  io: Io;
  /** Server, token and lab from flags, env and ~/.minik/config (read once, on first use). */
  config(): Promise<ResolvedConfig>;
  /** An API client for the resolved server and token (built once, on first use). */
  client(): Promise<Client>;
  /** --no-color was given (NO_COLOR is read from io.env where colour is decided). */
  noColor?: boolean;
}

export interface CommandInput {
  /** Positional arguments after the command words (`get svc web` → ['svc', 'web']). */
  args: string[];
  /** Parsed flags, camelCased (`--node-port` → nodePort); repeatable flags are string arrays. */
  options: Record<string, unknown>;
  /** Everything after `--`, unchanged (`run NAME -- CMD ARGS`, `exec POD -- ARGV`). */
  passthrough: string[];
}

export interface OptionSpec {
  /** cac syntax: `-n, --namespace <ns>`, `-A, --all-namespaces`, `--tcp <port>`. */
  flags: string;
  description: string;
  default?: string | number | boolean;
  /** May be given several times; the value is always a string array. */
  repeatable?: boolean;
}

/**
 * One command. Keep the module itself light: import heavy libraries (hono,
 * grpc, level) inside `run` with `await import(...)`, so `minik --help` and
 * `minik --version` start fast.
 */
export interface CommandModule {
  /** The words that select it: `get`, `svc create`. */
  name: string;
  /** Positional arguments in cac syntax: `<kind> [name]`, `<pod> [...argv]`. */
  args?: string;
  description: string;
  options?: OptionSpec[];
  /** Shown under Examples in `--help`, without the leading `minik `. */
  examples?: string[];
  /** Daemons that parse their own flags may accept unknown ones. */
  allowUnknownOptions?: boolean;
  /** Returns the exit code (0 when nothing is returned). Throw for errors; the edge prints them. */
  run(ctx: CommandContext, input: CommandInput): Promise<number | void>;
}

/** A mistake in how the command was called: printed as `error: ...`, exit 1. */
export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Shared flag definitions, so every command spells them the same. */
export const NAMESPACE_OPTION: OptionSpec = {
  flags: '-n, --namespace <namespace>',
  description: 'Namespace (default: default)',
};
export const ALL_NAMESPACES_OPTION: OptionSpec = {
  flags: '-A, --all-namespaces',
  description: 'Across all namespaces',
};

/** Reads a flag that must be a single string (mri turns `--x 80` into a number, `--x a --x b` into an array). */
export function stringOption(options: Record<string, unknown>, name: string): string | undefined {
  const v = options[name];
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) throw new UsageError(`flag --${kebab(name)} may be given only once`);
  if (typeof v === 'boolean') throw new UsageError(`flag needs an argument: --${kebab(name)}`);
  return String(v);
}

/** A repeatable flag's values (declared `repeatable`), always strings. */
export function listOption(options: Record<string, unknown>, name: string): string[] {
  const v = options[name];
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => {
    if (typeof x === 'boolean') throw new UsageError(`flag needs an argument: --${kebab(name)}`);
    return String(x);
  });
}

export const kebab = (camel: string) => camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** `-n` value, or `default`. */
export const namespaceOf = (options: Record<string, unknown>) => stringOption(options, 'namespace') || 'default';

/** cac options for daemon flags declared once in a FlagSpec table (each also read from MINIK_*). */
export function daemonOptions(specs: readonly FlagSpec[]): OptionSpec[] {
  return specs.map((f) => ({
    flags: `--${f.name} <value>`,
    description: `${f.description}${f.default ? ` (default: ${f.default})` : ''}`,
  }));
}
