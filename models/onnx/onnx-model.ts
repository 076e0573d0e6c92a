/**
 * ONNX files as plain objects: `encodeOnnx` writes a model in the schema subset of onnx.proto,
 * `decodeOnnx` reads one back (ours or any ONNX file using only dense tensors) and says clearly when
 * the bytes are not an ONNX model. Runs unchanged in Node, in a Web Worker and on the dashboard's
 * page; the protobuf encoding is hand-written (onnx-wire.ts) because protobufjs generates code with
 * `new Function`, which the dashboard's Content-Security-Policy (no 'unsafe-eval') forbids.
 *
 * Tensors are stored as raw little-endian bytes (`raw_data`), written through a DataView so the
 * files are the same on any platform.
 */
import { decodeModelProto, encodeModelProto, type RawAttribute, type RawModel, type RawTensor, type RawValueInfo } from './onnx-wire';

export type ElementType = 'float32' | 'int64';

export interface OnnxTensor {
  name: string;
  dims: number[];
  type: ElementType;
  /** float32 data, or int64 data as numbers (ids and shapes: always safe integers here). */
  data: Float32Array | number[];
}

export type AttributeValue = number | number[] | string | { float: number };

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attributes?: Record<string, AttributeValue>;
}

export interface OnnxValueInfo {
  name: string;
  type: ElementType;
  /** A number for a fixed dimension, a name (e.g. "N") for a symbolic one. */
  dims: (number | string)[];
}

export interface OnnxModel {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  graphName: string;
  docString: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  metadata: Record<string, string>;
}

export class OnnxFormatError extends Error {
  override name = 'OnnxFormatError';
}

const DATA_TYPE = { float32: 1, int64: 7 } as const;
const DATA_TYPE_NAMES = new Map<number, ElementType>([
  [1, 'float32'],
  [7, 'int64'],
]);
const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

function tensorBytes(tensor: OnnxTensor): Uint8Array {
  const count = tensor.dims.reduce((a, b) => a * b, 1);
  if (tensor.data.length !== count) throw new Error(`tensor "${tensor.name}": ${tensor.data.length} values for dims [${tensor.dims.join(', ')}] (${count})`);
  const width = tensor.type === 'float32' ? 4 : 8;
  const bytes = new Uint8Array(count * width);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < count; i++) {
    const value = tensor.data[i]!;
    if (tensor.type === 'float32') view.setFloat32(i * 4, value, true);
    else {
      if (!Number.isSafeInteger(value)) throw new Error(`tensor "${tensor.name}": int64 value ${value} at ${i} is not a safe integer`);
      view.setBigInt64(i * 8, BigInt(value), true);
    }
  }
  return bytes;
}

