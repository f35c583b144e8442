// Native CPU kernels for training on the TensorFlow.js wasm backend: oneDNN (Debian's libdnnl,
// the library PyTorch's CPU convolutions run on) called on the tensors' memory in place. The
// JavaScript side (src/engine/native-kernels.ts) passes Float32Array views of the wasm heap, so
// nothing is copied; every geometry is validated there.
//
// Exports (each synchronous, returns undefined, throws a JS Error with oneDNN's message):
//   version() -> "oneDNN MAJOR.MINOR.PATCH (cpu_runtime, isa)"
//   convForward(x, w, y, geom), convBackwardData(dy, w, dx, geom), convBackwardWeights(x, dy, dw, geom)
//     2-D (NHWC data, HWIO filter) or 3-D (NDHWC, DHWIO), dilation 1. geom: Int32Array
//     [nd, N, C, F, in_1..in_nd, k_1..k_nd, out_1..out_nd, stride_1..stride_nd, padBefore_1..nd, padAfter_1..nd]
//   convForwardBias(x, w, bias, y, geom, relu): the forward conv plus a bias and, optionally, ReLU
//   maxPoolForward(x, y, geom), maxPoolBackward(dy, x, dx, geom)
//     2-D NHWC. geom: Int32Array [N, C, inH, inW, kH, kW, outH, outW, sH, sW, padTop, padLeft, padBottom, padRight]
//   matMul(a, b, c, m, k, n, transA, transB): c[m,n] = op(a) op(b), row-major.
//   batchNormForward(x, gamma, beta, y, mean, variance, m, c, eps), batchNormBackward(x, dy, gamma,
//     mean, variance, dx, dgamma, dbeta, m, c, eps): over the m rows of [m, c], batch statistics.
//   binaryBroadcast(op, a, b, out, plan): add/sub/mul/div/max/min with broadcasting, collapsed shapes.
//   sinkhornRun(op, memory, args, blocks, argc): the Sinkhorn solve's row-block kernels (sinkhorn_kernels.cc).
#include <node_api.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <omp.h>

#include "oneapi/dnnl/dnnl.hpp"
#include "alignment.h"
#include "huge_pages.h"
#include "reexec.h"
#include "sinkhorn_kernels.h"

namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

dnnl::engine& cpu() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}
dnnl::stream& cpuStream() {
  static dnnl::stream s(cpu());
  return s;
}

// ---- Node-API plumbing ----

struct Floats {
  float* data = nullptr;
  size_t length = 0;
};

bool throwIf(napi_env env, napi_status status, const char* what) {
  if (status == napi_ok) return false;
  napi_throw_error(env, nullptr, what);
  return true;
}

bool floatArg(napi_env env, napi_value v, Floats* out, const char* name) {
  bool isTyped = false;
  napi_is_typedarray(env, v, &isTyped);
  if (!isTyped) {
    napi_throw_type_error(env, nullptr, (std::string(name) + " must be a Float32Array").c_str());
    return false;
  }
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value buffer;
  size_t offset;
  if (throwIf(env, napi_get_typedarray_info(env, v, &type, &length, &data, &buffer, &offset), "typed array info")) return false;
  if (type != napi_float32_array) {
    napi_throw_type_error(env, nullptr, (std::string(name) + " must be a Float32Array").c_str());
    return false;
  }
  out->data = static_cast<float*>(data);
  out->length = length;
  return true;
}

bool intsArg(napi_env env, napi_value v, std::vector<int64_t>* out, const char* name) {
  bool isTyped = false;
  napi_is_typedarray(env, v, &isTyped);
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value buffer;
  size_t offset;
  if (!isTyped || napi_get_typedarray_info(env, v, &type, &length, &data, &buffer, &offset) != napi_ok || type != napi_int32_array) {
    napi_throw_type_error(env, nullptr, (std::string(name) + " must be an Int32Array").c_str());
    return false;
  }
  const int32_t* p = static_cast<const int32_t*>(data);
  out->assign(p, p + length);
  return true;
}

bool int64Arg(napi_env env, napi_value v, int64_t* out, const char* name) {
  int64_t x;
  if (napi_get_value_int64(env, v, &x) != napi_ok) {
    napi_throw_type_error(env, nullptr, (std::string(name) + " must be a number").c_str());
    return false;
  }
  *out = x;
  return true;
}

bool boolArg(napi_env env, napi_value v, bool* out) {
  return napi_get_value_bool(env, v, out) == napi_ok;
}

template <size_t N>
bool args(napi_env env, napi_callback_info info, napi_value (&argv)[N]) {
  size_t argc = N;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < N) {
    napi_throw_type_error(env, nullptr, ("expected " + std::to_string(N) + " arguments").c_str());
    return false;
  }
  return true;
}

