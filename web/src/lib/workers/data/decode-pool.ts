/**
 * Decode workers for the data worker's loads (issue 18: "decode in a small pool of workers while DuckDB inserts").
 * Each file goes to the worker with the fewest files under way; its bytes are handed over and back without a copy. A
 * pool whose workers cannot start (or die) decodes in the data worker's own thread instead, as before.
 */
import * as Comlink from 'comlink';
import { mark } from '../../engine/timeline';
import type { ColumnSpec } from '@privacy-analytics/core/schema';
import { errorMessage, installErrorTransfer } from '../../engine/errors';
import type { DecodeWorkerApi } from '../decode/decode-worker';
import { decodeHere, ownBuffer, type Decoder } from './sources';

/** The most decode workers, whatever the cores: DuckDB inserts on one thread, which a few decoders keep fed. */
export const MAX_DECODE_WORKERS = 3;

/**
 * Workers for `cores` logical cores: one core is DuckDB's, the rest decode (at least one worker, at most
 * MAX_DECODE_WORKERS). On 2 cores: one.
 */
export function decodeWorkerCount(cores: number): number {
  return Math.max(1, Math.min(MAX_DECODE_WORKERS, Math.floor(cores) - 1));
}

interface Member {
  worker: Worker;
  remote: Comlink.Remote<DecodeWorkerApi>;
  pending: number;
  dead: boolean;
  /** rejects when the worker dies: its files under way fail instead of waiting for ever */
  died: Promise<never>;
  /** parquet-wasm's bytes handed to the worker (a decode before that would find no module) */
  initialised: Promise<void>;
}

export class DecodePool {
  readonly #members: Member[] = [];
  /** a file has been decoded in a worker (marked once in the timeline) */
  #used = false;

  /**
   * `wasm`: parquet-wasm's bytes, downloaded once by the data worker (prefetchParquetWasm) and copied to each worker.
   * `spawn` makes one decode worker (tests pass their own). Workers that fail to start are left out; with none, every
   * decode runs here.
   */
  constructor(size: number, wasm: Promise<ArrayBuffer>, spawn: () => Worker = () => new Worker(new URL('../decode/decode-worker.ts', import.meta.url), { type: 'module', name: 'decode' })) {
    installErrorTransfer();
    for (let i = 0; i < size; i++) {
      try {
        const worker = spawn();
        let die: (error: Error) => void = () => undefined;
        const died = new Promise<never>((_, reject) => (die = reject));
        died.catch(() => undefined);
        const remote = Comlink.wrap<DecodeWorkerApi>(worker);
        const initialised = wasm.then((bytes) => remote.init(bytes));
        initialised.catch(() => undefined); // the decodes say why
        const member: Member = { worker, remote, pending: 0, dead: false, died, initialised };
        worker.addEventListener('error', (event) => {
          event.preventDefault();
          member.dead = true;
          const why = event.message || 'its script failed to load or threw';
          console.warn(`a decode worker failed (${why}); decoding in the data worker`);
          die(new Error(`the decode worker stopped (${why}); Retry reads the file again`));
        });
        this.#members.push(member);
      } catch (error) {
        console.warn(`no decode worker (${errorMessage(error)}); decoding in the data worker`);
      }
    }
  }

  /** Decode workers alive. */
  get size(): number {
    return this.#members.filter((m) => !m.dead).length;
  }

  readonly decode: Decoder = async (bytes, columns, label) => {
    const member = this.#members.filter((m) => !m.dead).sort((a, b) => a.pending - b.pending)[0];
    if (!member) return decodeHere(bytes, columns, label);
    member.pending += 1;
    try {
      await Promise.race([member.initialised, member.died]);
      // a view of part of a buffer is copied (handing the buffer over would take the rest from its owner)
      const sent = ownBuffer(bytes).length > 0 ? bytes : bytes.slice();
      const decoded = await Promise.race([member.remote.decode(Comlink.transfer(sent, ownBuffer(sent)), [...columns], label), member.died]);
      if (!this.#used) mark(`decode: a file decoded in a decode worker (${this.size} of ${this.#members.length} alive)`);
      this.#used = true;
      return decoded;
    } finally {
      member.pending -= 1;
    }
  };
}
