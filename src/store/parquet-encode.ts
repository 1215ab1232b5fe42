import { endianness } from 'node:os';
import type { ColumnChunk, FileMetaData, RowGroup, SchemaElement } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import type { ColumnSpec, DatasetDescriptor, SeriesFrame } from '../core/dataset.js';
import { snappyCompress } from 'hysnappy';
import { bigBuffers } from '../core/buffer-pool.js';
import { createRequire } from 'node:module';

/*
 * The store's Parquet encoder for datasets of time and double columns (candles, statistics, funding): the
 * same file hyparquet-writer lays out (data pages v2, SNAPPY, TIMESTAMP(NANOS) delta-packed, doubles PLAIN
 * or dictionary-encoded when that halves them, min/max statistics, no page index), written from the
 * frame's typed arrays without per-value conversion: a PLAIN page is the column's own bytes. Page headers
 * and the footer are hyparquet-writer's. Six times the library's speed on a year of 1m candles, which is
 * what lets a build read cached archives at the speed of the disk (npm run bench -- archives-cached).
 */

/** hyparquet-writer's page size: a page ends at the value that brings its estimated bytes to 1 MiB. */
const PAGE_BYTES = 1_048_576;
const NS_PER_MS = 1_000_000;
const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * Snappy: the native `snappy` (napi-rs, Rust's snap: 1.6× hysnappy's WASM here, and the same bytes for the
 * same input whatever came before); where its binary is missing, hysnappy with a fresh instance per call
 * (one instance reused keeps its match table from earlier inputs: valid output, but not reproducible).
 */
let compressor: ((input: Uint8Array) => Uint8Array) | undefined;
export function snappy(): (input: Uint8Array) => Uint8Array {
  if (!compressor) {
    try {
      const native = createRequire(import.meta.url)('snappy') as { compressSync(input: Uint8Array): Buffer };
      compressor = (input) => native.compressSync(input);
    } catch {
      compressor = snappyCompress;
    }
  }
  return compressor;
}

function compress(bytes: Uint8Array): Uint8Array {
  return snappy()(bytes);
}

/** Whether this encoder writes the dataset (its columns are time and doubles only). */
export function encodesFast(d: DatasetDescriptor): boolean {
  return d.columns.every((c) => c.type === 'timestamp' || c.type === 'double');
}

/**
 * The file, written into one buffer sized for the worst case (Snappy's bound on every page): pages land
 * where they belong without a final join, and the pages of the bound never written are never touched.
 */
class Pieces {
  private bytes: Uint8Array;
  offset = 0;
  constructor(capacity: number) {
    // lent by the pool, not zeroed: only the written prefix is ever seen (the writer gives it back, store-writer.ts)
    this.bytes = new Uint8Array(bigBuffers.take(capacity), 0, capacity);
  }
  push(bytes: Uint8Array): void {
    if (this.offset + bytes.byteLength > this.bytes.byteLength) {
      const grown = Buffer.allocUnsafeSlow(Math.max(this.bytes.byteLength * 2, this.offset + bytes.byteLength));
      grown.set(this.bytes.subarray(0, this.offset));
      this.bytes = grown;
    }
    this.bytes.set(bytes, this.offset);
    this.offset += bytes.byteLength;
  }
  /** Write through a ByteWriter (page headers, the footer) and keep its bytes. */
  write(fn: (w: ByteWriter) => void): number {
    const w = new ByteWriter(256);
    fn(w);
    this.push(w.getBytes());
    return w.offset;
  }
  /** The file: a view of the written bytes. */
  done(): Uint8Array {
    return new Uint8Array(this.bytes.buffer, this.bytes.byteOffset, this.offset);
  }
}

/**
 * A frame as one Parquet file: `schema` (schemaOf), row groups of `d.rowGroupRows`, footer key-values.
 * Time is epoch ms in memory, TIMESTAMP(NANOS, UTC) on disk; a nullable double's NaN is a null.
 */
