import { parquetMetadata, parquetRead, parquetSchema, type AsyncBuffer, type FileMetaData, type ParquetParsers, type SchemaElement } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { ByteWriter, parquetWrite } from 'hyparquet-writer';
import { StoreError } from '../core/errors.js';
import type { DatasetDescriptor, SeriesFrame } from '../core/dataset.js';
import { META_KEYS, type StoreMeta } from './store-meta.js';
import { textCode, textOf } from '../core/text-codes.js';
import { epochMillisByMagnitude, timeEncodingOf, type TimeEncoding } from './time-column.js';
import { encodeFrameFast, encodesFast, snappy } from './parquet-encode.js';

const NS_PER_MS = 1_000_000n;

/** The Parquet schema of a dataset's store. */
export function schemaOf(d: DatasetDescriptor): SchemaElement[] {
  return [
    { name: 'schema', num_children: d.columns.length },
    ...d.columns.map((c): SchemaElement => c.type === 'timestamp'
      // TIMESTAMP(NANOS, UTC): pandas reads datetime64[ns, UTC], DuckDB TIMESTAMP WITH TIME ZONE.
      ? { name: c.name, type: 'INT64', repetition_type: 'REQUIRED', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'NANOS' } }
      : c.type === 'text'
        // UTF-8 strings: pandas object (str), DuckDB VARCHAR, polars String
        ? { name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: c.nullable ? 'OPTIONAL' : 'REQUIRED' }
        : { name: c.name, type: 'DOUBLE', repetition_type: c.nullable ? 'OPTIONAL' : 'REQUIRED' }),
  ];
}

/** Encode a frame of a dataset as one Parquet file with its footer metadata. */
export function encodeSeries(d: DatasetDescriptor, f: SeriesFrame, meta: StoreMeta): Uint8Array {
  // time and doubles (every dataset but the liquidations): written from the typed arrays, 6× faster
  return encodesFast(d) ? encodeFrameFast(d, f, schemaOf(d), kvMetadataOf(meta), createdByOf(meta)) : encodeByLibrary(d, f, meta);
}

/** The frame encoded by hyparquet-writer: the text datasets' encoder, and the reference the fast one is tested against. */
export function encodeByLibrary(d: DatasetDescriptor, f: SeriesFrame, meta: StoreMeta): Uint8Array {
  const writer = new ByteWriter();
  parquetWrite({
    writer,
    schema: schemaOf(d),
    columnData: d.columns.map((c) => ({
      name: c.name,
      // Regular open times delta-encode to almost nothing (17 MiB → 0.1 MiB for 2.6 M rows).
      ...(c.type === 'timestamp' ? { data: nanosFromMillis(f[c.key]!), encoding: 'DELTA_BINARY_PACKED' as const }
        : c.type === 'text' ? { data: textsOf(f[c.key]!) }
        : { data: c.nullable ? nullsForNaN(f[c.key]!) : f[c.key]! }),
      // No page index: nothing lies between or after the row groups but the footer, so an append can
      // carry the stored row groups over byte for byte (parquet-append.ts).
      offsetIndex: false,
    })),
    rowGroupSize: d.rowGroupRows,
    // hysnappy is hyparam's WASM Snappy: same bytes as the default JS codec, 3× faster (npm run bench).
    compressors: { SNAPPY: snappy() },
    kvMetadata: kvMetadataOf(meta),
    createdBy: createdByOf(meta),
  });
  return new Uint8Array(writer.getBuffer());
}

/** The footer's `created_by`: an append checks it starts with `qml-data` (parquet-append.ts). */
function createdByOf(meta: StoreMeta): string {
  return `qml-data ${meta.toolVersion}`;
}

export function kvMetadataOf(meta: StoreMeta): { key: string; value: string }[] {
  return Object.entries(META_KEYS)
    .filter(([k]) => meta[k as keyof StoreMeta] !== undefined)
    .map(([k, key]) => ({ key, value: String(meta[k as keyof StoreMeta]) }));
}

/** A text column's codes as the texts (null for missing). */
function textsOf(col: Float64Array): (string | null)[] {
  return Array.from(col, (c) => textOf(c) ?? null);
}

function nullsForNaN(col: Float64Array): (number | null)[] {
  const out = new Array<number | null>(col.length);
  for (let i = 0; i < col.length; i++) out[i] = Number.isNaN(col[i]!) ? null : col[i]!;
  return out;
}

function nanosFromMillis(time: Float64Array): BigInt64Array {
  const out = new BigInt64Array(time.length);
  for (let i = 0; i < time.length; i++) out[i] = BigInt(time[i]!) * NS_PER_MS;
  return out;
}

/** Parse the footer; throws StoreError when the bytes are not a Parquet file. */
export function readFooter(bytes: Uint8Array, path: string): FileMetaData {
  try {
    return parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  } catch (e) {
    throw new StoreError(`${path} is not a readable Parquet file (${(e as Error).message}); restore it or delete it and run build`);
  }
}

