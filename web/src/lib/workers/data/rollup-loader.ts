/**
 * The overview from the edge's rollups (core/src/rollups): the manifest of the range, the rollup file of each event
 * file (a few KB to a few hundred KB each), decoded here and summed in plain TypeScript; no DuckDB and no event row.
 * Answers only when no filter needs rows and every event file of the range has a rollup (files written before the
 * edge wrote rollups have none); otherwise it says why, and the overview queries the events as before.
 *
 * Decoded rollups stay in memory, by key and ETag, for the files of the last range asked for.
 */
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm/esm';
import type { OverviewSpec } from '@privacy-analytics/core/analytics';
import { overviewFromRollups, rollupsCannotAnswer, toRollupRow, type RollupRow } from '@privacy-analytics/core/rollups';
import { EdgeClient } from '../../edge/edge-client';
import type { EdgeConnection, RollupOverview } from '../../engine/data-engine';
import { errorMessage } from '../../engine/errors';
import { mapConcurrently } from './map-concurrently';
import { initParquet } from './parquet-decoder';

const DOWNLOADS_IN_FLIGHT = 6;
/**
 * While a load runs, the overview asks again each time the loaded events change (every publish of a first load, a
 * second or two apart); the manifest read for the same range during that load is used again, for at most this long,
 * instead of asking the edge each time. Outside a load every answer reads the manifest.
 */
const MANIFEST_REUSE_MS = 10_000;
/** A flush file (one ingest shard's rows of an hour, not yet compacted): `s<shard>-f<flush>[-e<erasure>].parquet`. */
const FLUSH_FILE = /\/s\d+-f\d+(?:-e[0-9a-f]{8})?\.parquet$/;

type ManifestFiles = Awaited<ReturnType<EdgeClient['manifest']>>['files'];

export class RollupLoader {
  #decoded = new Map<string, RollupRow[]>();
  #manifest: { id: string; at: number; files: Promise<ManifestFiles> } | null = null;

  #manifestFiles(client: EdgeClient, conn: EdgeConnection, spec: OverviewSpec, loadManifestReads: number | null): Promise<ManifestFiles> {
    const id = `${conn.url}\n${conn.site}\n${spec.from}\n${spec.to}\n${loadManifestReads}`;
    const now = performance.now();
    if (loadManifestReads === null || this.#manifest?.id !== id || now - this.#manifest.at > MANIFEST_REUSE_MS) {
      const files = client.manifest({ from: spec.from, to: spec.to }).then((m) => m.files);
      files.catch(() => (this.#manifest = null));
      this.#manifest = { id, at: now, files };
    }
    return this.#manifest.files;
  }

  /** `loadManifestReads`: while a load runs, the event loader's count of manifests read; else null (see MANIFEST_REUSE_MS). */
  async overview(conn: EdgeConnection, spec: OverviewSpec, loadManifestReads: number | null = null): Promise<RollupOverview> {
    const started = performance.now();
    const answer = (over: Partial<RollupOverview>): RollupOverview => ({ result: null, reason: null, sessionsFromEvents: false, files: 0, bytes: 0, downloaded: 0, ms: Math.round(performance.now() - started), ...over });
    const cannot = rollupsCannotAnswer(spec);
    if (cannot) return answer({ reason: cannot });
    const client = new EdgeClient(conn);
    const manifest = { files: await this.#manifestFiles(client, conn, spec, loadManifestReads) };
    const rollups = manifest.files.flatMap((file) => (file.rollup ? [file.rollup] : []));
    const missing = manifest.files.length - rollups.length;
    if (missing > 0) return answer({ reason: `${missing} of ${manifest.files.length} event files have no rollup (written before rollups)`, files: manifest.files.length });
    await initParquet();
    const id = (r: { key: string; etag: string }) => `${r.key}\n${r.etag}`;
    const wanted = new Set(rollups.map(id));
    for (const key of this.#decoded.keys()) if (!wanted.has(key)) this.#decoded.delete(key);
    const toFetch = rollups.filter((r) => !this.#decoded.has(id(r)));
    const controller = new AbortController();
    try {
      for await (const { rollup, rows } of mapConcurrently(toFetch, () => DOWNLOADS_IN_FLIGHT, controller.signal, async (rollup) => {
        const { bytes } = await client.file(rollup.key, controller.signal, undefined, { priority: 'high', cache: 'default' });
        return { rollup, rows: decodeRollup(bytes, rollup.key) };
      })) {
        this.#decoded.set(id(rollup), rows);
      }
    } catch (error) {
      controller.abort();
      return answer({ reason: `rollups could not be read: ${errorMessage(error)}`, files: rollups.length });
    }
    const rows = rollups.flatMap((r) => this.#decoded.get(id(r)) ?? []);
    return answer({
      result: overviewFromRollups(rows, spec),
      sessionsFromEvents: manifest.files.some((f) => FLUSH_FILE.test(f.key)),
      files: rollups.length,
      bytes: rollups.reduce((n, r) => n + r.bytes, 0),
      downloaded: toFetch.length,
    });
  }
}

export function decodeRollup(bytes: Uint8Array, label: string): RollupRow[] {
  try {
    const table = tableFromIPC(readParquet(bytes).intoIPCStream());
    const rows: RollupRow[] = [];
    for (const row of table) rows.push(toRollupRow(row.toJSON() as Record<string, unknown>));
    return rows;
  } catch (error) {
    throw new Error(`${label}: not a rollup file: ${errorMessage(error)}`, { cause: error });
  }
}
