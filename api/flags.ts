// Flags declared once, with their environment fallback and default:
// `--service-cidr` reads MINIK_SERVICE_CIDR when not given.

export interface FlagSpec {
  name: string;
  description: string;
  default?: string;
}

export const envNameOf = (flag: string) => `MINIK_${flag.replace(/-/g, '_').toUpperCase()}`;

/** flag → value, from the command line first, then the environment, then the default. */
export function resolveFlags(
  specs: readonly FlagSpec[],
  given: Record<string, unknown>,
  env: Record<string, string | undefined>,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const spec of specs) {
    const camel = spec.name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const raw = given[spec.name] ?? given[camel];
    const fromFlag = raw === undefined || raw === '' ? undefined : String(raw);
    out[spec.name] = fromFlag ?? env[envNameOf(spec.name)] ?? spec.default;
  }
  return out;
}

/** `host:port` → parts; a clear error for anything else. */
export function parseHostPort(text: string, what: string): { host: string; port: number } {
  const match = /^(.*):(\d+)$/.exec(text.trim());
  const port = Number(match?.[2]);
  if (!match || !match[1] || port < 0 || port > 65535) throw new Error(`${what} must be HOST:PORT, got "${text}"`);
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}
