// `minik up --provider vagrant` / `minik down --provider vagrant`: the same
// lab as the netns provider, but as VMs that the top-level Vagrantfile makes
// (vagrant/provision.sh installs dist/minik and its systemd units in each).
// This file knows what the Vagrantfile expects (env vars, the token file, the
// CA dir) and
// drives `vagrant` through VagrantExec (vagrant-exec.ts; vagrant.fake.ts is
// its twin).
//
// One Vagrant lab per checkout: Vagrant keeps its machines in
// <checkout>/.vagrant/machines, so minik keeps the lab's record and the
// vagrant logs beside them, in <checkout>/.vagrant/minik/.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_API_PORT, labNodeName, SERVER_CA_FILE } from '../../api/layout.ts';
import type { MinikConfig } from './config.ts';
import { LabError } from './errors.ts';
import { runLogged, vagrantVersion, type VagrantExec } from './vagrant-exec.ts';
import { assertLabName, assertNodeCount, assertProxyMode, parseLan, type ProxyMode } from './lan.ts';
import type { Progress } from './progress.ts';
import type { WaitForReady } from './ready.ts';
import { inNetns, privateLibvirtEnv, type PrivateLibvirt } from './vagrant-libvirt.ts';


/** The Vagrantfile's defaults: MINIK_SUBNET 192.168.56, node1 = .10 runs the apiserver, at most 50 VMs. */
export const VAGRANT_LAN = '192.168.56.0/24';
export const VAGRANT_MAX_NODES = 50;
const FIRST_VM_OCTET = 10;

/** `192.168.56.0/24` → `192.168.56` (the Vagrantfile's MINIK_SUBNET). */
export const subnetBase = (lan: string) => parseLan(lan).cidr.replace(/\.0\/24$/, '');
export const vmIp = (base: string, index: number) => `${base}.${FIRST_VM_OCTET + index}`;
export const vagrantServerUrl = (base: string) => `https://${vmIp(base, 0)}:${DEFAULT_API_PORT}`;

/** Inside a VM the agent runs with its defaults: provision.sh sets no --netns-prefix (so `minik-NODE`)... */
export const vmNetnsPrefix = (node: string) => `minik-${node}`;
/** ...and `--state-dir /var/lib/minik/agent-NODE`. */
export const vmAgentStateDir = (node: string) => `/var/lib/minik/agent-${node}`;

export interface VagrantLabFiles {
  /** the checkout: Vagrantfile, vagrant/provision.sh, dist/minik */
  dir: string;
  /** <dir>/.vagrant/minik */
  stateDir: string;
  record: string;
  logsDir: string;
  upLog: string;
  destroyLog: string;
  /** the bearer token the Vagrantfile copies into every VM (MINIK_TOKEN_FILE overrides, as in the Vagrantfile) */
  tokenFile: string;
  /** the cluster CA (ca.crt, ca.key) made on the host and copied into the VMs (MINIK_CA_DIR overrides, as in the Vagrantfile) */
  caDir: string;
  caCert: string;
  machinesDir: string;
  binary: string;
}

export function vagrantLabFiles(dir: string, env: Record<string, string | undefined> = {}): VagrantLabFiles {
  const stateDir = join(dir, '.vagrant', 'minik');
  const logsDir = join(stateDir, 'logs');
  const caDir = env.MINIK_CA_DIR ? resolve(dir, env.MINIK_CA_DIR) : join(dir, '.vagrant', 'minik-ca');
  return {
    dir,
    stateDir,
    record: join(stateDir, 'lab.json'),
    logsDir,
    upLog: join(logsDir, 'vagrant-up.log'),
    destroyLog: join(logsDir, 'vagrant-destroy.log'),
    tokenFile: env.MINIK_TOKEN_FILE ? resolve(dir, env.MINIK_TOKEN_FILE) : join(dir, '.vagrant', 'minik-token'),
    caDir,
    caCert: join(caDir, SERVER_CA_FILE),
    machinesDir: join(dir, '.vagrant', 'machines'),
    binary: join(dir, 'dist', 'minik'),
  };
}

