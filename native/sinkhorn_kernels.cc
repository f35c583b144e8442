// The Sinkhorn solve's row-block kernels (the same seven as src/sinkhorn/wasm/scaling.as.ts, same
// arguments, same float32 kernel and float64 sums), run by OpenMP threads over the blocks of one
// call instead of by one worker thread per block. Measured on WebAssembly (2 lanes of float64
// SIMD, imported Math.exp/log a row): a pass over a 1,000,000 x 10 kernel took 25-50 ms where one
// read of its 40 MB takes ~2 ms, and over-relaxed rows added a float64 log and exp each.
//
// sinkhornRun(op, memory, args, blocks, argc) -> Float64Array(blocks): `memory` is the ArrayBuffer
// of the whole memory the solve lays out (byte offsets in `args` are into it), `args`
// holds each block's `argc` arguments one block after another, as the wasm kernels take them.
// Every pointer and the extent each kernel reads or writes is checked against the memory first.
#include "sinkhorn_kernels.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace {

constexpr float kMinNormal = 1.1754944e-38f;  // below: 0 (subnormals cost ~100x in every later pass)
constexpr double kMaxDouble = std::numeric_limits<double>::max();
// Rows are updated in chunks of this many: the over-relaxed rows' log and exp run as vectors, and
// the rows' sums as independent chains.
constexpr int kChunk = 8;
// Below this K the chunk's rows are summed interleaved (8 independent chains; at K = 10: 16 ms a
// pass over a million rows against 27 row by row); from it on, SIMD over each row and the chunk's
// rows interleaved as vectors (chunkDotsWide).
constexpr int kInterleaveBelow = 32;

enum Op { kRowKernel = 0, kScalingPass, kColumnLogSums, kCountAbove, kFillSparse, kSparseScalingPass, kArgmaxLabels, kOps };
// The wasm kernels' argument counts, by op (row-block-threads.ts OPS order).
constexpr int kArgc[kOps] = {10, 10, 8, 7, 9, 11, 6};

struct Memory {
  uint8_t* base;
  size_t bytes;
  template <typename T>
  T* at(double offset) const { return reinterpret_cast<T*>(base + static_cast<size_t>(offset)); }
};

// Passes over kernels of kInterleaveBelow to this many columns ask for the next chunk of rows while
// they work on this one: the hardware prefetcher alone left each thread waiting on memory at every
// chunk (a chunk is 8 x K floats, 3.2 KB at K = 100). Flat 400,000 x 100: a scaling pass 6.5 →
// 4.3 ms (2 threads; the memory streams at ~45 GB/s here). At K = 309 it made no difference, and
// above (32 KB chunks at K = 1,000, already at the memory's pace) it cost 10-15%.
constexpr int64_t kPrefetchUpTo = 256;
inline void prefetchChunk(const float* chunk, int64_t k) {
  const char* p = reinterpret_cast<const char*>(chunk);
  for (int64_t b = 0; b < kChunk * k * 4; b += 64) _mm_prefetch(p + b, _MM_HINT_T0);
}

#define SELAVI_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

// col_j += row_j * a, float64 sums.
inline void axpyRow(const float* row, int64_t k, double a, double* col) {
#pragma omp simd
  for (int64_t j = 0; j < k; j++) col[j] += static_cast<double>(row[j]) * a;
}

// d_r = Σ_j K_rj v_j for the kChunk rows from `chunk`: the rows' sums interleaved, so that they are
// independent chains (one row's sum alone is a chain of k dependent adds: at K = 10 that chain, not
// memory, set the pace).
inline void chunkDots(const float* chunk, int64_t k, const double* v, double* d) {
  double acc[kChunk] = {};
  for (int64_t j = 0; j < k; j++) {
    const double vj = v[j];
#pragma omp simd
    for (int r = 0; r < kChunk; r++) acc[r] += static_cast<double>(chunk[r * k + j]) * vj;
  }
  for (int r = 0; r < kChunk; r++) d[r] = acc[r];
}

// col_j += Σ_r K_rj u_r over the kChunk rows from `chunk`: each column sum read and written once a chunk.
inline void chunkAxpy(const float* chunk, int64_t k, const double* u, double* col) {
#pragma omp simd
  for (int64_t j = 0; j < k; j++) {
    double c = col[j];
    for (int r = 0; r < kChunk; r++) c += static_cast<double>(chunk[r * k + j]) * u[r];
    col[j] = c;
  }
}

// glibc's vector math (libmvec: the same exp and log, within 4 ulp, 4 or 8 lanes a call).
extern "C" {
__m512d _ZGVeN8v_exp(__m512d);
__m512d _ZGVeN8v_log(__m512d);
__m256d _ZGVdN4v_exp(__m256d);
__m256d _ZGVdN4v_log(__m256d);
__m512 _ZGVeN16v_expf(__m512);
__m256 _ZGVdN8v_expf(__m256);
}

