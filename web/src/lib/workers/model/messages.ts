export interface ModelWorkerInit {
  wasmBase: string;
}

export interface ModelSignature {
  inputs: string[];
  outputs: string[];
}

/** The model worker's API as seen through comlink; only web/src/lib/ml/model-engine.ts calls it. */
export interface ModelWorkerApi {
  ping(): string;
  init(options: ModelWorkerInit): Promise<void>;
  /** fetches an .onnx from our own origin and opens an inference session under `name` */
  load(name: string, url: string): Promise<ModelSignature>;
  /** opens an inference session under `name` from model bytes (fetched or trained on the page; a copy is kept by the worker) */
  loadBytes(name: string, bytes: Uint8Array): Promise<ModelSignature>;
  /** runs `name` on a rows x features float32 matrix (row-major); returns the first output, flattened */
  score(name: string, input: Float32Array, rows: number, features: number): Promise<Float32Array>;
  simulateCrash(): void;
}