export function encodeFrameFast(d: DatasetDescriptor, f: SeriesFrame, schema: SchemaElement[], kv: { key: string; value: string }[], createdBy: string): Uint8Array {
  const rows = f.time.length;
  // per value at most 9 bytes (a delta-packed time) and Snappy's 1/6 more; per page a header and Snappy's 32
  const pages = Math.ceil(rows / 65_536) + Math.ceil(rows / d.rowGroupRows) + 1;
  const out = new Pieces(Math.ceil(rows * d.columns.length * 9 * 7 / 6) + pages * d.columns.length * 256 + 65_536);
  out.push(new Uint8Array([0x50, 0x41, 0x52, 0x31])); // PAR1
  const rowGroups: RowGroup[] = [];
  for (let start = 0; start < rows; start += d.rowGroupRows) {
    const end = Math.min(rows, start + d.rowGroupRows);
    const groupStart = out.offset;
    const columns = d.columns.map((c) => writeChunk(out, c, f[c.key]!.subarray(start, end)));
    rowGroups.push({
      columns,
      total_byte_size: columns.reduce((s, c) => s + c.meta_data!.total_uncompressed_size, 0n),
      num_rows: BigInt(end - start),
      total_compressed_size: BigInt(out.offset - groupStart),
    });
  }
  const metadata: Omit<FileMetaData, 'metadata_length'> = {
    version: 2, created_by: createdBy, schema, num_rows: BigInt(rows), row_groups: rowGroups, key_value_metadata: kv,
  };
  out.write((w) => {
    writeMetadata(w, metadata as FileMetaData);
    w.appendUint32(0x31524150); // PAR1
  });
  return out.done();
}

function writeChunk(out: Pieces, c: ColumnSpec, col: Float64Array): ColumnChunk {
  const chunkStart = out.offset;
  let uncompressed = 0;
  let dictionaryOffset: bigint | undefined;
  let encoding: 'PLAIN' | 'RLE_DICTIONARY' | 'DELTA_BINARY_PACKED';
  let pages = 0;
  const encodings: ('PLAIN' | 'RLE_DICTIONARY' | 'DELTA_BINARY_PACKED')[] = [];
  let dataOffset: bigint;
  let statistics;
  if (c.type === 'timestamp') {
    encoding = 'DELTA_BINARY_PACKED';
    encodings.push(encoding);
    dataOffset = BigInt(out.offset);
    for (const [from, to] of pageBounds(col, false, 8)) {
      const page = col.subarray(from, to);
      uncompressed += writeDataPage(out, encodeTimes(page), page.length, 0, encoding, emptyLevels);
      pages++;
    }
    statistics = timeStatistics(col);
  } else {
    const nulls = c.nullable ? countNaN(col) : 0;
    const values = nulls > 0 ? withoutNaN(col, nulls) : col;
    const dict = dictionaryOf(values);
    if (dict) {
      dictionaryOffset = BigInt(out.offset);
      const dictBytes = doubleBytes(dict.values);
      const packed = compress(dictBytes);
      const header = out.write((w) => writePageHeader(w, {
        type: 'DICTIONARY_PAGE', uncompressed_page_size: dictBytes.byteLength, compressed_page_size: packed.byteLength,
        dictionary_page_header: { num_values: dict.values.length, encoding: 'PLAIN' },
      }));
      out.push(packed);
      uncompressed += header + dictBytes.byteLength;
      encodings.push('PLAIN');
    }
    encoding = dict ? 'RLE_DICTIONARY' : 'PLAIN';
    encodings.push(encoding);
    dataOffset = BigInt(out.offset);
    // pages cut by rows; a nullable column's non-null values follow their rows
    let v = 0;
    for (const [p, pageEnd] of pageBounds(col, nulls > 0, dict ? 4 : 8)) {
      const pageNulls = nulls > 0 ? countNaN(col.subarray(p, pageEnd)) : 0;
      const count = pageEnd - p - pageNulls;
      const levels = c.nullable ? definitionLevels(col.subarray(p, pageEnd), pageNulls) : emptyLevels;
      const body = dict ? dictionaryIndexes(dict, v, v + count) : doubleBytes(values.subarray(v, v + count));
      uncompressed += writeDataPage(out, body, pageEnd - p, pageNulls, encoding, levels);
      v += count;
      pages++;
    }
    statistics = doubleStatistics(values, nulls);
  }
  return {
    file_offset: BigInt(chunkStart),
    meta_data: {
      type: c.type === 'timestamp' ? 'INT64' : 'DOUBLE',
      encodings,
      path_in_schema: [c.name],
      codec: 'SNAPPY',
      num_values: BigInt(col.length),
      total_compressed_size: BigInt(out.offset - chunkStart),
      total_uncompressed_size: BigInt(uncompressed),
      data_page_offset: dataOffset,
      dictionary_page_offset: dictionaryOffset,
      statistics,
      encoding_stats: [
        ...(dictionaryOffset !== undefined ? [{ page_type: 'DICTIONARY_PAGE' as const, encoding: 'PLAIN' as const, count: 1 }] : []),
        { page_type: 'DATA_PAGE_V2' as const, encoding, count: pages },
      ],
    },
  };
}

