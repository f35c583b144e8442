/**
 * wasm-backend kernel functions that run oneDNN (the native addon) on the tensors' memory in the
 * wasm heap: no copy in or out. Each handles float32 NHWC/NDHWC with dilation 1 and hands every
 * other case to `fallback` (the kernel registered before it: ours or the package's).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from '../custom-kernels.js';
import type { NativeAddon } from '../native-addon.js';
import type { WasmKernelArgs, WasmKernelFunc } from './builtins.js';
import { broadcastPlan } from './broadcast-plan.js';

type Shape4 = [number, number, number, number];
type Shape5 = [number, number, number, number, number];

function isOne(v: number | number[] | undefined): boolean {
  return v === undefined || (Array.isArray(v) ? v.every((x) => x === 1) : v === 1);
}

function channelsLast(format: string | undefined): boolean {
  return format === undefined || format === 'NHWC' || format === 'NDHWC' || format === 'channelsLast';
}

function allFloat32(...ts: tf.TensorInfo[]): boolean {
  return ts.every((t) => t.dtype === 'float32');
}

/** Padding after, per axis, so that oneDNN's (in + before + after - k) / s + 1 gives `out`. */
function padAfter(inSize: number, k: number, out: number, stride: number, before: number): number {
  return Math.max(0, (out - 1) * stride + k - inSize - before);
}

/** The addon's conv geometry from a 2-D conv's info. */
export function conv2dGeom(i: tf.backend_util.Conv2DInfo): Int32Array {
  return Int32Array.from([
    2, i.batchSize, i.inChannels, i.outChannels,
    i.inHeight, i.inWidth, i.filterHeight, i.filterWidth, i.outHeight, i.outWidth,
    i.strideHeight, i.strideWidth, i.padInfo.top, i.padInfo.left,
    padAfter(i.inHeight, i.filterHeight, i.outHeight, i.strideHeight, i.padInfo.top),
    padAfter(i.inWidth, i.filterWidth, i.outWidth, i.strideWidth, i.padInfo.left),
  ]);
}

/** The addon's conv geometry from a 3-D conv's info. */
export function conv3dGeom(i: tf.backend_util.Conv3DInfo): Int32Array {
  return Int32Array.from([
    3, i.batchSize, i.inChannels, i.outChannels,
    i.inDepth, i.inHeight, i.inWidth, i.filterDepth, i.filterHeight, i.filterWidth, i.outDepth, i.outHeight, i.outWidth,
    i.strideDepth, i.strideHeight, i.strideWidth, i.padInfo.front, i.padInfo.top, i.padInfo.left,
    padAfter(i.inDepth, i.filterDepth, i.outDepth, i.strideDepth, i.padInfo.front),
    padAfter(i.inHeight, i.filterHeight, i.outHeight, i.strideHeight, i.padInfo.top),
    padAfter(i.inWidth, i.filterWidth, i.outWidth, i.strideWidth, i.padInfo.left),
  ]);
}

/** The addon's pool geometry from a 2-D pool's info. */
export function pool2dGeom(i: tf.backend_util.Conv2DInfo): Int32Array {
  return Int32Array.from([
    i.batchSize, i.inChannels, i.inHeight, i.inWidth, i.filterHeight, i.filterWidth, i.outHeight, i.outWidth,
    i.strideHeight, i.strideWidth, i.padInfo.top, i.padInfo.left,
    padAfter(i.inHeight, i.filterHeight, i.outHeight, i.strideHeight, i.padInfo.top),
    padAfter(i.inWidth, i.filterWidth, i.outWidth, i.strideWidth, i.padInfo.left),
  ]);
}

/**
 * Allocates the output, then takes the heap views (after the allocation: growing the heap can
 * detach earlier views) and runs `body` on them.
 */
function withOutput(backend: BackendWasm, shape: number[], inputs: tf.TensorInfo[], body: (out: Float32Array, ...ins: Float32Array[]) => void): tf.TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  try {
    body(view(out), ...inputs.map(view));
  } catch (err) {
    backend.disposeData(out.dataId);
    throw err;
  }
  return out;
}

/**
 * A native kernel that fails (oneDNN refusing a geometry, memory) hands this and every later call
 * of that kernel to the one registered before it, saying so once on stderr: a run never stops
 * for an optional engine.
 */
function guarded(name: string, fn: WasmKernelFunc, previous: (name: string) => WasmKernelFunc, warn: (line: string) => void): WasmKernelFunc {
  let failed = false;
  return (args: WasmKernelArgs) => {
    if (failed) return previous(name)(args);
    try {
      return fn(args);
    } catch (err) {
      let fallback: WasmKernelFunc;
      try {
        fallback = previous(name);
      } catch {
        throw err; // our own kernels (batch norm) have nothing to fall back to
      }
      failed = true;
      warn(`native kernel ${name} failed (${(err as Error).message.split('\n')[0]}): it runs on wasm from now on`);
      return fallback(args);
    }
  };
}

/** The element-wise ops the addon broadcasts, by kernel name, with its op codes. */
const BROADCAST_OPS: Record<string, number> = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, Maximum: 4, Minimum: 5 };

