/**
 * PostgreSQL's binary COPY format, written from columns (pure): no text to parse on the server, no
 * digits to print here. Layout: the 19-byte header, then per row the field count and each field as a
 * length (-1: NULL) and its bytes, then -1.
 */

export type CopyValue =
  | { readonly kind: 'timestamptz'; readonly values: Float64Array }  // epoch ms
  | { readonly kind: 'float8'; readonly values: Float64Array }       // NaN → NULL
  | { readonly kind: 'int8'; readonly values: Float64Array }
  | { readonly kind: 'text'; readonly values: readonly (string | undefined)[] }  // undefined → NULL
  | { readonly kind: 'constant-text'; readonly value: string }
  | { readonly kind: 'null' };

const HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
/** Microseconds from the Unix epoch to PostgreSQL's (2000-01-01). */
const PG_EPOCH_US = 946_684_800_000_000;
const TWO_32 = 4_294_967_296;

/** The rows [from, to) of `columns` in chunks of about `chunkBytes`, header first, trailer last. */
export function* binaryCopyChunks(columns: readonly CopyValue[], from: number, to: number, chunkBytes = 1 << 20): Generator<Buffer> {
  const texts = columns.map((c) => (c.kind === 'constant-text' ? Buffer.from(c.value, 'utf8') : undefined));
  let buf = Buffer.allocUnsafe(chunkBytes + 4096);
  let at = 0;
  HEADER.copy(buf, 0);
  at = HEADER.length;
  for (let r = from; r < to; r++) {
    if (at > chunkBytes) {
      yield buf.subarray(0, at);
      buf = Buffer.allocUnsafe(chunkBytes + 4096);
      at = 0;
    }
    buf.writeInt16BE(columns.length, at);
    at += 2;
    for (let i = 0; i < columns.length; i++) {
      const c = columns[i]!;
      switch (c.kind) {
        case 'timestamptz':
          // µs since 2000
          at = int64Field(buf, at, Math.round(c.values[r]!) * 1000 - PG_EPOCH_US);
          break;
        case 'float8': {
          const v = c.values[r]!;
          if (Number.isNaN(v)) {
            buf.writeInt32BE(-1, at);
            at += 4;
          } else {
            buf.writeInt32BE(8, at);
            buf.writeDoubleBE(v, at + 4);
            at += 12;
          }
          break;
        }
        case 'int8':
          at = int64Field(buf, at, Math.round(c.values[r]!));
          break;
        case 'text':
        case 'constant-text': {
          const text = c.kind === 'text' ? c.values[r] : undefined;
          if (c.kind === 'text' && text === undefined) {
            buf.writeInt32BE(-1, at);
            at += 4;
            break;
          }
          const bytes = texts[i] ?? Buffer.from(text!, 'utf8');
          if (at + 4 + bytes.length > buf.length) {
            yield buf.subarray(0, at);
            buf = Buffer.allocUnsafe(Math.max(chunkBytes, bytes.length) + 4096);
            at = 0;
          }
          buf.writeInt32BE(bytes.length, at);
          bytes.copy(buf, at + 4);
          at += 4 + bytes.length;
          break;
        }
        case 'null':
          buf.writeInt32BE(-1, at);
          at += 4;
          break;
      }
    }
  }
  buf.writeInt16BE(-1, at);
  at += 2;
  yield buf.subarray(0, at);
}

/** A 64-bit integer field (length 8, then the value in two halves: exact in doubles below 2^53, no BigInt); the next offset. */
function int64Field(buf: Buffer, at: number, v: number): number {
  const hi = Math.floor(v / TWO_32);
  buf.writeInt32BE(8, at);
  buf.writeInt32BE(hi, at + 4);
  buf.writeUInt32BE(v - hi * TWO_32, at + 8);
  return at + 12;
}