export interface VagrantLabRecord {
  provider: 'vagrant';
  name: string;
  nodes: number;
  proxyMode: ProxyMode;
  lan: string;
  /** minik's own libvirt in a namespace (cli/lab/vagrant-libvirt.ts), when it runs one */
  libvirt?: PrivateLibvirt;
}

export function readVagrantRecord(files: VagrantLabFiles): VagrantLabRecord | undefined {
  try {
    return JSON.parse(readFileSync(files.record, 'utf8')) as VagrantLabRecord;
  } catch {
    return undefined;
  }
}

function writeVagrantRecord(files: VagrantLabFiles, record: VagrantLabRecord): void {
  mkdirSync(files.stateDir, { recursive: true });
  writeFileSync(files.record, JSON.stringify(record, null, 2) + '\n');
}

/** Highest N of the `nodeN` machines Vagrant knows in .vagrant/machines (0 when none). */
export function machineNodeCount(machineNames: string[]): number {
  return Math.max(0, ...machineNames.map((n) => /^node([1-9]\d*)$/.exec(n)?.[1]).filter(Boolean).map(Number));
}

const listDir = (path: string) => {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
};

/** How many VMs this checkout's lab may have: the record's count, or the machines Vagrant has seen. */
export const knownNodeCount = (files: VagrantLabFiles) =>
  Math.max(readVagrantRecord(files)?.nodes ?? 0, machineNodeCount(listDir(files.machinesDir)));

/**
 * The `nodeN` machines that exist: Vagrant writes .vagrant/machines/NAME/PROVIDER/id
 * when it creates a VM and removes it on destroy (the folder itself stays).
 */
export function createdMachines(machinesDir: string, exists: (path: string) => boolean = existsSync): string[] {
  return listDir(machinesDir).filter(
    (name) => machineNodeCount([name]) > 0 && listDir(join(machinesDir, name)).some((provider) => exists(join(machinesDir, name, provider, 'id'))),
  );
}

// ---- finding the checkout -------------------------------------------------

export interface FindDirInput {
  env: Record<string, string | undefined>;
  /** how this minik was started: `[dist/minik]` or `[node, ...loader, cli/main.ts]` */
  selfArgv: string[];
  cwd: string;
}

/** Where to look for the Vagrantfile: MINIK_VAGRANT_DIR; the checkout this minik came from; the working directory and its parents. */
export function vagrantDirCandidates({ env, selfArgv, cwd }: FindDirInput): string[] {
  if (env.MINIK_VAGRANT_DIR) return [resolve(cwd, env.MINIK_VAGRANT_DIR)];
  const out: string[] = [];
  const script = selfArgv[selfArgv.length - 1];
  // dist/minik and cli/main.ts both sit one folder below the checkout.
  if (script && script.startsWith('/')) out.push(dirname(dirname(script)));
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    out.push(dir);
    if (dirname(dir) === dir) break;
  }
  return [...new Set(out)];
}

export function findVagrantDir(input: FindDirInput, exists: (path: string) => boolean = existsSync): string {
  const candidates = vagrantDirCandidates(input);
  const found = candidates.find((d) => exists(join(d, 'Vagrantfile')) && exists(join(d, 'vagrant', 'provision.sh')));
  if (found) return found;
  const where = input.env.MINIK_VAGRANT_DIR ? `MINIK_VAGRANT_DIR=${input.env.MINIK_VAGRANT_DIR}` : `${candidates[0]} or ${input.cwd} and its parents`;
  throw new LabError(
    'LAB_INVALID_OPTION',
    `no minik checkout with a Vagrantfile and vagrant/provision.sh in ${where}: run minik from the checkout or set MINIK_VAGRANT_DIR`,
  );
}

// ---- the token --------------------------------------------------------------

