import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from './graph-builder';
import { decodeOnnx, encodeOnnx, floatInitializer, int64Initializer, OnnxFormatError } from './onnx-model';

function tinyModel() {
  const g = new GraphBuilder('tiny');
  const x = g.input('x', 'float32', ['N', 3]);
  const w = g.floats('w', [3, 1], [0.5, -1.25, 2]);
  g.int64s('ids', [2], [7, 9_007_199_254_740_991]);
  g.op('Sigmoid', [g.op('MatMul', [x, w])], undefined, 'y');
  g.op('Gather', [x, g.int64s('col', [], [1])], { axis: 1 });
  g.output('y', 'float32', ['N', 1]);
  return g.build({ docString: 'a tiny model', metadata: { key: 'value', json: '{"a":1}' }, producerVersion: '9.9' });
}

describe('ONNX encoding', () => {
  it('round-trips a model: nodes, attributes, initializers (float32 and int64), inputs, outputs, metadata', () => {
    const model = tinyModel();
    const decoded = decodeOnnx(encodeOnnx(model), 'tiny.onnx');
    expect(decoded).toMatchObject({ irVersion: 8, opsetVersion: 13, producerVersion: '9.9', graphName: 'tiny', docString: 'a tiny model', metadata: { key: 'value', json: '{"a":1}' } });
    expect(decoded.inputs).toEqual([{ name: 'x', type: 'float32', dims: ['N', 3] }]);
    expect(decoded.outputs).toEqual([{ name: 'y', type: 'float32', dims: ['N', 1] }]);
    expect(decoded.nodes.map((n) => n.op)).toEqual(['MatMul', 'Sigmoid', 'Gather']);
    expect(decoded.nodes[2]!.attributes).toEqual({ axis: 1 });
    expect([...floatInitializer(decoded, 'w', [3, 1])]).toEqual([0.5, -1.25, 2]);
    expect(int64Initializer(decoded, 'ids', [2])).toEqual([7, 9_007_199_254_740_991]);
    expect(int64Initializer(decoded, 'col', [])).toEqual([1]);
  });

  it('writes the same bytes for the same model (deterministic files)', () => {
    expect(encodeOnnx(tinyModel())).toEqual(encodeOnnx(tinyModel()));
  });

  it('reads the smoke model, whose protobuf was encoded by hand elsewhere in the repo', () => {
    const smoke = decodeOnnx(new Uint8Array(readFileSync(new URL('../smoke/smoke.onnx', import.meta.url))), 'smoke.onnx');
    expect(smoke.nodes.map((n) => n.op)).toEqual(['MatMul', 'Add', 'Sigmoid']);
    expect([...floatInitializer(smoke, 'W', [4, 1])].map((v) => Number(v.toFixed(4)))).toEqual([0.8, -1.2, 0.35, 2]);
  });

  it('says clearly that empty, random, truncated or non-ONNX bytes are not a model', () => {
    const bytes = encodeOnnx(tinyModel());
    expect(() => decodeOnnx(new Uint8Array(), 'empty.onnx')).toThrow(/empty\.onnx: the file is empty, not an ONNX model/);
    expect(() => decodeOnnx(new TextEncoder().encode('PAR1 definitely not onnx'), 'x.parquet')).toThrow(OnnxFormatError);
    expect(() => decodeOnnx(bytes.subarray(0, bytes.length - 7), 'cut.onnx')).toThrow(/cut\.onnx: not an ONNX model/);
    expect(() => decodeOnnx(new TextEncoder().encode('{"json": true}'), 'model.json')).toThrow(/model\.json: not an ONNX model/);
  });

  it('refuses tensors whose data does not fit their dims, and names in the graph used twice', () => {
    const model = tinyModel();
    model.initializers[0] = { name: 'w', dims: [3, 2], type: 'float32', data: Float32Array.of(1, 2, 3) };
    expect(() => encodeOnnx(model)).toThrow(/tensor "w": 3 values for dims \[3, 2\]/);
    const g = new GraphBuilder('dup');
    g.input('x', 'float32', [1]);
    expect(() => g.floats('x', [1], [1])).toThrow(/"x" is used twice/);
  });

  it('checks initializer shapes when reading parameters', () => {
    const decoded = decodeOnnx(encodeOnnx(tinyModel()));
    expect(() => floatInitializer(decoded, 'w', [1, 3], 'm')).toThrow(/m: initializer "w" is float32 \[3, 1\], expected float32 \[1, 3\]/);
    expect(() => floatInitializer(decoded, 'nope', [1], 'm')).toThrow(/initializer "nope" is missing/);
  });
});
