import { UsageError } from './errors.js';

/** ISO-8601 UTC text of an epoch-ms instant, or null for NaN/undefined. */
export function isoUtc(t: number | undefined): string | null {
  return t === undefined || !Number.isFinite(t) ? null : new Date(t).toISOString();
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const EXPECTED = 'expected YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM], or epoch seconds (10 digits) or milliseconds (13 digits)';

/**
 * Parse a user date. A date without a zone is UTC, because candle times are UTC everywhere in qml-data.
 * An epoch is told apart by its digits: 9–10 are seconds, 12–13 milliseconds (2001–2286 either way);
 * any other count is ambiguous and refused. Impossible calendar dates (2026-02-30) and instants
 * before 1970 are refused, never rolled over.
 */
export function parseUserDate(text: string, what: string): number {
  const trimmed = text.trim();
  const t = /^\d+$/.test(trimmed) ? parseEpoch(trimmed, text, what) : parseCalendar(trimmed, text, what);
  if (t < 0) throw new UsageError(`${what} "${text}" is before 1970 (exchanges' candle history begins in 2017)`);
  return t;
}

function parseEpoch(digits: string, text: string, what: string): number {
  if (digits.length === 9 || digits.length === 10) return Number(digits) * 1000;
  if (digits.length === 12 || digits.length === 13) return Number(digits);
  throw new UsageError(`${what} "${text}" is an epoch of ${digits.length} digits, which is ambiguous (${EXPECTED})`);
}

function parseCalendar(trimmed: string, text: string, what: string): number {
  const m = DATE_RE.exec(trimmed);
  if (!m) throw new UsageError(`${what} "${text}" is not a date (${EXPECTED})`);
  const [y, mo, d, h = 0, mi = 0, s = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => (x === undefined ? undefined : Number(x))) as number[];
  const wall = Date.UTC(y!, mo! - 1, d!, h, mi, s);
  const back = new Date(wall);
  const real = back.getUTCFullYear() === y && back.getUTCMonth() === mo! - 1 && back.getUTCDate() === d && h < 24 && mi < 60 && s < 60;
  if (!real) throw new UsageError(`${what} "${text}" is not a real calendar date or time`);
  const frac = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
  return wall + frac - zoneOffsetMs(m[8]);
}

function zoneOffsetMs(zone: string | undefined): number {
  if (zone === undefined || zone === 'Z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
}
