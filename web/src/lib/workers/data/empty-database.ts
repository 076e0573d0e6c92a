/**
 * An empty DuckDB database file in storage format v1.3.0, as DuckDB-Wasm 1.4.3 writes it
 * (`ATTACH '<new file>' (STORAGE_VERSION 'v1.3.0')` then `DETACH`): 12 KiB, three 4 KiB headers (the main header
 * with DuckDB's version, then two database headers with no blocks and the storage format's number), all zeros but
 * for the runs below. `empty-database.test.ts` checks that the DuckDB-Wasm the dashboard ships writes exactly these
 * bytes, so a DuckDB upgrade that changes them fails there.
 *
 * Why: DuckDB-Wasm's `db.open({ path: 'opfs://…' })` takes no DuckDB options, so a new file would get DuckDB's
 * oldest storage format (see WAREHOUSE_STORAGE_VERSION in duckdb-session.ts), and attaching a new OPFS file with a
 * STORAGE_VERSION fails in DuckDB-Wasm 1.32 (registering the name creates the file empty, which DuckDB refuses as "not
 * a valid DuckDB database file"; duckdb-wasm issues 1856 and 1947). So the data worker writes these bytes into a
 * missing or empty warehouse file, and `db.open` opens an existing database of that format; DuckDB keeps a file's
 * format.
 */
const RUNS: readonly (readonly [offset: number, hex: string])[] = [
  [0, '67fd9328f3c074894455434b42'],
  [52, '76312e342e33'],
  [84, '64316463383866393530'],
  [4096, 'e019b93cc66cded1'],
  [4112, 'ffffffffffffffffffffffffffffffff'],
  [4138, '040000000000000800000000000005'],
  [4180, '64316463383866393530'],
  [8192, 'e019b93cc66cded1'],
  [8208, 'ffffffffffffffffffffffffffffffff'],
  [8234, '040000000000000800000000000005'],
  [8276, '64316463383866393530'],
];

const EMPTY_DATABASE_BYTES = 12_288;

/** The empty database file's bytes. */
export function emptyDatabaseFile(): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(EMPTY_DATABASE_BYTES);
  for (const [offset, hex] of RUNS) {
    for (let i = 0; i < hex.length; i += 2) bytes[offset + i / 2] = Number.parseInt(hex.slice(i, i + 2), 16);
  }
  return bytes;
}

/**
 * Writes the empty database into the OPFS file `name` when it is missing or empty (and drops a write-ahead log left
 * beside it, which belonged to no database); true when it did, so the warehouse is known to be empty. A file with
 * content is left alone. Throws when the file cannot be written (another tab holds it): the caller then keeps the
 * warehouse in memory.
 */
export async function ensureDatabaseFile(root: FileSystemDirectoryHandle, name: string): Promise<boolean> {
  const handle = await root.getFileHandle(name, { create: true });
  if ((await handle.getFile()).size > 0) return false;
  await root.removeEntry(`${name}.wal`).catch(() => undefined);
  const writable = await handle.createWritable();
  await writable.write(emptyDatabaseFile());
  await writable.close();
  return true;
}
