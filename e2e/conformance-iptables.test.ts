// The conformance suite (e2e/conformance/suite.ts) in iptables mode, on a 2-node
// netns lab `mkcipt` (192.168.92.0/24); at the end the lab switches in place to
// userspace and must keep no iptables state.
import { test } from 'uvu';
import { netnsUnavailable, skipTest } from './support/skip.ts';
import { netnsConformanceLab } from './conformance/netns-lab.ts';
import { conformanceSuite } from './conformance/suite.ts';
import { modeUnavailable } from './conformance/available.ts';

const why = netnsUnavailable() ?? (await modeUnavailable('iptables'));
if (why) {
  skipTest(test, 'conformance iptables', why);
  test.run();
} else {
  conformanceSuite('iptables', netnsConformanceLab('mkcipt', '192.168.92'), { switchTo: 'userspace' });
}
