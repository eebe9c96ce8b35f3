// Picking the apiserver's port: 6443 as the design says, unless another lab
// (or anything else) holds it on 127.0.0.1, so a test lab can run beside a
// person's. REST uses PORT and gRPC PORT+1, so both must be free.

import { createServer } from 'node:net';

export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The first PORT (stepping by 2 from `preferred`) with PORT and PORT+1 both free on 127.0.0.1. */
export async function pickApiPort(preferred: number, isFree = portFree, attempts = 50): Promise<number> {
  for (let port = preferred; port < preferred + 2 * attempts; port += 2) {
    if ((await isFree(port)) && (await isFree(port + 1))) return port;
  }
  throw new Error(`no free port pair for the apiserver from ${preferred} to ${preferred + 2 * attempts - 1}`);
}
