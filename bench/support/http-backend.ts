// A minimal keep-alive HTTP server for the throughput benchmark (bench/modes.ts):
// answers every request with 3 bytes, so the load tool measures the path, not the server.
//   http-backend.ts PORT
import http from 'node:http';

http
  .createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '3' });
    res.end('ok\n');
  })
  .listen(Number(process.argv[2]), '0.0.0.0');
