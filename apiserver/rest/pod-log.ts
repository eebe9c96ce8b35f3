// `GET .../pods/{name}/log` (kubectl logs). A pod's output is written by its
// node's agent to `<agent state dir>/pods/<ns>_<pod>/output.log`
// (api/layout.ts). In the netns lab every node's state dir is on this
// machine (`<lab>/nodes/<node>`, beside the apiserver's data dir), so the
// apiserver reads the file directly. Where the file is not on this machine
// (Vagrant VMs), the answer is a Status saying where the log is and how to
// read it (`minik logs`). `follow` returns what is there now and ends.

import { readFile } from 'node:fs/promises';
import type { Hono } from 'hono';
import { ApiError, badRequest } from '../../api/errors.ts';
import { podLogPath } from '../../api/layout.ts';
import type { Pod } from '../../api/types.ts';
import type { Registry } from '../registry/registry.ts';

export interface PodLogReader {
  /** The pod's whole log, or undefined when it is not readable from here. */
  read(pod: Pod): Promise<string | undefined>;
}

/** Reads logs from `<root>/<node>/pods/...`: the netns lab's layout. */
export function fileLogReader(nodeStateRoot: string): PodLogReader {
  return {
    async read(pod) {
      const node = pod.spec.nodeName;
      if (!node) return undefined;
      try {
        return await readFile(podLogPath(`${nodeStateRoot}/${node}`, pod.metadata.namespace ?? 'default', pod.metadata.name), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
  };
}

function nonNegative(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw badRequest(`${name}: Invalid value: "${raw}": must be greater than or equal to 0`);
  return Number(raw);
}

/** The last `n` lines (the trailing newline kept). */
export function lastLines(text: string, n: number): string {
  if (n === 0) return '';
  const lines = text.split('\n');
  const trailing = lines[lines.length - 1] === '' ? lines.pop() : undefined;
  return lines.slice(-n).join('\n') + (trailing !== undefined ? '\n' : '');
}

export function mountPodLog(app: Hono, registry: Registry, reader: PodLogReader | undefined): void {
  app.get('/api/v1/namespaces/:ns/pods/:name/log', async (c) => {
    const namespace = c.req.param('ns');
    const name = c.req.param('name');
    const pod = registry.get<Pod>('Pod', namespace, name);
    const container = c.req.query('container');
    const names = pod.spec.containers.map((ct) => ct.name);
    if (container && !names.includes(container)) {
      throw badRequest(`container ${container} is not valid for pod ${name}`);
    }
    if (c.req.query('previous') === 'true') throw badRequest(`previous terminated container "${names[0]}" in pod "${name}" not found`);
    const tail = nonNegative('tailLines', c.req.query('tailLines'));
    const limit = nonNegative('limitBytes', c.req.query('limitBytes'));
    if (!pod.spec.nodeName) throw badRequest(`pod ${name} is not scheduled on a node yet`);
    const text = reader ? await reader.read(pod) : undefined;
    if (text === undefined) {
      throw new ApiError(
        'NotFound',
        `the log of pod "${name}" is kept on node "${pod.spec.nodeName}" and is not readable by this apiserver; read it with: minik logs ${name} -n ${namespace}`,
        { name, kind: 'pods' },
      );
    }
    let out = tail === undefined ? text : lastLines(text, tail);
    if (limit !== undefined) out = Buffer.from(out).subarray(0, limit).toString('utf8');
    return c.text(out, 200, { 'content-type': 'text/plain' });
  });
}
