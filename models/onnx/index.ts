export * from './graph-builder';
export * from './onnx-descriptor';
export * from './onnx-model';
export * from './onnx-wire';
export * from './protobuf-wire';
