// Runs inside a network namespace for bench/first-packet.ts:
//   tcp-probe.ts serve PORT              answer every connection with one byte
//   tcp-probe.ts probe IP PORT COUNT     COUNT fresh connections in a row; prints
//                                        a JSON array of connect→first-byte times in µs
import net from 'node:net';

const [mode, ...args] = process.argv.slice(2);

if (mode === 'serve') {
  net.createServer((s) => s.end('x')).listen(Number(args[0]), '0.0.0.0');
} else if (mode === 'probe') {
  const [ip, port, count] = [args[0], Number(args[1]), Number(args[2])];
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const start = process.hrtime.bigint();
      const s = net.connect({ host: ip, port });
      s.setTimeout(2000, () => s.destroy(new Error(`no answer from ${ip}:${port} in 2 s`)));
      s.once('data', () => {
        resolve(Number(process.hrtime.bigint() - start) / 1000);
        s.destroy();
      });
      s.once('error', reject);
    });
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(await once());
  console.log(JSON.stringify(out));
} else {
  console.error('usage: tcp-probe.ts serve PORT | probe IP PORT COUNT');
  process.exit(2);
}
