/**
 * Writes models/smoke/smoke.onnx: logistic regression score = sigmoid(features · W + b) for a [N, 4] float32
 * input, as MatMul -> Add -> Sigmoid. It proves the browser's ONNX path (self-hosted onnxruntime-web in the model
 * worker); the numbers mean nothing. The protobuf is encoded by hand (a few ONNX fields), so no dependency.
 *
 *   npx tsx models/smoke/build-smoke-model.ts
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SMOKE_WEIGHTS = [0.8, -1.2, 0.35, 2.0];
export const SMOKE_BIAS = -0.5;
export const SMOKE_FEATURES = SMOKE_WEIGHTS.length;

const FLOAT = 1; // TensorProto.DataType.FLOAT
const IR_VERSION = 8;
const OPSET = 13;

// --- protobuf wire format: varint (0) and length-delimited (2) fields are all ONNX needs here ---
function varint(value: number | bigint): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}
const key = (field: number, wireType: 0 | 2) => varint((field << 3) | wireType);
const int = (field: number, value: number) => [...key(field, 0), ...varint(value)];
const bytes = (field: number, data: number[] | Uint8Array) => [...key(field, 2), ...varint(data.length), ...data];
const str = (field: number, text: string) => bytes(field, [...new TextEncoder().encode(text)]);
const message = (field: number, parts: number[][]) => bytes(field, parts.flat());

function tensor(field: number, name: string, dims: number[], values: number[]): number[] {
  const raw = new Uint8Array(new Float32Array(values).buffer); // raw_data is little-endian, as on every platform we run
  return message(field, [...dims.map((d) => int(1, d)), int(2, FLOAT), str(8, name), bytes(9, raw)]);
}

function valueInfo(field: number, name: string, dims: (number | string)[]): number[] {
  const dimensions = dims.map((d) => message(1, [typeof d === 'number' ? int(1, d) : str(2, d)]));
  const tensorType = message(1, [int(1, FLOAT), message(2, dimensions)]);
  return message(field, [str(1, name), message(2, [tensorType])]);
}

function node(opType: string, inputs: string[], outputs: string[], name: string): number[] {
  return message(1, [...inputs.map((i) => str(1, i)), ...outputs.map((o) => str(2, o)), str(3, name), str(4, opType)]);
}

export function buildSmokeModel(): Uint8Array {
  const graph = message(7, [
    node('MatMul', ['features', 'W'], ['logit_raw'], 'matmul'),
    node('Add', ['logit_raw', 'b'], ['logit'], 'add'),
    node('Sigmoid', ['logit'], ['score'], 'sigmoid'),
    str(2, 'smoke_logistic_regression'),
    tensor(5, 'W', [SMOKE_FEATURES, 1], SMOKE_WEIGHTS),
    tensor(5, 'b', [1], [SMOKE_BIAS]),
    valueInfo(11, 'features', ['N', SMOKE_FEATURES]),
    valueInfo(12, 'score', ['N', 1]),
  ]);
  return new Uint8Array([...int(1, IR_VERSION), ...str(2, 'privacy-analytics'), ...str(3, '1'), ...graph, ...message(8, [str(1, ''), int(2, OPSET)])]);
}

/** The same formula in JavaScript, for tests. */
export function smokeScore(features: ArrayLike<number>): number {
  let z = SMOKE_BIAS;
  for (let i = 0; i < SMOKE_FEATURES; i++) z += Math.fround(features[i]!) * SMOKE_WEIGHTS[i]!;
  return 1 / (1 + Math.exp(-z));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = dirname(fileURLToPath(import.meta.url));
  writeFileSync(join(dir, 'smoke.onnx'), buildSmokeModel());
  writeFileSync(
    join(dir, 'smoke.json'),
    `${JSON.stringify({ name: 'smoke', input: 'features', output: 'score', features: SMOKE_FEATURES, weights: SMOKE_WEIGHTS, bias: SMOKE_BIAS, formula: 'score = sigmoid(features · weights + bias)' }, null, 2)}\n`,
  );
  console.log(`[smoke-model] wrote ${join(dir, 'smoke.onnx')}`);
}
