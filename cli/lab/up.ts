// `minik up` for the netns provider: build (or repair) the lab network, start
// the apiserver and one agent per node, wait until every node is Ready, write
// the client config and say what to type next. Idempotent: on an existing lab
// it restarts only the daemons whose process is gone and reports the rest.
//
// Everything with a side effect comes in through `UpDeps`, so the whole flow
// runs in unit tests against fakes; e2e/lab.test.ts runs it for real.

import { mkdirSync, readFileSync } from 'node:fs';
import { DEFAULT_API_PORT, labLayout, type LabLayout } from '../../api/layout.ts';
import { assertLanFree } from './conflicts.ts';
import { caFilePath, readLabRecord, tokenFilePath, writeLabRecord, type LabRecord, type MinikConfig } from './config.ts';
import { logTail, pidFileDaemons, type DaemonControl } from './daemons.ts';
import { LabError } from './errors.ts';
import type { Exec } from '../../api/exec/exec.ts';
import { assertLabName, assertNodeCount, assertProxyMode, parseLan, type LabAddresses } from './lan.ts';
import { applyLab, planLab, type ApplyResult } from './netns.ts';
import { unstopNodes } from './node-control.ts';
import { pickApiPort } from './ports.ts';
import { assertRoot, ensureCommands, ensureProxyMode } from './preflight.ts';
import type { Progress } from './progress.ts';
import { waitForApiserver, type WaitForReady } from './ready.ts';
import { agentDaemonName, agentSpec, APISERVER_DAEMON, apiserverSpec, localServerUrl } from './specs.ts';


export interface UpOptions {
  name: string;
  lan: string;
  /** undefined: the lab's recorded count, else DEFAULT_NODES (so a plain `up` never warns) */
  nodes?: number;
  /** Default: the existing lab's mode, else nftables. */
  proxyMode?: string;
  /** how to run minik: `[binary]`, or `[process.execPath, ...loader flags, script]` for a checkout */
  minikArgv: string[];
  /** default: the lab's recorded port, else 6443, else the next free pair */
  apiPort?: number;
  /** parent of lab directories (default /var/lib/minik/labs) */
  labsRoot?: string;
  /** for the apiserver and then for the nodes (default 60 s each) */
  readyTimeoutMs?: number;
}

export interface UpDeps {
  exec: Exec;
  progress: Progress;
  waitForReady: WaitForReady;
  writeConfig: (config: MinikConfig) => Promise<void>;
  daemons?: (layout: LabLayout) => DaemonControl;
  uid?: () => number;
  waitForApiserver?: typeof waitForApiserver;
  pickPort?: (preferred: number) => Promise<number>;
  /** the apiserver's token file, read once it is ready */
  readToken?: (path: string) => string;
  /** the apiserver's CA certificate (PEM), read once it is ready */
  readCa?: (path: string) => string;
}

export interface UpResult {
  lab: string;
  server: string;
  token: string;
  /** PEM of the lab's CA */
  ca: string;
  nodes: string[];
  /** daemons this run started */
  started: string[];
  /** daemons that were already running and were left alone */
  alreadyRunning: string[];
  network: ApplyResult;
  ms: number;
}

const DEFAULT_READY_TIMEOUT_MS = 60_000;
const DAEMON_CHECK_MS = 200;

const readTokenFile = (path: string) => readFileSync(path, 'utf8').trim();
const readCaFile = (path: string) => readFileSync(path, 'utf8');

/** A daemon that died while we wait means waiting longer is pointless: say why, with its log. */
function deathNotice(daemons: DaemonControl, names: string[]): string | undefined {
  const dead = names.find((n) => !daemons.status(n).running);
  if (dead === undefined) return undefined;
  const log = daemons.logPath(dead);
  const tail = logTail(log);
  return `${dead} exited; see ${log}${tail ? `:\n${tail}` : ''}`;
}

/** Runs `wait` but rejects as soon as one of `names` is no longer running. */
async function whileRunning<T>(daemons: DaemonControl, names: string[], wait: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const watch = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      const notice = deathNotice(daemons, names);
      if (notice) reject(new LabError('LAB_DAEMON_FAILED', notice));
    }, DAEMON_CHECK_MS);
  });
  try {
    return await Promise.race([wait, watch]);
  } finally {
    clearInterval(timer);
  }
}

