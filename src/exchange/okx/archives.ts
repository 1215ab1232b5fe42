import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fetchArchiveFile, keepInCache } from '../archive-files.js';
import { ExchangeError, TemporaryExchangeError } from '../../core/errors.js';
import type { Log } from '../../core/log.js';
import { numberOrNaN } from '../../core/numbers.js';
import { csvTextOfZip } from '../../files/read-candle-file.js';
import { headedCsv } from '../../files/headed-csv.js';
import type { ExchangeClient } from '../exchange-client.js';

const HOUR = 3_600_000;
/** OKX partitions its archive files by UTC+8 days and months. */
const UTC8 = 8 * HOUR;
/** Months one index request may span (monthly files: 20). */
const INDEX_MONTHS = 20;
/** The host OKX's index names for its files. */
const FILE_HOST = 'static.okx.com';

/** A UTC+8 month: `2024-03` runs from 2024-02-29T16:00Z to 2024-03-31T16:00Z. */
export interface OkxMonth { readonly label: string; readonly from: number; readonly to: number }

/** The UTC+8 month a time falls in. */
export function okxMonthOf(t: number): OkxMonth {
  const d = new Date(t + UTC8);
  return okxMonth(d.getUTCFullYear(), d.getUTCMonth());
}

function okxMonth(y: number, mo: number): OkxMonth {
  return { label: new Date(Date.UTC(y, mo, 1)).toISOString().slice(0, 7), from: Date.UTC(y, mo, 1) - UTC8, to: Date.UTC(y, mo + 1, 1) - UTC8 };
}

/** An archive module: its number in the index and its files' kind (`<instId>-<kind>-<YYYY-MM>.zip`). */
interface OkxModule { readonly id: string; readonly kind: string }
const CANDLES: OkxModule = { id: '2', kind: 'candlesticks' };
const FUNDING: OkxModule = { id: '3', kind: 'fundingrates' };

/** A month of an instrument's 1-minute candles from the archive, ascending; volume in coins. */
export interface OkxCandleMonth {
  readonly time: Float64Array; readonly open: Float64Array; readonly high: Float64Array; readonly low: Float64Array; readonly close: Float64Array; readonly volume: Float64Array;
}

/** A month of a swap's funding settlements from the archive: time (ms) and rate, ascending. */
export interface OkxFundingMonth { readonly time: Float64Array; readonly rate: Float64Array }

/**
 * OKX's historical market data (okx.com/historical-data): funding settlements (module 3), one file per swap
 * and UTC+8 month, found through the index `GET /api/v5/public/market-data-history` (5 requests per 2 s; one
 * request lists up to 20 months) and downloaded from static.okx.com (on the simulator: from `--api-url`).
 * A file is kept under `<dataDir>/.archives/okx/` (a second build reads it from disk); OKX publishes no
 * checksum, so a file is checked by unzipping it (its CRC) and reading its header. `mode: only` makes a
 * missing or unreadable month an error.
 */
export class OkxArchives {
  /** The index's answers, by module and instrument: month label → file URL. */
  private readonly listed = new Map<string, Map<string, string>>();
  /** Index requests already made, by module, instrument and first month. */
  private readonly asked = new Map<string, Promise<void>>();

  constructor(
    private readonly base: string,
    private readonly cacheDir: string,
    readonly mode: 'auto' | 'only',
    private readonly log: Log,
    private readonly writeCache = true,
    /** Whether `base` is OKX itself (then files come from static.okx.com, over https only). */
    private readonly real = false,
  ) {}

  /**
   * A UTC+8 month of a swap's settlements, or undefined when OKX has not published it (or lists no file
   * for it); a file that cannot be read is fetched once more, then refused (`only`: an error).
   */
  async funding(client: ExchangeClient, instId: string, month: OkxMonth, mayLack = false): Promise<OkxFundingMonth | undefined> {
    return this.read(client, FUNDING, instId, 'SWAP', month, mayLack, (csv, path) => parseOkxFundingCsv(csv, path, instId));
  }

