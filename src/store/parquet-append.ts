import { deserializeTCompactProtocol } from 'hyparquet/src/thrift.js';
import { ByteWriter } from 'hyparquet-writer';
import { serializeTCompactProtocol } from 'hyparquet-writer/src/thrift.js';
import { allocSeries, type DatasetDescriptor, type SeriesFrame } from '../core/dataset.js';
import { encodeSeries } from './parquet-codec.js';
import { bigBuffers } from '../core/buffer-pool.js';
import type { StoreMeta } from './store-meta.js';

/*
 * Appending to a store without re-encoding it. A Parquet file is `PAR1`, row groups, footer, `PAR1`; a
 * row group never refers to another one. So the new file is the stored file's bytes up to its last
 * row group, then that last (partial) group and the new rows encoded as fresh row groups, then a footer
 * listing the carried groups and the new ones. Row groups are cut at the same rows as a whole-file
 * encode would cut them, so the result is byte for byte the file a full rewrite writes: appending a
 * day to five years of 1m candles costs what appending it to a week costs.
 */

type Thrift = { [key: `field_${number}`]: any };

/** What an append keeps of a stored file. */
export interface AppendBase {
  /** Rows in the carried row groups: every group but the last. */
  readonly carriedRows: number;
  /** Byte offset where the last row group starts: the stored bytes [0, carryEnd) are kept as they are. */
  readonly carryEnd: number;
  /** The stored footer, decoded. */
  readonly footer: Thrift;
}

/**
 * Whether a stored file can be appended to: written by qml-data with this dataset's exact schema, every
 * row group but the last full, nothing between the row groups, and a footer that re-encodes to its
 * own bytes (so nothing in it is lost in the rewrite). Returns the reason when it cannot; the caller
 * then rewrites the whole file instead.
 */
export function appendBaseOf(d: DatasetDescriptor, footerBytes: Uint8Array): AppendBase | string {
  const footer = decodeFooter(footerBytes);
  if (!bytesEqual(encodeFooter(footer), footerBytes)) return 'its footer does not re-encode to the same bytes';
  if (!textOf(footer.field_6).startsWith('qml-data')) return 'another program wrote it';
  if (jsonOf(footer.field_2) !== jsonOf(emptyFooter(d).field_2)) return 'its schema is not this version\'s';
  const groups = footer.field_4 as Thrift[];
  if (groups.length === 0) return 'it has no row group';
  const sizes = groups.map((g) => Number(g.field_3));
  if (sizes.slice(0, -1).some((n) => n !== d.rowGroupRows)) return 'its row groups are not cut as this version cuts them';
  const starts = groups.map(groupStart);
  for (let i = 1; i < groups.length; i++) {
    if (starts[i - 1]! + Number(groups[i - 1]!.field_6) !== starts[i]) return 'its row groups are not contiguous';
  }
  if (starts[0] !== 4) return 'its first row group does not follow the magic number';
  return { carriedRows: sizes.slice(0, -1).reduce((a, b) => a + b, 0), carryEnd: starts[starts.length - 1]!, footer };
}

/**
 * The bytes that follow the carried prefix: `rows` (the stored last row group's rows, then the new
 * rows) as row groups placed at `base.carryEnd`, and the footer of the whole new file.
 */
export function appendedBytes(d: DatasetDescriptor, base: AppendBase, rows: SeriesFrame, meta: StoreMeta): Uint8Array {
  const alone = encodeSeries(d, rows, meta);
  const footerLength = new DataView(alone.buffer, alone.byteOffset).getUint32(alone.byteLength - 8, true);
  const footerStart = alone.byteLength - 8 - footerLength;
  const own = decodeFooter(alone.subarray(footerStart, alone.byteLength - 8));
  const shift = BigInt(base.carryEnd - 4);
  const carried = (base.footer.field_4 as Thrift[]).slice(0, -1).map(withoutPageIndex);
  const added = (own.field_4 as Thrift[]).map((g) => shiftGroup(g, shift));
  const footer: Thrift = { ...own, field_3: BigInt(base.carriedRows + rows.time.length), field_4: [...carried, ...added] };
  const body = alone.subarray(4, footerStart);
  const tail = encodeFooter(footer);
  const out = new Uint8Array(body.byteLength + tail.byteLength + 8);
  out.set(body, 0);
  out.set(tail, body.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(body.byteLength + tail.byteLength, tail.byteLength, true);
  view.setUint32(body.byteLength + tail.byteLength + 4, 0x31524150, true); // PAR1
  bigBuffers.give(alone, alone.byteOffset + alone.byteLength); // copied out: the encoder's buffer is free
  return out;
}

function decodeFooter(bytes: Uint8Array): Thrift {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return deserializeTCompactProtocol({ view, offset: 0 });
}

function encodeFooter(footer: Thrift): Uint8Array {
  const w = new ByteWriter();
  serializeTCompactProtocol(w, footer);
  return new Uint8Array(w.getBuffer());
}

/** The footer of an empty file of the dataset: the schema this version writes. */
function emptyFooter(d: DatasetDescriptor): Thrift {
  const bytes = encodeSeries(d, allocSeries(d, 0), { toolVersion: '', schemaVersion: '', dataset: d.name, exchange: '', source: '', marketType: '', symbol: '', updatedAt: '' });
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.byteLength - 8, true);
  return decodeFooter(bytes.subarray(bytes.byteLength - 8 - length, bytes.byteLength - 8));
}

/** Where a row group's first page starts. */
function groupStart(g: Thrift): number {
  const first = (g.field_1 as Thrift[])[0]!.field_3 as Thrift;
  return Number(first.field_11 ?? first.field_9);
}

/** A carried chunk keeps no reference to a page index (an earlier version wrote one after the row groups). */
function withoutPageIndex(g: Thrift): Thrift {
  const columns = (g.field_1 as Thrift[]).map((c) => ({ ...c, field_4: undefined, field_5: undefined, field_6: undefined, field_7: undefined }));
  return { ...g, field_1: columns };
}

/** Row group offsets of a file encoded alone, moved to where its bytes land in the appended file. */
function shiftGroup(g: Thrift, by: bigint): Thrift {
  const at = (v: unknown) => (typeof v === 'bigint' ? v + by : v);
  const columns = (g.field_1 as Thrift[]).map((c) => {
    const m = c.field_3 as Thrift;
    return { ...c, field_2: at(c.field_2), field_3: { ...m, field_9: at(m.field_9), field_10: at(m.field_10), field_11: at(m.field_11), field_14: at(m.field_14) } };
  });
  return { ...g, field_1: columns, field_5: at(g.field_5) };
}

function textOf(v: unknown): string {
  return v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v ?? '');
}

function jsonOf(v: unknown): string {
  return JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? Array.from(x) : x));
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
