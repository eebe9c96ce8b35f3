// Progress of `minik up`/`down`, one line per step: a spinner (ora) while a
// step runs on a terminal, plain lines otherwise (pipes, CI, logs). The
// recording twin lets tests check what a person would have read.

import ora from 'ora';

export interface Progress {
  /** Runs `work` under a spinner labelled `text`; its final line is `done(result)` or `text`. */
  step<T>(text: string, work: () => Promise<T>, done?: (result: T) => string): Promise<T>;
  info(text: string): void;
  warn(text: string): void;
  /** A plain line (the closing "what to type next"). */
  say(text: string): void;
}

export function oraProgress(stream: NodeJS.WriteStream = process.stdout): Progress {
  return {
    async step(text, work, done) {
      const spinner = ora({ text, stream });
      // Without a terminal ora would print the text twice (start, then done): print only the outcome.
      if (spinner.isEnabled) spinner.start();
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