// x_j = exp(x_j) over n floats, in place (the kernel's set-up: one exp an entry), except that
// entries below kExpZeroBelow are 0 at once: their exp is under kMinNormal, which the kernel flushes
// to 0 anyway. The rest run clamped to kExpClamp and above, where expf's result is a normal float;
// the few between the two are recomputed from their own inputs. Why: an exp whose result is
// subnormal costs a microcode assist (and libmvec's expf sends such lanes through the scalar expf
// one by one); sharp or clustered scores put most entries there (λ = 20: a logit 4.4 below the
// row's best). The set-up's pass over the 170,752 x 309 zipf problem took 414 ms against 110 ms
// over the flat 400,000 x 100 (the same results lane for lane: libmvec's lanes are independent).
constexpr float kExpZeroBelow = -87.34f;  // exp(-87.34) = 1.171e-38 < kMinNormal
constexpr float kExpClamp = -87.0f;       // exp(-87) = 1.64e-38: normal
// Also: entries below kMinNormal become 0, and the row's sum (float64) is returned, in the same
// pass (a separate flush-and-sum loop compiled to scalar code with a branch an entry: the set-up
// of the 100,000 x 1,000 problem 164 → 69 ms, of the flat one 29 → 21 ms).
double expScalar(float* x, int64_t n) {
  double s = 0;
  for (int64_t j = 0; j < n; j++) {
    float y = x[j] < kExpZeroBelow ? 0.0f : std::exp(x[j]);
    y = y < kMinNormal ? 0.0f : y;
    x[j] = y;
    s += y;
  }
  return s;
}
__attribute__((target("avx512f"))) double expAvx512(float* x, int64_t n) {
  const __m512 clamp = _mm512_set1_ps(kExpClamp), zero = _mm512_set1_ps(kExpZeroBelow), tiny = _mm512_set1_ps(kMinNormal);
  __m512d lo = _mm512_setzero_pd(), hi = _mm512_setzero_pd();
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) {
    const __m512 v = _mm512_loadu_ps(x + j);  // finite: rows with a non-finite entry never get here
    const __mmask16 normal = _mm512_cmp_ps_mask(v, clamp, _CMP_GE_OQ);
    const __mmask16 edge = _mm512_cmp_ps_mask(v, zero, _CMP_GE_OQ) & ~normal;
    __m512 y = _mm512_maskz_mov_ps(normal, _ZGVeN16v_expf(_mm512_max_ps(v, clamp)));
    if (edge) y = _mm512_mask_mov_ps(y, edge, _ZGVeN16v_expf(v));
    y = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(y, tiny, _CMP_NLT_UQ), y);
    _mm512_storeu_ps(x + j, y);
    lo = _mm512_add_pd(lo, _mm512_cvtps_pd(_mm512_castps512_ps256(y)));
    hi = _mm512_add_pd(hi, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(y), 1))));
  }
  if (j < n) {
    // The tail in one masked vector (short rows, K = 10, are all tail): lanes past it load and add 0.
    const __mmask16 in = static_cast<__mmask16>((1u << (n - j)) - 1);
    const __m512 v = _mm512_maskz_loadu_ps(in, x + j);
    const __mmask16 normal = _mm512_cmp_ps_mask(v, clamp, _CMP_GE_OQ) & in;
    const __mmask16 edge = _mm512_cmp_ps_mask(v, zero, _CMP_GE_OQ) & ~normal & in;
    __m512 y = _mm512_maskz_mov_ps(normal, _ZGVeN16v_expf(_mm512_max_ps(v, clamp)));
    if (edge) y = _mm512_mask_mov_ps(y, edge, _ZGVeN16v_expf(v));
    y = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(y, tiny, _CMP_NLT_UQ), y);
    _mm512_mask_storeu_ps(x + j, in, y);
    lo = _mm512_add_pd(lo, _mm512_cvtps_pd(_mm512_castps512_ps256(y)));
    hi = _mm512_add_pd(hi, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(y), 1))));
  }
  return _mm512_reduce_add_pd(_mm512_add_pd(lo, hi));
}
__attribute__((target("avx2"))) double expAvx2(float* x, int64_t n) {
  const __m256 clamp = _mm256_set1_ps(kExpClamp), zero = _mm256_set1_ps(kExpZeroBelow), tiny = _mm256_set1_ps(kMinNormal);
  __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256 v = _mm256_loadu_ps(x + j);
    const __m256 normal = _mm256_cmp_ps(v, clamp, _CMP_GE_OQ);
    const __m256 edge = _mm256_andnot_ps(normal, _mm256_cmp_ps(v, zero, _CMP_GE_OQ));
    __m256 y = _mm256_and_ps(normal, _ZGVdN8v_expf(_mm256_max_ps(v, clamp)));
    if (_mm256_movemask_ps(edge)) y = _mm256_blendv_ps(y, _ZGVdN8v_expf(v), edge);
    y = _mm256_and_ps(_mm256_cmp_ps(y, tiny, _CMP_NLT_UQ), y);
    _mm256_storeu_ps(x + j, y);
    lo = _mm256_add_pd(lo, _mm256_cvtps_pd(_mm256_castps256_ps128(y)));
    hi = _mm256_add_pd(hi, _mm256_cvtps_pd(_mm256_extractf128_ps(y, 1)));
  }
  const __m256d s4 = _mm256_add_pd(lo, hi);
  const __m128d h = _mm_add_pd(_mm256_castpd256_pd128(s4), _mm256_extractf128_pd(s4, 1));
  return _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h))) + expScalar(x + j, n - j);
}


// u_r = before_r (dr_r before_r)^(−ω): over-relaxed row scalings (u^(1−ω) (r/d)^ω, the same fixed
// point), for m <= kChunk rows.
void relaxScalar(const double* before, const double* dr, double* u, int m, double omega) {
  for (int r = 0; r < m; r++) u[r] = before[r] * std::exp(-omega * std::log(dr[r] * before[r]));
}

__attribute__((target("avx512f"))) void relaxAvx512(const double* before, const double* dr, double* u, int m, double omega) {
  if (m < kChunk) return relaxScalar(before, dr, u, m, omega);
  const __m512d b = _mm512_loadu_pd(before);
  const __m512d l = _ZGVeN8v_log(_mm512_mul_pd(_mm512_loadu_pd(dr), b));
  _mm512_storeu_pd(u, _mm512_mul_pd(b, _ZGVeN8v_exp(_mm512_mul_pd(_mm512_set1_pd(-omega), l))));
}

