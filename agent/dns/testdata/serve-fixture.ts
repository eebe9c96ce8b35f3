// Serves the test cluster (cluster.ts, plus a 40-endpoint headless service)
// on ADDRESS:PORT until killed; prints `ready <port>` once both sockets are
// bound. Started inside a test network namespace by server.netns.test.ts.
import { buildDnsState } from '../state.ts';
import { startDnsServer } from '../server.ts';
import { bigHeadless, endpoints, pods, services } from './cluster.ts';

const [address = '10.96.0.10', port = '53'] = process.argv.slice(2);
const big = bigHeadless(40);
const state = buildDnsState({ services: [...services, big.service], endpoints: [...endpoints, big.endpoints], pods });
const server = await startDnsServer({ address, port: Number(port), getState: () => state, onError: (e) => console.error(e) });
console.log(`ready ${server.port}`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
