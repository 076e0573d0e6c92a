/** One Parquet file as listed by the manifest endpoint. */
export interface ManifestEntry {
  key: string;
  date: string;
  /** The hour partition; null for a compacted file that spans its whole date (a day-level key). */
  hour: number | null;
  bytes: number;
  rows: number;
  minTime: string;
  maxTime: string;
  etag: string;
  /**
   * SHA-256 of the object bytes (hex), verified by R2 on upload. The edge always lists it (null
   * for files written before checksums); optional so that stand-ins (benchmarks) may omit it.
   */
  sha256?: string | null;
  createdAt: string;
}
