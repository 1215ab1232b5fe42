import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ExchangeError } from '../../core/errors.js';
import { fetchArchiveFile, keepInCache } from '../archive-files.js';
import type { CandleFrame } from '../../core/frame.js';
import { parseSymbol } from '../../core/symbol.js';
import { nextOpen, parseTimeframe, type Timeframe } from '../../core/timeframe.js';
import { parseCandleText } from '../../files/parse-candles.js';
import { csvTextOfZip, klineCandlesOfZip, sha256 } from '../../files/read-candle-file.js';
import { headedCsv } from '../../files/headed-csv.js';
import type { Log } from '../../core/log.js';
import { bigBuffers, type BufferPool } from '../../core/buffer-pool.js';
import { readFileInto } from '../../files/read-into.js';

const DAY = 86_400_000;
const MONTH = parseTimeframe('1M');

/** The kline series Binance archives: traded candles, and for USDT-M perpetuals the mark, index and premium index. */
export type ArchiveSeries = 'klines' | 'markPriceKlines' | 'indexPriceKlines' | 'premiumIndexKlines';

/** A span one archive file covers: a whole UTC month or day. */
export interface ArchivePeriod {
  readonly kind: 'monthly' | 'daily';
  /** `2024-01` or `2024-01-15`. */
  readonly label: string;
  readonly from: number;
  readonly to: number;
}

/**
 * Binance's public kline archives (data.binance.vision): one zip per symbol, timeframe and month or day,
 * each with a sha256 `.CHECKSUM`. A downloaded zip is verified, kept under `<dataDir>/.archives/` (so a
 * second build reads it from disk, and an interrupted one resumes file by file), unzipped and parsed
 * (header or not, ms or µs times). `mode: only` makes a missing or damaged archive an error instead of
 * a reason to fetch that span from the REST API.
 */
export class BinanceArchives {
  constructor(
    private readonly base: string,
    private readonly cacheDir: string,
    readonly mode: 'auto' | 'only',
    private readonly log: Log,
    /** A dry run reads the cache but never writes it: nothing lands in the data folder. */
    private readonly writeCache = true,
    /** Archive files one store fetches at once: the one it reads and those after it (config `archive_downloads`). */
    readonly downloads = 8,
  ) {}

  /**
   * The archive period `cursor` falls in, when that period is over before `today` (a UTC midnight): its
   * month, or its day (in the current month, or with `days` where the month's file is not published yet).
   */
  periodAt(cursor: number, today: number, days = false): ArchivePeriod | undefined {
    const month = Date.UTC(new Date(cursor).getUTCFullYear(), new Date(cursor).getUTCMonth(), 1);
    const monthEnd = nextOpen(MONTH, month);
    if (monthEnd <= today && !days) return { kind: 'monthly', label: new Date(month).toISOString().slice(0, 7), from: month, to: monthEnd };
    const day = Math.floor(cursor / DAY) * DAY;
    if (day + DAY <= today) return { kind: 'daily', label: new Date(day).toISOString().slice(0, 10), from: day, to: day + DAY };
    return undefined;
  }

  /** The candles of a period, or undefined when Binance has not published it (then REST serves the span). */
  async candles(symbol: string, tf: Timeframe, p: ArchivePeriod, series: ArchiveSeries = 'klines'): Promise<CandleFrame | undefined> {
    // the archive's strict shape at the speed of the machine; anything else through the general parser;
    // a month not published yet is no error even with --archives only: its days are (the caller asks them)
    // the zip is this read's own (no other store reads the same kline file): its buffer goes back to the pool
    // once parsed, and the candles' columns are lent by the pool too (their pager gives them back)
    return this.read(this.pathOf(symbol, tf, p, series), async (zip, path) => await klineCandlesOfZip(zip, bigBuffers) ?? parseCandleText(await csvTextOfZip(zip, path), path).frame, p.kind === 'monthly', true);
  }

  /**
   * A day of a perpetual's 5m statistics from the `metrics` archive (from 2021-12-01): its rows; `unpublished`
   * when Binance has no file for the day (not yet, or a hole); `unreadable` when the file stayed damaged
   * (corrupt, or not matching its checksum, twice). Columns as the archive names them, by period open
   * (`create_time`, UTC).
   */
  async metrics(symbol: string, day: number): Promise<MetricsFrame | 'unpublished' | 'unreadable'> {
    const s = parseSymbol(symbol);
    const path = `futures/um/daily/metrics/${s.base}${s.quote}/${s.base}${s.quote}-metrics-${new Date(day).toISOString().slice(0, 10)}.zip`;
    const m = await this.read(path, async (zip, name) => parseMetricsCsv(await csvTextOfZip(zip, name), name));
    return m ?? (this.unpublished.has(path) ? 'unpublished' : 'unreadable');
  }