bool sized(napi_env env, const Floats& f, int64_t n, const char* name) {
  if (static_cast<int64_t>(f.length) >= n) return true;
  napi_throw_range_error(env, nullptr, (std::string(name) + ": " + std::to_string(f.length) + " floats, the geometry needs " + std::to_string(n)).c_str());
  return false;
}

// Memory-bound primitives run on the calling thread alone: their OpenMP barriers, with the other
// threads asleep (OMP_WAIT_POLICY=PASSIVE) or their core taken by the wasm backend's own workers,
// cost a scheduler wake-up each (the batch-norm forward of [32,7,7,64] took 5 ms a call on two
// threads, 0.2 ms on one). OpenMP's thread count is per calling thread, so this is scoped.
struct OneThread {
  int saved = omp_get_max_threads();
  OneThread() { omp_set_num_threads(1); }
  ~OneThread() { omp_set_num_threads(saved); }
};

// ---- convolution ----

struct ConvGeometry {
  int nd;
  memory::dims src, weights, dst, strides, padL, padR;
  tag dataTag, weightsTag;
  int64_t srcSize, weightsSize, dstSize;
  std::string key;
};

int64_t product(const memory::dims& d) {
  int64_t p = 1;
  for (auto x : d) p *= x;
  return p;
}

bool convGeometry(napi_env env, const std::vector<int64_t>& g, ConvGeometry* out) {
  if (g.empty() || (g[0] != 2 && g[0] != 3) || g.size() != static_cast<size_t>(4 + 6 * g[0])) {
    napi_throw_range_error(env, nullptr, "conv geometry: [nd, N, C, F, in.., k.., out.., stride.., padBefore.., padAfter..] with nd 2 or 3");
    return false;
  }
  const int nd = static_cast<int>(g[0]);
  const int64_t n = g[1], c = g[2], f = g[3];
  auto part = [&](int i) { return memory::dims(g.begin() + 4 + i * nd, g.begin() + 4 + (i + 1) * nd); };
  memory::dims in = part(0), k = part(1), o = part(2);
  out->nd = nd;
  out->src = {n, c};
  out->src.insert(out->src.end(), in.begin(), in.end());
  out->weights = {f, c};
  out->weights.insert(out->weights.end(), k.begin(), k.end());
  out->dst = {n, f};
  out->dst.insert(out->dst.end(), o.begin(), o.end());
  out->strides = part(3);
  out->padL = part(4);
  out->padR = part(5);
  out->dataTag = nd == 2 ? tag::nhwc : tag::ndhwc;
  out->weightsTag = nd == 2 ? tag::hwio : tag::dhwio;
  out->srcSize = product(out->src);
  out->weightsSize = product(out->weights);
  out->dstSize = product(out->dst);
  for (auto x : g) if (x < 0) {
    napi_throw_range_error(env, nullptr, "conv geometry: negative entry");
    return false;
  }
  out->key.clear();
  for (auto x : g) out->key += std::to_string(x) + ",";
  return true;
}

// Data stays NHWC/NDHWC (the tensors' own memory); the filter takes the layout the primitive
// likes best (format any: blocked for the JIT direct and brgemm kernels, where the fixed HWIO
// layout gets oneDNN's slow im2col+gemm path) and is reordered to and from the user's layout,
// which costs little: filters are small beside activations.
struct ConvPrimitive {
  dnnl::primitive conv;
  memory::desc userWeights, weights;
  std::unique_ptr<dnnl::reorder> toPrimitive, toUser;  // null where the layouts already agree
};

// Primitives are created (and JIT-compiled) once per geometry and kept for the process.
std::mutex cacheMutex;
std::unordered_map<std::string, std::shared_ptr<ConvPrimitive>> convCache;
std::unordered_map<std::string, std::shared_ptr<dnnl::primitive>> primitives;

template <typename Make>
std::shared_ptr<ConvPrimitive> cachedConv(const std::string& key, Make make) {
  std::lock_guard<std::mutex> lock(cacheMutex);
  auto it = convCache.find(key);
  if (it != convCache.end()) return it->second;
  auto p = std::make_shared<ConvPrimitive>(make());
  convCache.emplace(key, p);
  return p;
}

template <typename Make>
std::shared_ptr<dnnl::primitive> cached(const std::string& key, Make make) {
  std::lock_guard<std::mutex> lock(cacheMutex);
  auto it = primitives.find(key);
  if (it != primitives.end()) return it->second;
  auto p = std::make_shared<dnnl::primitive>(make());
  primitives.emplace(key, p);
  return p;
}

memory::desc anyWeights(const ConvGeometry& g) { return memory::desc(g.weights, dt::f32, tag::any); }
memory::desc userWeights(const ConvGeometry& g) { return memory::desc(g.weights, dt::f32, g.weightsTag); }

