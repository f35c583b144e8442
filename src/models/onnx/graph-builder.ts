/**
 * Builds an ONNX inference graph node by node and serialises it (ModelProto bytes for
 * `InferenceSession.create`). Names are generated, weights are initializers stored as raw
 * little-endian bytes, and every dimension of an input or output may be symbolic.
 */
import { ATTR_FLOAT, ATTR_INT, ATTR_INTS, ONNX_FLOAT, ONNX_INT64, onnxModelType } from './onnx-schema.js';

/** An attribute value: a number (INT when whole, FLOAT given as { f }) or a list of ints. */
export type AttrValue = number | number[] | { f: number };

/** A dimension: a size, or a name for a size known only at run time. */
export type Dim = number | string;

interface NodeMsg {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  attribute: Record<string, unknown>[];
}

/** ONNX's opset this project's graphs are written against (Conv, MaxPool, Gemm, Unsqueeze-13 ...). */
export const OPSET = 17;
/** IR version 8 (ONNX 1.10+), which onnxruntime 1.30 reads. */
const IR_VERSION = 8;

export class OnnxGraph {
  private readonly nodes: NodeMsg[] = [];
  private readonly initializers: Record<string, unknown>[] = [];
  private readonly inputs: Record<string, unknown>[] = [];
  private readonly outputs: Record<string, unknown>[] = [];
  private counter = 0;

  constructor(private readonly name: string) {}

  /** A graph input of float32 values. */
  input(name: string, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  /** Marks `value` as a graph output named `name` (an Identity node when the names differ). */
  output(value: string, name: string, dims: Dim[]): void {
    if (value !== name) this.nodes.push({ input: [value], output: [name], name: `${name}_out`, opType: 'Identity', attribute: [] });
    this.outputs.push(valueInfo(name, dims));
  }

  /** A float32 constant (a weight) with the given dims. */
  weight(hint: string, data: Float32Array, dims: number[]): string {
    if (data.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`OnnxGraph.weight ${hint}: ${data.length} values for dims [${dims.join(', ')}]`);
    // A view, not a copy: the caller hands over arrays it no longer changes (37M floats for the released model).
    return this.constant(hint, ONNX_FLOAT, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), dims);
  }

  /** An int64 constant (shapes, axes). */
  int64s(hint: string, values: number[]): string {
    return this.constant(hint, ONNX_INT64, new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer), [values.length]);
  }

  /** Adds a node; returns its (first) output's name. */
  node(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputs = 1): string {
    const name = `${opType.toLowerCase()}_${this.counter++}`;
    const out = Array.from({ length: outputs }, (_, i) => (outputs === 1 ? name : `${name}_${i}`));
    this.nodes.push({ input: inputs, output: out, name, opType, attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) });
    return out[0];
  }

  /** The serialised ModelProto, in a buffer of its own (so that buffer can move to a worker thread). */
  encode(producer: { name: string; version: string }): Uint8Array {
    const Model = onnxModelType();
    const msg = {
      irVersion: IR_VERSION,
      producerName: producer.name,
      producerVersion: producer.version,
      opsetImport: [{ domain: '', version: OPSET }],
      graph: { name: this.name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    };
    const bytes = Model.encode(Model.fromObject(msg)).finish();
    if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes;
    const own = new Uint8Array(bytes.byteLength); // protobufjs may hand back a view into a pooled Buffer
    own.set(bytes);
    return own;
  }

  private constant(hint: string, dataType: number, raw: Uint8Array, dims: number[]): string {
    const name = `${hint}_${this.counter++}`;
    this.initializers.push({ name, dataType, dims, rawData: raw });
    return name;
  }
}

function valueInfo(name: string, dims: Dim[]): Record<string, unknown> {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: ONNX_FLOAT, shape: { dim } } } };
}

function attribute(name: string, v: AttrValue): Record<string, unknown> {
  if (Array.isArray(v)) return { name, type: ATTR_INTS, ints: v };
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}: ${v} is not an integer (give { f } for a float)`);
    return { name, type: ATTR_INT, i: v };
  }
  return { name, type: ATTR_FLOAT, f: v.f };
}
