// `minik box build [--force]`: builds (or finds in the cache) minik's Debian
// box and prints where its disk, Vagrant box and key are (cli/lab/box.ts).

import { stringOption, type CommandModule } from '../commands/types.ts';

export const boxBuildCommand: CommandModule = {
  name: 'box build',
  description: "Build minik's Debian box from Debian packages (cached in ~/.cache/minik/box)",
  options: [
    { flags: '--force', description: 'Build again even when the cache has this recipe' },
    { flags: '-o, --output <format>', description: 'text (default) | json' },
  ],
  examples: ['box build', 'box build -o json'],
  async run(ctx, input) {
    const { ensureBox, parseTimings } = await import('./box.ts');
    const { findVagrantDir } = await import('./vagrant.ts');
    const { oraProgress } = await import('./progress.ts');
    const { readFileSync } = await import('node:fs');
    const checkout = findVagrantDir({ env: ctx.io.env, selfArgv: ctx.io.selfArgv, cwd: process.cwd() });
    const json = stringOption(input.options, 'output') === 'json';
    const progress = oraProgress(json ? process.stderr : process.stdout);
    const result = await progress.step(
      'Building the Debian box (mmdebstrap; minutes the first time)',
      () => ensureBox({ checkout, env: ctx.io.env, force: Boolean(input.options.force), onLine: (line) => progress.info(line) }),
      (r) => `Box ${r.cached ? 'found in the cache' : 'built'} in ${(r.ms / 1000).toFixed(1)} s: ${r.files.dir}`,
    );
    const { files } = result;
    if (json) {
      ctx.io.out(`${JSON.stringify({ ...files, cached: result.cached, ms: result.ms }, null, 2)}\n`);
      return;
    }
    let timings: Array<{ step: string; seconds: number }> = [];
    try {
      timings = parseTimings(readFileSync(files.timings, 'utf8'));
    } catch {}
    for (const t of timings) ctx.io.out(`  ${t.step.padEnd(48)} ${t.seconds.toFixed(1)} s${result.cached ? ' (when it was built)' : ''}\n`);
    ctx.io.out(`disk  ${files.disk}\nbox   ${files.box}\nkey   ${files.key}\n`);
  },
};