__attribute__((target("avx2"))) void relaxAvx2(const double* before, const double* dr, double* u, int m, double omega) {
  if (m < kChunk) return relaxScalar(before, dr, u, m, omega);
  for (int h = 0; h < kChunk; h += 4) {
    const __m256d b = _mm256_loadu_pd(before + h);
    const __m256d l = _ZGVdN4v_log(_mm256_mul_pd(_mm256_loadu_pd(dr + h), b));
    _mm256_storeu_pd(u + h, _mm256_mul_pd(b, _ZGVdN4v_exp(_mm256_mul_pd(_mm256_set1_pd(-omega), l))));
  }
}

using RelaxFn = void (*)(const double*, const double*, double*, int, double);
using ExpFn = double (*)(float*, int64_t);
template <typename Fn>
Fn pick(Fn avx512, Fn avx2, Fn scalar) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") ? avx512 : __builtin_cpu_supports("avx2") ? avx2 : scalar;
}
const RelaxFn relaxRows = pick<RelaxFn>(relaxAvx512, relaxAvx2, relaxScalar);
const ExpFn expFlushSum = pick<ExpFn>(expAvx512, expAvx2, expScalar);

// d_r = Σ_j K_rj v_j for the kChunk rows from `chunk` at K ≥ kInterleaveBelow: each row summed in
// vector lanes, the chunk's rows as independent chains (row by row, each row's lanes were one chain
// of K / 8 dependent adds), and with chunkAxpy after it the column sums are read and written once a
// chunk instead of once a row. Together, the same labels: the 100,000 x 1,000 sharp problem's 131
// iterations 7.6 → 5.9 s, the real 60,000 x 1,000 one's 391 13.6 → 10.1 s, the flat 400,000 x 100
// one's 11 0.31 → 0.27 s (2 cores, A/B in one sitting).
void chunkDotsWideScalar(const float* chunk, int64_t k, const double* v, double* d) {
  for (int r = 0; r < kChunk; r++) {
    double s = 0;
    for (int64_t j = 0; j < k; j++) s += static_cast<double>(chunk[r * k + j]) * v[j];
    d[r] = s;
  }
}
__attribute__((target("avx512f"))) void chunkDotsWideAvx512(const float* chunk, int64_t k, const double* v, double* d) {
  __m512d acc[kChunk];
  for (int r = 0; r < kChunk; r++) acc[r] = _mm512_setzero_pd();
  int64_t j = 0;
  for (; j + 8 <= k; j += 8) {
    const __m512d vj = _mm512_loadu_pd(v + j);
#pragma GCC unroll 8
    for (int r = 0; r < kChunk; r++) acc[r] = _mm512_add_pd(acc[r], _mm512_mul_pd(_mm512_cvtps_pd(_mm256_loadu_ps(chunk + r * k + j)), vj));
  }
  for (int r = 0; r < kChunk; r++) {
    double s = _mm512_reduce_add_pd(acc[r]);
    for (int64_t t = j; t < k; t++) s += static_cast<double>(chunk[r * k + t]) * v[t];
    d[r] = s;
  }
}
__attribute__((target("avx2"))) void chunkDotsWideAvx2(const float* chunk, int64_t k, const double* v, double* d) {
  __m256d acc[kChunk];
  for (int r = 0; r < kChunk; r++) acc[r] = _mm256_setzero_pd();
  int64_t j = 0;
  for (; j + 4 <= k; j += 4) {
    const __m256d vj = _mm256_loadu_pd(v + j);
#pragma GCC unroll 8
    for (int r = 0; r < kChunk; r++) acc[r] = _mm256_add_pd(acc[r], _mm256_mul_pd(_mm256_cvtps_pd(_mm_loadu_ps(chunk + r * k + j)), vj));
  }
  for (int r = 0; r < kChunk; r++) {
    const __m128d h = _mm_add_pd(_mm256_castpd256_pd128(acc[r]), _mm256_extractf128_pd(acc[r], 1));
    double s = _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
    for (int64_t t = j; t < k; t++) s += static_cast<double>(chunk[r * k + t]) * v[t];
    d[r] = s;
  }
}
using DotsFn = void (*)(const float*, int64_t, const double*, double*);
const DotsFn chunkDotsWide = pick<DotsFn>(chunkDotsWideAvx512, chunkDotsWideAvx2, chunkDotsWideScalar);

// New row scalings of a chunk from dr = d/r: plain (1/dr) or over-relaxed.
inline void newScalings(const double* before, const double* dr, double* u, int m, double omega) {
  if (omega == 1)
    for (int r = 0; r < m; r++) u[r] = 1 / dr[r];
  else
    relaxRows(before, dr, u, m, omega);
}

// Math.max / Math.min of JavaScript and wasm: a NaN wins (std::fmax/fmin drop it, and are
// library calls).
inline double maxKeepNaN(double a, double x) { return (x > a || x != x) ? x : a; }
inline double minKeepNaN(double a, double x) { return (x < a || x != x) ? x : a; }

// A block's stats over the rows it updates, stored as float64 x 4: SeLa's change Σ_i |u_i(before)/u_i − 1|,
// the row error Σ_i |u_i d_i / r − 1| of the new u against the v the pass read, max_i u_i, min_i u_i.
// `add` takes one row's new scaling `ui`, dr = d/r and the scaling before, over-relaxed by ω or not.
struct RowStats {
  double change = 0, rowError = 0;
  double uMax = -std::numeric_limits<double>::infinity(), uMin = std::numeric_limits<double>::infinity();
  void add(double before, double dr, double ui, double omega) {
    change += std::fabs((omega == 1 ? before * dr : before / ui) - 1);
    rowError += std::fabs(ui * dr - 1);
    uMax = maxKeepNaN(uMax, ui);
    uMin = minKeepNaN(uMin, ui);
  }
  double store(double* stats) const {
    stats[0] = change;
    stats[1] = rowError;
    stats[2] = uMax;
    stats[3] = uMin;
    return change;
  }
};