const emptyLevels = new Uint8Array(0);

/**
 * Rows [from, to) of each data page, cut where hyparquet-writer cuts them: a null counts no bytes, a value
 * `size` (8, or 4 for a dictionary index); a page ends before the value that reaches 1 MiB.
 */
function pageBounds(col: Float64Array, hasNulls: boolean, size: number): [number, number][] {
  const out: [number, number][] = [];
  if (!hasNulls) {
    const rows = Math.ceil(PAGE_BYTES / size) - 1;
    for (let p = 0; p < col.length; p += rows) out.push([p, Math.min(col.length, p + rows)]);
    return out;
  }
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < col.length; i++) {
    const s = col[i] === col[i] ? size : 0;
    bytes += s;
    if (bytes >= PAGE_BYTES && i > start) {
      out.push([start, i]);
      start = i;
      bytes = s;
    }
  }
  if (start < col.length) out.push([start, col.length]);
  return out;
}

/** A data page v2: header, definition levels (never compressed), the values compressed. Returns its uncompressed size. */
function writeDataPage(out: Pieces, body: Uint8Array, rows: number, nulls: number, encoding: 'PLAIN' | 'RLE_DICTIONARY' | 'DELTA_BINARY_PACKED', levels: Uint8Array): number {
  const packed = compress(body);
  const header = out.write((w) => writePageHeader(w, {
    type: 'DATA_PAGE_V2',
    uncompressed_page_size: levels.byteLength + body.byteLength,
    compressed_page_size: levels.byteLength + packed.byteLength,
    data_page_header_v2: {
      num_values: rows, num_nulls: nulls, num_rows: rows, encoding,
      definition_levels_byte_length: levels.byteLength, repetition_levels_byte_length: 0, is_compressed: true,
    },
  }));
  if (levels.byteLength > 0) out.push(levels);
  out.push(packed);
  return header + levels.byteLength + body.byteLength;
}

/** PLAIN doubles: the array's own bytes on a little-endian machine. */
function doubleBytes(values: Float64Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i]!, true);
  return bytes;
}

function countNaN(col: Float64Array): number {
  let n = 0;
  for (let i = 0; i < col.length; i++) if (col[i] !== col[i]) n++;
  return n;
}

function withoutNaN(col: Float64Array, nulls: number): Float64Array {
  const out = new Float64Array(col.length - nulls);
  let j = 0;
  for (let i = 0; i < col.length; i++) if (col[i] === col[i]) out[j++] = col[i]!;
  return out;
}

/** Definition levels (1 present, 0 null), RLE/bit-packed at width 1: one run when the page has no null. */
function definitionLevels(page: Float64Array, nulls: number): Uint8Array {
  const w = new ByteWriter(64);
  if (nulls === 0 && page.length >= 8) {
    w.appendVarInt(page.length << 1); // one RLE run: its count, then the value in one byte
    w.appendUint8(1);
  } else {
    const levels = new Uint8Array(page.length);
    for (let i = 0; i < page.length; i++) levels[i] = page[i] === page[i] ? 1 : 0;
    writeRleBitPackedHybrid(w, levels, 1);
  }
  return w.getBytes().slice();
}

interface Dictionary { values: Float64Array; indexes: Uint32Array }