  /** Paths this run found not published (a 404 for the file or its checksum). */
  private readonly unpublished = new Set<string>();

  /**
   * A month of a perpetual's funding settlements from the `fundingRate` archive, or undefined when Binance
   * has not published it (`mayLack`: no error with --archives only either: a month before the listing, or
   * one just ended).
   */
  async funding(symbol: string, month: number, mayLack = false): Promise<FundingArchiveFrame | undefined> {
    const s = parseSymbol(symbol);
    const id = `${s.base}${s.quote}`;
    return this.read(`futures/um/monthly/fundingRate/${id}/${id}-fundingRate-${new Date(month).toISOString().slice(0, 7)}.zip`, async (zip, path) => parseFundingArchiveCsv(await csvTextOfZip(zip, path), path), mayLack);
  }

  /**
   * An archive, parsed from its zip; undefined when it is not published (an error with --archives only). A file
   * that cannot be read is dropped from the cache and fetched once more, then refused.
   */
  private async read<T>(path: string, parse: (zip: Uint8Array, path: string) => Promise<T>, mayLack = false, owned = false): Promise<T | undefined> {
    for (let attempt = 1; ; attempt++) {
      // `owned`: read for this caller alone, into a buffer lent by the pool and given back once parsed
      const zip = owned ? await this.fetchVerified(path, bigBuffers) : await this.verifiedZip(path);
      if (zip === null) {
        this.unpublished.add(path);
        if (this.mode === 'only' && !mayLack) throw new ExchangeError(`archive ${path} is not published (--archives only)`);
        return undefined;
      }
      if (zip === undefined) return undefined; // damaged twice: refused (logged, or thrown with --archives only)
      try {
        return await parse(zip, path);
      } catch (e) {
        await unlink(join(this.cacheDir, path)).catch(() => undefined);
        if (attempt >= 2) return this.refused(path, `cannot be read (${(e as Error).message})`);
        this.log.warn({ archive: path, err: (e as Error).message }, 'archive unreadable: fetching it again');
      } finally {
        if (owned) bigBuffers.give(zip, zip.byteOffset + zip.byteLength);
      }
    }
  }

  /** `spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01.zip` (USDT-M: `futures/um/…`; a month timeframe is `1mo`). */
  pathOf(symbol: string, tf: Timeframe, p: ArchivePeriod, series: ArchiveSeries = 'klines'): string {
    const s = parseSymbol(symbol);
    const id = `${s.base}${s.quote}`;
    const interval = tf.calendarMonth ? '1mo' : tf.name;
    return `${s.settle ? 'futures/um' : 'spot'}/${p.kind}/${series}/${id}/${interval}/${id}-${interval}-${p.label}.zip`;
  }

  /** Downloads under way in this run, by path: stores that need the same file (three statistics of one symbol) share one. */
  private readonly inFlight = new Map<string, Promise<Uint8Array | null | undefined>>();

  /**
   * The zip, from the cache or downloaded, checked against its `.CHECKSUM` (downloaded once more if it does
   * not match): null when not published, undefined when it stayed damaged.
   */
  private verifiedZip(path: string): Promise<Uint8Array | null | undefined> {
    let p = this.inFlight.get(path);
    if (!p) {
      this.inFlight.set(path, p = this.fetchVerified(path));
      void p.finally(() => this.inFlight.delete(path)).catch(() => undefined);
    }
    return p;
  }

  private async fetchVerified(path: string, pool?: BufferPool): Promise<Uint8Array | null | undefined> {
    const file = join(this.cacheDir, path);
    const cached = await (pool ? readFileInto(file, pool) : readFile(file)).catch(() => undefined);
    const cachedSum = await readFile(`${file}.CHECKSUM`, 'utf8').catch(() => undefined);
    if (cached && cachedSum && sha256(cached) === cachedSum.trim().split(/\s+/)[0]) return cached;
    for (let attempt = 1; ; attempt++) {
      const sum = await this.get(`${path}.CHECKSUM`);
      if (sum === undefined) return null;
      const zip = await this.get(path);
      if (zip === undefined) return null;
      const want = new TextDecoder().decode(sum).trim().split(/\s+/)[0];
      if (sha256(zip) === want) {
        if (this.writeCache) await keepInCache(file, zip, { '.CHECKSUM': sum });
        return zip;
      }
      if (attempt >= 2) return this.refused(path, `does not match its checksum (sha256 ${sha256(zip)}, .CHECKSUM says ${want})`);
      this.log.warn({ archive: path }, 'archive does not match its checksum: fetching it again');
    }
  }

  private refused(path: string, why: string): undefined {
    if (this.mode === 'only') throw new ExchangeError(`archive ${path} ${why}; nothing of it is stored`);
    this.log.warn({ archive: path, why }, 'archive refused: its span comes from the REST API instead');
    return undefined;
  }

