// One DNS query message in, one response message out (or nothing): the wire
// rules around resolve(). No sockets here, so every rule is tested on bytes.
//
// - Undecodable bytes and messages that are themselves responses get no
//   answer (undefined): answering garbage or responses invites loops and
//   reflection; the UDP server drops them, the TCP server closes the stream.
// - A decodable query that is wrong in form gets FORMERR: not exactly one
//   question, more than one OPT record, an OPT not owned by the root.
// - Opcodes other than QUERY get NOTIMP; EDNS versions above 0 get BADVERS.
// - UDP answers are cut to 512 bytes, or to the client's EDNS buffer size
//   capped at 1232 (the DNS flag day 2020 size that avoids fragmentation).
//   Additional records go first; if the answer still does not fit, the
//   sections are emptied and TC is set so the client retries over TCP.

import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, OptAnswer, Packet } from 'dns-packet';
import { compressMessage } from './compress.ts';
import { resolve, type Rcode } from './records.ts';
import type { DnsState } from './state.ts';

export type Transport = 'udp' | 'tcp';

/** Classic DNS over UDP without EDNS (RFC 1035). */
export const PLAIN_UDP_LIMIT = 512;
/** What we advertise and accept at most over UDP with EDNS. */
export const EDNS_UDP_LIMIT = 1232;
/** A TCP message carries a 16-bit length. */
const TCP_LIMIT = 65535;

const RCODE_VALUES: Record<Rcode, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };
const OPCODE_SHIFT = 11;
/** EDNS extended rcode BADVERS = 16: 1 in the OPT's upper bits, 0 in the header. */
const BADVERS_UPPER_BITS = 1;

export function answerQuery(query: Uint8Array, getState: () => DnsState, transport: Transport): Buffer | undefined {
  let request: DecodedPacket & { opcode?: string };
  try {
    request = dnsPacket.decode(Buffer.from(query.buffer, query.byteOffset, query.byteLength));
  } catch {
    return undefined;
  }
  if (request.type === 'response') return undefined;

  // A label dns-packet decoded from non-UTF-8 bytes can grow past 63 bytes and
  // would not encode back; such a question is as good as unreadable.
  const questions = (request.questions ?? []).filter((q) => encodableName(q.name));
  const opts = (request.additionals ?? []).filter((a): a is OptAnswer => a.type === 'OPT');
  const opt = opts[0];
  const reply = (rcode: Rcode, sections: Partial<Pick<Packet, 'answers' | 'authorities' | 'additionals'>> = {}, flags = 0) =>
    response(request, questions.length === 1 ? questions : [], rcode, sections, flags, opt);

  if (request.opcode !== 'QUERY') return encode(reply('NOTIMP'), PLAIN_UDP_LIMIT);
  if (questions.length !== 1 || questions.length !== (request.questions ?? []).length || opts.length > 1 || (opt && opt.name !== '.')) return encode(reply('FORMERR'), PLAIN_UDP_LIMIT);
  if (opt && opt.ednsVersion > 0) {
    const badvers = reply('NOERROR');
    badvers.additionals = [edns(opt, BADVERS_UPPER_BITS)];
    return encode(badvers, limitFor(transport, opt));
  }

  const question = questions[0];
  if (question.class !== undefined && question.class !== 'IN' && question.class !== 'ANY') return encode(reply('REFUSED'), PLAIN_UDP_LIMIT);

  let state: DnsState;
  try {
    state = getState();
  } catch {
    return encode(reply('SERVFAIL'), PLAIN_UDP_LIMIT);
  }
  const result = resolve({ name: question.name, type: question.type }, state);
  const packet = reply(
    result.rcode,
    { answers: result.answers as Answer[], authorities: result.authority as Answer[], additionals: result.additional as Answer[] },
    result.authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0,
  );
  return encode(packet, limitFor(transport, opt));
}

function response(
  request: DecodedPacket & { opcode?: string },
  questions: Packet['questions'],
  rcode: Rcode,
  sections: Partial<Pick<Packet, 'answers' | 'authorities' | 'additionals'>>,
  flags: number,
  opt: OptAnswer | undefined,
): Packet {
  const opcodeBits = (request.flags ?? 0) & (0xf << OPCODE_SHIFT);
  // RD is copied back. RA is set as CoreDNS sets it (its forward plugin makes
  // it a recursive server): without it nslookup and dig print "recursion not
  // available" after every answer, noise that reads like an error to a learner.
  const rd = (request.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
  return {
    type: 'response',
    id: request.id,
    flags: opcodeBits | rd | dnsPacket.RECURSION_AVAILABLE | flags | RCODE_VALUES[rcode],
    questions,
    answers: sections.answers ?? [],
    authorities: sections.authorities ?? [],
    additionals: [...(sections.additionals ?? []), ...(opt ? [edns(opt, 0)] : [])],
  };
}

/** Our OPT record: our buffer size, the client's DO bit copied back (RFC 3225). */
function edns(requestOpt: OptAnswer, extendedRcode: number): OptAnswer {
  return {
    type: 'OPT',
    name: '.',
    udpPayloadSize: EDNS_UDP_LIMIT,
    extendedRcode,
    ednsVersion: 0,
    flags: requestOpt.flags & dnsPacket.DNSSEC_OK,
    flag_do: requestOpt.flag_do,
    options: [],
  };
}

function encodableName(name: string): boolean {
  return name === '.' || name.split('.').every((label) => Buffer.byteLength(label) <= 63);
}

function limitFor(transport: Transport, opt: OptAnswer | undefined): number {
  if (transport === 'tcp') return TCP_LIMIT;
  if (!opt) return PLAIN_UDP_LIMIT;
  return Math.min(Math.max(opt.udpPayloadSize, PLAIN_UDP_LIMIT), EDNS_UDP_LIMIT);
}

/** Encodes (compressed) within `limit` bytes: drop additional data first, then truncate with TC. */
function encode(packet: Packet, limit: number): Buffer {
  const full = wire(packet);
  if (full.length <= limit) return full;
  const opt = (packet.additionals ?? []).filter((a) => a.type === 'OPT');
  const withoutExtra = wire({ ...packet, additionals: opt });
  if (withoutExtra.length <= limit) return withoutExtra;
  return wire({
    ...packet,
    flags: (packet.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE,
    answers: [],
    authorities: [],
    additionals: opt,
  });
}

const wire = (packet: Packet) => compressMessage(dnsPacket.encode(packet));
