/**
 * Both gradients of a 2-D convolution (NHWC, dilation 1) on the wasm backend, each expressed as
 * ONE forward `Conv2D`, which wasm runs through XNNPACK (~25 GFLOP/s single-threaded SIMD). The
 * package has no `Conv2DBackpropFilter` at all, and its `Conv2DBackpropInput` is a scalar C++ loop
 * about 10x slower than the forward conv of the same size.
 *
 * Notation, per spatial axis: input size `H`, output size `Ho`, kernel `k`, stride `s`, padding
 * before `p`. Forward: `y[i] = sum_a x[i*s + a - p] * w[a]`.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { builtinKernel, withWasmScope, type WasmKernelArgs, type WasmScope } from './wasm-scope.js';

/** The geometry both gradients need, taken from `backend_util.computeConv2DInfo`. */
export interface Conv2DGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
}

/** Geometry of a conv2d given its attributes (NHWC, dilation 1). */
export function conv2dGeometry(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: unknown,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): Conv2DGeometry {
  const info = tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    strides,
    1,
    pad as 'same',
    dimRoundingMode,
    false,
    'channelsLast',
  );
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kH: info.filterHeight,
    kW: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/**
 * dW[a,b,c,f] = sum_{n,i,j} x[n, i*s+a-p, j*s+b-p, c] * dy[n,i,j,f]: a convolution of x with dy
 * as the filter, in which the channel axis C plays the batch, the batch axis N is the reduced
 * "input channel" axis, dy's spatial extent is the kernel, and the forward stride becomes the
 * dilation. Output: [C, kH, kW, F], transposed to [kH, kW, C, F].
 */
export function conv2dBackpropFilterImpl(s: WasmScope, x: tf.TensorInfo, dy: tf.TensorInfo, g: Conv2DGeometry): tf.TensorInfo {
  const xT = s.transpose(x, [3, 1, 2, 0]); // [C, H, W, N]
  const dyT = s.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, N, F]
  // Rows of x the forward pass reads: -p .. (Ho-1)*s + k-1-p. Pad to exactly that; where the
  // forward pass never reaches the end of x ('valid' with a remainder), crop instead.
  const after = (k: number, st: number, p: number, n: number, o: number): number => (o - 1) * st + k - p - n;
  const bottom = after(g.kH, g.strideH, g.padTop, g.inH, g.outH);
  const right = after(g.kW, g.strideW, g.padLeft, g.inW, g.outW);
  const xIn = s.slice(xT, [0, 0, 0, 0], [g.inC, g.inH + Math.min(bottom, 0), g.inW + Math.min(right, 0), g.batch]);
  const dw = s.conv2d(
    xIn,
    dyT,
    [
      [g.padTop, Math.max(bottom, 0)],
      [g.padLeft, Math.max(right, 0)],
    ],
    [1, 1],
    [g.strideH, g.strideW],
  ); // [C, kH, kW, F]
  return s.transpose(dw, [1, 2, 0, 3]);
}

/** How one spatial axis of the input gradient is computed as a stride-1 conv + depth-to-space. */
interface AxisPlan {
  /** Taps of the combined filter along this axis. */
  taps: number;
  /** dy index read by tap 0 for output position 0 (may be negative: zero padding). */
  first: number;
  /** Positions per phase: the conv's output size along this axis (phases * positions >= H). */
  positions: number;
  /** tapToKernel[r][m]: kernel index a used by phase r at tap m, or -1 for a zero tap. */
  tapToKernel: number[][];
}

/**
 * dx[h] = sum_{i,a : i*s + a - p = h} dy[i] w[a]. Split h = s*u + r into s phases. With
 * r + p = s*q + e, the taps are a = s*t + e (t >= 0, a < k) and read dy[u + q - t]. Every
 * phase is a stride-1 correlation over dy; aligning them on one window [u + first, u + first + taps)
 * lets one conv compute all phases at once as s*s output channel groups, which a depth-to-space
 * then interleaves. Zero taps cost (taps*s/k)^2 extra work (1.8x for k=3, s=2) instead of the
 * s^2 = 4x of inserting zeros between dy's rows.
 */
function planAxis(s: number, k: number, p: number, inSize: number): AxisPlan {
  const phases = [];
  for (let r = 0; r < s; r++) {
    const e = (r + p) % s;
    const q = Math.floor((r + p) / s);
    const count = e < k ? Math.ceil((k - e) / s) : 0;
    phases.push({ e, q, count });
  }
  const live = phases.filter((ph) => ph.count > 0);
  const first = Math.min(...live.map((ph) => ph.q - ph.count + 1));
  const taps = Math.max(...live.map((ph) => ph.q)) - first + 1;
  const tapToKernel = phases.map(({ e, q, count }) =>
    Array.from({ length: taps }, (_, m) => {
      const t = q - m - first;
      return t >= 0 && t < count ? s * t + e : -1;
    }),
  );
  return { taps, first, positions: Math.ceil(inSize / s), tapToKernel };
}

/**
 * Builds the combined filter [tapsH, tapsW, F, s*s*C] of the input gradient from w [kH, kW, C, F]:
 * flipped in space, in/out channels swapped, one channel group per (row phase, column phase), in
 * the order depth-to-space expects.
 */
