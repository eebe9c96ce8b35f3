// The conformance suite (e2e/conformance/suite.ts) in userspace mode, on a 2-node
// netns lab `mkcus` (192.168.93.0/24); at the end the lab switches in place to
// nftables and must keep no userspace state.
import { test } from 'uvu';
import { netnsUnavailable, skipTest } from './support/skip.ts';
import { netnsConformanceLab } from './conformance/netns-lab.ts';
import { conformanceSuite } from './conformance/suite.ts';
import { modeUnavailable } from './conformance/available.ts';

const why = netnsUnavailable() ?? (await modeUnavailable('userspace'));
if (why) {
  skipTest(test, 'conformance userspace', why);
  test.run();
} else {
  conformanceSuite('userspace', netnsConformanceLab('mkcus', '192.168.93'), { switchTo: 'nftables' });
}
