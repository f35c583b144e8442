import * as ort from 'onnxruntime-node';
import { OnnxGraph } from '../src/models/onnx/graph-builder.js';
const g = new OnnxGraph('p'); g.output(g.node('Relu', [g.input('x', [1, 4])]), 'y', [1, 4]);
const model = g.encode({ name: 'a', version: 'b' });
console.log(model.byteOffset, model.byteLength, model.buffer.byteLength, model.constructor.name);
const s = await ort.InferenceSession.create(model.slice());
console.log(await s.run({ x: new ort.Tensor('float32', Float32Array.from([-1, 2, -3, 4]), [1, 4]) }));
