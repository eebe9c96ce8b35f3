// One contract, three appliers: the fake always; `nft -f` and `nft -i` in a
// throwaway network namespace each (mknft-ct-<pid>-*) where this machine can.
import { execFileSync } from 'node:child_process';
import { suite } from 'uvu';
import { ExecApplier, type NftApplier } from './applier.ts';
import { defineContract } from './contract.ts';
import { FakeNft } from './fake.ts';
import { InteractiveApplier } from './interactive.ts';
import { realNftUnavailable, skipTest } from './testing.ts';

const why = realNftUnavailable();

function run(name: string, make: (netns: string) => NftApplier, real: boolean): void {
  const s = suite(`contract: ${name}`);
  if (real && why) {
    skipTest(s, `contract: ${name}`, why);
    s.run();
    return;
  }
  const ns = `mknft-ct-${process.pid}-${name.replace(/\W+/g, '')}`;
  let nft: NftApplier;
  s.before(() => {
    if (real) execFileSync('ip', ['netns', 'add', ns]);
    nft = make(ns);
  });
  s.after(() => {
    nft.close();
    if (real) execFileSync('ip', ['netns', 'del', ns]);
  });
  defineContract(s, () => nft);
  s.run();
}

run('FakeNft', () => new FakeNft(), false);
run('ExecApplier (nft -f)', (netns) => new ExecApplier({ netns }), true);
run('InteractiveApplier (nft -i)', (netns) => new InteractiveApplier({ netns }), true);
