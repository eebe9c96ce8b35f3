// The apiserver's TLS material, kept in its data dir: a CA made at first start
// and a serving certificate it signs for every address the server listens on
// (plus localhost and 127.0.0.1). A later start keeps both while they still
// fit; the serving certificate alone is issued again when the addresses
// change, when it nears its end or when it no longer matches the CA or its
// key. The CA is only replaced when it is missing or expired, so clients that
// already trust it keep working.
//
// Checking uses Node's own X509Certificate; issuing needs a library (Node
// cannot sign certificates), loaded only when something must be issued.
// Keys are ECDSA P-256: fast to make and to handshake with, and accepted by
// kubectl, curl, grpc-js and browsers alike.

import { createPrivateKey, randomBytes, X509Certificate, webcrypto } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { SERVER_CA_FILE } from '../api/layout.ts';

export const TLS_FILES = {
  caCert: SERVER_CA_FILE,
  caKey: 'ca.key',
  servingCert: 'apiserver.crt',
  servingKey: 'apiserver.key',
} as const;

const DAY_MS = 86_400_000;
export const CA_VALIDITY_DAYS = 3650;
export const SERVING_VALIDITY_DAYS = 365;
/** A serving certificate with less left than this is issued again at start. */
export const RENEW_BEFORE_DAYS = 30;
/** Clocks of clients and VMs drift; a certificate valid from an hour ago is not rejected as "not yet valid". */
const BACKDATE_MS = 3_600_000;

const EC_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface SubjectAltNames {
  dns: string[];
  ips: string[];
}

export interface ServingTls {
  /** PEM of the CA clients must trust. */
  caPem: string;
  caFile: string;
  /** PEM of the serving certificate and its key. */
  certPem: string;
  keyPem: string;
  /** What this start had to make: nothing, the serving certificate, or the CA and the serving certificate. */
  issued: 'none' | 'serving' | 'ca';
}

export class TlsError extends Error {
  readonly code = 'TLS_MATERIAL';
  constructor(message: string) {
    super(message);
    this.name = 'TlsError';
  }
}

type Interfaces = ReturnType<typeof networkInterfaces>;

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/**
 * The names a serving certificate must carry for these listen hosts. A
 * wildcard host (0.0.0.0, ::) stands for every address of this machine, so
 * each interface address is named. Sorted and deduplicated, so two calls
 * with the same input compare equal.
 */
export function servingSans(listenHosts: readonly string[], interfaces: Interfaces = networkInterfaces()): SubjectAltNames {
  const dns = new Set<string>(['localhost']);
  const ips = new Set<string>(['127.0.0.1']);
  for (const raw of listenHosts) {
    const host = raw.replace(/^\[|\]$/g, '');
    if (WILDCARDS.has(host)) {
      for (const list of Object.values(interfaces)) {
        for (const a of list ?? []) if (host === '::' || a.family === 'IPv4') ips.add(a.address.replace(/%.*$/, ''));
      }
    } else if (isIP(host)) {
      ips.add(host);
    } else {
      dns.add(host.toLowerCase());
    }
  }
  return { dns: [...dns].sort(), ips: [...ips].sort() };
}

/** SANs of a certificate as Node reports them (`DNS:localhost, IP Address:127.0.0.1`). */
export function certificateSans(cert: X509Certificate): SubjectAltNames {
  const dns: string[] = [];
  const ips: string[] = [];
  for (const part of (cert.subjectAltName ?? '').split(/,\s*/)) {
    const [type, ...rest] = part.split(':');
    const value = rest.join(':');
    if (type === 'DNS') dns.push(value.toLowerCase());
    else if (type === 'IP Address') ips.push(normalizeIp(value));
  }
  return { dns: [...new Set(dns)].sort(), ips: [...new Set(ips)].sort() };
}

/** Node prints IPv6 SANs in full form; compare them in the short form listen hosts use. */
function normalizeIp(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return ip;
  }
}

const sameSans = (a: SubjectAltNames, b: SubjectAltNames) =>
  a.dns.join(',') === b.dns.join(',') && a.ips.map(normalizeIp).sort().join(',') === b.ips.map(normalizeIp).sort().join(',');

/** Why a stored serving certificate cannot be kept, or undefined when it can. */
export function servingCertProblem(
  cert: X509Certificate,
  keyPem: string,
  ca: X509Certificate,
  wanted: SubjectAltNames,
  now: Date,
): string | undefined {
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return 'not signed by the CA';
  if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return 'does not match its key';
  if (new Date(cert.validFrom).getTime() > now.getTime()) return 'not valid yet';
  if (new Date(cert.validTo).getTime() - now.getTime() < RENEW_BEFORE_DAYS * DAY_MS) return 'expires soon';
  if (!sameSans(certificateSans(cert), wanted)) return 'addresses changed';
  return undefined;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Write then rename, so a crash never leaves half a key behind. */
async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode });
  await rename(tmp, path);
}

