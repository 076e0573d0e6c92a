/**
 * The ONNX messages of onnx.proto (the subset beside this file) to and from protobuf bytes, written by
 * hand over protobuf-wire.ts. Field numbers are onnx.proto's; fields are written in field-number order
 * and optional ones whenever they are set, as protobufjs does, so files keep the bytes they had when
 * protobufjs wrote them (onnx-wire.test.ts compares the two). Unknown fields are skipped when reading.
 */
import { ProtoReader, ProtoWriter } from './protobuf-wire';

export interface RawTensor {
  name?: string;
  dims?: number[];
  data_type?: number;
  raw_data?: Uint8Array;
  float_data?: number[];
  int64_data?: number[];
  int32_data?: number[];
}

export interface RawDimension {
  dim_value?: number;
  dim_param?: string;
}

export interface RawValueInfo {
  name?: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: RawDimension[] } } };
}

export interface RawAttribute {
  name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  ints?: number[];
}

export interface RawNode {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  attribute?: RawAttribute[];
}

export interface RawGraph {
  name?: string;
  node?: RawNode[];
  initializer?: RawTensor[];
  input?: RawValueInfo[];
  output?: RawValueInfo[];
}

export interface RawModel {
  ir_version?: number;
  producer_name?: string;
  producer_version?: string;
  doc_string?: string;
  opset_import?: { domain?: string; version?: number }[];
  metadata_props?: { key?: string; value?: string }[];
  graph?: RawGraph;
}

// -- writing --------------------------------------------------------------------------------------

function writeStrings(w: ProtoWriter, field: number, values: readonly string[] | undefined): void {
  for (const value of values ?? []) w.stringField(field, value);
}

function writeAttribute(w: ProtoWriter, a: RawAttribute): void {
  if (a.name !== undefined) w.stringField(1, a.name);
  if (a.f !== undefined) w.floatField(2, a.f);
  if (a.i !== undefined) w.varintField(3, a.i);
  if (a.s !== undefined) w.bytesField(4, a.s);
  for (const value of a.ints ?? []) w.varintField(8, value);
  if (a.type !== undefined) w.varintField(20, a.type);
}

function writeNode(w: ProtoWriter, n: RawNode): void {
  writeStrings(w, 1, n.input);
  writeStrings(w, 2, n.output);
  if (n.name !== undefined) w.stringField(3, n.name);
  if (n.op_type !== undefined) w.stringField(4, n.op_type);
  for (const a of n.attribute ?? []) w.messageField(5, (m) => writeAttribute(m, a));
}

function writeTensor(w: ProtoWriter, t: RawTensor): void {
  for (const d of t.dims ?? []) w.varintField(1, d);
  if (t.data_type !== undefined) w.varintField(2, t.data_type);
  if (t.name !== undefined) w.stringField(8, t.name);
  if (t.raw_data !== undefined) w.bytesField(9, t.raw_data);
}

function writeValueInfo(w: ProtoWriter, v: RawValueInfo): void {
  if (v.name !== undefined) w.stringField(1, v.name);
  const tensor = v.type?.tensor_type;
  if (!v.type) return;
  w.messageField(2, (type) => {
    if (!tensor) return;
    type.messageField(1, (t) => {
      if (tensor.elem_type !== undefined) t.varintField(1, tensor.elem_type);
      if (tensor.shape === undefined) return;
      t.messageField(2, (shape) => {
        for (const d of tensor.shape?.dim ?? []) {
          shape.messageField(1, (dim) => {
            if (d.dim_value !== undefined) dim.varintField(1, d.dim_value);
            else if (d.dim_param !== undefined) dim.stringField(2, d.dim_param);
          });
        }
      });
    });
  });
}

function writeGraph(w: ProtoWriter, g: RawGraph): void {
  for (const n of g.node ?? []) w.messageField(1, (m) => writeNode(m, n));
  if (g.name !== undefined) w.stringField(2, g.name);
  for (const t of g.initializer ?? []) w.messageField(5, (m) => writeTensor(m, t));
  for (const v of g.input ?? []) w.messageField(11, (m) => writeValueInfo(m, v));
  for (const v of g.output ?? []) w.messageField(12, (m) => writeValueInfo(m, v));
}

