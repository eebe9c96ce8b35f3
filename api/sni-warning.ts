// grpc-js hands the target's host to TLS as the SNI servername, also when the
// host is an IP address (agents dial the apiserver at 192.168.77.1:6444), and
// Node then prints DEP0123 ("Setting the TLS ServerName to an IP address is
// not permitted") into every agent's log. Node ignores such a servername, and
// the certificate is still verified against the address (its IP SAN), so the
// warning tells a user nothing. This drops that one warning, nothing else.

const SNI_IP_WARNING = 'DEP0123';
let installed = false;

/** Whether a process warning is the SNI-to-an-IP deprecation (pure, for the test). */
export function isSniIpWarning(warning: string | Error, typeOrOptions?: unknown, code?: unknown): boolean {
  if (code === SNI_IP_WARNING) return true;
  if (typeof typeOrOptions === 'object' && typeOrOptions !== null && (typeOrOptions as { code?: unknown }).code === SNI_IP_WARNING) return true;
  return warning instanceof Error && (warning as Error & { code?: unknown }).code === SNI_IP_WARNING;
}

export function silenceSniIpWarning(): void {
  if (installed) return;
  installed = true;
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (isSniIpWarning(warning, rest[0], rest[1])) return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}
