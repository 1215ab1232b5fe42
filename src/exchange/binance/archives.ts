import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ExchangeError, TemporaryExchangeError } from '../../core/errors.js';
import type { CandleFrame } from '../../core/frame.js';
import { parseSymbol } from '../../core/symbol.js';
import { nextOpen, parseTimeframe, type Timeframe } from '../../core/timeframe.js';
import { parseCandleText } from '../../files/parse-candles.js';
import { csvOfZip, sha256 } from '../../files/read-candle-file.js';
import type { Log } from '../../core/log.js';

const DAY = 86_400_000;
const MONTH = parseTimeframe('1M');

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
  ) {}

  /** The archive period `cursor` falls in, when that period is over before `today` (a UTC midnight). */
  periodAt(cursor: number, today: number): ArchivePeriod | undefined {
    const month = Date.UTC(new Date(cursor).getUTCFullYear(), new Date(cursor).getUTCMonth(), 1);
    const monthEnd = nextOpen(MONTH, month);
    if (monthEnd <= today) return { kind: 'monthly', label: new Date(month).toISOString().slice(0, 7), from: month, to: monthEnd };
    const day = Math.floor(cursor / DAY) * DAY;
    if (day + DAY <= today) return { kind: 'daily', label: new Date(day).toISOString().slice(0, 10), from: day, to: day + DAY };
    return undefined;
  }

  /** The candles of a period, or undefined when Binance has not published it (then REST serves the span). */
  async candles(symbol: string, tf: Timeframe, p: ArchivePeriod): Promise<CandleFrame | undefined> {
    const path = this.pathOf(symbol, tf, p);
    for (let attempt = 1; ; attempt++) {
      const zip = await this.verifiedZip(path);
      if (zip === undefined) {
        if (this.mode === 'only') throw new ExchangeError(`archive ${path} is not published (--archives only)`);
        return undefined;
      }
      try {
        return parseCandleText(csvOfZip(zip, path), path).frame;
      } catch (e) {
        await unlink(join(this.cacheDir, path)).catch(() => undefined);
        if (attempt >= 2) return this.refused(path, `cannot be read (${(e as Error).message})`);
        this.log.warn({ archive: path, err: (e as Error).message }, 'archive unreadable: fetching it again');
      }
    }
  }

  /** `spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01.zip` (USDT-M: `futures/um/…`; a month timeframe is `1mo`). */
  pathOf(symbol: string, tf: Timeframe, p: ArchivePeriod): string {
    const s = parseSymbol(symbol);
    const id = `${s.base}${s.quote}`;
    const interval = tf.calendarMonth ? '1mo' : tf.name;
    return `${s.settle ? 'futures/um' : 'spot'}/${p.kind}/klines/${id}/${interval}/${id}-${interval}-${p.label}.zip`;
  }

  /** The zip, from the cache or downloaded, checked against its `.CHECKSUM` (downloaded once more if it does not match). */
  private async verifiedZip(path: string): Promise<Uint8Array | undefined> {
    const file = join(this.cacheDir, path);
    const cached = await readFile(file).catch(() => undefined);
    const cachedSum = await readFile(`${file}.CHECKSUM`, 'utf8').catch(() => undefined);
    if (cached && cachedSum && sha256(cached) === cachedSum.trim().split(/\s+/)[0]) return cached;
    for (let attempt = 1; ; attempt++) {
      const sum = await this.get(`${path}.CHECKSUM`);
      if (sum === undefined) return undefined;
      const zip = await this.get(path);
      if (zip === undefined) return undefined;
      const want = new TextDecoder().decode(sum).trim().split(/\s+/)[0];
      if (sha256(zip) === want) {
        if (this.writeCache) {
          await mkdir(dirname(file), { recursive: true });
          await writeFile(`${file}.part`, zip);
          await rename(`${file}.part`, file);
          await writeFile(`${file}.CHECKSUM`, new TextDecoder().decode(sum));
        }
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

  private async get(path: string): Promise<Uint8Array | undefined> {
    const url = `${this.base}/data/${path}`;
    // the body is read inside the same guard as the request: a connection reset mid-body is a network
    // fault like any other (undici's "terminated"), retried, never an internal error
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
      if (res.status === 404) {
        await res.body?.cancel();
        return undefined;
      }
      if (!res.ok) throw new TemporaryExchangeError(`archive ${path}: HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      if (e instanceof TemporaryExchangeError) throw e;
      throw new TemporaryExchangeError(`archive ${path}: ${causeText(e)}`);
    }
  }
}

/** `terminated (other side closed)`: undici's message with its cause, which says what happened. */
function causeText(e: unknown): string {
  const err = e as Error & { cause?: Error };
  return err.cause?.message ? `${err.message} (${err.cause.message})` : err.message;
}
