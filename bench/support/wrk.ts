// Reading `wrk --latency` output: requests per second and latency percentiles.

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

export interface WrkResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** connect/read/write/timeout errors and non-2xx answers wrk counted */
  errors: number;
}

const duration = (text: string) => {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2]] : NaN;
};

export function parseWrk(out: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const p = (pct: string) => duration(new RegExp(`^\\s*${pct}%\\s+(\\S+)`, 'm').exec(out)?.[1] ?? '');
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const errors = (socketErrors ? socketErrors.slice(1).reduce((n, x) => n + Number(x), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0);
  return { requestsPerSecond: rps ? Number(rps[1]) : NaN, p50Ms: p('50'), p99Ms: p('99'), errors };
}
