// FakeIpvsHost: just enough of a node's ipvsadm, dummy link and sysctl for
// the proxier's unit tests, on top of api/exec's FakeExec. `ipvsadm -R` runs
// line by line like the real one (a failing line prints to stderr, the rest
// still applies), `ipvsadm -Sn` prints the rule form back.

import { ExecError } from '../../../api/exec/exec.ts';
import { FakeExec } from '../../../api/exec/fake.ts';
import { parseIpvsadmSave } from './parse.ts';
import { renderRestore } from './restore.ts';
import { realServerKey, virtualServerKey, type VirtualServer } from './types.ts';
import { DUMMY_LINK } from './names.ts';

export class FakeIpvsHost {
  readonly exec = new FakeExec();
  readonly services = new Map<string, VirtualServer>();
  readonly addresses = new Set<string>();
  link = false;
  /** The node's other addresses (`ip -j -4 addr show` lists them with the dummy link's). */
  nodeAddresses: string[] = [];
  /** Lines of `ipvsadm -R` input to refuse (substring match), as the kernel would refuse a bad one. */
  refuse: string[] = [];

  constructor() {
    this.exec.respond = (argv) => this.answer(argv);
  }

  /** Virtual servers as `ipvsadm -Sn` would print them, in a stable order. */
  save(): string {
    return renderRestore([...this.services.values()].sort((a, b) => (virtualServerKey(a) < virtualServerKey(b) ? -1 : 1)));
  }

  private answer(argv: string[]) {
    const cmd = argv.join(' ');
    if (cmd === 'ipvsadm -Sn') return { stdout: this.save() };
    if (cmd === 'ipvsadm -R') return undefined; // handled in run() (needs the input)
    if (cmd.startsWith(`ip -j link show dev ${DUMMY_LINK}`)) return this.link ? { stdout: JSON.stringify([{ ifname: DUMMY_LINK }]) } : { code: 1, stderr: `Device "${DUMMY_LINK}" does not exist.` };
    if (cmd === `ip link add ${DUMMY_LINK} type dummy`) return (this.link = true), { stdout: '' };
    if (cmd === `ip link del ${DUMMY_LINK}`) return this.link ? ((this.link = false), this.addresses.clear(), { stdout: '' }) : { code: 1, stderr: 'Cannot find device' };
    if (cmd.startsWith(`ip -j -4 addr show dev ${DUMMY_LINK}`)) {
      if (!this.link) return { code: 1, stderr: `Device "${DUMMY_LINK}" does not exist.` };
      return { stdout: JSON.stringify([{ ifname: DUMMY_LINK, addr_info: [...this.addresses].map((local) => ({ family: 'inet', local, prefixlen: 32 })) }]) };
    }
    if (cmd === 'ip -j -4 addr show') {
      const links = [{ ifname: 'eth0', addr_info: this.nodeAddresses.map((local) => ({ family: 'inet', local, prefixlen: 24 })) }];
      if (this.link) links.push({ ifname: DUMMY_LINK, addr_info: [...this.addresses].map((local) => ({ family: 'inet', local, prefixlen: 32 })) });
      return { stdout: JSON.stringify(links) };
    }
    return undefined;
  }

  /** Applies `ipvsadm -R` / `ip -batch -` input; called by the wrapped run(). */
  input(argv: string[], input: string): { stdout: string; stderr: string; code: number } | undefined {
    const cmd = argv.join(' ');
    if (cmd === 'ipvsadm -R') {
      const errors: string[] = [];
      for (const line of input.split('\n').filter(Boolean)) {
        const err = this.refuse.some((r) => line.includes(r)) ? 'Invalid argument' : this.restoreLine(line);
        if (err) errors.push(err);
      }
      return { stdout: '', stderr: errors.join('\n'), code: 0 };
    }
    if (cmd === 'ip -batch -') {
      for (const line of input.split('\n').filter(Boolean)) {
        const [, verb, cidr] = line.split(' ');
        const a = cidr.split('/')[0];
        if (verb === 'add') {
          if (this.addresses.has(a)) return { stdout: '', stderr: 'RTNETLINK answers: File exists', code: 1 };
          this.addresses.add(a);
        } else if (!this.addresses.delete(a)) return { stdout: '', stderr: 'RTNETLINK answers: Cannot assign requested address', code: 1 };
      }
      return { stdout: '', stderr: '', code: 0 };
    }
    return undefined;
  }

  private restoreLine(line: string): string | undefined {
    const [op] = line.split(' ');
    const asSave = (l: string) => parseIpvsadmSave(l.replace(/^-[AE]/, '-A'))[0];
    if (op === '-A' || op === '-E') {
      const vs = asSave(line);
      const had = this.services.get(virtualServerKey(vs));
      if (op === '-A' && had) return 'Service already exists';
      if (op === '-E' && !had) return 'No such service';
      this.services.set(virtualServerKey(vs), { ...vs, realServers: had?.realServers ?? [] });
      return undefined;
    }
    const t = line.split(' ');
    const key = `${{ '-t': 'tcp', '-u': 'udp', '--sctp-service': 'sctp' }[t[1]]} ${t[2]}`;
    const vs = this.services.get(key);
    if (!vs) return 'No such service';
    if (op === '-D') return this.services.delete(key), undefined;
    const rs = parseIpvsadmSave(`-A ${t[1]} ${t[2]}\n-a ${line.slice(3)}`)[0].realServers[0];
    const i = vs.realServers.findIndex((r) => realServerKey(r) === realServerKey(rs));
    if (op === '-a') return i >= 0 ? 'Destination already exists' : (vs.realServers.push(rs), undefined);
    if (i < 0) return 'No such destination';
    if (op === '-e') vs.realServers[i] = rs;
    if (op === '-d') vs.realServers.splice(i, 1);
    return undefined;
  }
}

/** A FakeIpvsHost whose exec also sees stdin (FakeExec's responders only see argv). */
export function fakeIpvsHost(): FakeIpvsHost {
  const host = new FakeIpvsHost();
  const run = host.exec.run.bind(host.exec);
  host.exec.run = async (argv, options = {}) => {
    const answer = options.input !== undefined ? host.input(argv, options.input) : undefined;
    if (!answer) return run(argv, options);
    host.exec.calls.push({ argv: [...argv], input: options.input });
    if (answer.code !== 0 && !options.allowFailure) throw new ExecError(argv, answer.code, answer.stderr);
    return answer;
  };
  return host;
}
