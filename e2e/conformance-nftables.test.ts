// The conformance suite (e2e/conformance/suite.ts) in nftables mode, on a 2-node
// netns lab `mkcnft` (192.168.91.0/24); at the end the lab switches in place to
// iptables and must keep no nftables state.
import { test } from 'uvu';
import { netnsUnavailable, skipTest } from './support/skip.ts';
import { netnsConformanceLab } from './conformance/netns-lab.ts';
import { conformanceSuite } from './conformance/suite.ts';
import { modeUnavailable } from './conformance/available.ts';

const why = netnsUnavailable() ?? (await modeUnavailable('nftables'));
if (why) {
  skipTest(test, 'conformance nftables', why);
  test.run();
} else {
  conformanceSuite('nftables', netnsConformanceLab('mkcnft', '192.168.91'), { switchTo: 'iptables' });
}