dnnl::convolution_forward::primitive_desc convForwardPd(const ConvGeometry& g) {
  memory::desc src(g.src, dt::f32, g.dataTag), dst(g.dst, dt::f32, g.dataTag);
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, src, anyWeights(g), dst, g.strides, g.padL, g.padR);
  return dnnl::convolution_forward::primitive_desc(d, cpu());
}

ConvPrimitive withWeightsLayout(dnnl::primitive conv, const ConvGeometry& g, const memory::desc& weights, bool weightsAreOutput) {
  ConvPrimitive p{std::move(conv), userWeights(g), weights, nullptr, nullptr};
  if (weights != p.userWeights) {
    if (weightsAreOutput) p.toUser = std::make_unique<dnnl::reorder>(dnnl::reorder::primitive_desc(cpu(), weights, cpu(), p.userWeights));
    else p.toPrimitive = std::make_unique<dnnl::reorder>(dnnl::reorder::primitive_desc(cpu(), p.userWeights, cpu(), weights));
  }
  return p;
}

// The filter in the primitive's layout: the user's memory itself, or a reordered copy.
memory primitiveWeights(const ConvPrimitive& p, float* user, std::vector<float>& scratch) {
  memory u(p.userWeights, cpu(), user);
  if (!p.toPrimitive) return u;
  scratch.resize(p.weights.get_size() / sizeof(float) + 16);
  memory w(p.weights, cpu(), scratch.data());
  p.toPrimitive->execute(cpuStream(), u, w);
  return w;
}

napi_value run(napi_env env, const std::function<void()>& body) {
  try {
    body();
  } catch (const dnnl::error& e) {
    napi_throw_error(env, nullptr, (std::string("oneDNN: ") + e.what()).c_str());
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, e.what());
  }
  return nullptr;
}

thread_local std::vector<float> weightsScratch;

// The arguments of the three convolution entry points, (a, b, c, geom): three Float32Arrays, each
// checked against the size of the tensor it plays (input, filter or output), and the geometry.
enum class ConvRole { Src, Weights, Dst };

bool convArgs(napi_env env, napi_callback_info info, const char* const (&names)[3], const ConvRole (&roles)[3], Floats (&arrays)[3], ConvGeometry* g) {
  napi_value argv[4];
  std::vector<int64_t> geom;
  if (!args(env, info, argv)) return false;
  for (int i = 0; i < 3; i++) if (!floatArg(env, argv[i], &arrays[i], names[i])) return false;
  if (!intsArg(env, argv[3], &geom, "geom") || !convGeometry(env, geom, g)) return false;
  for (int i = 0; i < 3; i++) {
    const int64_t need = roles[i] == ConvRole::Src ? g->srcSize : roles[i] == ConvRole::Weights ? g->weightsSize : g->dstSize;
    if (!sized(env, arrays[i], need, names[i])) return false;
  }
  return true;
}

napi_value ConvForward(napi_env env, napi_callback_info info) {
  Floats a[3];
  ConvGeometry g;
  if (!convArgs(env, info, {"x", "w", "y"}, {ConvRole::Src, ConvRole::Weights, ConvRole::Dst}, a, &g)) return nullptr;
  const Floats &x = a[0], &w = a[1], &y = a[2];
  return run(env, [&] {
    auto p = cachedConv("cf" + g.key, [&] {
      auto pd = convForwardPd(g);
      return withWeightsLayout(dnnl::convolution_forward(pd), g, pd.weights_desc(), false);
    });
    memory wm = primitiveWeights(*p, w.data, weightsScratch);
    memory src({g.src, dt::f32, g.dataTag}, cpu(), x.data), dst({g.dst, dt::f32, g.dataTag}, cpu(), y.data);
    p->conv.execute(cpuStream(), {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, dst}});
    cpuStream().wait();
  });
}

