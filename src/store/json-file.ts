import { writeFileAtomic } from './atomic-write.js';
import { createDocument, readDocument, writeDocument } from './documents.js';
import { StoreError } from '../core/errors.js';

/**
 * Write a JSON document (the universe, the collector's status, learned rate limits) atomically, as
 * stores are written: a crash leaves the old document or the new one, never half of one. In a local
 * folder or a bucket.
 */
export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  await writeDocument(path, jsonBytes(value));
}

/** Create a JSON document only where there is none: false (nothing written) when another writer made it first. */
export async function createJsonFile(path: string, value: unknown): Promise<boolean> {
  return createDocument(path, jsonBytes(value));
}

/** A JSON document, or undefined when there is none; one that is not JSON is a StoreError saying what to do. */
export async function readJsonFile<T>(path: string, remedy: string): Promise<T | undefined> {
  const bytes = await readDocument(path);
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch {
    throw new StoreError(`${path} is not valid JSON; ${remedy}`);
  }
}

/** Write a text document kept beside the stores (the report page) atomically, as stores are written. */
export async function writeTextFile(path: string, text: string): Promise<number> {
  const bytes = new TextEncoder().encode(text);
  await writeFileAtomic(path, bytes);
  return bytes.length;
}

function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
}
