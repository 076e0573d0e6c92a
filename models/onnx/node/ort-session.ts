/**
 * onnxruntime-web in Node (Node only: the CLI, tests and the benchmark), with the wasm backend loaded
 * from the local package, never from a CDN. The dashboard runs the same package in its model worker
 * (web/src/lib/workers/model/model-worker.ts) with the wasm from our own origin.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as ort from 'onnxruntime-web';

const require = createRequire(import.meta.url);
let configuredThreads: number | null = null;

/** Points onnxruntime-web at its own dist/ folder; `threads` > 1 uses its worker-thread pool. */
export function configureOrt(threads = 1): void {
  if (configuredThreads === threads) return;
  ort.env.wasm.wasmPaths = `${dirname(require.resolve('onnxruntime-web'))}/`;
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  configuredThreads = threads;
}

export interface OrtScorer {
  readonly inputName: string;
  readonly outputName: string;
  /** Runs the model on a row-major float32 [rows, width] matrix; returns the first output, flattened. */
  run(input: Float32Array, rows: number, width: number): Promise<Float32Array>;
  release(): Promise<void>;
}

export class OrtError extends Error {
  override name = 'OrtError';
}

export async function openOrtScorer(bytes: Uint8Array, label = 'model', threads = 1): Promise<OrtScorer> {
  configureOrt(threads);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  } catch (error) {
    throw new OrtError(`${label}: onnxruntime-web could not open the model: ${(error as Error).message}`, { cause: error });
  }
  const inputName = session.inputNames[0]!;
  const outputName = session.outputNames[0]!;
  return {
    inputName,
    outputName,
    async run(input, rows, width) {
      if (input.length !== rows * width) throw new OrtError(`${label}: input has ${input.length} values, expected ${rows} x ${width}`);
      const tensor = new ort.Tensor('float32', input, [rows, width]);
      let results: ort.InferenceSession.ReturnType;
      try {
        results = await session.run({ [inputName]: tensor });
      } catch (error) {
        throw new OrtError(`${label}: onnxruntime-web failed on a [${rows}, ${width}] input: ${(error as Error).message}`, { cause: error });
      }
      const output = results[outputName]!;
      const data = Float32Array.from(output.data as Float32Array);
      for (const t of Object.values(results)) t.dispose();
      return data;
    },
    release: () => session.release(),
  };
}