// convForwardBias(x, w, bias, y, geom, relu): y = conv(x, w) + bias, then max(0, .) when relu
// (tfjs's FusedConv2D: what the released network's layers are), one primitive with a post-op.
napi_value ConvForwardBias(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!args(env, info, argv)) return nullptr;
  Floats x, w, bias, y;
  std::vector<int64_t> geom;
  ConvGeometry g;
  bool relu = false;
  if (!floatArg(env, argv[0], &x, "x") || !floatArg(env, argv[1], &w, "w") || !floatArg(env, argv[2], &bias, "bias") || !floatArg(env, argv[3], &y, "y") || !intsArg(env, argv[4], &geom, "geom") ||
      !convGeometry(env, geom, &g) || !boolArg(env, argv[5], &relu)) return nullptr;
  const int64_t f = g.weights[0];
  if (!sized(env, x, g.srcSize, "x") || !sized(env, w, g.weightsSize, "w") || !sized(env, bias, f, "bias") || !sized(env, y, g.dstSize, "y")) return nullptr;
  return run(env, [&] {
    auto p = cachedConv(std::string(relu ? "cbr" : "cb") + g.key, [&] {
      memory::desc src(g.src, dt::f32, g.dataTag), dst(g.dst, dt::f32, g.dataTag), b({f}, dt::f32, tag::a);
      dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src, anyWeights(g), b, dst, g.strides, g.padL, g.padR);
      dnnl::primitive_attr attr;
      if (relu) {
        dnnl::post_ops ops;
        ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
        attr.set_post_ops(ops);
      }
      dnnl::convolution_forward::primitive_desc pd(d, attr, cpu());
      return withWeightsLayout(dnnl::convolution_forward(pd), g, pd.weights_desc(), false);
    });
    memory wm = primitiveWeights(*p, w.data, weightsScratch);
    memory src({g.src, dt::f32, g.dataTag}, cpu(), x.data), dst({g.dst, dt::f32, g.dataTag}, cpu(), y.data), b(memory::desc({f}, dt::f32, tag::a), cpu(), bias.data);
    p->conv.execute(cpuStream(), {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_BIAS, b}, {DNNL_ARG_DST, dst}});
    cpuStream().wait();
  });
}

napi_value ConvBackwardData(napi_env env, napi_callback_info info) {
  Floats a[3];
  ConvGeometry g;
  if (!convArgs(env, info, {"dy", "w", "dx"}, {ConvRole::Dst, ConvRole::Weights, ConvRole::Src}, a, &g)) return nullptr;
  const Floats &dy = a[0], &w = a[1], &dx = a[2];
  return run(env, [&] {
    auto p = cachedConv("cd" + g.key, [&] {
      memory::desc src(g.src, dt::f32, g.dataTag), dst(g.dst, dt::f32, g.dataTag);
      dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, src, anyWeights(g), dst, g.strides, g.padL, g.padR);
      dnnl::convolution_backward_data::primitive_desc pd(d, cpu(), convForwardPd(g));
      return withWeightsLayout(dnnl::convolution_backward_data(pd), g, pd.weights_desc(), false);
    });
    memory wm = primitiveWeights(*p, w.data, weightsScratch);
    memory dsrc({g.src, dt::f32, g.dataTag}, cpu(), dx.data), ddst({g.dst, dt::f32, g.dataTag}, cpu(), dy.data);
    p->conv.execute(cpuStream(), {{DNNL_ARG_DIFF_DST, ddst}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DIFF_SRC, dsrc}});
    cpuStream().wait();
  });
}

napi_value ConvBackwardWeights(napi_env env, napi_callback_info info) {
  Floats a[3];
  ConvGeometry g;
  if (!convArgs(env, info, {"x", "dy", "dw"}, {ConvRole::Src, ConvRole::Dst, ConvRole::Weights}, a, &g)) return nullptr;
  const Floats &x = a[0], &dy = a[1], &dw = a[2];
  return run(env, [&] {
    auto p = cachedConv("cw" + g.key, [&] {
      memory::desc src(g.src, dt::f32, g.dataTag), dst(g.dst, dt::f32, g.dataTag);
      dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, src, anyWeights(g), dst, g.strides, g.padL, g.padR);
      dnnl::convolution_backward_weights::primitive_desc pd(d, cpu(), convForwardPd(g));
      return withWeightsLayout(dnnl::convolution_backward_weights(pd), g, pd.diff_weights_desc(), true);
    });
    memory user(p->userWeights, cpu(), dw.data);
    memory dwm = user;
    if (p->toUser) {
      weightsScratch.resize(p->weights.get_size() / sizeof(float) + 16);
      dwm = memory(p->weights, cpu(), weightsScratch.data());
    }
    memory src({g.src, dt::f32, g.dataTag}, cpu(), x.data), ddst({g.dst, dt::f32, g.dataTag}, cpu(), dy.data);
    p->conv.execute(cpuStream(), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, ddst}, {DNNL_ARG_DIFF_WEIGHTS, dwm}});
    if (p->toUser) p->toUser->execute(cpuStream(), dwm, user);
    cpuStream().wait();
  });
}

// ---- max pooling (2-D, NHWC) ----

struct PoolGeometry {
  memory::dims src, dst, kernel, strides, padL, padR;
  std::string key;
};

bool poolGeometry(napi_env env, const std::vector<int64_t>& g, PoolGeometry* out) {
  if (g.size() != 14) {
    napi_throw_range_error(env, nullptr, "pool geometry: [N, C, inH, inW, kH, kW, outH, outW, sH, sW, padTop, padLeft, padBottom, padRight]");
    return false;
  }
  out->src = {g[0], g[1], g[2], g[3]};
  out->dst = {g[0], g[1], g[6], g[7]};
  out->kernel = {g[4], g[5]};
  out->strides = {g[8], g[9]};
  out->padL = {g[10], g[11]};
  out->padR = {g[12], g[13]};
  out->key.clear();
  for (auto x : g) out->key += std::to_string(x) + ",";
  return true;
}