function valueInfo(info: OnnxValueInfo): RawValueInfo {
  return {
    name: info.name,
    type: {
      tensor_type: {
        elem_type: DATA_TYPE[info.type],
        shape: { dim: info.dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttributeValue): RawAttribute {
  if (typeof value === 'string') return { name, type: ATTRIBUTE_TYPE.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: ATTRIBUTE_TYPE.INTS, ints: value };
  if (typeof value === 'object') return { name, type: ATTRIBUTE_TYPE.FLOAT, f: value.float };
  if (!Number.isSafeInteger(value)) throw new Error(`attribute ${name}: ${value} is not an integer (wrap floats as { float: x })`);
  return { name, type: ATTRIBUTE_TYPE.INT, i: value };
}

export function encodeOnnx(model: OnnxModel): Uint8Array {
  const message: RawModel = {
    ir_version: model.irVersion,
    producer_name: model.producerName,
    producer_version: model.producerVersion,
    doc_string: model.docString,
    opset_import: [{ domain: '', version: model.opsetVersion }],
    metadata_props: Object.entries(model.metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: model.graphName,
      node: model.nodes.map((n) => ({
        input: n.inputs,
        output: n.outputs,
        name: n.name,
        op_type: n.op,
        attribute: Object.entries(n.attributes ?? {}).map(([name, value]) => attribute(name, value)),
      })),
      initializer: model.initializers.map((t): RawTensor => ({ name: t.name, dims: t.dims, data_type: DATA_TYPE[t.type], raw_data: tensorBytes(t) })),
      input: model.inputs.map(valueInfo),
      output: model.outputs.map(valueInfo),
    },
  };
  return encodeModelProto(message);
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

function decodeTensor(raw: RawTensor, label: string): OnnxTensor {
  const name = raw.name ?? '';
  const type = DATA_TYPE_NAMES.get(raw.data_type ?? 0);
  if (!type) throw new OnnxFormatError(`${label}: initializer "${name}" has data type ${raw.data_type ?? 'none'}; only float32 (1) and int64 (7) are supported`);
  const dims = (raw.dims ?? []).map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  let data: Float32Array | number[];
  if (raw.raw_data && raw.raw_data.length > 0) {
    const width = type === 'float32' ? 4 : 8;
    if (raw.raw_data.length !== count * width) throw new OnnxFormatError(`${label}: initializer "${name}" holds ${raw.raw_data.length} bytes, expected ${count * width} for dims [${dims.join(', ')}]`);
    const view = new DataView(raw.raw_data.buffer, raw.raw_data.byteOffset, raw.raw_data.byteLength);
    if (type === 'float32') {
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, true);
    } else {
      data = Array.from({ length: count }, (_, i) => Number(view.getBigInt64(i * 8, true)));
    }
  } else {
    data = type === 'float32' ? Float32Array.from(raw.float_data ?? []) : (raw.int64_data ?? []).map(Number);
    if (data.length !== count) throw new OnnxFormatError(`${label}: initializer "${name}" holds ${data.length} values, expected ${count} for dims [${dims.join(', ')}]`);
  }
  return { name, dims, type, data };
}

function decodeValueInfo(raw: RawValueInfo, label: string): OnnxValueInfo {
  const tensorType = raw.type?.tensor_type;
  const type = DATA_TYPE_NAMES.get(tensorType?.elem_type ?? 0);
  if (!type) throw new OnnxFormatError(`${label}: graph input/output "${raw.name ?? ''}" is not a float32 or int64 tensor`);
  const dims = (tensorType?.shape?.dim ?? []).map((d) => (d.dim_param !== undefined && d.dim_param !== '' ? d.dim_param : Number(d.dim_value ?? 0)));
  return { name: raw.name ?? '', type, dims };
}

/** Reads an ONNX file; `label` (e.g. the file name) prefixes every error. */
export function decodeOnnx(bytes: Uint8Array, label = 'model'): OnnxModel {
  if (bytes.byteLength === 0) throw new OnnxFormatError(`${label}: the file is empty, not an ONNX model`);
  let raw: RawModel;
  try {
    raw = decodeModelProto(bytes);
  } catch (error) {
    throw new OnnxFormatError(`${label}: not an ONNX model (protobuf decoding failed: ${(error as Error).message})`, { cause: error });
  }
  const graph = raw.graph;
  if (!raw.ir_version || !graph || !graph.node?.length || !graph.input?.length || !graph.output?.length) {
    throw new OnnxFormatError(`${label}: not an ONNX model (no IR version, graph, nodes, inputs or outputs found in ${bytes.byteLength} bytes)`);
  }
  const opset = (raw.opset_import ?? []).find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
  const initializerNames = new Set((graph.initializer ?? []).map((t) => t.name));
  return {
    irVersion: Number(raw.ir_version),
    opsetVersion: Number(opset?.version ?? 0),
    producerName: raw.producer_name ?? '',
    producerVersion: raw.producer_version ?? '',
    graphName: graph.name ?? '',
    docString: raw.doc_string ?? '',
    nodes: graph.node.map((n, i) => ({
      op: n.op_type ?? '',
      inputs: n.input ?? [],
      outputs: n.output ?? [],
      name: n.name ?? `node${i}`,
      attributes: Object.fromEntries(
        (n.attribute ?? []).map((a): [string, AttributeValue] => [
          a.name ?? '',
          a.type === ATTRIBUTE_TYPE.FLOAT ? { float: a.f ?? 0 } : a.type === ATTRIBUTE_TYPE.STRING ? new TextDecoder().decode(a.s ?? new Uint8Array()) : a.type === ATTRIBUTE_TYPE.INTS ? (a.ints ?? []).map(Number) : Number(a.i ?? 0),
        ]),
      ),
    })),
    initializers: (graph.initializer ?? []).map((t) => decodeTensor(t, label)),
    // IR < 4 lists initializers among the inputs too; those are not inputs a caller feeds.
    inputs: graph.input.filter((i) => !initializerNames.has(i.name)).map((i) => decodeValueInfo(i, label)),
    outputs: graph.output.map((o) => decodeValueInfo(o, label)),
    metadata: Object.fromEntries((raw.metadata_props ?? []).map((p) => [p.key ?? '', p.value ?? ''])),
  };
}

/** The initializer `name` as float32 values, checking its dims. */
export function floatInitializer(model: OnnxModel, name: string, dims: readonly number[], label = 'model'): Float32Array {
  const tensor = model.initializers.find((t) => t.name === name);
  if (!tensor) throw new OnnxFormatError(`${label}: initializer "${name}" is missing`);
  if (tensor.type !== 'float32' || tensor.dims.length !== dims.length || tensor.dims.some((d, i) => d !== dims[i])) {
    throw new OnnxFormatError(`${label}: initializer "${name}" is ${tensor.type} [${tensor.dims.join(', ')}], expected float32 [${dims.join(', ')}]`);
  }
  return tensor.data as Float32Array;
}

export function int64Initializer(model: OnnxModel, name: string, dims: readonly number[], label = 'model'): number[] {
  const tensor = model.initializers.find((t) => t.name === name);
  if (!tensor) throw new OnnxFormatError(`${label}: initializer "${name}" is missing`);
  if (tensor.type !== 'int64' || tensor.dims.length !== dims.length || tensor.dims.some((d, i) => d !== dims[i])) {
    throw new OnnxFormatError(`${label}: initializer "${name}" is ${tensor.type} [${tensor.dims.join(', ')}], expected int64 [${dims.join(', ')}]`);
  }
  return tensor.data as number[];
}
