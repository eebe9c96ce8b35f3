// How to run "this minik" again: the single executable itself, or, in a
// checkout, node with tsx and the entry script. Daemons that `minik up` and
// `minik install-service` start must be the same minik the user ran.

export interface SelfProcess {
  execPath: string;
  argv: string[];
  execArgv: string[];
  isSea: boolean;
}

export function currentProcess(): SelfProcess {
  const sea = process.getBuiltinModule?.('node:sea');
  return { execPath: process.execPath, argv: process.argv, execArgv: process.execArgv, isSea: Boolean(sea?.isSea()) };
}

/** The running single executable, or undefined when minik runs from source under node. */
export function selfExecutable(self: SelfProcess = currentProcess()): string | undefined {
  return self.isSea ? self.execPath : undefined;
}

/** argv prefix that starts this minik: `[binary]` or `[node, ...execArgv (tsx loader), script]`. */
export function selfArgv(self: SelfProcess = currentProcess()): string[] {
  if (self.isSea) return [self.execPath];
  return [self.execPath, ...self.execArgv, self.argv[1]];
}