/**
 * A broadcasting element-wise op (float32 inputs of different shapes); equal shapes stay with the
 * package's kernel (XNNPACK, already fast), as do other dtypes.
 */
function broadcastKernel(addon: NativeAddon, name: string, previous: (name: string) => WasmKernelFunc): WasmKernelFunc {
  const op = BROADCAST_OPS[name];
  return (args: WasmKernelArgs) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (!allFloat32(a, b) || tf.util.arraysEqual(a.shape, b.shape)) return previous(name)(args);
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    if (tf.util.sizeFromShape(outShape) === 0) return previous(name)(args);
    const p = broadcastPlan(a.shape, b.shape);
    const plan = Int32Array.from([p.dims.length, ...p.dims, ...p.stridesA, ...p.stridesB]);
    return withOutput(args.backend, outShape, [a, b], (out, av, bv) => addon.binaryBroadcast(op, av, bv, out, plan));
  };
}

/**
 * The kernel functions, by kernel name, each falling back to `previous[name]` where unsupported
 * and, after a failure, for good (`warn` says which, once).
 */
export function nativeKernels(addon: NativeAddon, previous: (name: string) => WasmKernelFunc, warn: (line: string) => void = (l) => process.stderr.write(`selavi: ${l}\n`)): Record<string, WasmKernelFunc> {
  const kernels = nativeKernelFuncs(addon, previous);
  return Object.fromEntries(Object.entries(kernels).map(([name, fn]) => [name, guarded(name, fn, previous, warn)]));
}

