/** "PAR1": a Parquet file starts and ends with these 4 bytes. */
const PARQUET_MAGIC = [0x50, 0x41, 0x52, 0x31];

/** True when `bytes` look like a whole Parquet file: the magic number at both ends, room for a footer between. */
export function isParquetFile(bytes: Uint8Array): boolean {
  if (bytes.byteLength < 12) return false;
  return PARQUET_MAGIC.every((b, i) => bytes[i] === b && bytes[bytes.byteLength - 4 + i] === b);
}
