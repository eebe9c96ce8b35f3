// DNS name compression (RFC 1035 4.1.4) for messages dns-packet encoded.
// dns-packet writes every name in full; cluster names are long and repeat
// (`db-0.db.shop.svc.cluster.local` in every record), so without compression
// a 512-byte UDP answer holds about 10 A records instead of about 30 and
// stub resolvers without EDNS (glibc's default) fall back to TCP early.
//
// This rewrites an uncompressed message: each name, or its longest suffix
// already written, becomes a pointer. Names are matched byte for byte, so
// the client's spelling survives. Rdata names are compressed only for the
// RFC 1035 types (NS, CNAME, PTR, SOA); RFC 2782 forbids it for SRV targets.

const TYPE_NS = 2;
const TYPE_CNAME = 5;
const TYPE_SOA = 6;
const TYPE_PTR = 12;
const COMPRESSIBLE_RDATA = new Set([TYPE_NS, TYPE_CNAME, TYPE_PTR]);
/** Pointers have 14 bits of offset. */
const MAX_POINTER_OFFSET = 0x3fff;
const HEADER_BYTES = 12;

export function compressMessage(message: Buffer): Buffer {
  const out = new Writer();
  const suffixes = new Map<string, number>();
  out.bytes(message.subarray(0, HEADER_BYTES));
  let at = HEADER_BYTES;
  const counts = [0, 1, 2, 3].map((i) => message.readUInt16BE(4 + 2 * i));

  const copyName = (compress: boolean) => {
    const { labels, next } = readName(message, at);
    at = next;
    writeName(out, labels, suffixes, compress);
  };

  for (let q = 0; q < counts[0]; q++) {
    copyName(true);
    out.bytes(message.subarray(at, at + 4)); // type, class
    at += 4;
  }
  const records = counts[1] + counts[2] + counts[3];
  for (let r = 0; r < records; r++) {
    copyName(true);
    const type = message.readUInt16BE(at);
    const rdLength = message.readUInt16BE(at + 8);
    out.bytes(message.subarray(at, at + 8)); // type, class, ttl
    at += 10;
    const rdataEnd = at + rdLength;
    const lengthAt = out.reserve(2);
    const rdataStart = out.length;
    if (COMPRESSIBLE_RDATA.has(type)) {
      copyName(true);
    } else if (type === TYPE_SOA) {
      copyName(true);
      copyName(true);
      out.bytes(message.subarray(at, rdataEnd));
    } else {
      out.bytes(message.subarray(at, rdataEnd));
    }
    at = rdataEnd;
    out.setUInt16(lengthAt, out.length - rdataStart);
  }
  return out.toBuffer();
}

/** Labels of an uncompressed name as raw bytes (dns-packet never writes pointers). */
function readName(message: Buffer, start: number): { labels: Buffer[]; next: number } {
  const labels: Buffer[] = [];
  let at = start;
  for (let length = message[at]; length !== 0; length = message[at]) {
    if (length > 63 || at + 1 + length > message.length) throw new Error(`cannot compress: bad label at byte ${at}`);
    labels.push(message.subarray(at + 1, at + 1 + length));
    at += 1 + length;
  }
  return { labels, next: at + 1 };
}

function writeName(out: Writer, labels: Buffer[], suffixes: Map<string, number>, compress: boolean): void {
  for (let i = 0; i < labels.length; i++) {
    const key = labels
      .slice(i)
      .map((l) => `${l.length}:${l.toString('latin1')}`)
      .join('');
    const known = suffixes.get(key);
    if (compress && known !== undefined) {
      out.pointer(known);
      return;
    }
    if (out.length <= MAX_POINTER_OFFSET) suffixes.set(key, out.length);
    out.byte(labels[i].length);
    out.bytes(labels[i]);
  }
  out.byte(0);
}

/** A growable byte buffer; messages are at most 64 KiB. */
class Writer {
  private buf = Buffer.alloc(512);
  length = 0;

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.length + extra));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }

  byte(value: number): void {
    this.ensure(1);
    this.buf[this.length++] = value;
  }

  bytes(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  pointer(offset: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(0xc000 | offset, this.length);
    this.length += 2;
  }

  reserve(bytes: number): number {
    this.ensure(bytes);
    const at = this.length;
    this.length += bytes;
    return at;
  }

  setUInt16(at: number, value: number): void {
    this.buf.writeUInt16BE(value, at);
  }

  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}
