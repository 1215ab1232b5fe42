import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import type { MasterFrame } from '../core/frame.js';
import { parseSymbol } from '../core/symbol.js';
import { OHLCV } from '../datasets/ohlcv.js';
import { readStoreChunks, type StoreRef } from '../store/store-read.js';

export type TimeFormat = 'iso' | 'ms';

/** A store's candles as CSV, streamed row group by row group (bounded memory), optionally within [since, until). */
export async function writeCsv(ref: StoreRef, out: Sink, o: { timeFormat: TimeFormat; header: boolean; withStore: boolean; since?: number; until?: number }): Promise<number> {
  if (o.header) await put(out, `${o.withStore ? 'exchange,symbol,timeframe,' : ''}time,open,high,low,close,volume,atr\n`);
  const prefix = o.withStore ? `${ref.exchange ?? ''},${ref.symbol},${ref.timeframe},` : '';
  let rows = 0;
  for await (const f of readStoreChunks<MasterFrame>(OHLCV, ref.path, { symbol: ref.symbol, ...(ref.exchange ? { exchange: ref.exchange } : {}) })) {
    const lines: string[] = [];
    for (let i = 0; i < f.time.length; i++) {
      const t = f.time[i]!;
      if ((o.since !== undefined && t < o.since) || (o.until !== undefined && t >= o.until)) continue;
      const atr = f.atr[i]!;
      // numbers as JavaScript prints them: the shortest text that reads back as the same double
      lines.push(`${prefix}${o.timeFormat === 'iso' ? new Date(t).toISOString() : t},${f.open[i]},${f.high[i]},${f.low[i]},${f.close[i]},${f.volume[i]},${Number.isNaN(atr) ? '' : atr}\n`);
    }
    rows += lines.length;
    await put(out, lines.join(''));
  }
  return rows;
}

/**
 * freqtrade's data layout, so a backtest there runs on these candles: `<dir>/<exchange>/BTC_USDT-1h.json`
 * (spot) and `<dir>/<exchange>/futures/BTC_USDT_USDT-1h-futures.json` (perpetuals), each
 * `[[open_ms, open, high, low, close, volume], …]`, written row group by row group.
 */
export async function writeFreqtrade(ref: StoreRef, dir: string, o: { since?: number; until?: number }): Promise<{ path: string; rows: number }> {
  const p = parseSymbol(ref.symbol);
  const exchange = ref.exchange ?? 'unknown';
  const file = p.settle ? join(dir, exchange, 'futures', `${p.base}_${p.quote}_${p.settle}-${ref.timeframe}-futures.json`) : join(dir, exchange, `${p.base}_${p.quote}-${ref.timeframe}.json`);
  await mkdir(dirname(file), { recursive: true });
  const out = createWriteStream(file);
  let rows = 0;
  await put(out, '[');
  for await (const f of readStoreChunks<MasterFrame>(OHLCV, ref.path, { symbol: ref.symbol, ...(ref.exchange ? { exchange: ref.exchange } : {}) })) {
    const parts: string[] = [];
    for (let i = 0; i < f.time.length; i++) {
      const t = f.time[i]!;
      if ((o.since !== undefined && t < o.since) || (o.until !== undefined && t >= o.until)) continue;
      parts.push(`${rows + parts.length > 0 ? ',' : ''}[${t},${f.open[i]},${f.high[i]},${f.low[i]},${f.close[i]},${f.volume[i]}]`);
    }
    rows += parts.length;
    await put(out, parts.join(''));
  }
  await put(out, ']');
  out.end();
  await once(out, 'close');
  return { path: file, rows };
}

/** CSV file of a store in a folder: `<dir>/<exchange>/BTC_USDT_USDT-1h.csv` (the name `import` reads back). */
export function csvPathOf(dir: string, ref: StoreRef): string {
  const p = parseSymbol(ref.symbol);
  return join(dir, ref.exchange ?? 'unknown', `${p.base}_${p.quote}${p.settle ? `_${p.settle}` : ''}-${ref.timeframe}.csv`);
}

/** Where CSV goes: a file or stdout (a stream), or anything that takes text. */
export type Sink = Writable | { write(text: string): unknown };

/** Write and wait when a stream asks (backpressure): memory stays one chunk. */
async function put(out: Sink, text: string): Promise<void> {
  if (text.length > 0 && out.write(text) === false) await once(out as Writable, 'drain');
}
