// The argv of the lab's daemons: pure, so the flags the lab passes are
// golden-tested and visible in one place.
//
// apiserver (host namespace): REST on 127.0.0.1:PORT and, through
// `--extra-listen`, on the lab LAN's .1 (where agents reach it); gRPC on
// PORT+1 on the same hosts, both over TLS with the certificate the apiserver
// makes in its data dir. Agents run inside their node's namespace and trust
// the CA file beside the token.

import type { LabLayout } from '../../api/layout.ts';
import { caFilePath, tokenFilePath } from './config.ts';
import type { DaemonSpec } from './daemons.ts';
import type { LabAddresses, ProxyMode } from './lan.ts';

export const APISERVER_DAEMON = 'apiserver';
export const agentDaemonName = (node: string) => `agent-${node}`;

/** Where the CLI on the host talks to the lab's apiserver. */
export const localServerUrl = (apiPort: number) => `https://127.0.0.1:${apiPort}`;
/** Where agents inside the lab talk to it. */
export const lanServerUrl = (lan: LabAddresses, apiPort: number) => `https://${lan.hostIp}:${apiPort}`;

export function apiserverSpec(layout: LabLayout, lan: LabAddresses, apiPort: number, minikArgv: string[]): DaemonSpec {
  return {
    name: APISERVER_DAEMON,
    argv: [
      ...minikArgv,
      'apiserver',
      '--listen',
      `127.0.0.1:${apiPort}`,
      '--extra-listen',
      `${lan.hostIp}:${apiPort}`,
      '--data-dir',
      layout.serverDataDir,
      '--lb-pool',
      lan.lbPool,
      '--token-file',
      tokenFilePath(layout),
    ],
  };
}

export function agentSpec(
  layout: LabLayout,
  lan: LabAddresses,
  apiPort: number,
  node: string,
  nodeIndex: number,
  proxyMode: ProxyMode,
  minikArgv: string[],
): DaemonSpec {
  const netns = layout.nodeNetns(node);
  return {
    name: agentDaemonName(node),
    netns,
    argv: [
      ...minikArgv,
      'agent',
      '--server',
      lanServerUrl(lan, apiPort),
      '--token-file',
      tokenFilePath(layout),
      '--ca-file',
      caFilePath(layout),
      '--node-name',
      node,
      '--node-ip',
      lan.nodeIp(nodeIndex),
      '--state-dir',
      layout.nodeStateDir(node),
      '--netns-prefix',
      netns,
      '--proxy-mode',
      proxyMode,
    ],
  };
}
