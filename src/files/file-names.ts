import { parseTimeframe } from '../core/timeframe.js';

/** What a file's name says it holds, by the conventions other tools use; undefined parts when it says nothing. */
export interface NamedCandles {
  readonly symbol?: string;
  readonly timeframe?: string;
}

const QUOTES = ['USDT', 'USDC', 'FDUSD', 'BUSD', 'TUSD', 'BTC', 'ETH', 'BNB', 'EUR', 'TRY'];

/**
 * - freqtrade (and `qml-data export`): `BTC_USDT-1h.json`, `BTC_USDT_USDT-1h-futures.json`, `ETH_USDT-5m.csv`;
 * - kline archives: `BTCUSDT-1h-2024-01.csv` / `.zip` (a daily one ends `-2024-01-15`); USDT-M when
 *   the path has `futures/um`.
 */
export function candlesNamed(path: string): NamedCandles {
  const file = path.split(/[\\/]/).pop() ?? '';
  const ft = /^([A-Z0-9]+)_([A-Z0-9]+)(?:_([A-Z0-9]+))?-(\d+[smhdwM])(?:-(futures|spot))?\.(json|csv|feather)$/.exec(file);
  if (ft) {
    const settle = ft[3] ?? (ft[5] === 'futures' ? ft[2] : undefined);
    return { symbol: `${ft[1]}/${ft[2]}${settle ? `:${settle}` : ''}`, timeframe: timeframeOr(ft[4]!) };
  }
  const archive = /^([A-Z0-9]+)-(\d+[smhdwM]o?)-\d{4}-\d{2}(?:-\d{2})?\.(csv|zip)$/.exec(file);
  if (archive) {
    const quote = QUOTES.find((q) => archive[1]!.endsWith(q) && archive[1]!.length > q.length);
    const perp = /futures[\\/]um/.test(path);
    const symbol = quote ? `${archive[1]!.slice(0, -quote.length)}/${quote}${perp ? `:${quote}` : ''}` : undefined;
    return { symbol, timeframe: timeframeOr(archive[2]!.replace(/Mo$/, 'M')) };
  }
  return {};
}

function timeframeOr(text: string): string | undefined {
  try {
    return parseTimeframe(text).name;
  } catch {
    return undefined;
  }
}
