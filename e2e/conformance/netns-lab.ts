// ConformanceLab over the netns provider: `minik up --name NAME --lan CIDR
// --nodes 2 --proxy-mode MODE` on this machine (needs root and the lock).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labLeftovers, makeLab, run } from '../support/lab.ts';
import type { ConformanceLab } from './lab.ts';

export function netnsConformanceLab(name: string, lanBase: string, nodeCount = 2): ConformanceLab {
  const lan = `${lanBase}.0/24`;
  const lab = makeLab(name, lan);
  const tmpDir = mkdtempSync(join(tmpdir(), `minik-conformance-${name}-`));
  return {
    minik: (args, options) => lab.minik(args, options),
    host: (argv, timeoutMs) => run(argv, { timeoutMs }),
    onNode: (node, argv) => lab.inNetns(lab.nodeNetns(node), argv),
    async up(mode) {
      await lab.minik(['up', '--name', name, '--lan', lan, '--nodes', String(nodeCount), '--proxy-mode', mode], { timeoutMs: 180_000 });
    },
    async down() {
      await lab.minik(['down', '--name', name], { allowFailure: true });
    },
    async leftovers() {
      return labLeftovers(name);
    },
    nodes: Array.from({ length: nodeCount }, (_, i) => ({ name: `node${i + 1}`, ip: `${lanBase}.${11 + i}` })),
    clientIp: `${lanBase}.2`,
    hostIp: `${lanBase}.1`,
    canTrace: true,
    tmpDir,
  };
}

/** Removes the netns lab's temporary files (after down). */
export const forget = (lab: ConformanceLab) => rmSync(lab.tmpDir, { recursive: true, force: true });