export function encodeModelProto(model: RawModel): Uint8Array {
  const w = new ProtoWriter();
  if (model.ir_version !== undefined) w.varintField(1, model.ir_version);
  if (model.producer_name !== undefined) w.stringField(2, model.producer_name);
  if (model.producer_version !== undefined) w.stringField(3, model.producer_version);
  if (model.doc_string !== undefined) w.stringField(6, model.doc_string);
  const graph = model.graph;
  if (graph) w.messageField(7, (m) => writeGraph(m, graph));
  for (const o of model.opset_import ?? []) {
    w.messageField(8, (m) => {
      if (o.domain !== undefined) m.stringField(1, o.domain);
      if (o.version !== undefined) m.varintField(2, o.version);
    });
  }
  for (const p of model.metadata_props ?? []) {
    w.messageField(14, (m) => {
      if (p.key !== undefined) m.stringField(1, p.key);
      if (p.value !== undefined) m.stringField(2, p.value);
    });
  }
  return w.finish();
}

// -- reading --------------------------------------------------------------------------------------

function push<T>(list: T[] | undefined, value: T): T[] {
  const out = list ?? [];
  out.push(value);
  return out;
}

function readAttribute(r: ProtoReader): RawAttribute {
  const a: RawAttribute = {};
  while (!r.done) {
    const { field, wireType } = r.field();
    if (field === 1) a.name = r.string(wireType, 'AttributeProto.name');
    else if (field === 2) a.f = r.float32(wireType, 'AttributeProto.f');
    else if (field === 3) a.i = r.int(wireType, 'AttributeProto.i');
    else if (field === 4) a.s = r.bytes(wireType, 'AttributeProto.s').slice();
    else if (field === 8) r.ints(wireType, (a.ints ??= []), 'AttributeProto.ints');
    else if (field === 20) a.type = r.int(wireType, 'AttributeProto.type');
    else r.skip(wireType);
  }
  return a;
}

function readNode(r: ProtoReader): RawNode {
  const n: RawNode = {};
  while (!r.done) {
    const { field, wireType } = r.field();
    if (field === 1) n.input = push(n.input, r.string(wireType, 'NodeProto.input'));
    else if (field === 2) n.output = push(n.output, r.string(wireType, 'NodeProto.output'));
    else if (field === 3) n.name = r.string(wireType, 'NodeProto.name');
    else if (field === 4) n.op_type = r.string(wireType, 'NodeProto.op_type');
    else if (field === 5) n.attribute = push(n.attribute, readAttribute(r.message(wireType, 'NodeProto.attribute')));
    else r.skip(wireType);
  }
  return n;
}

function readTensor(r: ProtoReader): RawTensor {
  const t: RawTensor = {};
  while (!r.done) {
    const { field, wireType } = r.field();
    if (field === 1) r.ints(wireType, (t.dims ??= []), 'TensorProto.dims');
    else if (field === 2) t.data_type = r.int(wireType, 'TensorProto.data_type');
    else if (field === 4) r.floats(wireType, (t.float_data ??= []), 'TensorProto.float_data');
    else if (field === 5) r.ints(wireType, (t.int32_data ??= []), 'TensorProto.int32_data');
    else if (field === 7) r.ints(wireType, (t.int64_data ??= []), 'TensorProto.int64_data');
    else if (field === 8) t.name = r.string(wireType, 'TensorProto.name');
    else if (field === 9) t.raw_data = r.bytes(wireType, 'TensorProto.raw_data');
    else r.skip(wireType);
  }
  return t;
}

function readDimension(r: ProtoReader): RawDimension {
  const d: RawDimension = {};
  while (!r.done) {
    const { field, wireType } = r.field();
    // a oneof: the last one set wins
    if (field === 1) {
      d.dim_value = r.int(wireType, 'Dimension.dim_value');
      delete d.dim_param;
    } else if (field === 2) {
      d.dim_param = r.string(wireType, 'Dimension.dim_param');
      delete d.dim_value;
    } else r.skip(wireType);
  }
  return d;
}