  /**
   * A UTC+8 month of an instrument's 1-minute candles (module 2), or undefined when not published. Volume in
   * coins: a swap's `vol_ccy` (its `vol` counts contracts), a pair's `vol`.
   */
  async candles(client: ExchangeClient, instId: string, swap: boolean, month: OkxMonth, mayLack = false): Promise<OkxCandleMonth | undefined> {
    return this.read(client, CANDLES, instId, swap ? 'SWAP' : 'SPOT', month, mayLack, (csv, path) => parseOkxCandleCsv(csv, path, instId, swap));
  }

  private async read<T>(client: ExchangeClient, module: OkxModule, instId: string, instType: string, month: OkxMonth, mayLack: boolean, parse: (csv: string, path: string) => T): Promise<T | undefined> {
    const url = await this.fileUrl(client, module, instId, instType, month);
    if (!url) {
      if (this.mode === 'only' && !mayLack) throw new ExchangeError(`okx archive: no ${module.kind} file of ${instId} for ${month.label} (--archives only)`);
      return undefined;
    }
    const path = this.pathOf(url);
    for (let attempt = 1; ; attempt++) {
      const zip = await this.zip(url, path);
      if (!zip) {
        if (this.mode === 'only' && !mayLack) throw new ExchangeError(`okx archive ${path} is not published (--archives only)`);
        return undefined;
      }
      try {
        return parse(await csvTextOfZip(zip, path), path);
      } catch (e) {
        await unlink(join(this.cacheDir, 'okx', path)).catch(() => undefined);
        if (attempt >= 2) {
          if (this.mode === 'only') throw new ExchangeError(`okx archive ${path} cannot be read (${(e as Error).message}); nothing of it is stored`);
          this.log.warn({ archive: path, err: (e as Error).message }, 'archive refused: its span comes from the REST API where it still serves it');
          return undefined;
        }
        this.log.warn({ archive: path, err: (e as Error).message }, 'archive unreadable: fetching it again');
      }
    }
  }

  /** The file the index names for an instrument's month: one index request covers it and the 19 months after. */
  private async fileUrl(client: ExchangeClient, module: OkxModule, instId: string, instType: string, month: OkxMonth): Promise<string | undefined> {
    const id = `${module.id}|${instId}`;
    const known = this.listed.get(id)?.get(month.label);
    if (known) return known;
    const key = `${id}|${month.label}`;
    let p = this.asked.get(key);
    if (!p) {
      this.asked.set(key, p = this.list(client, module, instId, instType, month));
      p.catch(() => this.asked.delete(key));
    }
    await p;
    return this.listed.get(id)?.get(month.label);
  }

