import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { certificateSans, loadOrCreateCa, loadOrCreateTls, servingSans, SERVING_VALIDITY_DAYS, TLS_FILES, type ServingTls } from './tls.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'minik-tls-'));
  dirs.push(d);
  return d;
};
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const SANS = servingSans(['127.0.0.1', '192.168.77.1'], {});

/** Opens a TLS connection to `server` trusting `ca` as `servername`; resolves with the error or 'ok'. */
function handshake(port: number, ca: string, host: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername: host === '127.0.0.1' ? undefined : host });
    socket.once('secureConnect', () => {
      socket.end();
      resolve('ok');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

async function serve(tls: ServingTls): Promise<{ server: Server; port: number }> {
  const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

test('servingSans: localhost and 127.0.0.1 always; IPs and names from the listen hosts', () => {
  assert.equal(servingSans(['192.168.77.1', 'minik.example', '[::1]'], {}), {
    dns: ['localhost', 'minik.example'],
    ips: ['127.0.0.1', '192.168.77.1', '::1'],
  });
});

test('servingSans: a wildcard host names every IPv4 address of the machine (:: adds IPv6)', () => {
  const ifaces = {
    lo: [{ address: '127.0.0.1', family: 'IPv4' }],
    eth0: [
      { address: '10.1.2.3', family: 'IPv4' },
      { address: 'fe80::1%eth0', family: 'IPv6' },
    ],
  } as unknown as Parameters<typeof servingSans>[1];
  assert.equal(servingSans(['0.0.0.0'], ifaces).ips, ['10.1.2.3', '127.0.0.1']);
  assert.equal(servingSans(['::'], ifaces).ips, ['10.1.2.3', '127.0.0.1', 'fe80::1']);
});

test('first start makes a CA and a serving certificate for the addresses; keys are 0600', async () => {
  const dir = tempDir();
  const tls = await loadOrCreateTls(dir, SANS);
  assert.is(tls.issued, 'ca');
  assert.is(tls.caFile, join(dir, TLS_FILES.caCert));
  assert.is(readFileSync(tls.caFile, 'utf8'), tls.caPem);
  for (const key of [TLS_FILES.caKey, TLS_FILES.servingKey]) assert.is(statSync(join(dir, key)).mode & 0o777, 0o600, key);

  const ca = new X509Certificate(tls.caPem);
  const cert = new X509Certificate(tls.certPem);
  assert.ok(ca.ca, 'the CA is a CA');
  assert.not.ok(cert.ca, 'the serving certificate is not');
  assert.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey), 'signed by the CA');
  assert.equal(certificateSans(cert), SANS);
  assert.ok(/^CN=minik-ca@\d+$/.test(ca.subject), ca.subject);
  assert.equal(cert.keyUsage, ['1.3.6.1.5.5.7.3.1'], 'serverAuth');
  const days = (new Date(cert.validTo).getTime() - Date.now()) / 86_400_000;
  assert.ok(days > SERVING_VALIDITY_DAYS - 2 && days <= SERVING_VALIDITY_DAYS, `${days} days`);
});

test('a client trusting the CA completes the handshake by IP and by name; another CA or a name not in the SANs fails', async () => {
  const tls = await loadOrCreateTls(tempDir(), SANS);
  const other = await loadOrCreateTls(tempDir(), SANS);
  const { server, port } = await serve(tls);
  try {
    assert.is(await handshake(port, tls.caPem, '127.0.0.1'), 'ok');
    assert.is(await handshake(port, tls.caPem, 'localhost'), 'ok');
    assert.is(await handshake(port, other.caPem, '127.0.0.1'), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    assert.is(await handshake(port, tls.caPem, 'elsewhere.example'), 'ERR_TLS_CERT_ALTNAME_INVALID');
  } finally {
    server.close();
  }
});

test('a later start with the same addresses keeps everything', async () => {
  const dir = tempDir();
  const first = await loadOrCreateTls(dir, SANS);
  const again = await loadOrCreateTls(dir, servingSans(['192.168.77.1', '127.0.0.1'], {}));
  assert.is(again.issued, 'none');
  assert.is(again.caPem, first.caPem);
  assert.is(again.certPem, first.certPem);
  assert.is(again.keyPem, first.keyPem);
});

test('changed addresses re-issue the serving certificate and keep the CA', async () => {
  const dir = tempDir();
  const first = await loadOrCreateTls(dir, SANS);
  const wider = servingSans(['127.0.0.1', '192.168.78.1'], {});
  const again = await loadOrCreateTls(dir, wider);
  assert.is(again.issued, 'serving');
  assert.is(again.caPem, first.caPem);
  assert.is.not(again.certPem, first.certPem);
  assert.equal(certificateSans(new X509Certificate(again.certPem)), wider);
  assert.ok(new X509Certificate(again.certPem).verify(new X509Certificate(first.caPem).publicKey));
});

test('a serving certificate near its end is re-issued; the CA is kept', async () => {
  const dir = tempDir();
  const first = await loadOrCreateTls(dir, SANS);
  const later = new Date(Date.now() + (SERVING_VALIDITY_DAYS - 10) * 86_400_000);
  const again = await loadOrCreateTls(dir, SANS, later);
  assert.is(again.issued, 'serving');
  assert.is(again.caPem, first.caPem);
});

test('a serving key that does not match, or a certificate from another CA, is replaced', async () => {
  const dir = tempDir();
  const first = await loadOrCreateTls(dir, SANS);
  const other = await loadOrCreateTls(tempDir(), SANS);
  writeFileSync(join(dir, TLS_FILES.servingKey), other.keyPem);
  assert.is((await loadOrCreateTls(dir, SANS)).issued, 'serving');
  writeFileSync(join(dir, TLS_FILES.servingCert), other.certPem);
  const fixed = await loadOrCreateTls(dir, SANS);
  assert.is(fixed.issued, 'serving');
  assert.is(fixed.caPem, first.caPem);
  assert.ok(new X509Certificate(fixed.certPem).checkIssued(new X509Certificate(first.caPem)));
});

test('a lost CA key means a new CA and a new serving certificate', async () => {
  const dir = tempDir();
  const first = await loadOrCreateTls(dir, SANS);
  unlinkSync(join(dir, TLS_FILES.caKey));
  const again = await loadOrCreateTls(dir, SANS);
  assert.is(again.issued, 'ca');
  assert.is.not(again.caPem, first.caPem);
  assert.ok(new X509Certificate(again.certPem).checkIssued(new X509Certificate(again.caPem)));
});

test('a CA put in place beforehand (as the Vagrant lab does, key in SEC1 form as openssl writes it) is used, not replaced', async () => {
  const hostDir = tempDir();
  const ca = await loadOrCreateCa(hostDir);
  assert.ok(ca.created);
  assert.is((await loadOrCreateCa(hostDir)).created, false, 'kept on the second call');
  const dataDir = tempDir();
  writeFileSync(join(dataDir, TLS_FILES.caCert), ca.certPem);
  writeFileSync(join(dataDir, TLS_FILES.caKey), createPrivateKey(ca.keyPem).export({ type: 'sec1', format: 'pem' }) as string, { mode: 0o600 });
  const tls = await loadOrCreateTls(dataDir, SANS);
  assert.is(tls.issued, 'serving');
  assert.is(tls.caPem, ca.certPem);
  assert.ok(new X509Certificate(tls.certPem).verify(new X509Certificate(ca.certPem).publicKey));
});

test('garbage in a certificate file is replaced, not fatal', async () => {
  const dir = tempDir();
  await loadOrCreateTls(dir, SANS);
  writeFileSync(join(dir, TLS_FILES.servingCert), 'not a certificate');
  assert.is((await loadOrCreateTls(dir, SANS)).issued, 'serving');
});

test.run();
