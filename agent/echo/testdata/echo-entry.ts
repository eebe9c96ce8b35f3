// Stands in for `minik echo ...` in tests that spawn real pod processes,
// until the CLI wires runEchoFromArgs in: `node --import tsx echo-entry.ts echo --port 8080`.
import { parseEchoArgs, runEchoFromArgs } from '../main.ts';

const argv = process.argv.slice(2);
if (argv[0] === 'echo') argv.shift();
const declared = parseEchoArgs(argv, process.env).ports;
const server = await runEchoFromArgs(argv, process.env, process, (line) => console.log(line));
console.log(`echo listening on ${declared.map((p) => `${p.port}/${p.protocol}`).join(' ')} (each port over TCP and UDP: ${server.ports.length} sockets)`);
await server.done;
