// The conformance suite in ipvs mode. This machine's kernel has no ip_vs:
// the registry's own check says so and the suite is reported skipped with
// that reason. Where the kernel has ip_vs (the VM tier), the same suite runs.
import { test } from 'uvu';
import { netnsUnavailable, skipTest } from './support/skip.ts';
import { netnsConformanceLab } from './conformance/netns-lab.ts';
import { conformanceSuite } from './conformance/suite.ts';
import { modeUnavailable } from './conformance/available.ts';

const why = netnsUnavailable() ?? (await modeUnavailable('ipvs'));
if (why) {
  skipTest(test, 'conformance ipvs', why);
  test.run();
} else {
  conformanceSuite('ipvs', netnsConformanceLab('mkcipvs', '192.168.94'), { switchTo: 'nftables' });
}
