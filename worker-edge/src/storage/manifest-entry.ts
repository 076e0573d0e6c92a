/** One Parquet file as listed by the manifest endpoint. */
export interface ManifestEntry {
  key: string;
  date: string;
  hour: number;
  bytes: number;
  rows: number;
  minTime: string;
  maxTime: string;
  etag: string;
  createdAt: string;
}
