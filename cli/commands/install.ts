// `minik link` (run by `npm start`) and `minik uninstall`: the launcher on
// PATH (cli/lab/launcher.ts), so the README's bare `minik ...` works in a new shell.

import type { CommandModule } from './types.ts';

export const linkCommand: CommandModule = {
  name: 'link',
  description: 'Put minik on PATH: write the launcher /usr/local/bin/minik for this checkout (npm start does it)',
  async run(ctx) {
    const { binDirOf, installLauncher } = await import('../lab/launcher.ts');
    const { path, replaced } = installLauncher(binDirOf(ctx.io.env), ctx.io.selfArgv);
    ctx.io.out(`minik: ${replaced ? 'refreshed' : 'wrote'} ${path}, which runs ${ctx.io.selfArgv.join(' ')} (minik uninstall removes it)\n`);
    return 0;
  },
};

export const uninstallCommand: CommandModule = {
  name: 'uninstall',
  description: 'Remove the launcher npm start put on PATH (labs are left alone: minik down removes a lab)',
  async run(ctx) {
    const { binDirOf, uninstallLauncher } = await import('../lab/launcher.ts');
    const dir = binDirOf(ctx.io.env);
    const removed = uninstallLauncher(dir);
    ctx.io.out(removed ? `minik: removed ${dir}/minik\n` : `minik: no launcher in ${dir}\n`);
    return 0;
  },
};