/** Like the Vagrantfile: 32 random bytes as hex, written atomically with mode 0600; an existing token is kept (running VMs have it). */
export function ensureToken(path: string, random: () => string = () => randomBytes(32).toString('hex')): { token: string; created: boolean } {
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (existing) return { token: existing, created: false };
  } catch {
    // missing: made below
  }
  const token = random();
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, token, { mode: 0o600, flag: 'w' });
  renameSync(temp, path);
  return { token, created: true };
}

// ---- up and down --------------------------------------------------------------

/** The environment the Vagrantfile reads (every value explicit, so the log shows what the VMs got). */
export function vagrantEnv(o: { nodes: number; proxyMode: string; base: string; tokenFile: string; caDir: string }): Record<string, string> {
  return { MINIK_NODES: String(o.nodes), MINIK_PROXY_MODE: o.proxyMode, MINIK_SUBNET: o.base, MINIK_TOKEN_FILE: o.tokenFile, MINIK_CA_DIR: o.caDir };
}

/** The CA in `dir`, made when missing (apiserver/tls.ts, loaded only here: the rest of the CLI never issues certificates). */
async function loadOrCreateCaOnHost(dir: string): Promise<{ certPem: string; created: boolean }> {
  const { loadOrCreateCa } = await import('../../apiserver/tls.ts');
  return loadOrCreateCa(dir);
}

export interface VagrantUpOptions {
  name: string;
  nodes: number;
  proxyMode: string;
  /** default 192.168.56.0/24 (the Vagrantfile's MINIK_SUBNET) */
  lan?: string;
  files: VagrantLabFiles;
  /** for the nodes after `vagrant up` (default 120 s) */
  readyTimeoutMs?: number;
}

/**
 * What the Vagrantfile runs on, besides vagrant itself: nothing to do for
 * VirtualBox or a system libvirt; minik's own libvirt otherwise
 * (vagrant-libvirt.ts has the real one; tests leave it out).
 */
export interface VagrantBackendDriver {
  /** Before `vagrant up`: box, KVM check, libvirtd. Undefined: the Vagrantfile as it is. */
  prepare(o: { lab: string; base: string; files: VagrantLabFiles; progress: Progress }): Promise<PrivateLibvirt | undefined>;
  /** After `vagrant up`: the host joins the VMs' private network. */
  connect(p: PrivateLibvirt): Promise<void>;
  /** After `vagrant destroy`: no daemon, namespace, link or volume left. */
  teardown(p: PrivateLibvirt): Promise<void>;
}

/** How vagrant runs for this lab: inside the private libvirt's namespace, with its environment. */
export function vagrantInvocation(argv: string[], libvirt: PrivateLibvirt | undefined): { argv: string[]; env: Record<string, string> } {
  if (!libvirt) return { argv, env: {} };
  return { argv: inNetns(libvirt.netns, argv), env: privateLibvirtEnv(libvirt) };
}

/** progress.step whose closing line says how long the step took. */
export function timedStep<T>(progress: Progress, text: string, work: () => Promise<T>, done: (result: T) => string): Promise<T> {
  const started = Date.now();
  return progress.step(text, work, (result) => `${done(result)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

export interface VagrantUpDeps {
  exec: VagrantExec;
  progress: Progress;
  waitForReady: WaitForReady;
  writeConfig: (config: MinikConfig) => Promise<void>;
  /** makes <checkout>/dist/minik current; resolves with a line for the progress */
  ensureBinary: (files: VagrantLabFiles) => Promise<string>;
  randomToken?: () => string;
  backend?: VagrantBackendDriver;
  /** the lab CA in a dir, made when missing (default: apiserver/tls.ts) */
  ensureCa?: (dir: string) => Promise<{ certPem: string; created: boolean }>;
}

export interface VagrantUpResult {
  lab: string;
  server: string;
  token: string;
  nodes: string[];
  ms: number;
}

const DEFAULT_READY_TIMEOUT_MS = 120_000;
const EMULATED_READY_TIMEOUT_MS = 900_000;

export function vagrantNextSteps(name: string, base: string, nodes: string[], ms: number, server: string): string[] {
  const ips = nodes.map((n, i) => `${n} ${vmIp(base, i)}`).join(', ');
  return [
    '',
    `Lab ${name} is up: ${nodes.length} Vagrant VM${nodes.length === 1 ? '' : 's'} Ready in ${(ms / 1000).toFixed(1)} s, apiserver ${server}.`,
    `The host reaches the VMs on ${base}.0/24 (${ips}); LoadBalancer IPs come from ${base}.200-${base}.250.`,
    'Try next:',
    '  minik get nodes -o wide',
    '  minik run web --replicas 3 --port 8080',
    '  minik svc create web --type NodePort --tcp 80:8080 --selector run=web',
    '  minik svc url web',
    `  minik ssh client -- curl -s http://${vmIp(base, 0)}:<nodePort>/    (client: this host, on the private network)`,
    '  minik down',
  ];
}