export const DEFAULT_NODES = 3;

function resolveNodeCount(requested: number | undefined, record: LabRecord | undefined, progress: Progress, name: string): number {
  if (requested === undefined) return record?.nodes ?? DEFAULT_NODES;
  if (record && requested < record.nodes) {
    progress.warn(`lab ${name} keeps its ${record.nodes} nodes (run minik down first to make it smaller)`);
    return record.nodes;
  }
  return requested;
}

export function nextSteps(name: string, lan: LabAddresses, nodeCount: number, ms: number, server: string): string[] {
  const lab = name === 'minik' ? '' : ` --name ${name}`;
  return [
    '',
    `Lab ${name} is up: ${nodeCount} node${nodeCount === 1 ? '' : 's'} Ready in ${(ms / 1000).toFixed(1)} s, apiserver ${server}.`,
    `The host reaches the lab LAN ${lan.cidr} through ${labLayout(name).hostLink} (${lan.hostIp}); LoadBalancer IPs come from ${lan.lbPool}.`,
    'Try next:',
    '  minik get nodes -o wide',
    '  minik run web --replicas 3 --port 8080',
    '  minik svc create web --type NodePort --tcp 80:8080 --selector run=web',
    '  minik svc url web',
    `  minik ssh client -- curl -s http://${lan.nodeIp(0)}:<nodePort>/`,
    `  minik down${lab}`,
  ];
}

