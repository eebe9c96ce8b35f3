// A long-lived prober for bench/programming-latency.ts, started by the
// benchmark inside a pod's network namespace. It is told over stdin which
// address to probe and reports over stdout when the first answer came back:
//
//   stdin   probe ID IP PORT   start a fresh TCP connection + HTTP GET to
//                              IP:PORT every INTERVAL ms until one answers
//           stop               give up on the current target
//   stdout  ready              once, at start
//           ok ID AT POD N     first answer for ID at wall-clock AT (ms, µs
//                              precision), served by POD, after N attempts
//
// Every attempt is a NEW connection: a SYN sent before the node has its rules
// leaves a conntrack entry that was never DNATed, so retrying on the same
// socket would never see the new rules; a fresh source port does.
//
//   node --import tsx bench/support/service-prober.ts [--interval 1] [--attempt-timeout 250]
import net from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { parseEchoAnswer, parseProberCommand, wallClockMs } from './prober-protocol.ts';

const { values } = parseArgs({
  options: {
    interval: { type: 'string', default: '1' },
    'attempt-timeout': { type: 'string', default: '250' },
    'max-in-flight': { type: 'string', default: '500' },
  },
});
const INTERVAL_MS = Number(values.interval);
const ATTEMPT_TIMEOUT_MS = Number(values['attempt-timeout']);
// Before the rules exist a SYN to a ClusterIP goes unanswered; attempts pile up
// until their timeout. The cap keeps the fd count bounded if a service never works.
const MAX_IN_FLIGHT = Number(values['max-in-flight']);

interface Target {
  id: string;
  ip: string;
  port: number;
  attempts: number;
  done: boolean;
  timer: NodeJS.Timeout;
  sockets: Set<net.Socket>;
}

let current: Target | undefined;

function stop(target: Target | undefined): void {
  if (!target) return;
  target.done = true;
  clearInterval(target.timer);
  for (const s of target.sockets) s.destroy();
  target.sockets.clear();
}

function attempt(target: Target): void {
  if (target.done || target.sockets.size >= MAX_IN_FLIGHT) return;
  target.attempts++;
  const socket = net.connect({ host: target.ip, port: target.port });
  target.sockets.add(socket);
  let received = '';
  const finish = () => {
    target.sockets.delete(socket);
    socket.destroy();
  };
  socket.setNoDelay(true);
  socket.setTimeout(ATTEMPT_TIMEOUT_MS, finish);
  socket.once('connect', () => socket.write(`GET / HTTP/1.1\r\nHost: ${target.ip}\r\nConnection: close\r\n\r\n`));
  socket.on('data', (chunk) => {
    received += chunk.toString('latin1');
    const answer = parseEchoAnswer(received);
    if (!answer) return;
    const at = wallClockMs();
    finish();
    if (target.done) return;
    stop(target);
    process.stdout.write(`ok ${target.id} ${at.toFixed(3)} ${answer.pod} ${target.attempts}\n`);
  });
  // Refused (a reject rule for a service without endpoints yet) or unreachable:
  // the next tick tries again with a fresh connection.
  socket.on('error', finish);
  socket.on('close', finish);
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = parseProberCommand(line);
  if (command.kind === 'probe') {
    stop(current);
    const target: Target = { ...command, attempts: 0, done: false, timer: undefined as unknown as NodeJS.Timeout, sockets: new Set() };
    target.timer = setInterval(() => attempt(target), INTERVAL_MS);
    current = target;
    attempt(target);
  } else if (command.kind === 'stop') {
    stop(current);
    current = undefined;
  } else {
    process.stdout.write(`error ${command.message}\n`);
  }
}).on('close', () => {
  stop(current);
  process.exit(0);
});

process.stdout.write('ready\n');
