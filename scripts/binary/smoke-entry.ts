// A stand-in entry for the binary pipeline: touches everything the real CLI
// needs at run time (the LevelDB native addon, grpc-js, hono on a loopback
// port) so the build can be tested before, and apart from, cli/main.ts.
//
//   minik-smoke --version | smoke [DATA_DIR]

const VERSION = 'smoke-0.0.0';

async function smoke(dataDir: string): Promise<void> {
  // Loaded inside the command, like the real CLI does, so --version stays fast.
  const { Level } = await import('level');
  const db = new Level<string, string>(dataDir);
  await db.put('greeting', 'hello from leveldb');
  const value = await db.get('greeting');
  await db.close();

  const grpc = await import('@grpc/grpc-js');
  const server = new grpc.Server();
  const grpcPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
  server.forceShutdown();

  const { Hono } = await import('hono');
  const { serve } = await import('@hono/node-server');
  const app = new Hono().get('/healthz', (c) => c.text('ok'));
  const http = await new Promise<{ close(): void; port: number }>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => resolve({ close: () => s.close(), port: info.port }));
  });
  const body = await (await fetch(`http://127.0.0.1:${http.port}/healthz`)).text();
  http.close();

  console.log(JSON.stringify({ level: value, grpcPort: grpcPort > 0, http: body }));
}

function main(argv: string[]): Promise<void> | void {
  const [command, arg] = argv;
  if (command === '--version') return console.log(VERSION);
  if (command === 'smoke') return smoke(arg ?? 'smoke-db');
  if (command === '--help') return console.log('usage: minik-smoke --version | smoke [DATA_DIR]');
  console.error('usage: minik-smoke --version | smoke [DATA_DIR]');
  process.exitCode = 2;
}

Promise.resolve(main(process.argv.slice(2))).catch((err: unknown) => {
  console.error(`error: ${(err as Error).message}`);
  process.exitCode = 1;
});
