import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetMetadata, parquetRead } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { ByteWriter, parquetWrite } from 'hyparquet-writer';
import { snappyCompress } from 'hysnappy';
import { StoreError } from '../core/errors.js';
import { TOOL_VERSION } from '../core/version.js';
import { LIQUIDATION_COLUMNS } from '../datasets/liquidations.js';
import { unite, type Interval, type LiquidationFrame } from '../liquidations/events.js';

const NS_PER_MS = 1_000_000n;
const COVERAGE_KEY = 'qml.coverage';

/** A day of liquidations on disk: its events, and when the recorder was connected that day. */
export interface LiquidationDay {
  readonly frame: LiquidationFrame;
  /** Connected periods inside the day, epoch ms, united. */
  readonly coverage: Interval[];
}

/** A day file found in a folder: its UTC day (midnight, epoch ms), `YYYY-MM-DD`, and path. */
export interface DayFile {
  readonly day: number;
  readonly label: string;
  readonly path: string;
}

/** The day files of a folder (`<YYYY-MM-DD>.parquet`), oldest first; none when the folder is not there. */
export async function listDayFiles(dir: string): Promise<DayFile[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^\d{4}-\d{2}-\d{2}\.parquet$/.test(n)).sort();
  return names.map((n) => ({ day: Date.parse(`${n.slice(0, 10)}T00:00:00Z`), label: n.slice(0, 10), path: join(dir, n) }));
}

/** `<dataDir>/liquidations/<YYYY-MM-DD>.parquet` */
export function dayFileName(day: number): string {
  return `${new Date(day).toISOString().slice(0, 10)}.parquet`;
}

/**
 * The day as one Parquet file: times as TIMESTAMP(NANOS, UTC) (pandas datetime64[ns, UTC], DuckDB
 * TIMESTAMPTZ), text as UTF-8 strings, numbers as DOUBLE; coverage in the footer as JSON.
 */
export function encodeDay(d: LiquidationDay): Uint8Array {
  const writer = new ByteWriter();
  parquetWrite({
    writer,
    schema: [
      { name: 'schema', num_children: LIQUIDATION_COLUMNS.length },
      ...LIQUIDATION_COLUMNS.map((c) => c.type === 'timestamp'
        ? { name: c.name, type: 'INT64' as const, repetition_type: 'REQUIRED' as const, logical_type: { type: 'TIMESTAMP' as const, isAdjustedToUTC: true, unit: 'NANOS' as const } }
        : c.type === 'string'
          ? { name: c.name, type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'REQUIRED' as const }
          : { name: c.name, type: 'DOUBLE' as const, repetition_type: 'REQUIRED' as const }),
    ],
    columnData: LIQUIDATION_COLUMNS.map((c) => ({
      name: c.name,
      data: c.type === 'timestamp' ? nanos(d.frame.numbers[c.name]!) : c.type === 'string' ? [...d.frame.texts[c.name]!] : d.frame.numbers[c.name]!,
    })),
    compressors: { SNAPPY: snappyCompress },
    kvMetadata: [
      { key: 'qml.dataset', value: 'liquidations' },
      { key: 'qml.exchange', value: 'binanceusdm' },
      { key: 'qml.tool_version', value: TOOL_VERSION },
      { key: COVERAGE_KEY, value: JSON.stringify(unite(d.coverage).map((i) => [i.from, i.to])) },
    ],
    createdBy: `qml-data ${TOOL_VERSION}`,
  });
  return new Uint8Array(writer.getBuffer());
}

/** A day file, or undefined when there is none; a damaged one is refused by name. */
export async function readDay(path: string): Promise<LiquidationDay | undefined> {
  const bytes = await readFile(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (!bytes) return undefined;
  try {
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const md = parquetMetadata(file);
    const n = Number(md.num_rows);
    const numbers: Record<string, Float64Array> = {};
    const texts: Record<string, string[]> = {};
    for (const c of LIQUIDATION_COLUMNS) {
      if (c.type === 'string') texts[c.name] = new Array<string>(n);
      else numbers[c.name] = new Float64Array(n);
    }
    await parquetRead({
      file, metadata: md, compressors,
      parsers: { timestampFromNanoseconds: (ns: bigint) => Number(ns / NS_PER_MS) },
      onChunk: (chunk) => {
        const text = texts[chunk.columnName];
        const num = numbers[chunk.columnName];
        for (let i = 0; i < chunk.columnData.length; i++) {
          const v = chunk.columnData[i];
          if (text) text[chunk.rowStart + i] = String(v);
          else if (num) num[chunk.rowStart + i] = Number(v);
        }
      },
    });
    const kv = md.key_value_metadata?.find((k) => k.key === COVERAGE_KEY)?.value;
    const coverage = kv ? (JSON.parse(kv) as [number, number][]).map(([from, to]) => ({ from, to })) : [];
    return { frame: { length: n, numbers, texts }, coverage };
  } catch (e) {
    throw new StoreError(`${path} is not a readable liquidations day file (${(e as Error).message})`);
  }
}

function nanos(ms: Float64Array): BigInt64Array {
  const out = new BigInt64Array(ms.length);
  for (let i = 0; i < ms.length; i++) out[i] = BigInt(ms[i]!) * NS_PER_MS;
  return out;
}
