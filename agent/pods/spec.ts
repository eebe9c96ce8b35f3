// What a pod means for this node, decided without I/O: which command runs,
// on which ports, with which environment, and the names of its namespace
// and host-side veth.

import { createHash } from 'node:crypto';
import { podNetnsName } from '../../api/layout.ts';
import type { Pod } from '../../api/types.ts';
import type { EchoPort } from '../echo/server.ts';

export const ECHO_IMAGE = 'echo';
export const UNSUPPORTED_IMAGE_MESSAGE = 'minik runs only the built-in "echo" image or an explicit command';

export interface PodProcessSpec {
  argv: string[];
  env: Record<string, string>;
  ports: EchoPort[];
  /** the port whose TCP answer makes the pod Ready; none: Ready while running */
  readinessPort?: number;
  restartPolicy: 'Always' | 'OnFailure' | 'Never';
}

export type SpecResult = { ok: true; spec: PodProcessSpec } | { ok: false; reason: 'UnsupportedImage' | 'NoContainers'; message: string };

export interface SpecContext {
  nodeName: string;
  podIP: string;
  echoCommand: (ports: EchoPort[]) => string[];
  /** PATH and friends the agent passes on; the agent's own secrets are never inherited */
  baseEnv?: Record<string, string>;
}

/** Host end of a pod's veth: `veth` + 8 hex of a hash of ns/name (15-char limit, stable across restarts). */
export function hostVethName(namespace: string, name: string): string {
  return `veth${createHash('sha256').update(`${namespace}/${name}`).digest('hex').slice(0, 8)}`;
}

export { podNetnsName };

/**
 * The first container is the pod's process (minik runs one process per pod);
 * ports of all containers are served, as a pod's ports are shared.
 */
export function podProcessSpec(pod: Pod, ctx: SpecContext): SpecResult {
  const containers = pod.spec?.containers ?? [];
  const main = containers[0];
  if (!main) return { ok: false, reason: 'NoContainers', message: 'pod has no containers' };
  const ports: EchoPort[] = containers.flatMap((c) =>
    (c.ports ?? []).map((p) => ({ port: p.containerPort, protocol: p.protocol === 'UDP' ? ('UDP' as const) : ('TCP' as const) })),
  );
  const hasCommand = (main.command?.length ?? 0) > 0;
  let argv: string[];
  if (hasCommand) argv = [...main.command!, ...(main.args ?? [])];
  else if (imageName(main.image) === ECHO_IMAGE) {
    if (ports.length === 0) ports.push({ port: 8080, protocol: 'TCP' });
    argv = [...ctx.echoCommand(ports), ...(main.args ?? [])];
  } else return { ok: false, reason: 'UnsupportedImage', message: `${UNSUPPORTED_IMAGE_MESSAGE} (image "${main.image}")` };

  const namespace = pod.metadata.namespace ?? 'default';
  const env: Record<string, string> = {
    ...(ctx.baseEnv ?? {}),
    HOSTNAME: pod.metadata.name,
    MINIK_POD: pod.metadata.name,
    MINIK_NAMESPACE: namespace,
    MINIK_NODE: ctx.nodeName,
    MINIK_POD_IP: ctx.podIP,
  };
  for (const e of main.env ?? []) env[e.name] = e.value ?? '';
  const tcp = ports.find((p) => p.protocol === 'TCP');
  return {
    ok: true,
    spec: { argv, env, ports, readinessPort: tcp?.port, restartPolicy: pod.spec.restartPolicy ?? 'Always' },
  };
}

/** `echo`, `echo:latest`, `docker.io/library/echo` all mean the built-in image. */
function imageName(image: string): string {
  const withoutTag = image.replace(/[:@][^/]*$/, '');
  return withoutTag.slice(withoutTag.lastIndexOf('/') + 1);
}

/** Kubernetes-style backoff: doubles per consecutive failure, capped. */
export function restartDelayMs(consecutiveFailures: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, consecutiveFailures - 1));
}

/** Whether a process that ended with `exitCode` is started again. */
export function shouldRestart(policy: PodProcessSpec['restartPolicy'], exitCode: number | null): boolean {
  if (policy === 'Always') return true;
  if (policy === 'OnFailure') return exitCode !== 0;
  return false;
}

export function resolvConf(namespace: string, dnsServer: string, domain: string): string {
  return [
    `nameserver ${dnsServer}`,
    `search ${namespace}.svc.${domain} svc.${domain} ${domain}`,
    'options ndots:5',
    '',
  ].join('\n');
}