  private get(path: string): Promise<Uint8Array | undefined> {
    return fetchArchiveFile(`${this.base}/data/${path}`, `archive ${path}`);
  }
}

/** A day of the `metrics` archive, one typed array per column (missing values NaN). */
export interface MetricsFrame {
  readonly time: Float64Array;
  /** `sum_open_interest`: open interest in the base coin. */
  readonly openInterest: Float64Array;
  /** `sum_open_interest_value`: its value in USDT. */
  readonly openInterestValue: Float64Array;
  /** `count_toptrader_long_short_ratio`: the top traders' accounts, long to short. */
  readonly topAccountsRatio: Float64Array;
  /** `sum_toptrader_long_short_ratio`: the top traders' positions, long to short. */
  readonly topPositionsRatio: Float64Array;
  /** `count_long_short_ratio`: every account, long to short. */
  readonly globalRatio: Float64Array;
  /** `sum_taker_long_short_vol_ratio`: taker buy volume to sell volume. */
  readonly takerRatio: Float64Array;
}

const METRICS_COLUMNS: Readonly<Record<Exclude<keyof MetricsFrame, 'time'>, string>> = {
  openInterest: 'sum_open_interest', openInterestValue: 'sum_open_interest_value', topAccountsRatio: 'count_toptrader_long_short_ratio',
  topPositionsRatio: 'sum_toptrader_long_short_ratio', globalRatio: 'count_long_short_ratio', takerRatio: 'sum_taker_long_short_vol_ratio',
};

/** The metrics CSV (header row, `create_time` as `YYYY-MM-DD HH:MM:SS` UTC) by column name, rows in time order. */
export function parseMetricsCsv(text: string, name: string): MetricsFrame {
  const { lines, at } = headedCsv(text, name);
  const timeAt = at('create_time');
  const idx = Object.fromEntries(Object.entries(METRICS_COLUMNS).map(([k, c]) => [k, at(c)])) as Record<keyof typeof METRICS_COLUMNS, number>;
  const n = lines.length - 1;
  const time = new Float64Array(n);
  const cols = Object.fromEntries(Object.keys(METRICS_COLUMNS).map((k) => [k, new Float64Array(n)])) as Record<keyof typeof METRICS_COLUMNS, Float64Array>;
  for (let r = 0; r < n; r++) {
    const f = lines[r + 1]!.split(',');
    const t = Date.parse(`${f[timeAt]!.replace(' ', 'T')}Z`);
    if (!Number.isFinite(t)) throw new ExchangeError(`${name}: row ${r + 2} has no time (${f[timeAt]})`);
    time[r] = t;
    for (const k of Object.keys(idx) as (keyof typeof idx)[]) {
      const v = f[idx[k]];
      cols[k][r] = v === undefined || v === '' ? NaN : Number(v);
    }
  }
  for (let r = 1; r < n; r++) if (time[r]! <= time[r - 1]!) throw new ExchangeError(`${name}: rows out of time order at row ${r + 2}`);
  return { time, ...cols };
}

/** A month of the `fundingRate` archive: the scheduled settlement time, the interval in force and the rate. */
export interface FundingArchiveFrame {
  /** `calc_time`: the settlement's scheduled time (a whole hour), epoch ms. */
  readonly time: Float64Array;
  /** `funding_interval_hours`. */
  readonly intervalHours: Float64Array;
  /** `last_funding_rate`. */
  readonly rate: Float64Array;
}

/** The fundingRate CSV (header `calc_time,funding_interval_hours,last_funding_rate`; times in ms, or µs), rows in time order. */
export function parseFundingArchiveCsv(text: string, name: string): FundingArchiveFrame {
  const { lines, at } = headedCsv(text, name);
  const [ti, hi, ri] = [at('calc_time'), at('funding_interval_hours'), at('last_funding_rate')];
  const n = lines.length - 1;
  const out = { time: new Float64Array(n), intervalHours: new Float64Array(n), rate: new Float64Array(n) };
  for (let r = 0; r < n; r++) {
    const f = lines[r + 1]!.split(',');
    const raw = Number(f[ti]);
    const t = raw > 1e14 ? Math.floor(raw / 1000) : raw;
    const rate = Number(f[ri]);
    if (!Number.isFinite(t) || f[ti] === '') throw new ExchangeError(`${name}: row ${r + 2} has no time (${f[ti]})`);
    if (f[ri] === '' || !Number.isFinite(rate)) throw new ExchangeError(`${name}: row ${r + 2} has no rate (${f[ri]})`);
    out.time[r] = t;
    out.intervalHours[r] = f[hi] === '' ? NaN : Number(f[hi]);
    out.rate[r] = rate;
    if (r > 0 && t <= out.time[r - 1]!) throw new ExchangeError(`${name}: rows out of time order at row ${r + 2}`);
  }
  return out;
}
