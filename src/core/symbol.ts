import { UsageError } from './errors.js';

/** A ccxt unified symbol: `ETH/USDT` (spot) or `BTC/USDT:USDT` (USDT-margined perpetual). */
const SYMBOL_RE = /^([A-Z0-9]{1,20})\/([A-Z0-9]{1,20})(?::([A-Z0-9]{1,20}))?$/;

export interface ParsedSymbol {
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  /** Settlement currency for derivatives; undefined for spot. */
  readonly settle: string | undefined;
}

/** Validate a ccxt symbol; throws UsageError naming it. Lower case is accepted and upper-cased. */
export function parseSymbol(text: string): ParsedSymbol {
  const symbol = text.trim().toUpperCase();
  const m = SYMBOL_RE.exec(symbol);
  if (!m) {
    throw new UsageError(`malformed symbol "${text}" (expected BASE/QUOTE like ETH/USDT, or BASE/QUOTE:SETTLE like BTC/USDT:USDT)`);
  }
  return { symbol, base: m[1]!, quote: m[2]!, settle: m[3] };
}

/**
 * Folder name of a symbol's stores: `/` and `:` become `_` (freqtrade's convention). The symbol
 * grammar admits only [A-Z0-9], so the result can never contain a path separator or `..`.
 */
export function symbolDirName(symbol: string): string {
  return parseSymbol(symbol).symbol.replace(/[/:]/g, '_');
}

/** Inverse of symbolDirName: `ETH_USDT` → `ETH/USDT`, `BTC_USDT_USDT` → `BTC/USDT:USDT`; undefined if not one. */
export function symbolFromDirName(dir: string): string | undefined {
  const parts = dir.split('_');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[A-Z0-9]{1,20}$/.test(p))) return undefined;
  return parts.length === 2 ? `${parts[0]}/${parts[1]}` : `${parts[0]}/${parts[1]}:${parts[2]}`;
}
