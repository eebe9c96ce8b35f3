// One long-lived TCP connection (HTTP/1.1 keep-alive) to HOST:PORT, a GET on
// it every INTERVAL ms for DURATION ms; prints a JSON summary. Used to show
// that established flows survive an agent or apiserver crash.
//   node flow-probe.mjs HOST PORT DURATION_MS [INTERVAL_MS]
import net from 'node:net';

const [host, port, duration, interval = '100'] = process.argv.slice(2);
const summary = { ok: 0, errors: [], pods: {}, localPort: 0 };
const socket = net.connect({ host, port: Number(port) });
let buffer = '';
let waiting = false;

socket.on('connect', () => {
  summary.localPort = socket.localPort;
  const timer = setInterval(() => {
    if (waiting) return summary.errors.push('no answer within one interval');
    waiting = true;
    socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\n\r\n`);
  }, Number(interval));
  setTimeout(() => {
    clearInterval(timer);
    socket.end();
    console.log(JSON.stringify(summary));
    process.exit(0);
  }, Number(duration));
});
socket.on('data', (chunk) => {
  buffer += chunk.toString();
  // Each answer is a small JSON body with content-length; count complete ones.
  for (;;) {
    const head = buffer.indexOf('\r\n\r\n');
    if (head < 0) return;
    const length = Number(/content-length:\s*(\d+)/i.exec(buffer.slice(0, head))?.[1] ?? 0);
    if (buffer.length < head + 4 + length) return;
    const body = buffer.slice(head + 4, head + 4 + length);
    buffer = buffer.slice(head + 4 + length);
    waiting = false;
    summary.ok += 1;
    try {
      const pod = JSON.parse(body).pod;
      summary.pods[pod] = (summary.pods[pod] ?? 0) + 1;
    } catch {}
  }
});
socket.on('error', (err) => {
  summary.errors.push(err.message);
  console.log(JSON.stringify(summary));
  process.exit(1);
});