export async function vagrantUp(opts: VagrantUpOptions, deps: VagrantUpDeps): Promise<VagrantUpResult> {
  const started = Date.now();
  const { exec, progress } = deps;
  const { files } = opts;
  assertLabName(opts.name);
  assertNodeCount(opts.nodes);
  if (opts.nodes > VAGRANT_MAX_NODES) throw new LabError('LAB_INVALID_OPTION', `--nodes ${opts.nodes}: the Vagrantfile makes at most ${VAGRANT_MAX_NODES} VMs`);
  assertProxyMode(opts.proxyMode);
  const lan = parseLan(opts.lan ?? VAGRANT_LAN).cidr;
  const base = subnetBase(lan);

  const record = readVagrantRecord(files);
  if (record && record.lan !== lan) {
    throw new LabError('LAB_INVALID_OPTION', `the Vagrant lab in ${files.dir} already runs on ${record.lan}: run minik down first to change --lan`);
  }
  let nodeCount = opts.nodes;
  if (record && record.nodes > nodeCount) {
    progress.warn(`the Vagrant lab keeps its ${record.nodes} VMs (run minik down first to make it smaller)`);
    nodeCount = record.nodes;
  }
  const nodes = Array.from({ length: nodeCount }, (_, i) => labNodeName(i));
  const server = vagrantServerUrl(base);

  await progress.step('Checking for vagrant', () => vagrantVersion(exec, files.dir), (v) => `${v} found`);
  await timedStep(progress, 'Checking dist/minik (the binary every VM runs)', () => deps.ensureBinary(files), (line) => line);
  const { token, created } = ensureToken(files.tokenFile, deps.randomToken);
  progress.info(`${created ? 'Made the lab token' : 'Kept the lab token'} ${files.tokenFile} (mode 0600, copied into every VM)`);
  const ca = await (deps.ensureCa ?? loadOrCreateCaOnHost)(files.caDir);
  progress.info(`${ca.created ? 'Made the lab CA' : 'Kept the lab CA'} ${files.caCert} (copied into every VM; its key only into node1)`);

  // A lab that already runs keeps its libvirt; otherwise the backend decides.
  const libvirt = record?.libvirt ?? (await deps.backend?.prepare({ lab: opts.name, base, files, progress }));
  writeVagrantRecord(files, { provider: 'vagrant', name: opts.name, nodes: nodeCount, proxyMode: opts.proxyMode, lan, libvirt });
  // Before the VMs exist: if `vagrant up` fails half way, a bare `minik down` still finds them.
  await deps.writeConfig({ server, token, ca: { pem: ca.certPem, file: files.caCert }, lab: opts.name, provider: 'vagrant' });

  const run = vagrantInvocation(['vagrant', 'up', '--provision'], libvirt);
  const env = { ...vagrantEnv({ nodes: nodeCount, proxyMode: opts.proxyMode, base, tokenFile: files.tokenFile, caDir: files.caDir }), ...run.env };
  // --provision: a VM that already runs gets the rebuilt binary and token too (provision.sh converges).
  await timedStep(
    progress,
    `Booting and provisioning ${nodeCount} VM${nodeCount === 1 ? '' : 's'} with vagrant up (minutes${libvirt?.driver === 'qemu' ? ', software emulation' : ''}; output in ${files.upLog})`,
    () => runLogged(exec, { argv: run.argv, cwd: files.dir, env, log: files.upLog }),
    () => `VMs up and provisioned: ${nodes.join(', ')} (log ${files.upLog})`,
  );
  if (libvirt && deps.backend) {
    const backend = deps.backend;
    await timedStep(progress, `Joining the host to ${lan} (${libvirt.hostLink})`, () => backend.connect(libvirt), () => `Host on ${lan} as ${libvirt.hostCidr} (${libvirt.hostLink})`);
  }
  await timedStep(
    progress,
    `Waiting for ${nodeCount} nodes to be Ready at ${server}`,
    // Under software emulation an HTTPS request to node1 takes seconds, and the agents minutes.
    () =>
      libvirt?.driver === 'qemu'
        ? deps.waitForReady(server, token, nodes, opts.readyTimeoutMs ?? EMULATED_READY_TIMEOUT_MS, { caFile: files.caCert, requestTimeoutMs: 20_000, intervalMs: 2_000 })
        : deps.waitForReady(server, token, nodes, opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS, { caFile: files.caCert }),
    () => `Nodes Ready: ${nodes.join(', ')}`,
  );
  const ms = Date.now() - started;
  for (const line of vagrantNextSteps(opts.name, base, nodes, ms, server)) progress.say(line);
  return { lab: opts.name, server, token, nodes, ms };
}

