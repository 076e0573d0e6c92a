import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { ONNX_DESCRIPTOR } from './onnx-descriptor';

describe('ONNX schema subset', () => {
  it('the JSON descriptor is exactly onnx.proto parsed by protobufjs (regenerate the descriptor when the .proto changes)', () => {
    const text = readFileSync(new URL('./onnx.proto', import.meta.url), 'utf8');
    const parsed = protobuf.parse(text, { keepCase: true }).root.toJSON();
    expect(JSON.parse(JSON.stringify(parsed))).toEqual(ONNX_DESCRIPTOR);
  });
});