SELAVI_SIMD_CLONES
void rowKernel(const Memory& m, const double* a) {
  const float* src = m.at<float>(a[0]);
  float* dst = m.at<float>(a[1]);
  const int64_t k = static_cast<int64_t>(a[2]), row0 = static_cast<int64_t>(a[3]), row1 = static_cast<int64_t>(a[4]);
  const double lambda = a[5];
  const double* b = a[6] != 0 ? m.at<double>(a[6]) : nullptr;
  double* rowSum = m.at<double>(a[7]);
  double* col = m.at<double>(a[8]);
  double* rowMax = m.at<double>(a[9]);
  // No column offsets: zeros (x + 0 is x), so that one loop serves both.
  const std::vector<double> zeros(b ? 0 : k, 0.0);
  const double* offsets = b ? b : zeros.data();
  // The column sums are added once a chunk of rows (chunkAxpy, the same order of adds as row by row).
  double inv[kChunk];
  for (int64_t i0 = row0; i0 < row1; i0 += kChunk) {
    const int rows = static_cast<int>(std::min<int64_t>(kChunk, row1 - i0));
    int good = 0;
    for (int r = 0; r < rows; r++) {
      const int64_t i = i0 + r;
      const float* from = src + i * k;
      float* row = dst + i * k;
      inv[r] = 0;
      // The row's max and whether every entry is finite, as vector reductions (max is exact in any
      // order). Scalar, with its branches, this loop and the sum below took most of the set-up.
      double mx = -std::numeric_limits<double>::infinity();
      int bad = 0;
#pragma omp simd reduction(max : mx) reduction(| : bad)
      for (int64_t j = 0; j < k; j++) {
        const double x = lambda * static_cast<double>(from[j]) + offsets[j];
        bad |= !(std::fabs(x) <= kMaxDouble);
        mx = std::max(mx, x);
      }
      if (bad) {
        rowSum[i] = std::numeric_limits<double>::quiet_NaN();
        continue;  // its kernel row is not written: no column sum reads it
      }
      rowMax[i] = mx;
      for (int64_t j = 0; j < k; j++) row[j] = static_cast<float>(lambda * static_cast<double>(from[j]) + offsets[j] - mx);
      const double s = expFlushSum(row, k);  // in place: from and row may be the same memory, read above
      rowSum[i] = s;
      inv[r] = 1 / s;
      good++;
    }
    if (good == kChunk) {
      chunkAxpy(dst + i0 * k, k, inv, col);
    } else {
      for (int r = 0; r < rows; r++)
        if (inv[r] != 0) axpyRow(dst + (i0 + r) * k, k, inv[r], col);
    }
  }
}

SELAVI_SIMD_CLONES
double scalingPass(const Memory& m, const double* a) {
  const float* kernel = m.at<float>(a[0]);
  const int64_t k = static_cast<int64_t>(a[1]), row0 = static_cast<int64_t>(a[2]), row1 = static_cast<int64_t>(a[3]);
  const double invR = 1 / a[4];
  const double* v = m.at<double>(a[5]);
  double* u = m.at<double>(a[6]);
  double* col = m.at<double>(a[7]);
  const double omega = a[8];
  double* stats = m.at<double>(a[9]);
  RowStats block;
  const bool prefetch = k >= kInterleaveBelow && k <= kPrefetchUpTo;
  double before[kChunk], dr[kChunk], next[kChunk];
  for (int64_t i0 = row0; i0 < row1; i0 += kChunk) {
    const int rows = static_cast<int>(std::min<int64_t>(kChunk, row1 - i0));
    const float* chunk = kernel + i0 * k;
    if (prefetch && i0 + 2 * kChunk <= row1) prefetchChunk(chunk + kChunk * k, k);
    if (rows == kChunk && k < kInterleaveBelow) {
      chunkDots(chunk, k, v, dr);
    } else if (rows == kChunk) {
      chunkDotsWide(chunk, k, v, dr);
    } else {
      for (int r = 0; r < rows; r++) {
        double d = 0;
#pragma omp simd reduction(+ : d)
        for (int64_t j = 0; j < k; j++) d += static_cast<double>(chunk[r * k + j]) * v[j];
        dr[r] = d;
      }
    }
    for (int r = 0; r < rows; r++) {
      dr[r] *= invR;
      before[r] = u[i0 + r];
    }
    newScalings(before, dr, next, rows, omega);
    for (int r = 0; r < rows; r++) {
      const double ui = next[r];
      block.add(before[r], dr[r], ui, omega);
      u[i0 + r] = ui;
    }
    if (rows == kChunk) {
      chunkAxpy(chunk, k, next, col);
    } else {
      for (int r = 0; r < rows; r++) axpyRow(chunk + r * k, k, next[r], col);
    }
  }
  return block.store(stats);
}

