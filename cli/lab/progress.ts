// Progress of `minik up`/`down`, one line per step: a spinner (ora) while a
// step runs on a real terminal, plain lines otherwise (pipes, CI, logs,
// `script` sessions reporting 0 columns). The recording twin lets tests check
// what a person would have read.
//
// Why not ora everywhere: ora's symbols are coloured whatever the stream (so
// colour went into pipes), and its line counting divides by the terminal's
// column count, which loops forever when a pseudo-terminal reports 0 columns.

import ora from 'ora';
import type { Env } from '../commands/types.ts';

export interface Progress {
  /** Runs `work` under a spinner labelled `text`; its final line is `done(result)` or `text`. */
  step<T>(text: string, work: () => Promise<T>, done?: (result: T) => string): Promise<T>;
  info(text: string): void;
  warn(text: string): void;
  /** A plain line (the closing "what to type next"). */
  say(text: string): void;
}

/** What decides between a spinner and plain lines. */
export interface TerminalInfo {
  isTTY: boolean;
  /** 0 or undefined under some pseudo-terminals (`script`, CI runners). */
  columns: number | undefined;
  env: Env;
  /** --no-color was given */
  noColor?: boolean;
}

/** Colour only on a terminal, never with NO_COLOR (any value, https://no-color.org) or --no-color; FORCE_COLOR=0 too. */
export function colorAllowed(t: TerminalInfo): boolean {
  if (t.noColor) return false;
  if (t.env.NO_COLOR !== undefined && t.env.NO_COLOR !== '') return false;
  if (t.env.FORCE_COLOR === '0') return false;
  return t.isTTY && t.env.TERM !== 'dumb';
}

/** A spinner redraws lines, so it needs a terminal that says how wide it is; it is coloured, so colour must be allowed. */
export function spinnerAllowed(t: TerminalInfo): boolean {
  return colorAllowed(t) && typeof t.columns === 'number' && t.columns > 0;
}

/** Plain lines: `✓ step`, `✗ step: failed`, `i note`, `! warning`. No escapes, ever. */
export function plainProgress(write: (text: string) => void): Progress {
  return {
    async step(text, work, done) {
      try {
        const result = await work();
        write(`✓ ${done ? done(result) : text}\n`);
        return result;
      } catch (err) {
        write(`✗ ${text}: failed\n`);
        throw err;
      }
    },
    info: (text) => write(`i ${text}\n`),
    warn: (text) => write(`! ${text}\n`),
    say: (text) => write(`${text}\n`),
  };
}

export function oraProgress(stream: NodeJS.WriteStream = process.stdout): Progress {
  return {
    async step(text, work, done) {
      const spinner = ora({ text, stream, discardStdin: false }).start();
      try {
        const result = await work();
        spinner.succeed(done ? done(result) : text);
        return result;
      } catch (err) {
        spinner.fail(`${text}: failed`);
        throw err;
      }
    },
    info: (text) => void ora({ text, stream }).info(),
    warn: (text) => void ora({ text, stream }).warn(),
    say: (text) => void stream.write(`${text}\n`),
  };
}

export class RecordingProgress implements Progress {
  readonly lines: string[] = [];

  async step<T>(text: string, work: () => Promise<T>, done?: (result: T) => string): Promise<T> {
    try {
      const result = await work();
      this.lines.push(`ok: ${done ? done(result) : text}`);
      return result;
    } catch (err) {
      this.lines.push(`failed: ${text}`);
      throw err;
    }
  }

  info(text: string): void {
    this.lines.push(`info: ${text}`);
  }

  warn(text: string): void {
    this.lines.push(`warn: ${text}`);
  }

  say(text: string): void {
    this.lines.push(text);
  }
}