export interface VagrantDownDeps {
  exec: VagrantExec;
  progress: Progress;
  backend?: VagrantBackendDriver;
}

export interface VagrantDownResult {
  /** MINIK_NODES `vagrant destroy` ran with (0: no VM existed, vagrant was not run) */
  nodes: number;
}

/** `vagrant destroy -f` for every VM the lab has; fine when nothing is there (then vagrant is not even run). */
export async function vagrantDown(files: VagrantLabFiles, deps: VagrantDownDeps): Promise<VagrantDownResult> {
  const { exec, progress } = deps;
  const created = createdMachines(files.machinesDir);
  const libvirt = readVagrantRecord(files)?.libvirt;
  const teardown = async () => {
    if (!libvirt || !deps.backend) return;
    const backend = deps.backend;
    await timedStep(progress, `Stopping minik's libvirt (namespace ${libvirt.netns}, link ${libvirt.hostLink})`, () => backend.teardown(libvirt), () => `libvirt stopped; namespace ${libvirt.netns} and link ${libvirt.hostLink} removed`);
  };
  const forget = () => {
    // Nothing uses the token, the CA or the record once the VMs are gone; logs stay for reading.
    rmSync(files.record, { force: true });
    rmSync(files.tokenFile, { force: true });
    rmSync(files.caDir, { recursive: true, force: true });
  };
  // Asking vagrant anyway would fail where no VM provider is installed, though nothing exists.
  if (created.length === 0) {
    await teardown();
    forget();
    progress.info(`No Vagrant VMs of ${files.dir} were there`);
    return { nodes: 0 };
  }
  await vagrantVersion(exec, files.dir);
  // MINIK_NODES as large as the lab ever was: the Vagrantfile only defines (and so destroys) that many.
  const nodes = Math.max(knownNodeCount(files), machineNodeCount(created));
  const run = vagrantInvocation(['vagrant', 'destroy', '-f'], libvirt);
  const env = { MINIK_NODES: String(nodes), MINIK_TOKEN_FILE: files.tokenFile, MINIK_CA_DIR: files.caDir, ...run.env };
  try {
    await timedStep(
      progress,
      `Destroying the Vagrant VMs (${created.join(', ')}; output in ${files.destroyLog})`,
      () => runLogged(exec, { argv: run.argv, cwd: files.dir, env, log: files.destroyLog }),
      () => `Vagrant VMs destroyed: ${created.join(', ')}`,
    );
  } finally {
    // Stopping minik's libvirt removes whatever vagrant left (domains, networks, volumes).
    await teardown();
  }
  forget();
  return { nodes };
}