  private async list(client: ExchangeClient, module: OkxModule, instId: string, instType: string, first: OkxMonth): Promise<void> {
    const d = new Date(first.from + UTC8);
    const last = okxMonth(d.getUTCFullYear(), d.getUTCMonth() + INDEX_MONTHS - 1);
    const body = await client.request('publicGetPublicMarketDataHistory', {
      module: module.id, instType, instIdList: instId, dateAggrType: 'monthly', begin: String(first.from), end: String(last.to - 1),
    }, `list the okx archive of ${instId} ${module.kind} from ${first.label}`) as { code?: string; data?: unknown };
    if (!Array.isArray(body?.data)) throw new TemporaryExchangeError(`okx: the archive index of ${instId} ${module.kind} holds no data`);
    const id = `${module.id}|${instId}`;
    const files = this.listed.get(id) ?? new Map<string, string>();
    this.listed.set(id, files);
    const named = new RegExp(`^${instId.replace(/-/g, '\\-')}-${module.kind}-(\\d{4}-\\d{2})\\.zip$`);
    // the index's nesting is walked, not assumed: every object naming a file and its URL counts
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(walk);
      if (!v || typeof v !== 'object') return;
      const o = v as Record<string, unknown>;
      const name = o['filename'] ?? o['fileName'];
      const m = typeof name === 'string' ? named.exec(name) : null;
      if (m && typeof o['url'] === 'string') files.set(m[1]!, o['url']);
      Object.values(o).forEach(walk);
    };
    walk(body.data);
  }

  /** Where a file is kept in the cache, and fetched from the simulator: its URL's path. */
  private pathOf(url: string): string {
    return new URL(url).pathname.replace(/^\/+/, '');
  }

  /** The zip, from the cache or downloaded; undefined when not there (404). */
  private async zip(url: string, path: string): Promise<Uint8Array | undefined> {
    const file = join(this.cacheDir, 'okx', path);
    const cached = await readFile(file).catch(() => undefined);
    if (cached) return cached;
    const u = new URL(url);
    // only OKX's file host over https; on the simulator the same path under --api-url (never another host)
    if (this.real && (u.protocol !== 'https:' || u.hostname !== FILE_HOST)) throw new ExchangeError(`okx archive index names a file on ${u.host}, not ${FILE_HOST}: refused`);
    const bytes = await fetchArchiveFile(this.real ? url : `${this.base}/${path}`, `okx archive ${path}`);
    if (bytes && this.writeCache) await keepInCache(file, bytes);
    return bytes;
  }
}

/** A funding file's CSV (header `instrument_name,funding_rate,funding_time`, times in ms): one swap's rows, ascending. */
export function parseOkxFundingCsv(text: string, name: string, instId: string): OkxFundingMonth {
  const { lines, at } = headedCsv(text, name);
  const [ii, ri, ti] = [at('instrument_name'), at('funding_rate'), at('funding_time')];
  const rows: [number, number][] = [];
  for (let r = 1; r < lines.length; r++) {
    const f = lines[r]!.split(',');
    if (f[ii] !== instId) continue;
    const t = Number(f[ti]);
    const rate = Number(f[ri]);
    if (f[ti] === '' || !Number.isFinite(t)) throw new ExchangeError(`${name}: row ${r + 1} has no time (${f[ti]})`);
    if (f[ri] === '' || !Number.isFinite(rate)) throw new ExchangeError(`${name}: row ${r + 1} has no rate (${f[ri]})`);
    rows.push([t, rate]);
  }
  rows.sort((a, b) => a[0] - b[0]);
  return { time: Float64Array.from(rows, (r) => r[0]), rate: Float64Array.from(rows, (r) => r[1]) };
}

/**
 * A candle file's CSV (header `instrument_name,open,high,low,close,vol,vol_ccy,vol_quote,open_time,confirm`,
 * times in ms): one instrument's rows, ascending; volume in coins (a swap's `vol_ccy`, a pair's `vol`).
 */
export function parseOkxCandleCsv(text: string, name: string, instId: string, swap: boolean): OkxCandleMonth {
  const { lines, at } = headedCsv(text, name);
  const [ii, ti, oi, hi, li, ci, vi] = [at('instrument_name'), at('open_time'), at('open'), at('high'), at('low'), at('close'), at(swap ? 'vol_ccy' : 'vol')];
  const rows: number[][] = [];
  for (let r = 1; r < lines.length; r++) {
    const f = lines[r]!.split(',');
    if (f[ii] !== instId) continue;
    const t = Number(f[ti]);
    if (f[ti] === '' || !Number.isFinite(t)) throw new ExchangeError(`${name}: row ${r + 1} has no time (${f[ti]})`);
    rows.push([t, numberOrNaN(f[oi]), numberOrNaN(f[hi]), numberOrNaN(f[li]), numberOrNaN(f[ci]), numberOrNaN(f[vi])]);
  }
  rows.sort((a, b) => a[0]! - b[0]!);
  const col = (k: number) => Float64Array.from(rows, (r) => r[k]!);
  return { time: col(0), open: col(1), high: col(2), low: col(3), close: col(4), volume: col(5) };
}
