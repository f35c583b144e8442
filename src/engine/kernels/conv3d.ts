/**
 * 3-D convolution and both its gradients on the wasm backend, as 2-D convolutions over depth
 * slices. The package's Conv3D family are scalar C++ loops: ~45x slower than XNNPACK's Conv2D
 * doing the same arithmetic (930 ms vs ~20 ms for 4x8x32x32x16 * 3x3x3x16x16), slower even than
 * the plain-JS cpu backend.
 *
 * For each depth tap kd of the filter, the output depths od that read a real (unpadded) input
 * depth d = od*sd + kd - padFront form a contiguous range; those input slices are stacked into
 * the batch axis ([N*count, H, W, C]), so every kd costs one 2-D kernel call, and the per-depth
 * results are summed into place. NDHWC, dilation 1; anything else goes to the package's kernels.
 */
import * as tf from '@tensorflow/tfjs';
import {
  conv2dBackpropFilterImpl,
  conv2dBackpropInputImpl,
  conv2dGeometry,
  type Conv2DGeometry,
} from './conv2d-grad.js';
import { builtinKernel, withWasmScope, type WasmKernelArgs, type WasmScope } from './wasm-scope.js';

type Shape5 = [number, number, number, number, number];

/** One depth tap's share of the work. */
interface DepthTap {
  kd: number;
  /** First output depth reading a real input depth, and how many do. */
  odFirst: number;
  count: number;
  /** The input depth read by `odFirst`. */
  dFirst: number;
}

interface Conv3DPlan {
  info: tf.backend_util.Conv3DInfo;
  taps: DepthTap[];
  /** Explicit 2-D padding equal to the 3-D conv's padding in H and W. */
  pad2d: [[number, number], [number, number], [number, number], [number, number]];
}

function isOne(v: number | number[] | undefined): boolean {
  return v === undefined || (Array.isArray(v) ? v.every((x) => x === 1) : v === 1);
}

function plan(xShape: Shape5, filterShape: Shape5, strides: number | [number, number, number], pad: 'same' | 'valid'): Conv3DPlan {
  const info = tf.backend_util.computeConv3DInfo(xShape, filterShape, strides, 1, pad);
  const sd = info.strideDepth;
  const pf = info.padInfo.front;
  const taps: DepthTap[] = [];
  for (let kd = 0; kd < info.filterDepth; kd++) {
    const lo = Math.max(0, Math.ceil((pf - kd) / sd));
    const hi = Math.min(info.outDepth - 1, Math.floor((info.inDepth - 1 + pf - kd) / sd));
    if (hi >= lo) taps.push({ kd, odFirst: lo, count: hi - lo + 1, dFirst: lo * sd + kd - pf });
  }
  const p = info.padInfo;
  return {
    info,
    taps,
    pad2d: [
      [0, 0],
      [p.top, p.bottom],
      [p.left, p.right],
      [0, 0],
    ],
  };
}

/** 2-D geometry of one depth tap's batched conv; undefined if it would not match the 3-D one. */
function geometry2d(p: Conv3DPlan, count: number): Conv2DGeometry | undefined {
  const i = p.info;
  const g = conv2dGeometry(
    [i.batchSize * count, i.inHeight, i.inWidth, i.inChannels],
    [i.filterHeight, i.filterWidth, i.inChannels, i.outChannels],
    [i.strideHeight, i.strideWidth],
    p.pad2d,
  );
  return g.outH === i.outHeight && g.outW === i.outWidth ? g : undefined;
}

/** x[:, dFirst + j*sd, ...] for j < count, as [N*count, H, W, C]. */
function inputSlices(s: WasmScope, x: tf.TensorInfo, p: Conv3DPlan, t: DepthTap): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, strideDepth: sd } = p.info;
  const picked =
    sd === 1 || t.count === 1
      ? s.slice(x, [0, t.dFirst, 0, 0, 0], [n, t.count, h, w, c])
      : s.run('StridedSlice', { x }, {
          begin: [0, t.dFirst, 0, 0, 0],
          end: [n, t.dFirst + (t.count - 1) * sd + 1, h, w, c],
          strides: [1, sd, 1, 1, 1],
          beginMask: 0,
          endMask: 0,
          ellipsisMask: 0,
          newAxisMask: 0,
          shrinkAxisMask: 0,
        });
  return s.reshape(picked, [n * t.count, h, w, c]);
}

/** dy[:, odFirst .. odFirst+count) as [N*count, Ho, Wo, F]. */
function outputSlices(s: WasmScope, dy: tf.TensorInfo, p: Conv3DPlan, t: DepthTap): tf.TensorInfo {
  const { batchSize: n, outHeight: h, outWidth: w, outChannels: f } = p.info;
  return s.reshape(s.slice(dy, [0, t.odFirst, 0, 0, 0], [n, t.count, h, w, f]), [n * t.count, h, w, f]);
}

