import type { FetchProgress } from '../pipeline/pager.js';

const WIDTH = 24;
const FRAME_MS = 100;

/**
 * A one-line progress bar on stderr while fetching, only on a terminal (logs and pipes stay clean).
 * Returns undefined when there is no terminal.
 */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): { update: (p: FetchProgress) => void; done: () => void } | undefined {
  if (!stream.isTTY) return undefined;
  const state = new Map<string, FetchProgress>();
  let last = 0;
  const draw = () => {
    const parts = [...state.values()].map((p) => {
      const share = Math.min(1, (p.reached - p.since) / Math.max(1, p.until - p.since));
      const filled = Math.round(share * WIDTH);
      return `${p.symbol} ${p.timeframe} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${Math.round(share * 100)}% ${p.rows.toLocaleString('en-US')} rows`;
    });
    stream.write(`\r\x1b[2K${parts.slice(-2).join('  |  ')}`);
  };
  return {
    update: (p) => {
      state.set(`${p.symbol} ${p.timeframe}`, p);
      if (p.reached >= p.until) state.delete(`${p.symbol} ${p.timeframe}`);
      const now = Date.now();
      if (now - last >= FRAME_MS) {
        last = now;
        draw();
      }
    },
    done: () => stream.write('\r\x1b[2K'),
  };
}