/**
 * The column's distinct values and each row's index into them, when dictionary encoding at least halves
 * the PLAIN bytes (hyparquet-writer's rule: a sample of 1,000 values rejects a column of mostly distinct
 * values, then the whole chunk decides). Values are keyed by their bits, so -0 and 0, and NaNs, stay apart
 * as PLAIN keeps them.
 */
function dictionaryOf(values: Float64Array): Dictionary | undefined {
  const n = values.length;
  if (n === 0) return undefined;
  const bits = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  const sample = Math.min(n, 1000);
  const seen = new Set<number>();
  for (let i = 0; i < sample; i++) {
    const at = sample === 1 ? 0 : Math.floor(i * (n - 1) / (sample - 1));
    seen.add(values[at]!);
  }
  if (seen.size / sample > 0.9) return undefined;
  // open addressing over the value bits; past `limit` distinct values the dictionary cannot halve the column
  const limit = mostDistinct(n);
  let size = 16;
  while (size < Math.min(n, limit + 1) * 2) size <<= 1;
  const slots = scratch.slots(size);
  const dict = new Float64Array(Math.min(n, limit + 1));
  const dictBits = new Uint32Array(dict.buffer);
  const indexes = scratch.indexes(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const lo = bits[i * 2]!;
    const hi = bits[i * 2 + 1]!;
    let h = (Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> 0) & (size - 1);
    for (;;) {
      const slot = slots[h]!;
      if (slot < 0) {
        if (count >= limit) return undefined;
        slots[h] = count;
        dict[count] = values[i]!;
        indexes[i] = count++;
        break;
      }
      if (dictBits[slot * 2] === lo && dictBits[slot * 2 + 1] === hi) {
        indexes[i] = slot;
        break;
      }
      h = (h + 1) & (size - 1);
    }
  }
  if (!halves(count, n)) return undefined;
  return { values: dict.slice(0, count), indexes };
}

/** Whether `count` distinct values (8 bytes each) and n indexes of their bit width take at most half of n doubles. */
function halves(count: number, n: number): boolean {
  return 2 * (count * 8 + Math.ceil(n * Math.ceil(Math.log2(count)) / 8)) <= n * 8;
}

/**
 * The most distinct values a dictionary of n values may hold and still halve them (`halves` only gets
 * harder as values are added): a column is given up as soon as it has one more, not at n/2.
 */
