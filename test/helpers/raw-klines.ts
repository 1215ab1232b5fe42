/** Candles read straight from the simulator's HTTP API, bypassing qml-data and ccxt: an independent view. */
export async function rawKlines(baseUrl: string, family: 'spot' | 'futures', id: string, interval: string, start: number, end: number): Promise<number[][]> {
  const prefix = family === 'spot' ? '/api/v3' : '/fapi/v1';
  const out: number[][] = [];
  let cursor = start;
  for (;;) {
    const res = await fetch(`${baseUrl}${prefix}/klines?symbol=${id}&interval=${interval}&startTime=${cursor}&endTime=${end - 1}&limit=1000`);
    const rows = (await res.json()) as (string | number)[][];
    if (rows.length === 0) return out;
    for (const r of rows) out.push([Number(r[0]), Number(r[1]), Number(r[2]), Number(r[3]), Number(r[4]), Number(r[5])]);
    cursor = Number(rows[rows.length - 1]![0]) + 1;
  }
}
