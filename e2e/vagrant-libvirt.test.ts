// `minik up --provider vagrant --nodes 2` for real: Vagrant + vagrant-libvirt
// on minik's own libvirtd (in its own network namespace, libvirt's qemu driver
// where KVM does not work), minik's locally built box, then the README's
// ClusterIP and NodePort walkthrough from the host, `minik exec/ssh/logs/rules`
// against the VMs, and `minik down --provider vagrant` leaving no domain,
// network, volume, namespace or link. Prints each step's time.
//
// The host joins the VMs' private network (192.168.56.0/24) through one veth
// pair, like the netns lab's host link; nothing else on the host changes.
// Under software emulation on a shared 2-core machine this takes long:
// test-timeout: 40 min

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { run, type RunResult } from './support/lab.ts';
import { MINIK_ARGV } from './support/minik-process.ts';
import { skipTest } from './support/skip.ts';

const ROOT = join(import.meta.dirname, '..');
const LAB = 'mkvl';
const NETNS = `${LAB}-libvirt`;
const HOST_LINK = `${LAB}-vhost`;
const STATE = join(ROOT, '.vagrant', 'minik', 'libvirt');
const NODE_IPS = ['192.168.56.10', '192.168.56.11'];
const name = 'minik up --provider vagrant --nodes 2 on libvirt: Ready, ClusterIP + NodePort from the host, exec/ssh/logs/rules, down leaves nothing';

async function unavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'Linux only';
  if (process.getuid?.() !== 0) return "needs root (minik's own libvirtd, a network namespace, QEMU)";
  // Opt-in until it has passed here once: two runs on this machine under load
  // failed (Vagrant's 5-min boot timeout; then the 2 s request timeout of the
  // Ready wait over HTTPS to an emulated VM). Both are fixed, not yet re-run.
  if (process.env.MINIK_VAGRANT_E2E !== '1') return 'opt-in until it has passed once end to end: MINIK_VAGRANT_E2E=1 runs it (~15-30 min under TCG)';
  const deps = await run(['bash', join(ROOT, 'scripts', 'deps-vm.sh'), 'box', 'qemu', 'vagrant'], { timeoutMs: 900_000 });
  if (deps.code !== 0) return `Vagrant/libvirt tools missing: ${(deps.stderr || deps.stdout).trim().split('\n').at(-1)}`;
  if ((await run(['ip', 'link', 'show', HOST_LINK])).code === 0) return `${HOST_LINK} exists: another Vagrant lab runs here`;
  return undefined;
}

/** Anything of the lab still on the host: namespace, link, libvirt state, daemons, QEMU guests. */
async function leftovers(): Promise<string[]> {
  const left: string[] = [];
  if ((await run(['ip', 'netns', 'list'])).stdout.split('\n').some((l) => l.split(' ')[0] === NETNS)) left.push(`namespace ${NETNS}`);
  if ((await run(['ip', 'link', 'show', HOST_LINK])).code === 0) left.push(`link ${HOST_LINK}`);
  if (existsSync(STATE)) left.push(`libvirt state ${STATE} (domains, networks, volumes)`);
  const procs = (await run(['pgrep', '-af', `${STATE}|guest=${basename(ROOT)}_node`])).stdout.trim();
  if (procs) left.push(`processes: ${procs}`);
  return left;
}