function mostDistinct(n: number): number {
  let lo = 0;
  let hi = n >> 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (mid <= 1 || halves(mid, n)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The hash table and the index column of `dictionaryOf`, kept from one column to the next: the encoder is
 * synchronous, and a dictionary's indexes are written out before the next column is looked at.
 */
const scratch = {
  slotsBuf: new Int32Array(0),
  indexesBuf: new Uint32Array(0),
  slots(size: number): Int32Array {
    if (this.slotsBuf.length < size) this.slotsBuf = new Int32Array(size);
    return this.slotsBuf.subarray(0, size).fill(-1);
  },
  indexes(n: number): Uint32Array {
    if (this.indexesBuf.length < n) this.indexesBuf = new Uint32Array(n);
    return this.indexesBuf.subarray(0, n);
  },
};

function bitWidthOf(max: number): number {
  return max <= 0 ? 0 : 32 - Math.clz32(max);
}

/** A dictionary page's indexes for values [from, to): bit width, then RLE/bit-packed hybrid. */
function dictionaryIndexes(dict: Dictionary, from: number, to: number): Uint8Array {
  const idx = dict.indexes.subarray(from, to);
  let max = 0;
  for (let i = 0; i < idx.length; i++) if (idx[i]! > max) max = idx[i]!;
  const width = bitWidthOf(max);
  const w = new ByteWriter(Math.max(64, Math.ceil(idx.length * width / 8) + 64));
  w.appendUint8(width);
  writeRleBitPackedHybrid(w, idx, width);
  return w.getBytes().slice();
}

function doubleStatistics(values: Float64Array, nulls: number): { min_value?: number; max_value?: number; null_count: bigint; nan_count: bigint } {
  let min = Infinity;
  let max = -Infinity;
  let nan = 0;
  let any = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== v) {
      nan++;
      continue;
    }
    any = true;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  // signed zero per the spec: a zero minimum is -0, a zero maximum +0
  return any
    ? { min_value: min === 0 ? -0 : min, max_value: max === 0 ? 0 : max, null_count: BigInt(nulls), nan_count: BigInt(nan) }
    : { null_count: BigInt(nulls), nan_count: BigInt(nan) };
}

function timeStatistics(time: Float64Array): { min_value?: bigint; max_value?: bigint; null_count: bigint } {
  if (time.length === 0) return { null_count: 0n };
  let min = time[0]!;
  let max = time[0]!;
  for (let i = 1; i < time.length; i++) {
    const t = time[i]!;
    if (t < min) min = t;
    if (t > max) max = t;
  }
  return { min_value: BigInt(min) * 1_000_000n, max_value: BigInt(max) * 1_000_000n, null_count: 0n };
}

const BLOCK = 128;
const MINIBLOCK = 32;

/**
 * Epoch-ms times as DELTA_BINARY_PACKED INT64 nanoseconds, byte for byte what hyparquet-writer writes for
 * the same values. A block of a regular grid (every delta equal) is its minimum delta and four zero widths,
 * computed on doubles (ms deltas and their ns products are exact below 2^53); any other block is packed
 * with BigInt, as the library does.
 */
function encodeTimes(time: Float64Array): Uint8Array {
  const n = time.length;
  const w = new ByteWriter(64 + Math.ceil(n / BLOCK) * 16);
  w.appendVarInt(BLOCK);
  w.appendVarInt(BLOCK / MINIBLOCK);
  w.appendVarInt(n);
  if (n === 0) {
    w.appendVarInt(0);
    return w.getBytes().slice();
  }
  w.appendZigZag(BigInt(time[0]!) * 1_000_000n);
  const deltas = new Float64Array(BLOCK);
  for (let at = 1; at < n; at += BLOCK) {
    const size = Math.min(BLOCK, n - at);
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < size; i++) {
      const d = time[at + i]! - time[at + i - 1]!;
      deltas[i] = d;
      if (d < min) min = d;
      if (d > max) max = d;
    }
    const minNs = min * NS_PER_MS;
    if (Number.isSafeInteger(minNs) && Math.abs(minNs) < 2 ** 52) appendZigZagNumber(w, minNs);
    else w.appendZigZag(BigInt(min) * 1_000_000n);
    if (max === min) {
      w.appendUint32(0); // four zero bit widths: no packed bytes follow
      continue;
    }
    packBlock(w, deltas, size, BigInt(min) * 1_000_000n);
  }
  return w.getBytes().slice();
}

/** A block's four miniblocks: their bit widths, then each non-zero one's 32 adjusted deltas bit-packed. */
function packBlock(w: ByteWriter, deltas: Float64Array, size: number, minNs: bigint): void {
  const adjusted: bigint[] = [];
  for (let i = 0; i < size; i++) adjusted.push(BigInt(deltas[i]!) * 1_000_000n - minNs);
  const widths = [0, 0, 0, 0];
  for (let mb = 0; mb < 4; mb++) {
    let max = 0n;
    for (let i = mb * MINIBLOCK; i < Math.min(size, (mb + 1) * MINIBLOCK); i++) if (adjusted[i]! > max) max = adjusted[i]!;
    widths[mb] = max === 0n ? 0 : max.toString(2).length;
    w.appendUint8(widths[mb]!);
  }
  for (let mb = 0; mb < 4; mb++) {
    const width = widths[mb]!;
    if (width === 0) continue;
    let buffer = 0n;
    let used = 0;
    for (let i = 0; i < MINIBLOCK; i++) {
      const k = mb * MINIBLOCK + i;
      buffer |= (k < size ? adjusted[k]! : 0n) << BigInt(used);
      used += width;
      while (used >= 8) {
        w.appendUint8(Number(buffer & 0xffn));
        buffer >>= 8n;
        used -= 8;
      }
    }
  }
}

function appendZigZagNumber(w: ByteWriter, value: number): void {
  let encoded = value < 0 ? -value * 2 - 1 : value * 2;
  while (encoded >= 0x80) {
    w.appendUint8(encoded % 0x80 + 0x80);
    encoded = Math.floor(encoded / 0x80);
  }
  w.appendUint8(encoded);
}