// colSum_j += Σ_r exp(λ S_rj + a_r − colMax_j) over one row (every exponent ≤ 0). Exponents below
// kExpZeroBelowDouble add nothing a sum ≥ 1 can hold (under 1e-307; the sum's ulp is 2.2e-16): they
// add 0 at once, where their subnormal results cost a microcode assist each (and libmvec sends such
// lanes through the scalar exp): near-hard transports put almost every entry there.
constexpr double kExpZeroBelowDouble = -708.0;  // exp(-708) = 3.3e-308: still a normal double
void expSumScalar(const float* src, int64_t k, double lambda, double ai, const double* mx, double* sum) {
  for (int64_t j = 0; j < k; j++) {
    const double d = lambda * static_cast<double>(src[j]) + ai - mx[j];
    if (d >= kExpZeroBelowDouble) sum[j] += std::exp(d);
  }
}
__attribute__((target("avx512f"))) void expSumAvx512(const float* src, int64_t k, double lambda, double ai, const double* mx, double* sum) {
  const __m512d l = _mm512_set1_pd(lambda), av = _mm512_set1_pd(ai), lo = _mm512_set1_pd(kExpZeroBelowDouble);
  int64_t j = 0;
  for (; j + 8 <= k; j += 8) {
    const __m512d d = _mm512_sub_pd(_mm512_add_pd(_mm512_mul_pd(l, _mm512_cvtps_pd(_mm256_loadu_ps(src + j))), av), _mm512_loadu_pd(mx + j));
    const __mmask8 keep = _mm512_cmp_pd_mask(d, lo, _CMP_GE_OQ);
    if (!keep) continue;
    _mm512_storeu_pd(sum + j, _mm512_add_pd(_mm512_loadu_pd(sum + j), _mm512_maskz_mov_pd(keep, _ZGVeN8v_exp(_mm512_max_pd(d, lo)))));
  }
  expSumScalar(src + j, k - j, lambda, ai, mx + j, sum + j);
}
__attribute__((target("avx2"))) void expSumAvx2(const float* src, int64_t k, double lambda, double ai, const double* mx, double* sum) {
  const __m256d l = _mm256_set1_pd(lambda), av = _mm256_set1_pd(ai), lo = _mm256_set1_pd(kExpZeroBelowDouble);
  int64_t j = 0;
  for (; j + 4 <= k; j += 4) {
    const __m256d d = _mm256_sub_pd(_mm256_add_pd(_mm256_mul_pd(l, _mm256_cvtps_pd(_mm_loadu_ps(src + j))), av), _mm256_loadu_pd(mx + j));
    const __m256d keep = _mm256_cmp_pd(d, lo, _CMP_GE_OQ);
    if (!_mm256_movemask_pd(keep)) continue;
    _mm256_storeu_pd(sum + j, _mm256_add_pd(_mm256_loadu_pd(sum + j), _mm256_and_pd(keep, _ZGVdN4v_exp(_mm256_max_pd(d, lo)))));
  }
  expSumScalar(src + j, k - j, lambda, ai, mx + j, sum + j);
}
using ExpSumFn = void (*)(const float*, int64_t, double, double, const double*, double*);
const ExpSumFn expSumRow = pick<ExpSumFn>(expSumAvx512, expSumAvx2, expSumScalar);

// Per column of the block's rows: colMax_j = max_r (λ S_rj + a_r) and colSum_j = Σ_r exp(λ S_rj + a_r −
// colMax_j) (a log-sum-exp as max and scaled sum), merged into what colMax/colSum held. Two passes
// over the block: the maxima first, so that the exps run as vectors with no per-entry rescaling
// (one at a time, with a rescale whenever a column's max rose, they took ~15 ns an entry).
SELAVI_SIMD_CLONES
void columnLogSums(const Memory& m, const double* a) {
  const float* scores = m.at<float>(a[0]);
  const int64_t k = static_cast<int64_t>(a[1]), row0 = static_cast<int64_t>(a[2]), row1 = static_cast<int64_t>(a[3]);
  const double lambda = a[4];
  const double* rowA = m.at<double>(a[5]);
  double* colMax = m.at<double>(a[6]);
  double* colSum = m.at<double>(a[7]);
  std::vector<double> before(colMax, colMax + k);
  for (int64_t i = row0; i < row1; i++) {
    const double ai = rowA[i];
    const float* src = scores + i * k;
#pragma omp simd
    for (int64_t j = 0; j < k; j++) {
      const double x = lambda * static_cast<double>(src[j]) + ai;
      colMax[j] = x > colMax[j] ? x : colMax[j];
    }
  }
  for (int64_t j = 0; j < k; j++)
    if (colSum[j] > 0 && before[j] != colMax[j]) colSum[j] *= std::exp(before[j] - colMax[j]);
  for (int64_t i = row0; i < row1; i++) expSumRow(scores + i * k, k, lambda, rowA[i], colMax, colSum);
}

inline double rowMaxScaled(const float* row, int64_t k, const double* v) {
  double mx = 0;
  for (int64_t j = 0; j < k; j++) {
    const double q = static_cast<double>(row[j]) * v[j];
    if (q > mx) mx = q;
  }
  return mx;
}

void countAbove(const Memory& m, const double* a) {
  const float* kernel = m.at<float>(a[0]);
  const int64_t k = static_cast<int64_t>(a[1]), row0 = static_cast<int64_t>(a[2]), row1 = static_cast<int64_t>(a[3]);
  const double tau = a[4];
  const double* v = m.at<double>(a[5]);
  int32_t* counts = m.at<int32_t>(a[6]);
  for (int64_t i = row0; i < row1; i++) {
    const float* row = kernel + i * k;
    const double floor = tau * rowMaxScaled(row, k, v);
    int32_t c = 0;
    for (int64_t j = 0; j < k; j++) c += static_cast<double>(row[j]) * v[j] > floor;
    counts[i] = c;
  }
}