const why = await unavailable();
if (why) skipTest(test, name, why);
else {
  test(name, async () => {
    const started = Date.now();
    const dir = mkdtempSync(join(tmpdir(), 'minik-vagrant-libvirt-'));
    const env = {
      MINIK_CONFIG: join(dir, 'config'),
      KUBECONFIG: join(dir, 'kubeconfig'),
      MINIK_SERVER: '',
      MINIK_TOKEN: '',
      MINIK_VAGRANT_DIR: ROOT,
      MINIK_VAGRANT_BACKEND: 'private',
      VAGRANT_CHECKPOINT_DISABLE: '1',
    };
    const minik = async (args: string[], options: { timeoutMs?: number; allowFailure?: boolean } = {}): Promise<RunResult> => {
      const r = await run([...MINIK_ARGV, ...args], { env, timeoutMs: options.timeoutMs ?? 180_000 });
      if (r.code !== 0 && !options.allowFailure) throw new Error(`minik ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`);
      return r;
    };
    const timings: Array<[string, number]> = [];
    const timed = async <T>(step: string, work: () => Promise<T>) => {
      const t = Date.now();
      const result = await work();
      timings.push([step, Date.now() - t]);
      return result;
    };
    const until = async <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const v = await check().catch(() => undefined);
        if (v !== undefined) return v;
        await new Promise((r) => setTimeout(r, 2_000));
      }
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    };
    const echoFrom = (r: RunResult) => {
      try {
        return r.code === 0 ? (JSON.parse(r.stdout) as { pod: string; node: string }) : undefined;
      } catch {
        return undefined;
      }
    };

    // A run that was killed (timeout) leaves libvirtd, its namespace and link: clear them first.
    if ((await leftovers()).length) await minik(['down', '--provider', 'vagrant', '--name', LAB], { allowFailure: true, timeoutMs: 600_000 });
    try {
      const up = await timed('minik up --provider vagrant --nodes 2', () =>
        minik(['up', '--provider', 'vagrant', '--nodes', '2', '--name', LAB, '--proxy-mode', 'nftables'], { timeoutMs: 1_500_000 }),
      );
      console.log(up.stdout);
      // Progress names each step with its time: box, boot + provision, Ready.
      for (const step of [/Box .*\(\d+\.\d s\)/, /VMs up and provisioned.*\(\d+\.\d s\)/, /Nodes Ready.*\(\d+\.\d s\)/]) assert.match(up.stdout, step);

      const nodes = JSON.parse((await minik(['get', 'nodes', '-o', 'json'])).stdout).items as Array<{ metadata: { name: string }; status: { conditions: Array<{ type: string; status: string }> } }>;
      assert.equal(nodes.map((n) => n.metadata.name).sort(), ['node1', 'node2']);
      for (const n of nodes) assert.ok(n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'), `${n.metadata.name} Ready`);

      // The README's walkthrough.
      await timed('pods and services created', async () => {
        await minik(['run', 'web', '--replicas', '2', '--port', '8080']);
        await minik(['svc', 'create', 'web', '--tcp', '80:8080', '--selector', 'run=web']);
        await minik(['svc', 'create', 'web-np', '--type', 'NodePort', '--tcp', '80:8080', '--selector', 'run=web']);
      });
      const clusterIp: string = JSON.parse((await minik(['get', 'svc', 'web', '-o', 'json'])).stdout).spec.clusterIP;
      const nodePort: number = JSON.parse((await minik(['get', 'svc', 'web-np', '-o', 'json'])).stdout).spec.ports[0].nodePort;

      await timed('ClusterIP from a pod (minik exec) and from a node (minik ssh)', async () => {
        const viaExec = await until('minik exec web-0 -- curl the service by name', async () =>
          echoFrom(await minik(['exec', 'web-0', '--', 'curl', '-s', '-m', '5', 'http://web.default.svc.cluster.local/'], { allowFailure: true })),
        );
        assert.match(viaExec.pod, /^web-[01]$/);
        const viaSsh = await until(`minik ssh node2 -- curl ${clusterIp}`, async () =>
          echoFrom(await minik(['ssh', 'node2', '--', 'curl', '-s', '-m', '5', `http://${clusterIp}/`], { allowFailure: true })),
        );
        assert.match(viaSsh.pod, /^web-[01]$/);
      });

      await timed('NodePort from the host on both VMs', async () => {
        for (const ip of NODE_IPS) {
          const echo = await until(`NodePort ${ip}:${nodePort} from the host`, async () => echoFrom(await run(['curl', '-s', '-m', '5', `http://${ip}:${nodePort}/`])), 60_000);
          assert.match(echo.pod, /^web-[01]$/);
        }
      });

      await timed('minik logs and minik rules', async () => {
        const logs = await minik(['logs', 'web-0']);
        assert.ok(logs.stdout.trim().length > 0, 'web-0 logged its requests');
        const rules = await minik(['rules', '--node', 'node1']);
        assert.match(rules.stdout, /table ip minik/);
      });
    } finally {
      const down = await timed('minik down --provider vagrant', () => minik(['down', '--provider', 'vagrant', '--name', LAB], { allowFailure: true, timeoutMs: 600_000 }));
      console.log(down.stdout + down.stderr);
      const left = await leftovers();
      console.log(`vagrant-libvirt timings:\n${timings.map(([s, ms]) => `  ${s.padEnd(60)} ${(ms / 1000).toFixed(1).padStart(7)} s`).join('\n')}`);
      console.log(`Vagrant end-to-end test took ${((Date.now() - started) / 1000).toFixed(1)} s`);
      rmSync(dir, { recursive: true, force: true });
      assert.is(down.code, 0, down.stderr);
      assert.equal(left, [], `left behind: ${left.join('; ')}`);
      try {
        // the token and record go with the lab; logs stay for reading
        assert.not.ok(existsSync(join(ROOT, '.vagrant', 'minik', 'lab.json')), 'lab record removed');
      } catch (err) {
        console.log(readFileSync(join(ROOT, '.vagrant', 'minik', 'lab.json'), 'utf8'));
        throw err;
      }
    }
  });
}

test.run();
