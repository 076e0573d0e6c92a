/// <reference lib="webworker" />
/**
 * The model worker: onnxruntime-web (wasm backend, single-threaded: the models are small tabular ones, and ORT's
 * own thread pool would re-spawn this bundle as its workers) scoring batches for the dashboard.
 */
import * as Comlink from 'comlink';
import * as ort from 'onnxruntime-web/wasm';
import { installErrorTransfer } from '../../engine/errors';
import { wasmAssetUrl } from '../../engine/wasm-assets';
import type { ModelSignature, ModelWorkerApi, ModelWorkerInit } from './messages';

installErrorTransfer();

const MAX_MODEL_BYTES = 64 * 1024 * 1024;
const sessions = new Map<string, ort.InferenceSession>();

async function open(name: string, bytes: Uint8Array, source: string): Promise<ModelSignature> {
  if (bytes.byteLength > MAX_MODEL_BYTES) throw new Error(`model "${name}" is ${bytes.byteLength} bytes; at most ${MAX_MODEL_BYTES}`);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  } catch (error) {
    throw new Error(`model "${name}" (${source}) could not be opened: ${(error as Error).message}`, { cause: error });
  }
  await sessions.get(name)?.release();
  sessions.set(name, session);
  return { inputs: [...session.inputNames], outputs: [...session.outputNames] };
}

const api: ModelWorkerApi = {
  ping: () => 'pong',

  async init(options: ModelWorkerInit) {
    ort.env.wasm.wasmPaths = { wasm: wasmAssetUrl(options.wasmBase, 'ort-wasm-simd-threaded.wasm') };
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    ort.env.logLevel = 'error';
  },

  async load(name: string, url: string): Promise<ModelSignature> {
    const resolved = new URL(url, self.location.href);
    if (resolved.origin !== self.location.origin) throw new Error(`models are served from our own origin; refusing ${resolved.href}`);
    const res = await fetch(resolved, { cache: 'no-cache' });
    if (!res.ok) throw new Error(`model "${name}": GET ${resolved.pathname} answered HTTP ${res.status}`);
    return open(name, new Uint8Array(await res.arrayBuffer()), resolved.pathname);
  },

  loadBytes(name: string, bytes: Uint8Array): Promise<ModelSignature> {
    return open(name, bytes, 'bytes from the page');
  },

  async score(name: string, input: Float32Array, rows: number, features: number): Promise<Float32Array> {
    const session = sessions.get(name);
    if (!session) throw new Error(`model "${name}" is not loaded (loaded: ${[...sessions.keys()].join(', ') || 'none'})`);
    if (!Number.isInteger(rows) || !Number.isInteger(features) || rows < 0 || features < 1 || input.length !== rows * features) {
      throw new Error(`model "${name}": input has ${input.length} values, expected rows x features = ${rows} x ${features}`);
    }
    const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', input, [rows, features]) };
    const results = await session.run(feeds);
    const output = results[session.outputNames[0]!];
    if (!output || output.type !== 'float32') throw new Error(`model "${name}": first output is ${output?.type ?? 'missing'}, expected float32`);
    const scores = Float32Array.from(output.data as Float32Array);
    for (const tensor of Object.values(results)) tensor.dispose();
    return Comlink.transfer(scores, [scores.buffer]);
  },

  simulateCrash() {
    setTimeout(() => {
      throw new Error('simulated crash of the model worker');
    });
  },
};

Comlink.expose(api);
