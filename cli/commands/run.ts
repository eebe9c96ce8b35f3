// `minik run NAME [--replicas N] [--port P]... [-- CMD ARGS]`: bare pods
// (nothing re-creates a deleted one) named NAME or NAME-0..N-1, labelled
// run=NAME plus --labels. Everything is checked — flags, names, and that no
// such pod exists — before the first create, so a mistake creates nothing.

import { isDns1123Subdomain } from '../../api/names.ts';
import { parseLabelList } from '../../api/labels.ts';
import type { Pod } from '../../api/types.ts';
import { alreadyExists } from '../../api/errors.ts';
import { listOption, NAMESPACE_OPTION, namespaceOf, stringOption, UsageError, type CommandModule } from './types.ts';

export const ECHO_IMAGE = 'echo';
export const MAX_REPLICAS = 100;

export interface RunFlags {
  image?: string;
  replicas?: string;
  ports?: string[];
  labels?: string;
  node?: string;
  command?: string[];
}

/** `8080`, `8080/tcp`, `5353/udp` (as `docker run -p`): the container port and its protocol, TCP by default. */
export function parseRunPort(text: string): { containerPort: number; protocol: 'TCP' | 'UDP' } {
  const m = /^(\d+)(?:\/(tcp|udp))?$/i.exec(text);
  if (!m) throw new UsageError(`invalid --port "${text}": expected PORT, PORT/tcp or PORT/udp`);
  const port = Number(m[1]);
  if (port < 1 || port > 65535) throw new UsageError(`invalid --port "${text}": must be a number between 1 and 65535`);
  return { containerPort: port, protocol: (m[2] ?? 'tcp').toUpperCase() as 'TCP' | 'UDP' };
}

/** The pods `run` creates; throws UsageError for any bad flag. Pure. */
export function buildPods(name: string, namespace: string, flags: RunFlags): Pod[] {
  const image = flags.image ?? ECHO_IMAGE;
  const command = flags.command ?? [];
  if (image !== ECHO_IMAGE && command.length === 0) {
    throw new UsageError(`--image ${image} is not available: minik runs only the built-in "echo" image, or a command given after --`);
  }
  let replicas = 1;
  if (flags.replicas !== undefined) {
    if (!/^\d+$/.test(flags.replicas) || Number(flags.replicas) < 1 || Number(flags.replicas) > MAX_REPLICAS) {
      throw new UsageError(`invalid --replicas "${flags.replicas}": must be a whole number from 1 to ${MAX_REPLICAS}`);
    }
    replicas = Number(flags.replicas);
  }
  const ports = (flags.ports ?? []).map(parseRunPort);
  const keys = ports.map((p) => `${p.containerPort}/${p.protocol}`);
  if (new Set(keys).size !== keys.length) throw new UsageError('--port lists the same port twice');
  let extra: Record<string, string> = {};
  try {
    extra = flags.labels ? parseLabelList(flags.labels) : {};
  } catch (err) {
    throw new UsageError(`invalid --labels: ${(err as Error).message}`);
  }
  const names = replicas > 1 ? Array.from({ length: replicas }, (_, i) => `${name}-${i}`) : [name];
  for (const podName of names) {
    const errors = isDns1123Subdomain(podName);
    if (errors.length) throw new UsageError(`invalid pod name "${podName}": ${errors.join('; ')}`);
  }
  const containerName = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name) ? name : 'main';
  return names.map((podName) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: podName, namespace, labels: { run: name, ...extra } },
    spec: {
      ...(flags.node ? { nodeName: flags.node } : {}),
      restartPolicy: 'Always',
      containers: [
        {
          name: containerName,
          image,
          ...(command.length ? { command } : {}),
          ...(ports.length ? { ports } : {}),
        },
      ],
    },
  }));
}

export const runCommand: CommandModule = {
  name: 'run',
  args: '<name>',
  description: 'Start pods running the echo server (or a command given after --)',
  options: [
    NAMESPACE_OPTION,
    { flags: '--image <image>', description: 'Only "echo" (the built-in echo server) unless -- CMD is given', default: ECHO_IMAGE },
    { flags: '--replicas <n>', description: 'Number of pods, named NAME-0..NAME-(N-1)' },
    { flags: '--port <port>', description: 'Container port, PORT[/tcp|/udp] (repeatable); echo serves TCP and UDP on each', repeatable: true },
    { flags: '--labels <labels>', description: 'Extra labels k=v[,k=v] (run=NAME is always set)' },
    { flags: '--node <node>', description: 'Place the pods on this node' },
  ],
  examples: ['run echo --replicas 3 --port 8080 --labels app=echo -n demo', 'run dns --port 5353/udp', 'run sleeper -- sleep 3600'],
  async run(ctx, { args, options, passthrough }) {
    const namespace = namespaceOf(options);
    const pods = buildPods(args[0], namespace, {
      image: stringOption(options, 'image'),
      replicas: stringOption(options, 'replicas'),
      ports: listOption(options, 'port'),
      labels: stringOption(options, 'labels'),
      node: stringOption(options, 'node'),
      command: passthrough,
    });
    const client = await ctx.client();
    const existing = new Set((await client.list<Pod>('Pod', { namespace })).items.map((p) => p.metadata.name));
    const clash = pods.find((p) => existing.has(p.metadata.name));
    if (clash) throw alreadyExists('pods', clash.metadata.name);
    for (const pod of pods) {
      const created = await client.create(pod);
      ctx.io.out(`pod/${created.metadata.name} created\n`);
    }
    return 0;
  },
};
