import type { EngineStatus } from '../engine/data-engine';
import { SupervisedWorker } from '../engine/supervised-worker';
import { defaultWasmBase } from '../engine/wasm-assets';
import type { ModelSignature, ModelWorkerApi } from '../workers/model/messages';

export interface ModelEngine {
  /** Opens the ONNX model at `url` (our own origin, e.g. /models/smoke/smoke.onnx) under `name`. */
  load(name: string, url: string): Promise<ModelSignature>;
  /** Opens model bytes (e.g. a model retrained on this page) under `name`, replacing what was loaded under it. */
  loadBytes(name: string, bytes: Uint8Array): Promise<ModelSignature>;
  /** Scores a rows x features float32 matrix (row-major) with model `name`; the first output, flattened. */
  score(name: string, input: Float32Array, rows: number, features: number): Promise<Float32Array>;
  readonly status: EngineStatus;
  onStatus(listener: (status: EngineStatus, error?: Error) => void): () => void;
  /** A new worker, with the models loaded so far loaded again. */
  restart(): Promise<void>;
  /** Test hook: an uncaught error in the worker. */
  simulateCrash(): Promise<void>;
}

export interface ModelEngineOptions {
  wasmBase?: string;
  unresponsiveAfterMs?: number;
}

/** onnxruntime-web in a supervised worker: same crash behaviour as the data engine. */
class WorkerModelEngine implements ModelEngine {
  readonly #worker: SupervisedWorker<ModelWorkerApi>;
  /** what each name was loaded from, to load it again in a restarted worker */
  readonly #loaded = new Map<string, string | Uint8Array>();

  constructor(options: ModelEngineOptions) {
    const wasmBase = options.wasmBase ?? defaultWasmBase();
    this.#worker = new SupervisedWorker<ModelWorkerApi>({
      label: 'model worker',
      spawn: () => new Worker(new URL('../workers/model/model-worker.ts', import.meta.url), { type: 'module', name: 'models' }),
      init: async (api) => {
        await api.init({ wasmBase });
        for (const [name, source] of this.#loaded) await (typeof source === 'string' ? api.load(name, source) : api.loadBytes(name, source));
      },
      ...(options.unresponsiveAfterMs ? { unresponsiveAfterMs: options.unresponsiveAfterMs } : {}),
    });
    this.#worker.start().catch(() => undefined);
  }

  get status(): EngineStatus {
    return this.#worker.status;
  }

  onStatus(listener: (status: EngineStatus, error?: Error) => void): () => void {
    return this.#worker.onStatus(listener);
  }

  async load(name: string, url: string): Promise<ModelSignature> {
    const signature = await this.#worker.call('load', (api) => api.load(name, url));
    this.#loaded.set(name, url);
    return signature;
  }

  async loadBytes(name: string, bytes: Uint8Array): Promise<ModelSignature> {
    const kept = bytes.slice();
    const signature = await this.#worker.call('loadBytes', (api) => api.loadBytes(name, bytes));
    this.#loaded.set(name, kept);
    return signature;
  }

  score(name: string, input: Float32Array, rows: number, features: number): Promise<Float32Array> {
    return this.#worker.call('score', (api) => api.score(name, input, rows, features));
  }

  restart(): Promise<void> {
    return this.#worker.start();
  }

  simulateCrash(): Promise<void> {
    return this.#worker.call('simulateCrash', async (api) => api.simulateCrash());
  }
}

export function createModelEngine(options: ModelEngineOptions = {}): ModelEngine {
  return new WorkerModelEngine(options);
}