dnnl::pooling_forward::primitive_desc poolForwardPd(const PoolGeometry& g) {
  memory::desc src(g.src, dt::f32, tag::nhwc), dst(g.dst, dt::f32, tag::nhwc);
  dnnl::pooling_forward::desc d(dnnl::prop_kind::forward_training, dnnl::algorithm::pooling_max, src, dst, g.strides, g.kernel, g.padL, g.padR);
  return dnnl::pooling_forward::primitive_desc(d, cpu());
}

// Max pooling's backward pass needs the forward pass's workspace (where each maximum was); the
// forward kernel of a training step does not keep it, so the backward pass recomputes it from x.
napi_value MaxPoolForward(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!args(env, info, argv)) return nullptr;
  Floats x, y;
  std::vector<int64_t> geom;
  PoolGeometry g;
  if (!floatArg(env, argv[0], &x, "x") || !floatArg(env, argv[1], &y, "y") || !intsArg(env, argv[2], &geom, "geom") || !poolGeometry(env, geom, &g)) return nullptr;
  if (!sized(env, x, product(g.src), "x") || !sized(env, y, product(g.dst), "y")) return nullptr;
  return run(env, [&] {
    memory::desc src(g.src, dt::f32, tag::nhwc), dst(g.dst, dt::f32, tag::nhwc);
    dnnl::pooling_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_max, src, dst, g.strides, g.kernel, g.padL, g.padR);
    auto p = cached("pf" + g.key, [&] { return dnnl::pooling_forward(dnnl::pooling_forward::primitive_desc(d, cpu())); });
    memory sm(src, cpu(), x.data), dm(dst, cpu(), y.data);
    p->execute(cpuStream(), {{DNNL_ARG_SRC, sm}, {DNNL_ARG_DST, dm}});
    cpuStream().wait();
  });
}

napi_value MaxPoolBackward(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!args(env, info, argv)) return nullptr;
  Floats dy, x, dx;
  std::vector<int64_t> geom;
  PoolGeometry g;
  if (!floatArg(env, argv[0], &dy, "dy") || !floatArg(env, argv[1], &x, "x") || !floatArg(env, argv[2], &dx, "dx") || !intsArg(env, argv[3], &geom, "geom") || !poolGeometry(env, geom, &g)) return nullptr;
  if (!sized(env, x, product(g.src), "x") || !sized(env, dy, product(g.dst), "dy") || !sized(env, dx, product(g.src), "dx")) return nullptr;
  return run(env, [&] {
    auto fpd = poolForwardPd(g);
    auto fwd = cached("pt" + g.key, [&] { return dnnl::pooling_forward(fpd); });
    auto bwd = cached("pb" + g.key, [&] {
      memory::desc src(g.src, dt::f32, tag::nhwc), dst(g.dst, dt::f32, tag::nhwc);
      dnnl::pooling_backward::desc d(dnnl::algorithm::pooling_max, src, dst, g.strides, g.kernel, g.padL, g.padR);
      return dnnl::pooling_backward(dnnl::pooling_backward::primitive_desc(d, cpu(), fpd));
    });
    memory::desc src(g.src, dt::f32, tag::nhwc), dst(g.dst, dt::f32, tag::nhwc);
    thread_local std::vector<float> yScratch;
    thread_local std::vector<uint8_t> wsScratch;
    yScratch.resize(product(g.dst));
    wsScratch.resize(fpd.workspace_desc().get_size() + 64);
    memory sm(src, cpu(), x.data), ym(dst, cpu(), yScratch.data()), ws(fpd.workspace_desc(), cpu(), wsScratch.data());
    fwd->execute(cpuStream(), {{DNNL_ARG_SRC, sm}, {DNNL_ARG_DST, ym}, {DNNL_ARG_WORKSPACE, ws}});
    memory ddst(dst, cpu(), dy.data), dsrc(src, cpu(), dx.data);
    bwd->execute(cpuStream(), {{DNNL_ARG_DIFF_DST, ddst}, {DNNL_ARG_WORKSPACE, ws}, {DNNL_ARG_DIFF_SRC, dsrc}});
    cpuStream().wait();
  });
}

// ---- batch normalisation over all axes but the last (training: batch statistics) ----
// x is [M, C] in memory (NHWC flattened); oneDNN sees it as N = M, C, 1 x 1 in nhwc. Variance is
// the biased one (divided by M), as tf.moments gives.