void fillSparse(const Memory& m, const double* a) {
  const float* kernel = m.at<float>(a[0]);
  const int64_t k = static_cast<int64_t>(a[1]), row0 = static_cast<int64_t>(a[2]), row1 = static_cast<int64_t>(a[3]);
  const double tau = a[4];
  const double* v = m.at<double>(a[5]);
  const int32_t* start = m.at<int32_t>(a[6]);
  float* values = m.at<float>(a[7]);
  int32_t* cols = m.at<int32_t>(a[8]);
  for (int64_t i = row0; i < row1; i++) {
    const float* row = kernel + i * k;
    const double floor = tau * rowMaxScaled(row, k, v);
    int64_t at = start[i];
    const int64_t end = start[i + 1];  // never past the row's room, whatever the counts said
    for (int64_t j = 0; j < k && at < end; j++) {
      if (static_cast<double>(row[j]) * v[j] > floor) {
        values[at] = row[j];
        cols[at] = static_cast<int32_t>(j);
        at++;
      }
    }
  }
}

double sparseScalingPass(const Memory& m, const double* a) {
  const int32_t* start = m.at<int32_t>(a[0]);
  const float* values = m.at<float>(a[1]);
  const int32_t* cols = m.at<int32_t>(a[2]);
  const int64_t row0 = static_cast<int64_t>(a[3]), row1 = static_cast<int64_t>(a[4]);
  const double invR = 1 / a[5];
  const double* v = m.at<double>(a[6]);
  double* u = m.at<double>(a[7]);
  double* col = m.at<double>(a[8]);
  const double omega = a[9];
  double* stats = m.at<double>(a[10]);
  // Columns past what v and col hold in the memory are skipped (fillSparse never writes one).
  const uint64_t columns = std::min(m.bytes - static_cast<size_t>(a[6]), m.bytes - static_cast<size_t>(a[8])) / 8;
  RowStats block;
  double before[kChunk], dr[kChunk], next[kChunk];
  for (int64_t i0 = row0; i0 < row1; i0 += kChunk) {
    const int rows = static_cast<int>(std::min<int64_t>(kChunk, row1 - i0));
    for (int r = 0; r < rows; r++) {
      double d = 0;
      for (int64_t e = start[i0 + r]; e < start[i0 + r + 1]; e++)
        if (static_cast<uint32_t>(cols[e]) < columns) d += static_cast<double>(values[e]) * v[cols[e]];
      dr[r] = d * invR;
      before[r] = u[i0 + r];
    }
    newScalings(before, dr, next, rows, omega);
    for (int r = 0; r < rows; r++) {
      const double ui = next[r];
      block.add(before[r], dr[r], ui, omega);
      u[i0 + r] = ui;
      for (int64_t e = start[i0 + r]; e < start[i0 + r + 1]; e++)
        if (static_cast<uint32_t>(cols[e]) < columns) col[cols[e]] += static_cast<double>(values[e]) * ui;
    }
  }
  return block.store(stats);
}

// The first j with row_j v_j at its maximum (a NaN never wins; no j at all: 0), one scalar pass.
inline int32_t argmaxScalar(const float* row, int64_t k, const double* v) {
  double top = -std::numeric_limits<double>::infinity();
#pragma omp simd reduction(max : top)
  for (int64_t j = 0; j < k; j++) {
    const double q = static_cast<double>(row[j]) * v[j];
    top = q > top ? q : top;
  }
  for (int64_t j = 0; j < k; j++)
    if (static_cast<double>(row[j]) * v[j] == top) return static_cast<int32_t>(j);
  return 0;
}
int32_t argmaxRowScalar(const float* row, int64_t k, const double* v) { return argmaxScalar(row, k, v); }
__attribute__((target("avx2"))) int32_t argmaxRowAvx2(const float* row, int64_t k, const double* v) { return argmaxScalar(row, k, v); }
// The same label, in vectors of eight columns: each lane keeps its first maximum and where it was, and the
// smallest column among the lanes at the overall maximum wins. A row whose maximum is not above -inf
// (all NaN) takes the scalar pass, which also decides that case. Against the scalar search for the
// maximum's column (half a row on average, a branch an entry): flat 400,000 x 100 labels 11 → 5 ms,
// 100,000 x 1,000 18 → 8 ms, 1,000,000 x 10 20 → 7 ms.
__attribute__((target("avx512f"))) int32_t argmaxRowAvx512(const float* row, int64_t k, const double* v) {
  // Four independent (maximum, column) pairs of eight lanes, 32 columns a step: one pair alone is a
  // chain of compare-and-blend a step, which long rows (K = 1,000) wait on.
  constexpr int kPairs = 4;
  __m512d best[kPairs];
  __m512i at[kPairs];
  for (int p = 0; p < kPairs; p++) {
    best[p] = _mm512_set1_pd(-std::numeric_limits<double>::infinity());
    at[p] = _mm512_setzero_si512();
  }
  const __m512i lanes = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7);
  int64_t j = 0;
  for (; j + 8 * kPairs <= k; j += 8 * kPairs) {
#pragma GCC unroll 4
    for (int p = 0; p < kPairs; p++) {
      const int64_t c = j + 8 * p;
      const __m512d q = _mm512_mul_pd(_mm512_cvtps_pd(_mm256_loadu_ps(row + c)), _mm512_loadu_pd(v + c));
      const __mmask8 up = _mm512_cmp_pd_mask(q, best[p], _CMP_GT_OQ);
      best[p] = _mm512_mask_mov_pd(best[p], up, q);
      at[p] = _mm512_mask_mov_epi64(at[p], up, _mm512_add_epi64(lanes, _mm512_set1_epi64(c)));
    }
  }
  // The rest (a short row: all of it) on the first pair.
  for (const int p = 0; j < k; j += 8) {
    const __mmask8 in = k - j >= 8 ? 0xff : static_cast<__mmask8>((1u << (k - j)) - 1);
    const __m512d q = _mm512_mul_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(_mm512_maskz_loadu_ps(static_cast<__mmask16>(in), row + j))), _mm512_maskz_loadu_pd(in, v + j));
    const __mmask8 up = _mm512_mask_cmp_pd_mask(in, q, best[p], _CMP_GT_OQ);
    best[p] = _mm512_mask_mov_pd(best[p], up, q);
    at[p] = _mm512_mask_mov_epi64(at[p], up, _mm512_add_epi64(lanes, _mm512_set1_epi64(j)));
  }
  const int used = k < 8 * kPairs ? 1 : kPairs;
  __m512d most = best[0];
  for (int p = 1; p < used; p++) most = _mm512_max_pd(most, best[p]);
  const double top = _mm512_reduce_max_pd(most);
  if (!(top > -std::numeric_limits<double>::infinity())) return argmaxScalar(row, k, v);
  const __m512d t = _mm512_set1_pd(top);
  __m512i first = _mm512_set1_epi64(INT64_MAX);
  for (int p = 0; p < used; p++) first = _mm512_min_epi64(first, _mm512_mask_mov_epi64(_mm512_set1_epi64(INT64_MAX), _mm512_cmp_pd_mask(best[p], t, _CMP_EQ_OQ), at[p]));
  return static_cast<int32_t>(_mm512_reduce_min_epi64(first));
}
using ArgmaxFn = int32_t (*)(const float*, int64_t, const double*);
const ArgmaxFn argmaxRow = pick<ArgmaxFn>(argmaxRowAvx512, argmaxRowAvx2, argmaxRowScalar);

