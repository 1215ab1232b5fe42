import { UsageError } from '../core/errors.js';
import { isLoopbackHost } from '../core/loopback.js';

/**
 * Where candles fetched through an API base URL come from, as recorded in each store (`qml.source`):
 * the real exchange, the simulator (any loopback URL), or another URL (a testnet, a proxy) by its origin.
 */
export function sourceOfApiUrl(apiUrl: string | undefined): string {
  if (apiUrl === undefined) return 'exchange';
  const url = new URL(apiUrl);
  return isLoopbackHost(url.hostname) ? 'simulator' : `api-url ${url.origin}`;
}

/**
 * Check an --api-url: https anywhere, plain http only on loopback (so neither keys nor data cross a
 * network in clear). Returns it without a trailing slash.
 */
export function checkApiUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--api-url "${text}" is not a URL (expected https://host or http://127.0.0.1:PORT)`);
  }
  const ok = url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  if (!ok || url.search || url.hash || url.username) {
    throw new UsageError(`--api-url "${text}" is not allowed (expected https://..., or http:// on a loopback address only)`);
  }
  return url.href.replace(/\/+$/, '');
}

/**
 * Point every API family of a ccxt `urls.api` tree at one base URL, keeping each path:
 * `https://fapi.example.com/fapi/v1` → `<base>/fapi/v1`.
 */
export function rebaseApiUrls(api: unknown, base: string): unknown {
  if (typeof api === 'string') return api.replace(/^[a-z]+:\/\/[^/]+/i, base);
  if (api && typeof api === 'object') {
    return Object.fromEntries(Object.entries(api).map(([k, v]) => [k, rebaseApiUrls(v, base)]));
  }
  return api;
}
