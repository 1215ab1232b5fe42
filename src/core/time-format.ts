import { UsageError } from './errors.js';

/** ISO-8601 UTC text of an epoch-ms instant, or null for NaN/undefined. */
export function isoUtc(t: number | undefined): string | null {
  return t === undefined || !Number.isFinite(t) ? null : new Date(t).toISOString();
}

/**
 * Parse a user date: `2024-01-31`, `2024-01-31T12:00`, `2024-01-31T12:00:00Z` or epoch ms. A date without
 * a zone is taken as UTC, because candle times are UTC everywhere in qml-data.
 */
export function parseUserDate(text: string, what: string): number {
  const trimmed = text.trim();
  if (/^\d{10,14}$/.test(trimmed)) return Number(trimmed);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(trimmed);
  const t = m ? Date.parse(m[4] === undefined ? `${trimmed.slice(0, 10)}T00:00:00Z` : withZone(trimmed, m[7])) : NaN;
  if (!Number.isFinite(t)) {
    throw new UsageError(`${what} "${text}" is not a date (expected YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z] or epoch ms)`);
  }
  return t;
}

function withZone(text: string, zone: string | undefined): string {
  return zone === undefined ? `${text.replace(' ', 'T')}Z` : text.replace(' ', 'T');
}
