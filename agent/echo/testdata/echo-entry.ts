// Stands in for `minik echo ...` in tests that spawn real pod processes,
// until the CLI wires runEchoFromArgs in: `node --import tsx echo-entry.ts echo --port 8080`.
import { runEchoFromArgs } from '../main.ts';

const argv = process.argv.slice(2);
if (argv[0] === 'echo') argv.shift();
const server = await runEchoFromArgs(argv, process.env);
console.log(`echo listening on ${server.ports.map((p) => `${p.port}/${p.protocol}`).join(' ')}`);
await server.done;
