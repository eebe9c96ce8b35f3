// The VM tier's smoke test: two Debian VMs booted under QEMU (TCG) from the
// cached box, minik provisioned in them, both nodes Ready, ClusterIP and
// NodePort traffic between the VMs, and what this host's kernel lacks
// (ip_vs, dummy links) working on Debian's kernel. Prints how long each step took.
// test-timeout: 30 min

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { skipTest } from '../support/skip.ts';
import { startVmLab, vmUnavailable, waitForNodesReady, type VmLab } from './fixture.ts';

const why = await vmUnavailable();
const name = 'VM smoke: 2 nodes Ready, ClusterIP + NodePort across VMs, ip_vs and dummy links';

/** The echo server's answer (design.md): which pod on which node answered. */
interface Echo {
  pod: string;
  node: string;
  clientIP: string;
}

async function curlJson(lab: VmLab, node: string, url: string): Promise<Echo | undefined> {
  const r = await lab.ssh(node, `curl -s --max-time 5 ${url}`, { allowFailure: true });
  if (r.code !== 0) return undefined;
  try {
    return JSON.parse(r.stdout) as Echo;
  } catch {
    return undefined;
  }
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 2_000));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

if (why) skipTest(test, name, why);
else {
  test(name, async () => {
    const started = Date.now();
    const lab = await startVmLab({ nodes: 2, proxyMode: 'nftables' });
    let ok = false;
    try {
      let t = Date.now();
      await waitForNodesReady(lab);
      lab.timings.push({ step: 'nodes Ready', ms: Date.now() - t });

      t = Date.now();
      await lab.minik(['run', 'web', '--replicas', '2', '--port', '8080']);
      await lab.minik(['svc', 'create', 'web', '--type', 'NodePort', '--tcp', '80:8080', '--selector', 'run=web']);
      const svc = JSON.parse((await lab.minik(['get', 'svc', 'web', '-o', 'json'])).stdout);
      const clusterIp: string = svc.spec.clusterIP;
      const nodePort: number = svc.spec.ports[0].nodePort;
      assert.ok(nodePort >= 30000 && nodePort <= 32767, `nodePort ${nodePort}`);

      // ClusterIP from node2: both pods answer sooner or later (random choice).
      const pods = new Set<string>();
      await until('both pods behind the ClusterIP', async () => {
        const echo = await curlJson(lab, 'node2', `http://${clusterIp}/`);
        if (echo) pods.add(echo.pod);
        return pods.size === 2 ? true : undefined;
      });
      assert.equal([...pods].sort(), ['web-0', 'web-1']);
      lab.timings.push({ step: 'pods Ready, ClusterIP answers from both pods', ms: Date.now() - t });

      // NodePort on each node's address, asked from the other VM.
      t = Date.now();
      for (const [from, to] of [['node2', lab.nodes[0]], ['node1', lab.nodes[1]]] as const) {
        const echo = await until(`NodePort ${to.ip}:${nodePort} from ${from}`, () => curlJson(lab, from, `http://${to.ip}:${nodePort}/`), 60_000);
        assert.match(echo.pod, /^web-[01]$/);
      }
      lab.timings.push({ step: 'NodePort answers on both nodes', ms: Date.now() - t });

      // What this host's kernel lacks, on Debian's kernel.
      t = Date.now();
      await lab.ssh('node2', 'sudo modprobe ip_vs');
      assert.match((await lab.ssh('node2', 'lsmod')).stdout, /^ip_vs\s/m);
      assert.match((await lab.ssh('node2', 'sudo ipvsadm -Ln')).stdout, /IP Virtual Server version/);
      await lab.ssh('node2', 'sudo ip link add minik-ipvs0 type dummy');
      assert.match((await lab.ssh('node2', 'ip -d link show minik-ipvs0')).stdout, /dummy/);
      await lab.ssh('node2', 'sudo ip link del minik-ipvs0');
      lab.timings.push({ step: 'ip_vs and a dummy link', ms: Date.now() - t });
      ok = true;
    } finally {
      console.log(`VM smoke timings:\n${lab.report()}`);
      await lab.destroy(!ok);
      console.log(`VM smoke test took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  });
}

test.run();
