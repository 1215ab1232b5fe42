import { writeFileAtomic } from './atomic-write.js';

/**
 * Write a JSON document (the universe, the collector's status, learned rate limits) atomically, as
 * stores are written: a crash leaves the old document or the new one, never half of one.
 */
export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`));
}

/** Write a text document kept beside the stores (the report page) atomically, as stores are written. */
export async function writeTextFile(path: string, text: string): Promise<number> {
  const bytes = new TextEncoder().encode(text);
  await writeFileAtomic(path, bytes);
  return bytes.length;
}