export async function up(opts: UpOptions, deps: UpDeps): Promise<UpResult> {
  const started = Date.now();
  const { exec, progress } = deps;
  assertLabName(opts.name);
  const lan = parseLan(opts.lan);
  if (opts.nodes !== undefined) assertNodeCount(opts.nodes);
  if (opts.proxyMode !== undefined) assertProxyMode(opts.proxyMode);
  if (opts.minikArgv.length === 0) throw new LabError('LAB_INVALID_OPTION', 'no minik executable to start the daemons with');
  assertRoot((deps.uid ?? (() => process.getuid?.() ?? 0))(), 'minik up');

  const layout = labLayout(opts.name, opts.labsRoot);
  const record = readLabRecord(layout);
  // Without --proxy-mode an existing lab keeps its mode; a new one gets nftables.
  const proxyMode = opts.proxyMode ?? record?.proxyMode ?? 'nftables';
  await ensureCommands(exec, progress);
  await ensureProxyMode(exec, progress, proxyMode);
  if (record && record.lan !== lan.cidr) {
    throw new LabError(
      'LAB_INVALID_OPTION',
      `lab ${opts.name} already exists on ${record.lan}: run minik down --name ${opts.name} before changing --lan`,
    );
  }
  const nodeCount = resolveNodeCount(opts.nodes, record, progress, opts.name);
  const apiPort = record?.apiPort ?? opts.apiPort ?? (await (deps.pickPort ?? pickApiPort)(DEFAULT_API_PORT));
  const daemons = (deps.daemons ?? ((l) => pidFileDaemons(l)))(layout);
  const timeoutMs = opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const server = localServerUrl(apiPort);

  const plan = planLab({ name: opts.name, lan: lan.cidr, nodes: nodeCount });
  await assertLanFree(lan, plan.hostLink, exec);
  const network = await progress.step(
    `Creating lab network ${opts.name} (${nodeCount} nodes on ${lan.cidr})`,
    () => applyLab(plan, exec),
    (r) =>
      r.skipped === 0
        ? `Lab network ${opts.name}: ${plan.namespaces.length} namespaces, host link ${plan.hostLink} ${lan.hostIp}`
        : `Lab network ${opts.name} checked (${r.skipped} existing pieces kept)`,
  );
  for (const dir of [layout.dir, layout.runDir, layout.logsDir]) mkdirSync(dir, { recursive: true });
  writeLabRecord(layout, { name: opts.name, lan: lan.cidr, nodes: nodeCount, proxyMode, apiPort });

  const startedNow: string[] = [];
  const alreadyRunning: string[] = [];
  const waitApi = deps.waitForApiserver ?? waitForApiserver;
  const caFile = caFilePath(layout);
  const giveUpIfApiserverDied = { giveUpIf: () => deathNotice(daemons, [APISERVER_DAEMON]), caFile };

  const apiStatus = daemons.status(APISERVER_DAEMON);
  if (apiStatus.running) {
    alreadyRunning.push(APISERVER_DAEMON);
    await waitApi(server, timeoutMs, giveUpIfApiserverDied);
    progress.info(`apiserver already running (pid ${apiStatus.pid})`);
  } else {
    await progress.step(
      'Starting apiserver',
      async () => {
        const status = await daemons.start(apiserverSpec(layout, lan, apiPort, opts.minikArgv));
        await waitApi(server, timeoutMs, giveUpIfApiserverDied);
        return status;
      },
      (s) => `apiserver ready on ${server} and https://${lan.hostIp}:${apiPort} (pid ${s.pid})`,
    );
    startedNow.push(APISERVER_DAEMON);
  }

  let token: string;
  try {
    token = (deps.readToken ?? readTokenFile)(tokenFilePath(layout));
  } catch {
    throw new LabError('LAB_APISERVER_NOT_READY', `the apiserver is ready but wrote no token to ${tokenFilePath(layout)}`);
  }
  if (!token) throw new LabError('LAB_APISERVER_NOT_READY', `the token file ${tokenFilePath(layout)} is empty`);
  let ca: string;
  try {
    ca = (deps.readCa ?? readCaFile)(caFile);
  } catch {
    throw new LabError('LAB_APISERVER_NOT_READY', `the apiserver is ready but wrote no CA certificate to ${caFile}`);
  }
  // Written as soon as the apiserver answers: if a node then fails, `minik get
  // nodes` shows why and a bare `minik down` still finds this lab.
  await deps.writeConfig({ server, token, ca: { pem: ca, file: caFile }, lab: opts.name });

  // Nodes failed on purpose (minik node stop) come back with the lab.
  const unstopped = await unstopNodes(layout, plan.nodes, exec);
  if (unstopped.length) progress.info(`bringing back stopped node${unstopped.length > 1 ? 's' : ''} ${unstopped.join(', ')} (link up)`);
  const agentNames = plan.nodes.map(agentDaemonName);
  // Switching modes in place: agents of the old mode stop; the new ones remove its state at start.
  if (record && record.proxyMode !== proxyMode) {
    const stopped: string[] = [];
    for (const node of plan.nodes) if (await daemons.stop(agentDaemonName(node))) stopped.push(node);
    if (stopped.length) progress.info(`proxy mode ${record.proxyMode} → ${proxyMode}: stopped the agents on ${stopped.join(', ')}`);
  }
  const toStart = plan.nodes.filter((node) => !daemons.status(agentDaemonName(node)).running);
  const running = plan.nodes.filter((node) => !toStart.includes(node));
  alreadyRunning.push(...running.map(agentDaemonName));
  if (running.length > 0) progress.info(`agents already running on ${running.join(', ')}`);
  if (toStart.length > 0) {
    await progress.step(
      `Starting agents on ${toStart.join(', ')}`,
      async () => {
        for (const node of toStart) {
          await daemons.start(agentSpec(layout, lan, apiPort, node, plan.nodes.indexOf(node), proxyMode, opts.minikArgv));
        }
      },
      () => `Agents started on ${toStart.join(', ')} (proxy mode ${proxyMode})`,
    );
    startedNow.push(...toStart.map(agentDaemonName));
  }

  await progress.step(
    `Waiting for ${plan.nodes.length} nodes to be Ready`,
    () => {
      const watched = [APISERVER_DAEMON, ...agentNames];
      const wait = deps.waitForReady(server, token, plan.nodes, timeoutMs, { giveUpIf: () => deathNotice(daemons, watched), caFile });
      return whileRunning(daemons, watched, wait);
    },
    () => `Nodes Ready: ${plan.nodes.join(', ')}`,
  );

  const ms = Date.now() - started;
  for (const line of nextSteps(opts.name, lan, plan.nodes.length, ms, server)) progress.say(line);
  return { lab: opts.name, server, token, ca, nodes: plan.nodes, started: startedNow, alreadyRunning, network, ms };
}
