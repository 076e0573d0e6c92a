/**
 * Builds an ONNX graph node by node: `op` returns the name of the node's output, so a graph reads as
 * the computation it is (`sigmoid(add(matmul(x, W), b))`). Output of `build` goes to encodeOnnx.
 */
import type { AttributeValue, ElementType, OnnxModel, OnnxNode, OnnxTensor, OnnxValueInfo } from './onnx-model';

/** IR 8 / opset 13: what onnxruntime-web 1.x runs, and what the smoke model uses. */
export const IR_VERSION = 8;
export const OPSET_VERSION = 13;
export const PRODUCER_NAME = 'privacy-analytics/models-train';

export class GraphBuilder {
  readonly #nodes: OnnxNode[] = [];
  readonly #initializers: OnnxTensor[] = [];
  readonly #inputs: OnnxValueInfo[] = [];
  readonly #outputs: OnnxValueInfo[] = [];
  readonly #names = new Set<string>();
  #counter = 0;

  constructor(readonly graphName: string) {}

  #claim(name: string): string {
    if (this.#names.has(name)) throw new Error(`graph ${this.graphName}: the name "${name}" is used twice`);
    this.#names.add(name);
    return name;
  }

  input(name: string, type: ElementType, dims: (number | string)[]): string {
    this.#inputs.push({ name: this.#claim(name), type, dims });
    return name;
  }

  floats(name: string, dims: number[], data: ArrayLike<number>): string {
    this.#initializers.push({ name: this.#claim(name), dims, type: 'float32', data: Float32Array.from(data) });
    return name;
  }

  int64s(name: string, dims: number[], data: readonly number[]): string {
    this.#initializers.push({ name: this.#claim(name), dims, type: 'int64', data: [...data] });
    return name;
  }

  /** Adds a node with one output; `outputName` names it (graph outputs), else a fresh name is made. */
  op(op: string, inputs: string[], attributes?: Record<string, AttributeValue>, outputName?: string): string {
    const index = this.#counter++;
    const output = this.#claim(outputName ?? `${op.toLowerCase()}_${index}`);
    this.#nodes.push({ op, inputs, outputs: [output], name: `${op.toLowerCase()}_${index}`, ...(attributes ? { attributes } : {}) });
    return output;
  }

  output(name: string, type: ElementType, dims: (number | string)[]): void {
    if (!this.#names.has(name)) throw new Error(`graph ${this.graphName}: output "${name}" is not produced by any node`);
    this.#outputs.push({ name, type, dims });
  }

  build(options: { docString: string; metadata: Record<string, string>; producerVersion: string }): OnnxModel {
    return {
      irVersion: IR_VERSION,
      opsetVersion: OPSET_VERSION,
      producerName: PRODUCER_NAME,
      producerVersion: options.producerVersion,
      graphName: this.graphName,
      docString: options.docString,
      nodes: [...this.#nodes],
      initializers: [...this.#initializers],
      inputs: [...this.#inputs],
      outputs: [...this.#outputs],
      metadata: { ...options.metadata },
    };
  }
}