struct BnPrimitives {
  dnnl::batch_normalization_forward::primitive_desc fwdPd;
  dnnl::batch_normalization_forward fwd;
  dnnl::batch_normalization_backward bwd;
};
std::unordered_map<std::string, std::shared_ptr<BnPrimitives>> bnCache;

std::shared_ptr<BnPrimitives> bnPrimitives(int64_t m, int64_t c, float eps) {
  const std::string key = std::to_string(m) + "," + std::to_string(c) + "," + std::to_string(eps);
  std::lock_guard<std::mutex> lock(cacheMutex);
  auto it = bnCache.find(key);
  if (it != bnCache.end()) return it->second;
  memory::desc data({m, c, 1, 1}, dt::f32, tag::nhwc);
  const auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
  dnnl::batch_normalization_forward::desc fd(dnnl::prop_kind::forward_training, data, eps, flags);
  dnnl::batch_normalization_forward::primitive_desc fpd(fd, cpu());
  dnnl::batch_normalization_backward::desc bd(dnnl::prop_kind::backward, data, data, eps, flags);
  dnnl::batch_normalization_backward::primitive_desc bpd(bd, cpu(), fpd);
  auto p = std::make_shared<BnPrimitives>(BnPrimitives{fpd, dnnl::batch_normalization_forward(fpd), dnnl::batch_normalization_backward(bpd)});
  bnCache.emplace(key, p);
  return p;
}

double doubleArg(napi_env env, napi_value v) {
  double x = 0;
  napi_get_value_double(env, v, &x);
  return x;
}

// batchNormForward(x, gamma, beta, y, mean, variance, m, c, eps)
napi_value BatchNormForward(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!args(env, info, argv)) return nullptr;
  Floats x, gamma, beta, y, mean, variance;
  int64_t m, c;
  if (!floatArg(env, argv[0], &x, "x") || !floatArg(env, argv[1], &gamma, "gamma") || !floatArg(env, argv[2], &beta, "beta") || !floatArg(env, argv[3], &y, "y") ||
      !floatArg(env, argv[4], &mean, "mean") || !floatArg(env, argv[5], &variance, "variance") || !int64Arg(env, argv[6], &m, "m") || !int64Arg(env, argv[7], &c, "c")) return nullptr;
  const float eps = static_cast<float>(doubleArg(env, argv[8]));
  if (m <= 0 || c <= 0) {
    napi_throw_range_error(env, nullptr, "batchNormForward: m and c must be positive");
    return nullptr;
  }
  if (!sized(env, x, m * c, "x") || !sized(env, y, m * c, "y") || !sized(env, gamma, c, "gamma") || !sized(env, beta, c, "beta") || !sized(env, mean, c, "mean") || !sized(env, variance, c, "variance")) return nullptr;
  return run(env, [&] {
    OneThread oneThread;
    auto p = bnPrimitives(m, c, eps);
    memory::desc data({m, c, 1, 1}, dt::f32, tag::nhwc), vec({c}, dt::f32, tag::a);
    memory xm(data, cpu(), x.data), ym(data, cpu(), y.data), g(vec, cpu(), gamma.data), b(vec, cpu(), beta.data), mu(vec, cpu(), mean.data), var(vec, cpu(), variance.data);
    p->fwd.execute(cpuStream(), {{DNNL_ARG_SRC, xm}, {DNNL_ARG_DST, ym}, {DNNL_ARG_SCALE, g}, {DNNL_ARG_SHIFT, b}, {DNNL_ARG_MEAN, mu}, {DNNL_ARG_VARIANCE, var}});
    cpuStream().wait();
  });
}

