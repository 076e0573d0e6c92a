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
import { overviewFromRollups, ROLLUP_COLUMNS, rollupsCannotAnswer, toRollupRow, type RollupRow } from '@privacy-analytics/core/rollups';
import { EdgeClient, type Manifest } from '../../edge/edge-client';
import type { EdgeConnection, RollupOverview } from '../../engine/data-engine';
import { errorMessage } from '../../engine/errors';
import { mapConcurrently } from './map-concurrently';
import { initParquet } from './parquet-decoder';
import { manifestFingerprint } from './manifest-fingerprint';
import { mark } from '../../engine/timeline';

const DOWNLOADS_IN_FLIGHT = 6;
/** A flush file (one ingest shard's rows of an hour, not yet compacted): `s<shard>-f<flush>[-e<erasure>].parquet`. */
const FLUSH_FILE = /\/s\d+-f\d+(?:-e[0-9a-f]{8})?\.parquet$/;

/** An answer of RollupLoader.overview: nothing but `over`, and the time since `started`. */
function rollupAnswer(started: number, over: Partial<RollupOverview>): RollupOverview {
  return { result: null, reason: null, sessionsFromEvents: false, files: 0, bytes: 0, downloaded: 0, ms: Math.round(performance.now() - started), ...over };
}

export class RollupLoader {
  #decoded = new Map<string, RollupRow[]>();
  /**
   * Downloads in flight, by key and ETag: the overview asks again each time a load publishes rows, often before the
   * previous answer's downloads are done, and a second ask waits for them instead of downloading them again.
   */
  #inFlight = new Map<string, Promise<RollupRow[]>>();

  /** `confirm`: the fingerprint of an overview the caller saved; when the manifest still matches it, nothing is read. */
  async overview(conn: EdgeConnection, spec: OverviewSpec, confirm?: string): Promise<RollupOverview> {
    const started = performance.now();
    const answer = (over: Partial<RollupOverview>) => rollupAnswer(started, over);
    const cannot = rollupsCannotAnswer(spec);
    if (cannot) return answer({ reason: cannot });
    const client = new EdgeClient(conn);
    mark('rollups: manifest asked');
    const manifest = await client.manifest({ from: spec.from, to: spec.to });
    mark('rollups: manifest');
    const fingerprint = manifestFingerprint(manifest.files);
    if (confirm !== undefined && confirm === fingerprint) {
      // nothing to read for this answer; the range's rollups are read now in the background, from the same manifest,
      // so that the next question (another range, a granularity) finds them decoded and parquet-wasm started (a
      // date-range change after a confirmed warm open otherwise paid both: 1.1 s instead of 0.4 s)
      setTimeout(() => void this.#read(client, spec, manifest, fingerprint, started).catch(() => undefined), 0);
      return answer({ confirmed: true, fingerprint, files: manifest.files.length });
    }
    return this.#read(client, spec, manifest, fingerprint, started);
  }

  /** The overview of `spec` from the rollups `manifest` lists: those not decoded yet are downloaded and decoded. */
  async #read(client: EdgeClient, spec: OverviewSpec, manifest: Manifest, fingerprint: string, started: number): Promise<RollupOverview> {
    const answer = (over: Partial<RollupOverview>) => rollupAnswer(started, over);
    const rollups = manifest.files.flatMap((file) => (file.rollup ? [file.rollup] : []));
    const missing = manifest.files.length - rollups.length;
    if (missing > 0) return answer({ reason: `${missing} of ${manifest.files.length} event files have no rollup (written before rollups)`, files: manifest.files.length, fingerprint });
    await initParquet();
    const id = (r: { key: string; etag: string }) => `${r.key}\n${r.etag}`;
    const wanted = new Set(rollups.map(id));
    for (const key of this.#decoded.keys()) if (!wanted.has(key)) this.#decoded.delete(key);
    const toFetch = rollups.filter((r) => !this.#decoded.has(id(r)));
    const own = toFetch.filter((r) => !this.#inFlight.has(id(r)));
    const controller = new AbortController();
    // this ask's downloads, six at a time; each one's promise is shared with asks made while it runs
    const slots = new Map<string, { resolve(rows: RollupRow[]): void; reject(error: unknown): void }>();
    for (const rollup of own) {
      const promise = new Promise<RollupRow[]>((resolve, reject) => slots.set(id(rollup), { resolve, reject }));
      promise.catch(() => undefined);
      this.#inFlight.set(id(rollup), promise);
    }
    const downloads = (async () => {
      try {
        for await (const { rollup, rows } of mapConcurrently(own, () => DOWNLOADS_IN_FLIGHT, controller.signal, async (rollup) => {
          const { bytes } = await client.file(rollup.key, controller.signal, undefined, { priority: 'high', cache: 'default' });
          return { rollup, rows: decodeRollup(bytes, rollup.key) };
        })) {
          this.#decoded.set(id(rollup), rows);
          slots.get(id(rollup))!.resolve(rows);
        }
      } catch (error) {
        controller.abort();
        for (const slot of slots.values()) slot.reject(error);
        throw error;
      } finally {
        for (const rollup of own) this.#inFlight.delete(id(rollup));
      }
    })();
    const pending = toFetch.map((r) => this.#inFlight.get(id(r)) ?? Promise.reject(new Error(`${r.key}: download lost`)));
    const have = new Map(rollups.flatMap((r) => {
      const rows = this.#decoded.get(id(r));
      return rows ? [[id(r), rows] as const] : [];
    }));
    try {
      await downloads;
      const fetched = await Promise.all(pending);
      toFetch.forEach((r, i) => have.set(id(r), fetched[i]!));
    } catch (error) {
      return answer({ reason: `rollups could not be read: ${errorMessage(error)}`, files: rollups.length });
    }
    mark(`rollups: ${rollups.length} decoded (${toFetch.length} downloaded)`);
    const rows = rollups.flatMap((r) => have.get(id(r))!);
    return answer({
      result: overviewFromRollups(rows, spec),
      sessionsFromEvents: manifest.files.some((f) => FLUSH_FILE.test(f.key)),
      files: rollups.length,
      bytes: rollups.reduce((n, r) => n + r.bytes, 0),
      downloaded: toFetch.length,
      fingerprint,
    });
  }
}

export function decodeRollup(bytes: Uint8Array, label: string): RollupRow[] {
  try {
    const table = tableFromIPC(readParquet(bytes).intoIPCStream());
    // column by column: an Arrow row object per row (row.toJSON()) cost twice the time, beside DuckDB's start
    const columns = ROLLUP_COLUMNS.map(({ name }) => {
      const vector = table.getChild(name);
      if (!vector) throw new Error(`no column ${name}`);
      return [name, vector] as const;
    });
    const rows: RollupRow[] = new Array(table.numRows);
    for (let i = 0; i < table.numRows; i++) {
      const raw: Record<string, unknown> = {};
      for (const [name, vector] of columns) raw[name] = vector.get(i);
      rows[i] = toRollupRow(raw);
    }
    return rows;
  } catch (error) {
    throw new Error(`${label}: not a rollup file: ${errorMessage(error)}`, { cause: error });
  }
}
