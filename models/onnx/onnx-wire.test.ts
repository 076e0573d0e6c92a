import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GraphBuilder } from './graph-builder';
import { ONNX_DESCRIPTOR } from './onnx-descriptor';
import { decodeOnnx, encodeOnnx } from './onnx-model';
import { decodeModelProto, encodeModelProto } from './onnx-wire';
import { ProtoReader, ProtoWriter } from './protobuf-wire';

const SHIPPED = ['churn', 'propensity', 'recommend'].map((name) => `../${name}.onnx`).concat('../smoke/smoke.onnx');
const read = (path: string) => new Uint8Array(readFileSync(new URL(path, import.meta.url)));

/** protobufjs with the same schema subset: the reference these hand-written encoders replace. */
function reference(): protobuf.Type {
  return protobuf.Root.fromJSON(ONNX_DESCRIPTOR).lookupType('onnx.ModelProto');
}

function modelWithEveryFieldKind() {
  const g = new GraphBuilder('kinds');
  const x = g.input('x', 'float32', ['N', 3]);
  const w = g.floats('w', [3, 1], [0.5, -1.25, 2]);
  g.int64s('ids', [2], [7, 9_007_199_254_740_991]);
  g.int64s('scalar', [], [-3]);
  g.op('Sigmoid', [g.op('MatMul', [x, w])], undefined, 'y');
  g.op('ReduceSum', [x], { axes: [-1, 0, 2], keepdims: 0, mode: 'sum', alpha: { float: 0.1 } });
  g.output('y', 'float32', ['N', 1]);
  return g.build({ docString: 'every field kind: ünïcode ✓', metadata: { key: 'value', empty: '' }, producerVersion: '9.9' });
}

afterEach(() => vi.unstubAllGlobals());

describe('hand-written ONNX protobuf encoding', () => {
  it('writes the bytes protobufjs writes for the same message', () => {
    const bytes = encodeOnnx(modelWithEveryFieldKind());
    const type = reference();
    const viaProtobufjs = type.encode(type.fromObject(type.toObject(type.decode(bytes), { longs: Number, bytes: Array }))).finish();
    expect(Buffer.from(bytes).equals(Buffer.from(viaProtobufjs))).toBe(true);
  });

  it.each(SHIPPED)('re-encodes %s to identical bytes, and decodes it as protobufjs does', (path) => {
    const bytes = read(path);
    expect(Buffer.from(encodeModelProto(decodeModelProto(bytes))).equals(Buffer.from(bytes))).toBe(true);
    const type = reference();
    const expected = type.toObject(type.decode(bytes), { longs: Number, defaults: false, arrays: false });
    const normalise = (value: unknown) => JSON.parse(JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v))) as unknown;
    expect(normalise(decodeModelProto(bytes))).toEqual(normalise(expected));
    // the smoke model was encoded by another hand (no doc_string); ours round-trip through the plain objects too
    if (!path.includes('smoke')) expect(encodeOnnx(decodeOnnx(bytes, path))).toEqual(bytes);
  });

  it('decodes packed and unpacked repeated fields alike, and negative int64 varints', () => {
    const unpacked = new ProtoWriter().varintField(1, 3).varintField(1, -2).finish();
    const packed = new ProtoWriter().messageField(1, (w) => w.varint(3).varint(-2)).finish();
    for (const bytes of [unpacked, packed]) {
      const r = new ProtoReader(bytes);
      const values: number[] = [];
      while (!r.done) r.ints(r.field().wireType, values);
      expect(values).toEqual([3, -2]);
    }
  });

  it('needs no code generation (runs where a CSP forbids eval / new Function)', () => {
    const forbidden = () => {
      throw new EvalError('Function constructor blocked (CSP without unsafe-eval)');
    };
    vi.stubGlobal('Function', forbidden);
    const model = modelWithEveryFieldKind();
    const decoded = decodeOnnx(encodeOnnx(model));
    expect(decoded.nodes.map((n) => n.op)).toEqual(['MatMul', 'Sigmoid', 'ReduceSum']);
    expect(decoded.nodes[2]!.attributes).toEqual({ axes: [-1, 0, 2], keepdims: 0, mode: 'sum', alpha: { float: Math.fround(0.1) } });
    // the control: protobufjs does generate code, and fails the same way
    expect(() => reference().encode({}).finish()).toThrow(/blocked|not a function|Function/);
  });

  it('reports malformed bytes with the field and the offset', () => {
    const good = encodeOnnx(modelWithEveryFieldKind());
    expect(() => decodeModelProto(good.subarray(0, good.length - 3))).toThrow(/runs past the end of its message/);
    expect(() => decodeModelProto(Uint8Array.of(0x0b))).toThrow(/ModelProto.ir_version: wire type 3, expected 0/);
    expect(() => decodeModelProto(Uint8Array.of(0x7b))).toThrow(/unsupported wire type 3/);
  });
});
