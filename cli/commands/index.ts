// Every `minik` command, one line each. Add yours here; keep the module
// light (heavy imports inside `run`), see CommandModule in types.ts.

import { applyCommand } from './apply.ts';
import { deleteCommand } from './delete.ts';
import { describeCommand } from './describe.ts';
import { getCommand } from './get.ts';
import { ingressCreateCommand } from './ingress.ts';
import { runCommand } from './run.ts';
import { nodeStartCommand, nodeStopCommand } from './node.ts';
import { linkCommand, uninstallCommand } from './install.ts';
import { statusCommand } from './status.ts';
import { svcCreateCommand, svcUrlCommand } from './svc.ts';
import type { CommandModule } from './types.ts';
import { downCommand, upCommand } from '../lab/commands.ts';
import { apiserverCommand } from './apiserver.ts';
import { installServiceCommand } from './install-service.ts';
import { kubeconfigCommand } from './kubeconfig.ts';
import { execCommand, logsCommand, sshCommand } from './lab-access.ts';
import { rulesCommand } from './rules.ts';
import { traceCommand } from './trace.ts';
import { agentCommand } from './agent.ts';
import { echoCommand } from './echo.ts';
import { boxBuildCommand } from '../lab/box-command.ts';

export const COMMANDS: CommandModule[] = [
  upCommand,
  downCommand,
  kubeconfigCommand,
  statusCommand,
  getCommand,
  describeCommand,
  applyCommand,
  deleteCommand,
  svcCreateCommand,
  svcUrlCommand,
  ingressCreateCommand,
  runCommand,
  nodeStopCommand,
  nodeStartCommand,
  execCommand,
  sshCommand,
  logsCommand,
  rulesCommand,
  traceCommand,
  apiserverCommand,
  agentCommand,
  echoCommand,
  installServiceCommand,
  linkCommand,
  uninstallCommand,
  boxBuildCommand,
];
