import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Every file under a data folder with its bytes, for "left unchanged" checks. */
export async function snapshot(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.set(p, await readFile(p));
    }
  };
  await walk(dir);
  return out;
}

/** The master stores of a snapshot (resume checkpoints and locks left aside). */
export function masters(s: Map<string, Buffer>): Map<string, Buffer> {
  return new Map([...s].filter(([p]) => p.endsWith('_master.parquet')));
}