// batchNormBackward(x, dy, gamma, mean, variance, dx, dgamma, dbeta, m, c, eps)
napi_value BatchNormBackward(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  if (!args(env, info, argv)) return nullptr;
  Floats x, dy, gamma, mean, variance, dx, dgamma, dbeta;
  int64_t m, c;
  if (!floatArg(env, argv[0], &x, "x") || !floatArg(env, argv[1], &dy, "dy") || !floatArg(env, argv[2], &gamma, "gamma") || !floatArg(env, argv[3], &mean, "mean") ||
      !floatArg(env, argv[4], &variance, "variance") || !floatArg(env, argv[5], &dx, "dx") || !floatArg(env, argv[6], &dgamma, "dgamma") || !floatArg(env, argv[7], &dbeta, "dbeta") ||
      !int64Arg(env, argv[8], &m, "m") || !int64Arg(env, argv[9], &c, "c")) return nullptr;
  const float eps = static_cast<float>(doubleArg(env, argv[10]));
  if (m <= 0 || c <= 0) {
    napi_throw_range_error(env, nullptr, "batchNormBackward: m and c must be positive");
    return nullptr;
  }
  if (!sized(env, x, m * c, "x") || !sized(env, dy, m * c, "dy") || !sized(env, dx, m * c, "dx") || !sized(env, gamma, c, "gamma") || !sized(env, mean, c, "mean") ||
      !sized(env, variance, c, "variance") || !sized(env, dgamma, c, "dgamma") || !sized(env, dbeta, c, "dbeta")) return nullptr;
  return run(env, [&] {
    OneThread oneThread;
    auto p = bnPrimitives(m, c, eps);
    memory::desc data({m, c, 1, 1}, dt::f32, tag::nhwc), vec({c}, dt::f32, tag::a);
    // oneDNN 2.6 asks for the shift among the backward pass's arguments though the gradient does
    // not depend on it: zeros.
    thread_local std::vector<float> shift;
    shift.assign(c, 0.0f);
    memory xm(data, cpu(), x.data), dym(data, cpu(), dy.data), dxm(data, cpu(), dx.data), g(vec, cpu(), gamma.data), mu(vec, cpu(), mean.data), var(vec, cpu(), variance.data),
        dg(vec, cpu(), dgamma.data), db(vec, cpu(), dbeta.data), b(vec, cpu(), shift.data());
    p->bwd.execute(cpuStream(), {{DNNL_ARG_SRC, xm}, {DNNL_ARG_DIFF_DST, dym}, {DNNL_ARG_SCALE, g}, {DNNL_ARG_SHIFT, b}, {DNNL_ARG_MEAN, mu}, {DNNL_ARG_VARIANCE, var},
                                 {DNNL_ARG_DIFF_SRC, dxm}, {DNNL_ARG_DIFF_SCALE, dg}, {DNNL_ARG_DIFF_SHIFT, db}});
    cpuStream().wait();
  });
}

// ---- element-wise binary ops with broadcasting ----
// The wasm package runs broadcasting element-wise ops through a generic per-element index walk
// (a per-clip floor of the audio input, [32,99,40] against [32,1,1], took 19 ms). Here the shapes
// come collapsed (src/engine/kernels/broadcast-plan.ts): an outer odometer, then a contiguous inner
// loop whose strides are 0 or 1, which the compiler vectorises.

enum BinaryOp { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kMax = 4, kMin = 5 };

template <typename F>
void broadcastLoop(const float* a, const float* b, float* out, const std::vector<int64_t>& dims, const std::vector<int64_t>& sa, const std::vector<int64_t>& sb, F f) {
  const size_t r = dims.size();
  const int64_t inner = dims[r - 1], ia = sa[r - 1], ib = sb[r - 1];
  int64_t outer = 1;
  for (size_t i = 0; i + 1 < r; i++) outer *= dims[i];
  std::vector<int64_t> idx(r, 0);
  int64_t offA = 0, offB = 0;
  for (int64_t o = 0; o < outer; o++) {
    const float* pa = a + offA;
    const float* pb = b + offB;
    float* po = out + o * inner;
    if (ia == 1 && ib == 1) for (int64_t i = 0; i < inner; i++) po[i] = f(pa[i], pb[i]);
    else if (ia == 1) { const float y = pb[0]; for (int64_t i = 0; i < inner; i++) po[i] = f(pa[i], y); }
    else if (ib == 1) { const float x = pa[0]; for (int64_t i = 0; i < inner; i++) po[i] = f(x, pb[i]); }
    else { const float v = f(pa[0], pb[0]); for (int64_t i = 0; i < inner; i++) po[i] = v; }
    for (int64_t d = static_cast<int64_t>(r) - 2; d >= 0; d--) {  // the odometer over the outer axes
      offA += sa[d];
      offB += sb[d];
      if (++idx[d] < dims[d]) break;
      offA -= sa[d] * dims[d];
      offB -= sb[d] * dims[d];
      idx[d] = 0;
    }
  }
}