function readValueInfo(r: ProtoReader): RawValueInfo {
  const v: RawValueInfo = {};
  while (!r.done) {
    const { field, wireType } = r.field();
    if (field === 1) v.name = r.string(wireType, 'ValueInfoProto.name');
    else if (field === 2) {
      const type = r.message(wireType, 'ValueInfoProto.type');
      v.type ??= {};
      while (!type.done) {
        const f = type.field();
        if (f.field !== 1) {
          type.skip(f.wireType);
          continue;
        }
        const tensor = type.message(f.wireType, 'TypeProto.tensor_type');
        const tensorType: NonNullable<NonNullable<RawValueInfo['type']>['tensor_type']> = (v.type.tensor_type ??= {});
        while (!tensor.done) {
          const g = tensor.field();
          if (g.field === 1) tensorType.elem_type = tensor.int(g.wireType, 'TypeProto.Tensor.elem_type');
          else if (g.field === 2) {
            const shape = tensor.message(g.wireType, 'TypeProto.Tensor.shape');
            tensorType.shape ??= {};
            while (!shape.done) {
              const h = shape.field();
              if (h.field === 1) tensorType.shape.dim = push(tensorType.shape.dim, readDimension(shape.message(h.wireType, 'TensorShapeProto.dim')));
              else shape.skip(h.wireType);
            }
          } else tensor.skip(g.wireType);
        }
      }
    } else r.skip(wireType);
  }
  return v;
}

function readGraph(r: ProtoReader): RawGraph {
  const g: RawGraph = {};
  while (!r.done) {
    const { field, wireType } = r.field();
    if (field === 1) g.node = push(g.node, readNode(r.message(wireType, 'GraphProto.node')));
    else if (field === 2) g.name = r.string(wireType, 'GraphProto.name');
    else if (field === 5) g.initializer = push(g.initializer, readTensor(r.message(wireType, 'GraphProto.initializer')));
    else if (field === 11) g.input = push(g.input, readValueInfo(r.message(wireType, 'GraphProto.input')));
    else if (field === 12) g.output = push(g.output, readValueInfo(r.message(wireType, 'GraphProto.output')));
    else r.skip(wireType);
  }
  return g;
}

/** Decodes a ModelProto; throws ProtobufWireError on malformed bytes. */
export function decodeModelProto(bytes: Uint8Array): RawModel {
  const r = new ProtoReader(bytes);
  const m: RawModel = {};
  while (!r.done) {
    const { field, wireType } = r.field();
    if (field === 1) m.ir_version = r.int(wireType, 'ModelProto.ir_version');
    else if (field === 2) m.producer_name = r.string(wireType, 'ModelProto.producer_name');
    else if (field === 3) m.producer_version = r.string(wireType, 'ModelProto.producer_version');
    else if (field === 6) m.doc_string = r.string(wireType, 'ModelProto.doc_string');
    else if (field === 7) {
      // a repeated occurrence of an embedded message merges; ONNX writers emit the graph once
      m.graph = readGraph(r.message(wireType, 'ModelProto.graph'));
    } else if (field === 8) {
      const o = r.message(wireType, 'ModelProto.opset_import');
      const opset: { domain?: string; version?: number } = {};
      while (!o.done) {
        const f = o.field();
        if (f.field === 1) opset.domain = o.string(f.wireType, 'OperatorSetIdProto.domain');
        else if (f.field === 2) opset.version = o.int(f.wireType, 'OperatorSetIdProto.version');
        else o.skip(f.wireType);
      }
      m.opset_import = push(m.opset_import, opset);
    } else if (field === 14) {
      const p = r.message(wireType, 'ModelProto.metadata_props');
      const entry: { key?: string; value?: string } = {};
      while (!p.done) {
        const f = p.field();
        if (f.field === 1) entry.key = p.string(f.wireType, 'StringStringEntryProto.key');
        else if (f.field === 2) entry.value = p.string(f.wireType, 'StringStringEntryProto.value');
        else p.skip(f.wireType);
      }
      m.metadata_props = push(m.metadata_props, entry);
    } else r.skip(wireType);
  }
  return m;
}