function parseCert(pem: string | undefined): X509Certificate | undefined {
  if (!pem) return undefined;
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

function usableCa(cert: X509Certificate | undefined, keyPem: string | undefined, now: Date): cert is X509Certificate {
  if (!cert || !keyPem || !cert.ca) return false;
  try {
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return false;
  } catch {
    return false;
  }
  return new Date(cert.validTo).getTime() > now.getTime() + DAY_MS;
}

export interface CaFiles {
  certPem: string;
  keyPem: string;
  /** Whether this call made it (none was there, or the one there was unusable). */
  created: boolean;
}

/**
 * The CA in `dir` (ca.crt, ca.key), made when missing, unusable or expired.
 * Also what `minik up --provider vagrant` calls on the host, so the VMs get
 * the CA the host's CLI already trusts.
 */
export async function loadOrCreateCa(dir: string, now: Date = new Date()): Promise<CaFiles> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const certPath = join(dir, TLS_FILES.caCert);
  const keyPath = join(dir, TLS_FILES.caKey);
  const certPem = await readOptional(certPath);
  const keyPem = await readOptional(keyPath);
  if (usableCa(parseCert(certPem), keyPem, now)) return { certPem: certPem!, keyPem: keyPem!, created: false };
  const made = await issueCa(now);
  await writeAtomic(keyPath, made.keyPem, 0o600);
  await writeAtomic(certPath, made.certPem, 0o644);
  return { ...made, created: true };
}

/**
 * Loads the CA and serving certificate from `dataDir`, making what is
 * missing or unfit. Keys are written with mode 0600.
 */
export async function loadOrCreateTls(dataDir: string, sans: SubjectAltNames, now: Date = new Date()): Promise<ServingTls> {
  const ca = await loadOrCreateCa(dataDir, now);
  const path = (name: keyof typeof TLS_FILES) => join(dataDir, TLS_FILES[name]);
  let certPem = await readOptional(path('servingCert'));
  let keyPem = await readOptional(path('servingKey'));
  let issued: ServingTls['issued'] = ca.created ? 'ca' : 'none';

  const cert = parseCert(certPem);
  const problem = cert && keyPem ? safeProblem(cert, keyPem, new X509Certificate(ca.certPem), sans, now) : 'missing';
  if (problem) {
    const made = await issueServing(ca, sans, now);
    await writeAtomic(path('servingKey'), made.keyPem, 0o600);
    await writeAtomic(path('servingCert'), made.certPem, 0o644);
    [certPem, keyPem] = [made.certPem, made.keyPem];
    if (issued === 'none') issued = 'serving';
  }
  return { caPem: ca.certPem, caFile: path('caCert'), certPem: certPem!, keyPem: keyPem!, issued };
}

function safeProblem(cert: X509Certificate, keyPem: string, ca: X509Certificate, sans: SubjectAltNames, now: Date): string | undefined {
  try {
    return servingCertProblem(cert, keyPem, ca, sans, now);
  } catch (err) {
    return `unreadable (${(err as Error).message})`;
  }
}

// ---- issuing (the only part that needs the X.509 library) ----

type X509Lib = typeof import('@peculiar/x509');
let x509Lib: Promise<X509Lib> | undefined;

function loadX509(): Promise<X509Lib> {
  x509Lib ??= (async () => {
    // @peculiar/x509 resolves its ASN.1 parsers through tsyringe, which needs the Reflect metadata API first.
    await import('reflect-metadata');
    const lib = await import('@peculiar/x509');
    lib.cryptoProvider.set(webcrypto as unknown as Crypto);
    return lib;
  })();
  return x509Lib;
}

/** Positive, 128 random bits: RFC 5280 wants unique serials, Go rejects negative ones. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  bytes[0] |= 0x01;
  return bytes.toString('hex');
}

async function exportKeyPem(lib: X509Lib, key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey);
  return lib.PemConverter.encode(der, 'PRIVATE KEY');
}

interface Issued {
  certPem: string;
  keyPem: string;
}

async function issueCa(now: Date): Promise<Issued> {
  const lib = await loadX509();
  const keys = (await webcrypto.subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const cert = await lib.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    // The start time in the name (as k3s does) tells one lab's CA from another's in a trust store.
    name: `CN=minik-ca@${Math.floor(now.getTime() / 1000)}`,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS),
    keys,
    signingAlgorithm: EC_ALGORITHM,
    extensions: [
      new lib.BasicConstraintsExtension(true, 0, true),
      new lib.KeyUsagesExtension(lib.KeyUsageFlags.keyCertSign | lib.KeyUsageFlags.cRLSign | lib.KeyUsageFlags.digitalSignature, true),
      await lib.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportKeyPem(lib, keys.privateKey) };
}

async function issueServing(ca: Issued, sans: SubjectAltNames, now: Date): Promise<Issued> {
  const lib = await loadX509();
  const caCert = new lib.X509Certificate(ca.certPem);
  // Any PEM form of the key (PKCS#8, or SEC1 from openssl/Ruby), as PKCS#8 for webcrypto.
  const pkcs8 = createPrivateKey(ca.keyPem).export({ type: 'pkcs8', format: 'der' });
  const caKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, EC_ALGORITHM, false, ['sign']);
  const keys = (await webcrypto.subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const cert = await lib.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: 'CN=minik-apiserver',
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + SERVING_VALIDITY_DAYS * DAY_MS),
    signingKey: caKey as unknown as CryptoKey,
    publicKey: keys.publicKey,
    signingAlgorithm: EC_ALGORITHM,
    extensions: [
      new lib.BasicConstraintsExtension(false, undefined, true),
      new lib.KeyUsagesExtension(lib.KeyUsageFlags.digitalSignature | lib.KeyUsageFlags.keyEncipherment, true),
      new lib.ExtendedKeyUsageExtension([lib.ExtendedKeyUsage.serverAuth]),
      new lib.SubjectAlternativeNameExtension([
        ...sans.dns.map((value) => ({ type: 'dns' as const, value })),
        ...sans.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await lib.AuthorityKeyIdentifierExtension.create(caCert),
      await lib.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportKeyPem(lib, keys.privateKey) };
}