/** Footer metadata as StoreMeta, or undefined where a key is missing (a file we did not write). */
export function storeMetaOf(md: FileMetaData): Partial<StoreMeta> {
  const kv = new Map((md.key_value_metadata ?? []).map((e) => [e.key, e.value]));
  const out: Record<string, string | number> = {};
  for (const [k, key] of Object.entries(META_KEYS)) {
    const v = kv.get(key);
    if (v !== undefined) out[k] = k === 'atrPeriod' ? Number(v) : v;
  }
  return out as Partial<StoreMeta>;
}

/** Names of the file's top-level columns. */
export function columnNames(md: FileMetaData): string[] {
  return parquetSchema(md).children.map((c) => c.element.name);
}

/** How the file's `time` column is stored, or undefined when it has none. */
export function timeEncodingOfFile(md: FileMetaData): TimeEncoding | undefined {
  const col = parquetSchema(md).children.find((c) => c.element.name === 'time');
  return col ? timeEncodingOf(col.element) : undefined;
}

/** The store's row groups whose time statistics overlap [start, end); all when unbounded. */
export function rowRangeFor(md: FileMetaData, start: number, end: number): { rowStart: number; rowEnd: number } {
  const enc = timeEncodingOfFile(md);
  const timeIndex = columnNames(md).indexOf('time');
  let row = 0;
  let rowStart = -1;
  let rowEnd = 0;
  for (const rg of md.row_groups) {
    const n = Number(rg.num_rows);
    const stats = rg.columns[timeIndex]?.meta_data?.statistics;
    const min = enc?.statMillis(stats?.min_value);
    const max = enc?.statMillis(stats?.max_value);
    const overlaps = min === undefined || max === undefined || (max >= start && min < end);
    if (overlaps) {
      if (rowStart < 0) rowStart = row;
      rowEnd = row + n;
    }
    row += n;
  }
  return rowStart < 0 ? { rowStart: 0, rowEnd: 0 } : { rowStart, rowEnd };
}

/**
 * Timestamps in every unit become epoch ms. A double holds ns to ±256 ns, so rounding recovers whole ms
 * exactly without slow BigInt division.
 */
const MILLIS_PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (ms: bigint) => Number(ms),
  timestampFromMicroseconds: (us: bigint) => Math.round(Number(us) / 1e3),
  timestampFromNanoseconds: (ns: bigint) => Math.round(Number(ns) / 1e6),
  dateFromDays: (days: number) => days * 86_400_000,
};

/**
 * Decode the named columns of rows [rowStart, rowEnd) into Float64Arrays (time in epoch ms, null → NaN).
 * Every codec pandas, pyarrow, polars, DuckDB and Spark write is read; what cannot be read is refused
 * with hyparquet's reason, and only a damaged file is called corrupt.
 */
export async function decodeColumns(
  bytes: Uint8Array | AsyncBuffer, md: FileMetaData, columns: readonly string[], rowStart: number, rowEnd: number, path: string,
  /** Columns read as text (kept as codes, core/text-codes.ts). */
  texts: ReadonlySet<string> = new Set(),
): Promise<Record<string, Float64Array>> {
  const out: Record<string, Float64Array> = {};
  for (const c of columns) out[c] = new Float64Array(rowEnd - rowStart).fill(NaN);
  try {
    await parquetRead({
      file: bytes instanceof Uint8Array ? bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer : bytes,
      metadata: md,
      columns: [...columns],
      rowStart,
      rowEnd,
      compressors,
      parsers: MILLIS_PARSERS,
      onChunk: (chunk) => copyChunk(out[chunk.columnName], chunk.columnData, chunk.rowStart - rowStart, texts.has(chunk.columnName)),
    });
  } catch (e) {
    throw unreadable(path, e);
  }
  const time = out['time'];
  if (time && timeEncodingOfFile(md)?.kind === 'epoch') epochMillisByMagnitude(time);
  return out;
}

function unreadable(path: string, e: unknown): StoreError {
  const reason = (e as Error).message.replace(/^parquet /, '');
  if (/unsupported|not supported/.test(reason)) return new StoreError(`${path} cannot be read: ${reason}`);
  return new StoreError(`${path} is corrupt or truncated (${reason}); restore it or delete it and run build`);
}

function copyChunk(dst: Float64Array | undefined, src: ArrayLike<unknown>, at: number, text: boolean): void {
  if (!dst) return;
  for (let i = 0; i < src.length; i++) {
    const j = at + i;
    if (j < 0 || j >= dst.length) continue;
    const v = src[i];
    if (text) dst[j] = typeof v === 'string' ? textCode(v) : v instanceof Uint8Array ? textCode(new TextDecoder().decode(v)) : NaN;
    else dst[j] = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.getTime() : NaN;
  }
}
