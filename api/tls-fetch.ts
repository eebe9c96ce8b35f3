// fetch that trusts one CA: the apiserver's, which signs its own serving
// certificate. Node's global fetch takes no CA, so this is undici's fetch
// (the same implementation Node bundles) with an Agent whose TLS connect
// trusts `ca`. One Agent per call of trustingFetch, so its keep-alive
// connections are reused by every request made through it. Loaded on first
// use: commands that never talk to a server do not pay for undici.

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** A fetch whose TLS connections verify the server against `ca` (PEM) instead of the system's roots. */
export function trustingFetch(ca: string): FetchLike {
  let ready: Promise<FetchLike> | undefined;
  return async (input, init) => {
    ready ??= import('undici').then(({ Agent, fetch }) => {
      const dispatcher = new Agent({ connect: { ca } });
      return (i: string, n?: RequestInit) => fetch(i, { ...(n as object), dispatcher }) as unknown as Promise<Response>;
    });
    return (await ready)(input, init);
  };
}

/** `trustingFetch(ca)` when there is a CA, else the global fetch (http://, or a server with a publicly trusted certificate). */
export function fetchFor(ca: string | undefined): FetchLike {
  return ca ? trustingFetch(ca) : (input, init) => fetch(input, init);
}
