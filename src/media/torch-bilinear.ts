/**
 * Bilinear resize exactly as `torch.nn.functional.interpolate(x, size=(outH, outW), mode='bilinear',
 * align_corners=False, antialias=False)` on the CPU: what the official SeLaVi transforms
 * (datasets/video_transforms.py `random_short_side_scale_jitter`) do to every frame.
 *
 * PyTorch's rule (aten/src/ATen/native/UpSample.h, `compute_source_index_and_lambda`), per axis:
 * scale = in / out (float32), src = scale·(dst + 0.5) - 0.5 (half-pixel centres) in float64 (its
 * acc_type), clamped at 0 (never at the far end), i0 = floor(src), i1 = i0 + 1 unless i0 is the
 * last pixel, λ = src - i0 stored as float32, out = (1-λ)·x[i0] + λ·x[i1]. An axis whose size does
 * not change is copied. No antialiasing: shrinking reads only the two nearest pixels.
 * Precision matters here: a float32 src (ulp 1.5e-5 near 130) put the fixture 2.4e-5 off; this
 * rule puts it within 4.8e-7 (1 ulp). The blend is float64: float32 blending matched fewer values
 * bit for bit (PyTorch's vectorised loop groups the products its own way).
 */

/** The two source pixels and weights of every output pixel along one axis. */
export interface LinearTaps {
  /** First source index per output index. */
  i0: Int32Array;
  /** Second source index (= i0 at the last pixel). */
  i1: Int32Array;
  /** Weight of i0, 1 - λ. */
  w0: Float64Array;
  /** Weight of i1, λ. */
  w1: Float64Array;
}

/**
 * Taps for resizing an axis of `inSize` pixels to `outSize`, align_corners = False.
 * @example linearTaps(4, 2) // src = 2·(d + 0.5) - 0.5 = 0.5, 2.5: i0 [0, 2], i1 [1, 3], w0 = w1 = [0.5, 0.5]
 */
export function linearTaps(inSize: number, outSize: number): LinearTaps {
  if (!(Number.isInteger(inSize) && Number.isInteger(outSize) && inSize >= 1 && outSize >= 1)) {
    throw new RangeError(`linearTaps: sizes must be integers >= 1, got ${inSize} -> ${outSize}`);
  }
  const scale = Math.fround(inSize / outSize);
  const taps: LinearTaps = {
    i0: new Int32Array(outSize),
    i1: new Int32Array(outSize),
    w0: new Float64Array(outSize),
    w1: new Float64Array(outSize),
  };
  for (let d = 0; d < outSize; d++) {
    if (inSize === outSize) {
      // same size: PyTorch copies (weights 1 and 0)
      taps.i0[d] = taps.i1[d] = d;
      taps.w0[d] = 1;
      continue;
    }
    // float ratio, float64 index (acc_type), float32 weights
    const src = Math.max(0, scale * (d + 0.5) - 0.5);
    const i0 = Math.floor(src);
    const lambda = Math.fround(Math.min(1, Math.max(0, src - i0)));
    taps.i0[d] = i0;
    taps.i1[d] = i0 < inSize - 1 ? i0 + 1 : i0;
    taps.w1[d] = lambda;
    taps.w0[d] = Math.fround(1 - lambda);
  }
  return taps;
}

/** Options of {@link resizeBilinear}. */
export interface ResizeOptions {
  /**
   * Only this window of the resized image is computed and returned, i.e. a crop taken after the
   * resize (default: the whole outH x outW image). Saves the work on pixels a crop would drop.
   */
  crop?: { top: number; left: number; height: number; width: number };
  /** Maps every source value before interpolating, e.g. a 256-entry normalisation table for uint8 input. */
  lut?: ArrayLike<number>;
}

/**
 * Resizes an interleaved [height, width, channels] image to [outH, outW, channels] (or to the
 * `crop` window of that), float32.
 * @example
 * // 2x2 grey -> 1x1: the sample sits at (0.5, 0.5), the mean of the four pixels
 * resizeBilinear(Float32Array.from([0, 10, 20, 30]), 2, 2, 1, 1, 1) // [15]
 */
export function resizeBilinear(
  src: ArrayLike<number>,
  height: number,
  width: number,
  channels: number,
  outH: number,
  outW: number,
  opts: ResizeOptions = {},
): Float32Array {
  if (src.length !== height * width * channels) {
    throw new RangeError(`resizeBilinear: ${src.length} values is not ${height} x ${width} x ${channels}`);
  }
  const { top, left, height: cropH, width: cropW } = opts.crop ?? { top: 0, left: 0, height: outH, width: outW };
  if (!(top >= 0 && left >= 0 && cropH >= 1 && cropW >= 1 && top + cropH <= outH && left + cropW <= outW)) {
    throw new RangeError(`resizeBilinear: crop ${cropH}x${cropW} at (${top}, ${left}) does not fit in ${outH}x${outW}`);
  }
  const ty = linearTaps(height, outH);
  const tx = linearTaps(width, outW);
  const out = new Float32Array(cropH * cropW * channels); // [cropH, cropW, C]
  // Two copies of the loop, not a per-value closure for the table: the closure cost 4x the blend
  // (measured: ~70 ms of a clip's 30 frames, of 125 ms decode work on the main thread).
  const lut = opts.lut;
  for (let y = 0; y < cropH; y++) {
    const r0 = ty.i0[top + y] * width;
    const r1 = ty.i1[top + y] * width;
    const wy0 = ty.w0[top + y];
    const wy1 = ty.w1[top + y];
    for (let x = 0; x < cropW; x++) {
      const sx = left + x;
      const wx0 = tx.w0[sx];
      const wx1 = tx.w1[sx];
      const a = (r0 + tx.i0[sx]) * channels;
      const b = (r0 + tx.i1[sx]) * channels;
      const c = (r1 + tx.i0[sx]) * channels;
      const d = (r1 + tx.i1[sx]) * channels;
      const o = (y * cropW + x) * channels;
      if (lut) {
        for (let ch = 0; ch < channels; ch++) {
          out[o + ch] = wy0 * (wx0 * lut[src[a + ch]] + wx1 * lut[src[b + ch]]) + wy1 * (wx0 * lut[src[c + ch]] + wx1 * lut[src[d + ch]]);
        }
      } else {
        for (let ch = 0; ch < channels; ch++) {
          out[o + ch] = wy0 * (wx0 * src[a + ch] + wx1 * src[b + ch]) + wy1 * (wx0 * src[c + ch] + wx1 * src[d + ch]);
        }
      }
    }
  }
  return out;
}