void argmaxLabels(const Memory& m, const double* a) {
  const float* kernel = m.at<float>(a[0]);
  const int64_t k = static_cast<int64_t>(a[1]), row0 = static_cast<int64_t>(a[2]), row1 = static_cast<int64_t>(a[3]);
  const double* v = m.at<double>(a[4]);
  int32_t* labels = m.at<int32_t>(a[5]);
  const bool prefetch = k >= kInterleaveBelow && k <= kPrefetchUpTo;
  for (int64_t i = row0; i < row1; i++) {
    if (prefetch && i % kChunk == 0 && i + 2 * kChunk <= row1) prefetchChunk(kernel + (i + kChunk) * k, k);
    labels[i] = argmaxRow(kernel + i * k, k, v);
  }
}

// ---- checks: every region a block touches lies inside the memory ----

struct Extent {
  double offset;
  double bytes;
};

// The regions op reads or writes for one block's arguments; "" when they fit, else what does not.
std::string outOfBounds(const Memory& m, int op, const double* a) {
  std::vector<Extent> ext;
  auto rows = [&](double k, double row1, double width) { return k * row1 * width; };
  switch (op) {
    case kRowKernel:  // src, dst, k, row0, row1, lambda, b, rowSum, col, rowMax
      ext = {{a[0], rows(a[2], a[4], 4)}, {a[1], rows(a[2], a[4], 4)}, {a[7], a[4] * 8}, {a[8], a[2] * 8}, {a[9], a[4] * 8}};
      if (a[6] != 0) ext.push_back({a[6], a[2] * 8});
      break;
    case kScalingPass:  // kernel, k, row0, row1, r, v, u, col, omega, stats
      ext = {{a[0], rows(a[1], a[3], 4)}, {a[5], a[1] * 8}, {a[6], a[3] * 8}, {a[7], a[1] * 8}, {a[9], 32}};
      break;
    case kColumnLogSums:  // scores, k, row0, row1, lambda, a, colMax, colSum
      ext = {{a[0], rows(a[1], a[3], 4)}, {a[5], a[3] * 8}, {a[6], a[1] * 8}, {a[7], a[1] * 8}};
      break;
    case kCountAbove:  // kernel, k, row0, row1, tau, v, counts
      ext = {{a[0], rows(a[1], a[3], 4)}, {a[5], a[1] * 8}, {a[6], a[3] * 4}};
      break;
    case kFillSparse:  // kernel, k, row0, row1, tau, v, start, values, cols
      ext = {{a[0], rows(a[1], a[3], 4)}, {a[5], a[1] * 8}, {a[6], (a[3] + 1) * 4}};
      break;
    case kSparseScalingPass:  // start, values, cols, row0, row1, r, v, u, col, omega, stats
      ext = {{a[0], (a[4] + 1) * 4}, {a[7], a[4] * 8}, {a[10], 32}};
      break;
    case kArgmaxLabels:  // kernel, k, row0, row1, v, labels
      ext = {{a[0], rows(a[1], a[3], 4)}, {a[4], a[1] * 8}, {a[5], a[3] * 4}};
      break;
  }
  // Every argument the op reads as an offset or a count: finite, whole, not negative.
  for (int i = 0; i < kArgc[op]; i++) {
    const bool real = (op == kRowKernel && i == 5) || (op == kScalingPass && (i == 4 || i == 8)) || (op == kColumnLogSums && i == 4) ||
                      ((op == kCountAbove || op == kFillSparse) && i == 4) || (op == kSparseScalingPass && (i == 5 || i == 9));
    if (!real && !(a[i] >= 0 && a[i] <= 9.0e15 && a[i] == std::floor(a[i]))) return "argument " + std::to_string(i) + " must be a whole number >= 0";
  }
  for (const Extent& e : ext)
    if (!(e.offset >= 0 && e.bytes >= 0 && e.offset + e.bytes <= static_cast<double>(m.bytes))) return "a region at byte " + std::to_string(static_cast<int64_t>(e.offset)) + " runs past the memory";
  const int kAt = op == kRowKernel ? 2 : op == kSparseScalingPass ? -1 : 1;
  const int rowAt = op == kRowKernel ? 3 : op == kSparseScalingPass ? 3 : 2;
  if (kAt >= 0 && !(a[kAt] >= 1)) return "k must be positive";
  if (!(a[rowAt] >= 0 && a[rowAt] <= a[rowAt + 1])) return "rows must satisfy 0 <= row0 <= row1";
  // Sparse kernels: the entries the rows' starts name must lie inside the memory too.
  if (op == kFillSparse || op == kSparseScalingPass) {
    const int32_t* start = m.at<int32_t>(op == kFillSparse ? a[6] : a[0]);
    const int64_t row0 = static_cast<int64_t>(op == kFillSparse ? a[2] : a[3]), row1 = static_cast<int64_t>(op == kFillSparse ? a[3] : a[4]);
    for (int64_t i = row0; i < row1; i++)
      if (!(start[i] >= 0 && start[i] <= start[i + 1])) return "the sparse rows' starts must rise from 0";
    const double nnz = start[row1];
    const double valuesAt = op == kFillSparse ? a[7] : a[1], colsAt = op == kFillSparse ? a[8] : a[2];
    if (!(valuesAt + nnz * 4 <= static_cast<double>(m.bytes) && colsAt + nnz * 4 <= static_cast<double>(m.bytes))) return "the sparse entries run past the memory";
    if (op == kSparseScalingPass && !(a[6] + 8 <= static_cast<double>(m.bytes) && a[8] + 8 <= static_cast<double>(m.bytes))) return "v or col runs past the memory";
  }
  return "";
}

