declare module 'lz4js' {
  /** Decompress an LZ4 frame. */
  export function decompress(data: Uint8Array, maxSize?: number): Uint8Array;
  const lz4: { decompress: typeof decompress };
  export default lz4;
}