/** filter[kd] as [kH, kW, C, F]. */
function filterTap(s: WasmScope, filter: tf.TensorInfo, kd: number): tf.TensorInfo {
  const [, kh, kw, c, f] = filter.shape as Shape5;
  return s.reshape(s.slice(filter, [kd, 0, 0, 0, 0], [1, kh, kw, c, f]), [kh, kw, c, f]);
}

/**
 * dst[n, firstDepth + j*step] += src[n*count + j] for every n < batch, j < count; a depth slab is
 * `slab` contiguous floats and dst has `depth` of them per batch item.
 */
function accumulateSlabs(
  dst: Float32Array,
  src: Float32Array,
  batch: number,
  depth: number,
  slab: number,
  count: number,
  firstDepth: number,
  step: number,
): void {
  for (let n = 0; n < batch; n++) {
    for (let j = 0; j < count; j++) {
      const o = (n * depth + firstDepth + j * step) * slab;
      const i = (n * count + j) * slab;
      for (let k = 0; k < slab; k++) dst[o + k]! += src[i + k]!;
    }
  }
}

function unsupported(attrs: { dataFormat?: string; dilations?: number | number[] }): boolean {
  return (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NDHWC') || !isOne(attrs.dilations);
}

/** Kernel function for `Conv3D` (inputs x, filter; attrs strides, pad, dataFormat, dilations). */
export function conv3dKernel(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, filter } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  const a = attrs as unknown as tf.Conv3DAttrs;
  if (unsupported(a)) return builtinKernel('Conv3D')(args);
  const p = plan(x.shape as Shape5, filter.shape as Shape5, a.strides, a.pad);
  if (p.taps.some((t) => geometry2d(p, t.count) === undefined)) return builtinKernel('Conv3D')(args);
  const i = p.info;
  return withWasmScope(backend, (s) => {
    const y = s.alloc(i.outShape);
    s.f32(y).fill(0);
    for (const t of p.taps) {
      const z = s.conv2d(
        inputSlices(s, x, p, t),
        filterTap(s, filter, t.kd),
        [p.pad2d[1], p.pad2d[2]],
        [i.strideHeight, i.strideWidth],
      );
      const slab = i.outHeight * i.outWidth * i.outChannels;
      accumulateSlabs(s.f32(y), s.f32(z), i.batchSize, i.outDepth, slab, t.count, t.odFirst, 1);
    }
    return y;
  });
}

/** Kernel function for `Conv3DBackpropInputV2` (inputs dy, filter; attrs strides, pad, inputShape). */
export function conv3dBackpropInputKernel(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const a = attrs as unknown as tf.Conv3DBackpropInputV2Attrs;
  const p = plan(a.inputShape, filter.shape as Shape5, a.strides, a.pad);
  const geos = p.taps.map((t) => geometry2d(p, t.count));
  if (geos.some((g) => g === undefined || g.strideH !== g.strideW)) return builtinKernel('Conv3DBackpropInputV2')(args);
  const i = p.info;
  return withWasmScope(backend, (s) => {
    const dx = s.alloc(i.inShape);
    s.f32(dx).fill(0);
    p.taps.forEach((t, k) => {
      const r = conv2dBackpropInputImpl(s, outputSlices(s, dy, p, t), filterTap(s, filter, t.kd), geos[k]!)!;
      const slab = i.inHeight * i.inWidth * i.inChannels;
      accumulateSlabs(s.f32(dx), s.f32(r), i.batchSize, i.inDepth, slab, t.count, t.dFirst, i.strideDepth);
    });
    return dx;
  });
}

/** Kernel function for `Conv3DBackpropFilterV2` (inputs x, dy; attrs strides, pad, filterShape). */
export function conv3dBackpropFilterKernel(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const a = attrs as unknown as tf.Conv3DBackpropFilterV2Attrs;
  const p = plan(x.shape as Shape5, a.filterShape, a.strides, a.pad);
  const geos = p.taps.map((t) => geometry2d(p, t.count));
  if (geos.some((g) => g === undefined)) return builtinKernel('Conv3DBackpropFilterV2')(args);
  const [, kh, kw, c, f] = a.filterShape;
  const tapSize = kh * kw * c * f;
  return withWasmScope(backend, (s) => {
    const dw = s.alloc(a.filterShape);
    s.f32(dw).fill(0);
    p.taps.forEach((t, k) => {
      const r = conv2dBackpropFilterImpl(s, inputSlices(s, x, p, t), outputSlices(s, dy, p, t), geos[k]!);
      s.f32(dw).set(s.f32(r), t.kd * tapSize);
    });
    return dw;
  });
}
