// minik's Debian box (vagrant/box/build.sh via cli/lab/box.ts): built once
// from Debian's packages, then found in ~/.cache/minik/box in a moment.
// Runs before the VM tests that boot it (file order), so they find it cached.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBox, type EnsureBoxResult } from '../../cli/lab/box.ts';
import { run } from '../support/lab.ts';
import { skipTest } from '../support/skip.ts';
import { vmUnavailable } from './fixture.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const why = await vmUnavailable();

if (why) skipTest(test, 'the Debian box builds and is cached', why);
else {
  let first: EnsureBoxResult;

  test('the box builds (or is in the cache) with a bootable disk and a libvirt box', async () => {
    const started = Date.now();
    first = await ensureBox({ checkout: ROOT, env: process.env, onLine: (line) => console.log(`box: ${line}`) });
    console.log(`box ${first.cached ? 'from the cache' : 'built'} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${first.files.dir}`);
    console.log(readFileSync(first.files.timings, 'utf8').trim().replace(/^/gm, '  built: '));

    const info = JSON.parse((await run(['qemu-img', 'info', '--output=json', first.files.disk])).stdout);
    assert.is(info.format, 'qcow2');
    assert.is(info['virtual-size'], 4 * 1024 ** 3);
    assert.is(statSync(first.files.key).mode & 0o777, 0o600);
    assert.match(readFileSync(first.files.key, 'utf8'), /BEGIN RSA PRIVATE KEY/);

    // The first sector: syslinux's MBR code, a bootable FAT partition, then Linux.
    const scratch = mkdtempSync(join(tmpdir(), 'minik-box-test-'));
    try {
      const mbr = join(scratch, 'mbr');
      const dd = await run(['qemu-img', 'dd', '-f', 'qcow2', '-O', 'raw', 'bs=512', 'count=1', `if=${first.files.disk}`, `of=${mbr}`]);
      assert.is(dd.code, 0, dd.stderr);
      const sector = readFileSync(mbr);
      assert.is(sector.readUInt16LE(510), 0xaa55, 'boot signature');
      const entry = (i: number) => sector.subarray(446 + 16 * i, 446 + 16 * (i + 1));
      assert.is(entry(0)[0], 0x80, 'first partition is bootable');
      assert.is(entry(0)[4], 0x0c, 'first partition is FAT32 (LBA)');
      assert.is(entry(1)[4], 0x83, 'second partition is Linux');
      assert.ok(sector.subarray(0, 440).some((b) => b !== 0), 'boot code in the MBR');

      const listing = await run(['tar', '-tf', first.files.box]);
      assert.equal(listing.stdout.trim().split('\n').sort(), ['Vagrantfile', 'box.img', 'metadata.json']);
      const meta = await run(['tar', '-xOf', first.files.box, 'metadata.json']);
      assert.equal(JSON.parse(meta.stdout), { provider: 'libvirt', format: 'qcow2', virtual_size: 4 });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  test('the second time the box comes from the cache in seconds', async () => {
    const again = await ensureBox({ checkout: ROOT, env: process.env });
    console.log(`second ensureBox: ${(again.ms / 1000).toFixed(2)} s`);
    assert.ok(again.cached);
    assert.is(again.files.dir, first.files.dir);
    assert.ok(again.ms < 10_000, `took ${again.ms} ms`);
  });
}

test.run();