double runOne(const Memory& m, int op, const double* a) {
  switch (op) {
    case kRowKernel: rowKernel(m, a); return 0;
    case kScalingPass: return scalingPass(m, a);
    case kColumnLogSums: columnLogSums(m, a); return 0;
    case kCountAbove: countAbove(m, a); return 0;
    case kFillSparse: fillSparse(m, a); return 0;
    case kSparseScalingPass: return sparseScalingPass(m, a);
    case kArgmaxLabels: argmaxLabels(m, a); return 0;
  }
  return 0;
}

}  // namespace

napi_value SinkhornRun(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 5) {
    napi_throw_type_error(env, nullptr, "sinkhornRun(op, memory, args, blocks, argc)");
    return nullptr;
  }
  int32_t op, blocks, perBlock;
  if (napi_get_value_int32(env, argv[0], &op) != napi_ok || napi_get_value_int32(env, argv[3], &blocks) != napi_ok || napi_get_value_int32(env, argv[4], &perBlock) != napi_ok) {
    napi_throw_type_error(env, nullptr, "sinkhornRun: op, blocks and argc must be numbers");
    return nullptr;
  }
  if (op < 0 || op >= kOps || blocks < 1 || blocks > 1024 || perBlock != kArgc[op]) {
    napi_throw_range_error(env, nullptr, ("sinkhornRun: bad op " + std::to_string(op) + ", blocks or argc").c_str());
    return nullptr;
  }
  // The memory itself, an ArrayBuffer: no typed-array length limit (2^32 elements) on its size.
  bool isBuffer = false;
  size_t length;
  void* data;
  napi_is_arraybuffer(env, argv[1], &isBuffer);
  if (!isBuffer || napi_get_arraybuffer_info(env, argv[1], &data, &length) != napi_ok) {
    napi_throw_type_error(env, nullptr, "sinkhornRun: memory must be an ArrayBuffer");
    return nullptr;
  }
  const Memory mem{static_cast<uint8_t*>(data), length};
  bool typed = false;
  napi_typedarray_type type;
  size_t offset;
  napi_value buffer;
  napi_is_typedarray(env, argv[2], &typed);
  size_t argsLength;
  void* argsData;
  if (!typed || napi_get_typedarray_info(env, argv[2], &type, &argsLength, &argsData, &buffer, &offset) != napi_ok || type != napi_float64_array ||
      argsLength < static_cast<size_t>(blocks) * perBlock) {
    napi_throw_type_error(env, nullptr, "sinkhornRun: args must be a Float64Array of blocks x argc numbers");
    return nullptr;
  }
  // A copy: the checks below and the run see the same arguments.
  const std::vector<double> args(static_cast<const double*>(argsData), static_cast<const double*>(argsData) + static_cast<size_t>(blocks) * perBlock);
  for (int t = 0; t < blocks; t++) {
    const std::string bad = outOfBounds(mem, op, args.data() + t * perBlock);
    if (!bad.empty()) {
      napi_throw_range_error(env, nullptr, ("sinkhornRun: block " + std::to_string(t) + ": " + bad).c_str());
      return nullptr;
    }
  }
  std::vector<double> results(blocks);
#pragma omp parallel for num_threads(blocks) schedule(static, 1)
  for (int t = 0; t < blocks; t++) results[t] = runOne(mem, op, args.data() + t * perBlock);
  napi_value out, ab;
  void* outData;
  if (napi_create_arraybuffer(env, blocks * sizeof(double), &outData, &ab) != napi_ok || napi_create_typedarray(env, napi_float64_array, blocks, ab, 0, &out) != napi_ok) {
    napi_throw_error(env, nullptr, "sinkhornRun: no memory for the results");
    return nullptr;
  }
  std::memcpy(outData, results.data(), blocks * sizeof(double));
  return out;
}