function nativeKernelFuncs(addon: NativeAddon, previous: (name: string) => WasmKernelFunc): Record<string, WasmKernelFunc> {
  return {
    ...Object.fromEntries(Object.keys(BROADCAST_OPS).map((name) => [name, broadcastKernel(addon, name, previous)])),
    Conv2D(args: WasmKernelArgs) {
      const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
      const a = args.attrs as unknown as tf.Conv2DAttrs;
      if (!channelsLast(a.dataFormat) || !isOne(a.dilations) || !allFloat32(x, filter)) return previous('Conv2D')(args);
      const i = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filter.shape as Shape4, a.strides, 1, a.pad, a.dimRoundingMode);
      return withOutput(args.backend, i.outShape, [x, filter], (y, xv, wv) => addon.convForward(xv, wv, y, conv2dGeom(i)));
    },
    FusedConv2D(args: WasmKernelArgs) {
      const { x, filter, bias, preluActivationWeights } = args.inputs as Record<'x' | 'filter' | 'bias' | 'preluActivationWeights', tf.TensorInfo | undefined>;
      const a = args.attrs as unknown as tf.FusedConv2DAttrs;
      const f = filter!.shape[3];
      const plain = a.activation === 'linear' || a.activation === 'relu';
      if (!plain || preluActivationWeights || !bias || tf.util.sizeFromShape(bias.shape) !== f || !channelsLast(a.dataFormat) || !isOne(a.dilations) || !allFloat32(x!, filter!, bias)) return previous('FusedConv2D')(args);
      const i = tf.backend_util.computeConv2DInfo(x!.shape as Shape4, filter!.shape as Shape4, a.strides, 1, a.pad, a.dimRoundingMode);
      return withOutput(args.backend, i.outShape, [x!, filter!, bias], (y, xv, wv, bv) => addon.convForwardBias(xv, wv, bv, y, conv2dGeom(i), a.activation === 'relu'));
    },
    Conv2DBackpropInput(args: WasmKernelArgs) {
      const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const a = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
      if (!channelsLast(a.dataFormat) || !allFloat32(dy, filter)) return previous('Conv2DBackpropInput')(args);
      const i = tf.backend_util.computeConv2DInfo(a.inputShape, filter.shape as Shape4, a.strides, 1, a.pad, a.dimRoundingMode);
      return withOutput(args.backend, i.inShape, [dy, filter], (dx, dyv, wv) => addon.convBackwardData(dyv, wv, dx, conv2dGeom(i)));
    },
    Conv2DBackpropFilter(args: WasmKernelArgs) {
      const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const a = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      if (!channelsLast(a.dataFormat) || !allFloat32(x, dy)) return previous('Conv2DBackpropFilter')(args);
      const i = tf.backend_util.computeConv2DInfo(x.shape as Shape4, a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode);
      return withOutput(args.backend, a.filterShape, [x, dy], (dw, xv, dyv) => addon.convBackwardWeights(xv, dyv, dw, conv2dGeom(i)));
    },
    Conv3D(args: WasmKernelArgs) {
      const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
      const a = args.attrs as unknown as tf.Conv3DAttrs;
      if (!channelsLast(a.dataFormat) || !isOne(a.dilations) || !allFloat32(x, filter)) return previous('Conv3D')(args);
      const i = tf.backend_util.computeConv3DInfo(x.shape as Shape5, filter.shape as Shape5, a.strides, 1, a.pad);
      return withOutput(args.backend, i.outShape, [x, filter], (y, xv, wv) => addon.convForward(xv, wv, y, conv3dGeom(i)));
    },
    Conv3DBackpropInputV2(args: WasmKernelArgs) {
      const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const a = args.attrs as unknown as tf.Conv3DBackpropInputV2Attrs;
      if (!allFloat32(dy, filter)) return previous('Conv3DBackpropInputV2')(args);
      const i = tf.backend_util.computeConv3DInfo(a.inputShape, filter.shape as Shape5, a.strides, 1, a.pad);
      return withOutput(args.backend, i.inShape, [dy, filter], (dx, dyv, wv) => addon.convBackwardData(dyv, wv, dx, conv3dGeom(i)));
    },
    Conv3DBackpropFilterV2(args: WasmKernelArgs) {
      const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const a = args.attrs as unknown as tf.Conv3DBackpropFilterV2Attrs;
      if (!allFloat32(x, dy)) return previous('Conv3DBackpropFilterV2')(args);
      const i = tf.backend_util.computeConv3DInfo(x.shape as Shape5, a.filterShape, a.strides, 1, a.pad);
      return withOutput(args.backend, a.filterShape, [x, dy], (dw, xv, dyv) => addon.convBackwardWeights(xv, dyv, dw, conv3dGeom(i)));
    },
    MaxPool(args: WasmKernelArgs) {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const a = args.attrs as unknown as tf.MaxPoolAttrs;
      if (!allFloat32(x) || x.shape.length !== 4) return previous('MaxPool')(args);
      const i = tf.backend_util.computePool2DInfo(x.shape as Shape4, a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
      return withOutput(args.backend, i.outShape, [x], (y, xv) => addon.maxPoolForward(xv, y, pool2dGeom(i)));
    },
    MaxPoolGrad(args: WasmKernelArgs) {
      const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
      const a = args.attrs as unknown as tf.MaxPoolGradAttrs;
      if (!allFloat32(dy, input)) return previous('MaxPoolGrad')(args);
      const i = tf.backend_util.computePool2DInfo(input.shape as Shape4, a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
      return withOutput(args.backend, input.shape, [dy, input], (dx, dyv, xv) => addon.maxPoolBackward(dyv, xv, dx, pool2dGeom(i)));
    },
    BatchMatMul(args: WasmKernelArgs) {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
      const batch = (s: number[]) => tf.util.sizeFromShape(s.slice(0, -2));
      // One matrix product (a dense layer and its gradients); batched products stay with the package.
      if (!allFloat32(a, b) || a.shape.length < 2 || b.shape.length < 2 || batch(a.shape) !== 1 || batch(b.shape) !== 1) return previous('BatchMatMul')(args);
      const [ar, ac] = a.shape.slice(-2);
      const [br, bc] = b.shape.slice(-2);
      const [m, k] = transposeA ? [ac, ar] : [ar, ac];
      const [k2, n] = transposeB ? [bc, br] : [br, bc];
      if (k !== k2 || m * n * k === 0) return previous('BatchMatMul')(args);
      const outShape = [...(a.shape.length >= b.shape.length ? a.shape : b.shape).slice(0, -2), m, n];
      return withOutput(args.backend, outShape, [a, b], (c, av, bv) => addon.matMul(av, bv, c, m, k, n, transposeA, transposeB));
    },
    [BATCH_NORM_TRAIN](args: WasmKernelArgs) {
      const { x, gamma, beta } = args.inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
      const eps = (args.attrs as { eps: number }).eps;
      const c = x.shape[x.shape.length - 1];
      const m = tf.util.sizeFromShape(x.shape) / c;
      const outs = [args.backend.makeOutput(x.shape, 'float32'), args.backend.makeOutput([c], 'float32'), args.backend.makeOutput([c], 'float32')];
      const v = (t: tf.TensorInfo) => args.backend.typedArrayFromHeap(t) as Float32Array;
      addon.batchNormForward(v(x), v(gamma), v(beta), v(outs[0]), v(outs[1]), v(outs[2]), m, c, eps);
      return outs as unknown as tf.TensorInfo;
    },
    [BATCH_NORM_TRAIN_GRAD](args: WasmKernelArgs) {
      const { dy, x, gamma, mean, variance } = args.inputs as Record<'dy' | 'x' | 'gamma' | 'mean' | 'variance', tf.TensorInfo>;
      const eps = (args.attrs as { eps: number }).eps;
      const c = x.shape[x.shape.length - 1];
      const m = tf.util.sizeFromShape(x.shape) / c;
      const outs = [args.backend.makeOutput(x.shape, 'float32'), args.backend.makeOutput([c], 'float32'), args.backend.makeOutput([c], 'float32')];
      const v = (t: tf.TensorInfo) => args.backend.typedArrayFromHeap(t) as Float32Array;
      addon.batchNormBackward(v(x), v(dy), v(gamma), v(mean), v(variance), v(outs[0]), v(outs[1]), v(outs[2]), m, c, eps);
      return outs as unknown as tf.TensorInfo;
    },
  };
}
