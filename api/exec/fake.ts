// In-memory twin of Exec for unit tests of every role: records every command
// and answers from responders (`on(prefix, ...)`, then the `respond` hook);
// unmatched commands succeed with no output. With `{ modelIp: true }` it also
// models just enough of `ip` (namespaces, links, veth pairs, addresses) that
// the lab's apply / inspect / destroy can be tested for idempotence without root.
// Like the real one, a non-zero answer throws unless the caller allows failure.

import { ExecError, type Exec, type ExecOptions, type ExecResult } from './exec.ts';

export interface RecordedCall {
  argv: string[];
  input?: string;
}

type Responder = (argv: string[]) => Partial<ExecResult> | undefined;

interface FakeLink {
  netns: string | null;
  name: string;
  peer?: { netns: string | null; name: string };
  addresses: string[];
}

const ok = (stdout = ''): ExecResult => ({ code: 0, stdout, stderr: '' });
const fail = (stderr: string, code = 1): ExecResult => ({ code, stdout: '', stderr });

export class FakeExec implements Exec {
  readonly calls: RecordedCall[] = [];
  readonly namespaces = new Set<string>();
  readonly links: FakeLink[] = [];
  /** Checked after the `on` responders; return undefined to fall through (to the ip model, if on). */
  respond?: (argv: string[]) => Partial<ExecResult> | undefined;
  private readonly responders: Responder[] = [];
  private readonly modelIp: boolean;

  constructor(options: { modelIp?: boolean } = {}) {
    this.modelIp = options.modelIp ?? false;
  }

  /** Answer commands whose argv starts with `prefix` (joined by spaces). */
  on(prefix: string, result: Partial<ExecResult> | ((argv: string[]) => Partial<ExecResult>)): this {
    this.responders.push((argv) => {
      if (!argv.join(' ').startsWith(prefix)) return undefined;
      return typeof result === 'function' ? result(argv) : result;
    });
    return this;
  }

  /** Every call as one string per command, for easy assertions. */
  commands(): string[] {
    return this.calls.map((c) => c.argv.join(' '));
  }

  /** Same as commands(): the form golden files use. */
  lines(): string[] {
    return this.commands();
  }

  /** The commands that changed something (everything but `ip -j ... list/show`). */
  mutations(): string[] {
    return this.lines().filter((l) => !/^ip (-n \S+ )?-j /.test(l));
  }

  async run(argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    this.calls.push({ argv: [...argv], input: options.input });
    let answer: Partial<ExecResult> | undefined;
    for (const responder of this.responders) {
      answer = responder(argv);
      if (answer) break;
    }
    answer ??= this.respond?.(argv);
    if (!answer && this.modelIp && argv[0] === 'ip') answer = this.ip(argv.slice(1));
    const result: ExecResult = { stdout: answer?.stdout ?? '', stderr: answer?.stderr ?? '', code: answer?.code ?? 0 };
    if (result.code !== 0 && !options.allowFailure) throw new ExecError(argv, result.code, result.stderr);
    return result;
  }

  private ip(args: string[]): ExecResult {
    let netns: string | null = null;
    let json = false;
    while (args[0] === '-n' || args[0] === '-j') {
      if (args[0] === '-n') {
        netns = args[1];
        if (!this.namespaces.has(netns)) return fail(`Cannot open network namespace "${netns}": No such file or directory`);
        args = args.slice(2);
      } else {
        json = true;
        args = args.slice(1);
      }
    }
    const [object, verb, ...rest] = args;
    if (object === 'netns') return this.netns(verb, rest);
    if (object === 'link') return this.link(netns, verb, rest, json);
    if (object === 'addr') return this.addr(netns, verb, rest, json);
    return ok();
  }

  private netns(verb: string, rest: string[]): ExecResult {
    const name = rest[0];
    if (verb === 'list') return ok(this.namespaces.size ? JSON.stringify([...this.namespaces].map((n) => ({ name: n }))) : '');
    if (verb === 'add') {
      if (this.namespaces.has(name)) return fail(`Cannot create namespace file "/run/netns/${name}": File exists`);
      this.namespaces.add(name);
      return ok();
    }
    if (verb === 'del') {
      if (!this.namespaces.delete(name)) return fail(`Cannot remove namespace file "/run/netns/${name}": No such file or directory`);
      for (const link of this.links.filter((l) => l.netns === name)) this.removeLink(link);
      return ok();
    }
    return ok();
  }

  private find(netns: string | null, name: string) {
    return this.links.find((l) => l.netns === netns && l.name === name);
  }

  private removeLink(link: FakeLink) {
    const i = this.links.indexOf(link);
    if (i >= 0) this.links.splice(i, 1);
    const peer = link.peer && this.find(link.peer.netns, link.peer.name);
    if (peer) this.removeLink(peer);
  }

  private link(netns: string | null, verb: string, rest: string[], json: boolean): ExecResult {
    const arg = (key: string, from = 0) => {
      const i = rest.indexOf(key, from);
      return i >= 0 ? rest[i + 1] : undefined;
    };
    if (verb === 'add') {
      const name = arg('name')!;
      if (this.find(netns, name)) return fail('RTNETLINK answers: File exists', 2);
      const link: FakeLink = { netns, name, addresses: [] };
      if (arg('type') === 'veth') {
        const peerAt = rest.indexOf('peer');
        const peerName = arg('name', peerAt)!;
        const peerNetns = arg('netns', peerAt) ?? netns;
        if (peerNetns !== null && !this.namespaces.has(peerNetns)) return fail(`Invalid "netns" value "${peerNetns}"`);
        if (this.find(peerNetns, peerName)) return fail('RTNETLINK answers: File exists', 2);
        link.peer = { netns: peerNetns, name: peerName };
        this.links.push({ netns: peerNetns, name: peerName, peer: { netns, name }, addresses: [] });
      }
      this.links.push(link);
      return ok();
    }
    if (verb === 'del') {
      const link = this.find(netns, arg('dev')!);
      if (!link) return fail(`Cannot find device "${arg('dev')}"`);
      this.removeLink(link);
      return ok();
    }
    if (verb === 'set') {
      if (!this.find(netns, arg('dev')!) && arg('dev') !== 'lo') return fail(`Cannot find device "${arg('dev')}"`);
      return ok();
    }
    if (verb === 'show' && json) {
      const here = this.links.filter((l) => l.netns === netns).map((l) => ({ ifname: l.name }));
      return ok(JSON.stringify([{ ifname: 'lo' }, ...here]));
    }
    return ok();
  }

  private addr(netns: string | null, verb: string, rest: string[], json: boolean): ExecResult {
    const dev = rest[rest.indexOf('dev') + 1];
    const link = this.find(netns, dev);
    if (!link) return fail(`Device "${dev}" does not exist.`);
    if (verb === 'replace') {
      if (!link.addresses.includes(rest[0])) link.addresses.push(rest[0]);
      return ok();
    }
    if (verb === 'show' && json) {
      const addrInfo = link.addresses.map((a) => ({ family: 'inet', local: a.split('/')[0], prefixlen: Number(a.split('/')[1]) }));
      return ok(JSON.stringify([{ ifname: link.name, addr_info: addrInfo }]));
    }
    return ok();
  }
}