// binaryBroadcast(op, a, b, out, plan): plan = [rank, dims.., stridesA.., stridesB..] (elements).
napi_value BinaryBroadcast(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!args(env, info, argv)) return nullptr;
  int64_t op;
  Floats a, b, out;
  std::vector<int64_t> plan;
  if (!int64Arg(env, argv[0], &op, "op") || !floatArg(env, argv[1], &a, "a") || !floatArg(env, argv[2], &b, "b") || !floatArg(env, argv[3], &out, "out") || !intsArg(env, argv[4], &plan, "plan")) return nullptr;
  const int64_t r = plan.empty() ? 0 : plan[0];
  if (r < 1 || plan.size() != static_cast<size_t>(1 + 3 * r) || op < kAdd || op > kMin) {
    napi_throw_range_error(env, nullptr, "binaryBroadcast: op 0..5 and plan [rank, dims.., stridesA.., stridesB..]");
    return nullptr;
  }
  std::vector<int64_t> dims(plan.begin() + 1, plan.begin() + 1 + r), sa(plan.begin() + 1 + r, plan.begin() + 1 + 2 * r), sb(plan.begin() + 1 + 2 * r, plan.end());
  int64_t n = 1, lastA = 0, lastB = 0;
  for (int64_t i = 0; i < r; i++) {
    if (dims[i] <= 0 || sa[i] < 0 || sb[i] < 0) {
      napi_throw_range_error(env, nullptr, "binaryBroadcast: dims must be positive and strides non-negative");
      return nullptr;
    }
    n *= dims[i];
    lastA += sa[i] * (dims[i] - 1);
    lastB += sb[i] * (dims[i] - 1);
  }
  if (!sized(env, out, n, "out") || !sized(env, a, lastA + 1, "a") || !sized(env, b, lastB + 1, "b")) return nullptr;
  switch (op) {
    case kAdd: broadcastLoop(a.data, b.data, out.data, dims, sa, sb, [](float x, float y) { return x + y; }); break;
    case kSub: broadcastLoop(a.data, b.data, out.data, dims, sa, sb, [](float x, float y) { return x - y; }); break;
    case kMul: broadcastLoop(a.data, b.data, out.data, dims, sa, sb, [](float x, float y) { return x * y; }); break;
    case kDiv: broadcastLoop(a.data, b.data, out.data, dims, sa, sb, [](float x, float y) { return x / y; }); break;
    // NaN in either input gives NaN, as tfjs's own kernels do.
    case kMax: broadcastLoop(a.data, b.data, out.data, dims, sa, sb, [](float x, float y) { return x != x || y != y ? x + y : (x > y ? x : y); }); break;
    case kMin: broadcastLoop(a.data, b.data, out.data, dims, sa, sb, [](float x, float y) { return x != x || y != y ? x + y : (x < y ? x : y); }); break;
  }
  return nullptr;
}

// ---- dense ----

napi_value MatMul(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  if (!args(env, info, argv)) return nullptr;
  Floats a, b, c;
  int64_t m, k, n;
  bool ta = false, tb = false;
  if (!floatArg(env, argv[0], &a, "a") || !floatArg(env, argv[1], &b, "b") || !floatArg(env, argv[2], &c, "c") || !int64Arg(env, argv[3], &m, "m") || !int64Arg(env, argv[4], &k, "k") || !int64Arg(env, argv[5], &n, "n")) return nullptr;
  boolArg(env, argv[6], &ta);
  boolArg(env, argv[7], &tb);
  if (m <= 0 || k <= 0 || n <= 0) {
    napi_throw_range_error(env, nullptr, "matMul: m, k, n must be positive");
    return nullptr;
  }
  if (!sized(env, a, m * k, "a") || !sized(env, b, k * n, "b") || !sized(env, c, m * n, "c")) return nullptr;
  // Dense layers here are small (32 x 128 x 10): one thread, as for batch norm (below the
  // threshold a barrier's wake-up costs more than the product).
  std::unique_ptr<OneThread> oneThread;
  if (m * n * k < (int64_t{1} << 24)) oneThread = std::make_unique<OneThread>();
  const char transA = ta ? 'T' : 'N', transB = tb ? 'T' : 'N';
  const int64_t lda = ta ? m : k, ldb = tb ? k : n;
  const dnnl_status_t s = dnnl_sgemm(transA, transB, m, n, k, 1.0f, a.data, lda, b.data, ldb, 0.0f, c.data, n);
  if (s != dnnl_success) napi_throw_error(env, nullptr, ("oneDNN sgemm failed with status " + std::to_string(s)).c_str());
  return nullptr;
}

napi_value Version(napi_env env, napi_callback_info) {
  const dnnl_version_t* v = dnnl_version();
  const std::string text = "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch) + " (" +
                           (v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : v->cpu_runtime == DNNL_RUNTIME_TBB ? "TBB" : "sequential") + ")";
  napi_value out;
  napi_create_string_utf8(env, text.c_str(), text.size(), &out);
  return out;
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"version", nullptr, Version, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"convForward", nullptr, ConvForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"convForwardBias", nullptr, ConvForwardBias, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"convBackwardData", nullptr, ConvBackwardData, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"convBackwardWeights", nullptr, ConvBackwardWeights, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPoolForward", nullptr, MaxPoolForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPoolBackward", nullptr, MaxPoolBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matMul", nullptr, MatMul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormForward", nullptr, BatchNormForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binaryBroadcast", nullptr, BinaryBroadcast, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormBackward", nullptr, BatchNormBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sinkhornRun", nullptr, SinkhornRun, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adviseHugePages", nullptr, AdviseHugePages, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"alignmentOffset", nullptr, AlignmentOffset, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reexec", nullptr, Reexec, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