function buildInputGradFilter(s: WasmScope, w: tf.TensorInfo, g: Conv2DGeometry, ph: AxisPlan, pw: AxisPlan, st: number): tf.TensorInfo {
  const C = g.inC;
  const F = g.outC;
  const groups = st * st;
  const out = s.alloc([ph.taps, pw.taps, F, groups * C]);
  const o = s.f32(out);
  const src = s.f32(w);
  o.fill(0);
  for (let m1 = 0; m1 < ph.taps; m1++) {
    for (let m2 = 0; m2 < pw.taps; m2++) {
      for (let r1 = 0; r1 < st; r1++) {
        const a = ph.tapToKernel[r1]![m1]!;
        if (a < 0) continue;
        for (let r2 = 0; r2 < st; r2++) {
          const b = pw.tapToKernel[r2]![m2]!;
          if (b < 0) continue;
          const group = r1 * st + r2;
          for (let f = 0; f < F; f++) {
            const oBase = ((m1 * pw.taps + m2) * F + f) * groups * C + group * C;
            const sBase = (a * g.kW + b) * C * F + f;
            for (let c = 0; c < C; c++) o[oBase + c] = src[sBase + c * F]!;
          }
        }
      }
    }
  }
  return out;
}

/**
 * dx [N, H, W, C] from dy [N, Ho, Wo, F] and w [kH, kW, C, F] as one stride-1 conv (see
 * `planAxis`), followed by a depth-to-space interleave for stride > 1. Returns undefined for unequal strides
 * (depth-to-space needs one block size), which the caller hands to the package's kernel.
 */
export function conv2dBackpropInputImpl(
  s: WasmScope,
  dy: tf.TensorInfo,
  w: tf.TensorInfo,
  g: Conv2DGeometry,
): tf.TensorInfo | undefined {
  if (g.strideH !== g.strideW) return undefined;
  const st = g.strideH;
  const ph = planAxis(st, g.kH, g.padTop, g.inH);
  const pw = planAxis(st, g.kW, g.padLeft, g.inW);
  const filter = buildInputGradFilter(s, w, g, ph, pw, st);
  // The conv reads dy[first .. first + positions + taps - 1); outside dy is zero padding.
  const window = (plan: AxisPlan, n: number) => {
    const end = plan.first + plan.positions + plan.taps - 1;
    const begin = Math.max(plan.first, 0);
    const stop = Math.min(end, n);
    return { begin, size: stop - begin, padBefore: Math.max(-plan.first, 0), padAfter: Math.max(end - n, 0) };
  };
  const rows = window(ph, g.outH);
  const cols = window(pw, g.outW);
  const dyIn = s.slice(dy, [0, rows.begin, cols.begin, 0], [g.batch, rows.size, cols.size, g.outC]);
  const phased = s.conv2d(dyIn, filter, [
    [rows.padBefore, rows.padAfter],
    [cols.padBefore, cols.padAfter],
  ]); // [N, positionsH, positionsW, s*s*C]
  const full = st > 1 ? interleavePhases(s, phased, st, g.inC) : phased;
  return s.slice(full, [0, 0, 0, 0], [g.batch, g.inH, g.inW, g.inC]);
}

/**
 * Depth-to-space [N, U, V, s*s*C] -> [N, U*s, V*s, C], as a reshape + 4-D transpose: the package's
 * DepthToSpace indexes element by element (153 ms for 4M floats) where its XNNPACK transpose
 * moves the same data in 1.4 ms.
 */
function interleavePhases(s: WasmScope, x: tf.TensorInfo, st: number, c: number): tf.TensorInfo {
  const [n, u, v] = x.shape as [number, number, number, number];
  const rows = s.reshape(x, [n * u, v, st, st * c]); // [n*u, v, r1, (r2, c)]
  const swapped = s.transpose(rows, [0, 2, 1, 3]); // [n*u, r1, v, (r2, c)]
  return s.reshape(swapped, [n, u * st, v * st, c]);
}

function assertNHWC(kernel: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`wasm ${kernel}: only NHWC is supported, got ${String(dataFormat)}`);
  }
}

/** Kernel function for `Conv2DBackpropFilter` (inputs x, dy; attrs strides, pad, filterShape). */
export function conv2dBackpropFilterKernel({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  assertNHWC('Conv2DBackpropFilter', a.dataFormat);
  const g = conv2dGeometry(
    x.shape as [number, number, number, number],
    a.filterShape,
    a.strides,
    a.pad,
    a.dimRoundingMode,
  );
  return withWasmScope(backend as BackendWasm, (s) => conv2dBackpropFilterImpl(s, x, dy, g));
}

/** Kernel function for `Conv2DBackpropInput` (inputs dy, filter; attrs strides, pad, inputShape). */
export function conv2dBackpropInputKernel(args: WasmKernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const a = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  assertNHWC('Conv2DBackpropInput', a.dataFormat);
  const g = conv2dGeometry(a.inputShape, filter.shape as [number, number, number, number], a.strides, a.pad, a.dimRoundingMode);
  if (g.strideH !== g.strideW) return builtinKernel('Conv2DBackpropInput')(args);
  return withWasmScope(backend, (s) => conv2dBackpropInputImpl(s, dy, filter, g)!);
}
