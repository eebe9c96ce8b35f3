// The line protocol between bench/programming-latency.ts and the probers it
// starts in pod namespaces (service-prober.ts), plus the few pure helpers
// both sides share. No I/O here.

export type ProberCommand =
  | { kind: 'probe'; id: string; ip: string; port: number }
  | { kind: 'stop' }
  | { kind: 'invalid'; message: string };

export interface ProberAnswer {
  id: string;
  /** wall-clock ms (see wallClockMs) when the first answer arrived */
  at: number;
  pod: string;
  attempts: number;
}

export const probeLine = (id: string, ip: string, port: number) => `probe ${id} ${ip} ${port}\n`;
export const STOP_LINE = 'stop\n';

export function parseProberCommand(line: string): ProberCommand {
  const words = line.trim().split(/\s+/);
  if (words[0] === 'stop' && words.length === 1) return { kind: 'stop' };
  if (words[0] === 'probe' && words.length === 4) {
    const port = Number(words[3]);
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(words[2]) && Number.isInteger(port) && port > 0 && port < 65536) {
      return { kind: 'probe', id: words[1], ip: words[2], port };
    }
  }
  return { kind: 'invalid', message: `unknown command: ${JSON.stringify(line)}` };
}

/** `ok ID AT POD N` → answer; anything else (ready, error ...) → undefined. */
export function parseProberAnswer(line: string): ProberAnswer | undefined {
  const m = /^ok (\S+) (\d+(?:\.\d+)?) (\S+) (\d+)$/.exec(line.trim());
  return m ? { id: m[1], at: Number(m[2]), pod: m[3], attempts: Number(m[4]) } : undefined;
}

/**
 * The echo server's JSON once a whole HTTP 200 answer is in `raw`, else
 * undefined (incomplete, or not an echo answer: a half answer must not count).
 */
export function parseEchoAnswer(raw: string): { pod: string } | undefined {
  const split = raw.indexOf('\r\n\r\n');
  if (split < 0 || !/^HTTP\/1\.[01] 200 /.test(raw)) return undefined;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(raw.slice(0, split));
  const body = raw.slice(split + 4);
  if (length && Buffer.byteLength(body, 'latin1') < Number(length[1])) return undefined;
  try {
    const json = JSON.parse(body) as { pod?: unknown };
    return typeof json.pod === 'string' ? { pod: json.pod } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Wall-clock milliseconds with sub-ms precision, comparable between the
 * benchmark and its probers (separate processes on the same machine):
 * performance.timeOrigin is each process' start on the realtime clock.
 */
export const wallClockMs = () => performance.timeOrigin + performance.now();

/** Nearest-rank percentile (p99 of 100 samples is the 99th smallest, not the max). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}
