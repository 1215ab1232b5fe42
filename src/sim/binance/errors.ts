import type { SimResponse } from '../router.js';

/** Binance's error body, e.g. `{"code":-1121,"msg":"Invalid symbol."}`. */
export function binanceError(status: number, code: number, msg: string): SimResponse {
  return { status, body: JSON.stringify({ code, msg }) };
}
